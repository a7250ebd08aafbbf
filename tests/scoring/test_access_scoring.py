"""Scoring's scopes and actions (tuijin/scoring/permissions.py), persona by persona: periods and rankings
are announced to every unit, the ledger, exemptions, bonuses and reports are read by the unit they are
about; the office computes and closes within its subtree; only the named leaders sign."""

from datetime import date
from decimal import Decimal

import pytest

from tests.factories import account
from tests.scoring.exemption_factories import (
    applied,
    period,
    project,
    rectification,
    wanghai,
    with_rules,
    year,
)
from tuijin.core.access import can, scope
from tuijin.org.models import Role
from tuijin.scoring.models import Bonus, Exemption, Rectification, ScoreEntry, ScorePeriod, UnitScore

ROLES = ["admin", "leader", "unit_head", "reporter", "supervisor", "discipline"]


@pytest.fixture
def q2(world):
    return period(world, "2024Q2", version=with_rules(world))


def _entry(p, unit):
    return ScoreEntry.objects.create(
        period=p,
        unit=unit,
        kind="late_start",
        rule_version=p.rule_version,
        category="new_starts",
        points=Decimal(-4),
        weighted=Decimal("-1.6"),
        on=date(2024, 6, 1),
        key=f"late_start:u{unit.pk}",
        sentence="延期开工扣 4 分",
    )


def _score(p, unit):
    return UnitScore.objects.create(
        period=p, unit=unit, group="dept", group_name="区直单位", total=Decimal(98)
    )


@pytest.mark.parametrize(
    ("who", "periods", "scores", "entries"),
    [
        ("admin", 1, 2, 2),
        ("leader", 1, 2, 2),
        ("supervisor", 1, 2, 2),
        ("unit_head", 1, 2, 1),  # the ranking is announced; the ledger of its own unit only
        ("reporter", 1, 2, 1),
        ("discipline", 0, 0, 0),
        ("foreign_admin", 0, 0, 0),
    ],
)
def test_scopes(world, q2, who, periods, scores, entries):
    for unit in (world.dept, world.other_dept):
        _entry(q2, unit)
        _score(q2, unit)
    user = getattr(world, who)
    assert scope(user, ScorePeriod.objects.all()).count() == periods
    assert scope(user, UnitScore.objects.all()).count() == scores
    assert scope(user, ScoreEntry.objects.all()).count() == entries
    if entries == 1:
        assert scope(user, ScoreEntry.objects.all()).get().unit == world.dept


def test_unit_records_are_read_by_their_unit(world, q2):
    applied(world)
    Bonus.objects.create(
        period=year(world), unit=world.other_dept, points=1, reason="表扬", proposed_by=world.admin
    )
    rectification(world, q2, unit=world.other_dept)
    for model in (Exemption, Bonus, Rectification):
        assert scope(world.admin, model.objects.all()).count() == 1
    assert scope(world.reporter, Exemption.objects.all()).count() == 1
    assert scope(world.reporter, Bonus.objects.all()).count() == 0
    assert scope(world.reporter, Rectification.objects.all()).count() == 0
    assert scope(world.discipline, Exemption.objects.all()).count() == 0


@pytest.mark.parametrize(
    ("action", "allowed"),
    [
        ("scoring.view", {"admin", "leader", "supervisor", "unit_head", "reporter"}),
        ("scoring.compute", {"admin"}),
        ("scoring.close", {"admin"}),
        ("exemptions.view", {"admin", "leader", "supervisor", "unit_head", "reporter"}),
        ("exemptions.apply", {"unit_head", "reporter"}),
        ("exemptions.sign", {"leader"}),
        ("exemptions.withdraw", {"unit_head", "reporter"}),
        ("bonus.propose", {"admin"}),
        ("bonus.decide", {"leader"}),
        ("rectification.submit", {"unit_head"}),
        ("rectification.review", {"admin"}),
    ],
)
def test_actions_without_an_object(world, action, allowed):
    assert {who for who in ROLES if can(getattr(world, who), action)} == allowed


def test_compute_and_close_within_the_subtree(world, q2):
    assert can(world.admin, "scoring.compute", world.district)
    assert can(world.admin, "scoring.close", q2)
    assert not can(world.foreign_admin, "scoring.compute", world.district)
    assert not can(world.foreign_admin, "scoring.close", q2)
    city_admin = account("city_admin", Role.OFFICE_ADMIN, world.city)
    assert can(city_admin, "scoring.close", q2)  # the jurisdiction or above


def test_view_unit_takes_a_score_or_a_period_and_unit(world, q2):
    mine, theirs = _score(q2, world.dept), _score(q2, world.other_dept)
    assert can(world.reporter, "scoring.view_unit", mine)
    assert not can(world.reporter, "scoring.view_unit", theirs)
    assert can(world.unit_head, "scoring.view_unit", (q2, world.dept))
    assert not can(world.unit_head, "scoring.view_unit", (q2, world.other_dept))
    assert can(world.leader, "scoring.view_unit", theirs)
    assert can(world.supervisor, "scoring.view_unit", (q2, world.other_dept))
    assert not can(world.discipline, "scoring.view_unit", mine)
    assert not can(world.foreign_admin, "scoring.view_unit", mine)


def test_apply_for_the_units_own_projects_only(world, q2):
    mine = project(world)
    theirs = project(world, name="住建局项目", responsible_unit=world.other_dept)
    assert can(world.reporter, "exemptions.apply", mine)
    assert not can(world.reporter, "exemptions.apply", theirs)
    assert not can(world.admin, "exemptions.apply", mine)


def test_sign_only_by_the_named_people(world, q2):
    e = applied(world)
    assert can(world.leader, "exemptions.sign", e)  # 分管领导 林志远
    assert can(wanghai(), "exemptions.sign", e)  # 挂点领导 王海
    assert not can(world.admin, "exemptions.sign", e)
    assert not can(world.unit_head, "exemptions.sign", e)  # has a person, not a named one
    other = account("leader2", Role.LEADER, world.district)
    assert not can(other, "exemptions.sign", e)


def test_rectification_submit_by_the_units_head(world, q2):
    r = rectification(world, q2)
    assert can(world.unit_head, "rectification.submit", r)
    other_head = account("otherhead", Role.UNIT_HEAD, world.district, world.other_dept)
    assert not can(other_head, "rectification.submit", r)
    assert can(world.admin, "rectification.review", r)
    assert not can(world.foreign_admin, "rectification.review", r)


def test_bonus_decided_by_a_leader_of_the_jurisdiction(world, q2):
    b = Bonus.objects.create(
        period=year(world), unit=world.dept, points=1, reason="表扬", proposed_by=world.admin
    )
    assert can(world.leader, "bonus.decide", b)
    stranger = account("qsh_leader", Role.LEADER, world.other_district)
    assert not can(stranger, "bonus.decide", b)
    assert can(world.admin, "bonus.propose", b.period)
    assert not can(world.foreign_admin, "bonus.propose", b.period)
