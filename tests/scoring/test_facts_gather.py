"""facts.gather: what earlier capabilities recorded, read as of the period's end in a fixed number of
queries, turned into the engine's frozen facts (issue 7 part 1)."""

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import unit
from tests.projects.factories import invest, move, project
from tests.scoring.score_factories import late_project, planned, use_wuhan
from tuijin.chains.models import Chain, ChainNode
from tuijin.core.calendar_selectors import current_calendar
from tuijin.core.rules.ledger import parse_period
from tuijin.org.models import Person, UnitKind
from tuijin.problems.models import Slip
from tuijin.projects.models import Project, ProjectTag, StageTransition
from tuijin.scoring import facts as scoring_facts
from tuijin.scoring.models import Bonus, Exemption, ScoreEntry, ScorePeriod, UnitScore
from tuijin.supervision.models import Card, Finding, SupervisionAct

SHANGHAI = ZoneInfo("Asia/Shanghai")
AFTER_Q2 = date(2024, 7, 10)


@pytest.fixture
def wh19(world):
    return use_wuhan(world)


def gather(world, wh19, key="2024Q2", today=AFTER_Q2):
    return scoring_facts.gather(world.district, parse_period(key), wh19, today=today)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def busy_project(world, n: int):
    """A project with everything gather reads: plan entry, transitions, chain nodes, tags, investment,
    a ceremony finding."""
    p = late_project(world, name=f"忙碌项目{n}")
    p.tags.set([ProjectTag.objects.get_or_create(name="省重点项目")[0]])
    move(p, "signed", date(2024, 3, 2))
    move(p, "started", date(2024, 6, 20))
    chain = Chain.objects.create(project=p)
    for i, (phase, stage) in enumerate((("approval", ""), ("construction", "started"))):
        ChainNode.objects.create(
            chain=chain,
            project=p,
            key=f"n{i}",
            name=f"节点{i}",
            phase=phase,
            step=i + 1,
            stage=stage,
            deadline=date(2024, 5, 10),
            responsible_unit=world.other_dept,
        )
    invest(p, 2024, 4, 100)
    invest(p, 2023, 5, 40)
    act = SupervisionAct.objects.create(
        jurisdiction=world.district,
        kind="onsite",
        title="实地督办",
        date=date(2024, 6, 25),
        created_by=world.supervisor,
    )
    Finding.objects.create(act=act, kind="ceremony", project=p, observed="开工仪式后未见施工")
    return p


def test_the_number_of_queries_does_not_grow_with_the_data(world, wh19):
    busy_project(world, 0)
    current_calendar()  # built once per process (cached), not part of the count
    with CaptureQueriesContext(connection) as one:
        gather(world, wh19)
    for n in range(1, 6):
        busy_project(world, n)
    with CaptureQueriesContext(connection) as six:
        facts = gather(world, wh19)
    assert len(facts.projects) == 6
    assert len(six.captured_queries) == len(one.captured_queries) <= 30


def test_a_project_fact_reads_the_plan_the_transitions_the_chain_and_the_money(world, wh19):
    p = busy_project(world, 1)
    StageTransition.objects.create(
        project=p, from_stage="started", to_stage="construction", on=date(2024, 7, 2)
    )
    (fact,) = gather(world, wh19).projects
    assert (fact.id, fact.name, fact.unit_id, fact.plan_type) == (
        p.pk,
        "忙碌项目1",
        world.dept.pk,
        "new_start",
    )
    assert fact.planned_start == date(2024, 5, 1) and fact.planned_start_precision == "month"
    assert fact.planned_investment == Decimal("1000") and fact.total_investment == Decimal("10000")
    assert fact.signed_on == date(2024, 3, 2) and fact.started_on == date(2024, 6, 20)
    assert fact.stage == "started"  # the move into 在建 on 07-02 is after the period
    assert "construction" not in fact.stage_dates and fact.stage_dates["started"] == date(2024, 6, 20)
    assert fact.completed_investment == Decimal("100") and fact.previous_investment == Decimal("40")
    assert fact.tags == ("省重点项目",)
    approval, start = fact.nodes
    assert (approval.name, approval.phase, approval.deadline, approval.actual, approval.unit_id) == (
        "节点0",
        "approval",
        date(2024, 5, 10),
        None,
        world.other_dept.pk,
    )
    assert start.stage == "started" and start.actual == date(2024, 6, 20)  # the stage node reads the start
    (ceremony,) = fact.ceremonies
    assert ceremony.on == date(2024, 6, 25) and ceremony.finding_id == Finding.objects.get().pk


def test_facts_are_as_of_the_periods_end_or_today(world, wh19):
    p = late_project(world)
    move(p, "started", date(2024, 5, 25))
    node = ChainNode.objects.create(
        chain=Chain.objects.create(project=p),
        project=p,
        key="a",
        name="用地预审",
        phase="approval",
        step=1,
        deadline=date(2024, 4, 30),
        actual=date(2024, 5, 28),
        responsible_unit=world.dept,
    )
    running = gather(world, wh19, today=date(2024, 5, 20))
    assert running.period.end == date(2024, 5, 20) and running.extra["provisional"]
    assert running.extra["period_end"] == date(2024, 6, 30)
    (fact,) = running.projects
    assert fact.started_on is None and fact.nodes[0].actual is None  # not yet on 05-20
    (fact,) = gather(world, wh19).projects
    assert fact.started_on == date(2024, 5, 25) and fact.nodes[0].actual == node.actual


def test_projects_outside_the_plan_count_when_created_or_moved_in_the_year(world, wh19):
    listed = late_project(world)
    moved = project(world, name="谋划中的项目", stage="planning")
    move(moved, "negotiating", date(2024, 2, 1))
    Project.objects.filter(pk=moved.pk).update(created_at=at(date(2024, 1, 15)))
    project(world, name="往年的项目")  # created now (after the period), never moved, not listed
    facts = gather(world, wh19)
    by_name = {p.name: p for p in facts.projects}
    assert set(by_name) == {listed.name, "谋划中的项目"}
    assert by_name["谋划中的项目"].plan_type is None
    assert by_name["谋划中的项目"].stage_dates["negotiating"] == date(2024, 2, 1)
    assert by_name["谋划中的项目"].planning_on == date(2024, 1, 15)  # its creation: no 谋划 transition


def test_units_are_the_active_ones_with_their_principal(world, wh19):
    principal = Person.objects.create(
        jurisdiction=world.district, name="陈主任", post="主要负责人", unit=world.other_dept
    )
    unit(world.district, "已撤销的单位", is_active=False)
    facts = gather(world, wh19)
    names = {u.name for u in facts.units.values()}
    assert "已撤销的单位" not in names and {"区发改委", "区住建局", "公园街道办事处"} <= names
    assert facts.units[world.dept.pk].head_id == world.unit_head.person_id  # the 单位负责人 account's person
    assert facts.units[world.other_dept.pk].head_id == principal.pk
    assert facts.units[world.dept.pk].rank_group == "区直单位"
    assert facts.units[world.street_unit.pk].kind == UnitKind.STREET


def test_a_project_of_a_street_is_charged_to_the_street_office(world, wh19):
    street_office = unit(world.street, "公园街道城建办")
    p = planned(
        world, jurisdiction=world.street, responsible_unit=street_office, planned_start=date(2024, 5, 1)
    )
    (fact,) = gather(world, wh19).projects
    assert fact.id == p.pk and fact.unit_id == world.street_unit.pk


def _card(world, color, *, slip_day=None, issued=True, number=1, from_cards=()):
    slip = None
    if slip_day is not None:
        slip = Slip.objects.create(
            kind="supervise",
            jurisdiction=world.district,
            year=slip_day.year,
            number=number,
            subject="督办",
            to_unit=world.dept,
            content="请反馈",
            issued_by=world.admin,
            issued_at=at(slip_day),
        )
    card = Card.objects.create(
        jurisdiction=world.district,
        unit=world.dept,
        color=color,
        period=str(2024),
        slip=slip,
        status="issued" if issued else "revoked",
        reason="依据",
        proposed_at=at(date(2024, 7, 1)),
        issued_at=at(date(2024, 7, 2)),
        year=2024,
        number=number,
        revoke_reason="" if issued else "申诉成立",
    )
    card.from_cards.set(from_cards)
    return card


def test_cards_count_on_their_supervision_slips_day_from_the_previous_quarter(world, wh19):
    y1 = _card(world, "yellow", slip_day=date(2024, 3, 20), number=1)
    y2 = _card(world, "yellow", slip_day=date(2024, 5, 6), number=2)
    _card(world, "yellow", slip_day=date(2024, 5, 7), number=3, issued=False)  # revoked
    _card(world, "yellow", slip_day=date(2023, 12, 28), number=4)  # before Q1
    red = _card(world, "red", number=1, from_cards=[y1, y2])
    facts = gather(world, wh19)
    assert [(c.id, c.color, c.on, c.label) for c in facts.cards] == [
        (y1.pk, "yellow", date(2024, 3, 20), "黄牌〔2024〕第1号"),
        (y2.pk, "yellow", date(2024, 5, 6), "黄牌〔2024〕第2号"),
        (red.pk, "red", date(2024, 5, 6), "红牌〔2024〕第1号"),  # the latest slip behind its yellows
    ]
    assert facts.extra["previous"] == parse_period("2024Q1")


def _stored(world, wh19, key, **kw):
    period = parse_period(key)
    return ScorePeriod.objects.create(
        jurisdiction=world.district,
        key=key,
        kind=period.kind,
        start=period.start,
        end=period.end,
        rule_version=wh19,
        **kw,
    )


def test_places_come_from_the_previous_quarters_ranking_or_a_warning(world, wh19):
    facts = gather(world, wh19)
    assert facts.places == () and facts.extra["missing_periods"] == ["2024Q1"]
    assert facts.extra["missing"] == ["上一期间 2024Q1 尚未计算，首末位加减分未计入"]
    q1 = _stored(world, wh19, "2024Q1", computed_at=at(date(2024, 4, 2)))
    UnitScore.objects.create(
        period=q1, unit=world.dept, group="all_units", total=Decimal("101"), rank=1, place="first"
    )
    UnitScore.objects.create(period=q1, unit=world.other_dept, group="all_units", total=Decimal("99"), rank=2)
    facts = gather(world, wh19)
    assert [(p.unit_id, p.place, p.period_key, p.rank) for p in facts.places] == [
        (world.dept.pk, "first", "2024Q1", 1)
    ]
    assert facts.extra["missing"] == []
    assert gather(world, wh19, key="2024Q1").extra["missing"] == []  # 2023Q4 was applied in Q4 itself


def test_granted_exemptions_of_the_periods_months_with_who_signed(world, wh19):
    p = late_project(world)
    leader = Person.objects.create(jurisdiction=world.district, name="王海", is_leader=True)

    def exemption(month, status):
        return Exemption.objects.create(
            jurisdiction=world.district,
            unit=world.dept,
            project=p,
            month=month,
            reason="强降雨",
            applied_by=world.unit_head,
            project_leader=leader,
            leader_in_charge=world.leader_person,
            status=status,
        )

    june = exemption("2024-06", "granted")
    exemption("2024-05", "applied")
    exemption("2024-07", "granted")
    (fact,) = gather(world, wh19).exemptions
    assert (fact.id, fact.project_id, fact.unit_id, fact.month) == (june.pk, p.pk, world.dept.pk, "2024-06")
    assert fact.signed_by == "挂点领导 王海、分管领导 林志远"


def test_a_year_reads_its_quarters_totals_and_approved_bonuses(world, wh19):
    year = _stored(world, wh19, "2024")
    for key, total in (("2024Q1", "98.40"), ("2024Q2", "100.80")):
        q = _stored(world, wh19, key, computed_at=at(date(2024, 7, 1)))
        UnitScore.objects.create(period=q, unit=world.dept, group="all_units", total=Decimal(total))
    approved = Bonus.objects.create(
        period=year,
        unit=world.dept,
        points=Decimal("2.5"),
        reason="获省级表彰",
        proposed_by=world.admin,
        status="approved",
        decided_by=world.leader,
        decided_at=at(date(2025, 1, 8)),
    )
    Bonus.objects.create(
        period=year, unit=world.dept, points=Decimal("1"), reason="待批", proposed_by=world.admin
    )
    facts = gather(world, wh19, key="2024", today=date(2025, 1, 10))
    assert facts.quarter_totals == {world.dept.pk: {"2024Q1": Decimal("98.40"), "2024Q2": Decimal("100.80")}}
    assert facts.extra["missing_quarters"] == ["2024Q3", "2024Q4"]
    (bonus,) = facts.bonuses
    assert (bonus.id, bonus.points, bonus.approved_by, bonus.on) == (
        approved.pk,
        Decimal("2.5"),
        "leader",
        date(2024, 12, 31),
    )
    assert facts.extra["bonus_approvers"] == {approved.pk: world.leader.pk}


def test_matters_come_one_per_matter_and_bucket_with_what_earlier_periods_charged(world, wh19):
    from tests.meetings.matter_factories import decided

    matter = decided(world, deadline=date(2024, 5, 20), units=[world.other_dept])
    q1 = _stored(world, wh19, "2024Q1", computed_at=at(date(2024, 4, 2)))
    ScoreEntry.objects.create(
        period=q1,
        unit=world.dept,
        kind="matter_band",
        rule_version=wh19,
        category="matters",
        points=Decimal("-4"),
        weighted=Decimal("-1.2"),
        on=date(2024, 3, 31),
        key=f"matter_band:m{matter.pk}",
        sentence="……",
        evidence={"matter": matter.pk},
    )
    (fact,) = gather(world, wh19).matters
    assert (fact.id, fact.bucket, fact.unit_ids) == (
        matter.pk,
        "open_overdue",
        (world.dept.pk, world.other_dept.pk),
    )
    assert fact.late > 20 and fact.on == date(2024, 6, 30) and fact.level == "leader"
    assert fact.already_charged == {world.dept.pk: Decimal("-4")}


def test_an_approval_clock_is_read_for_projects_whose_land_was_delisted(world, wh19):
    p = late_project(world)
    chain = Chain.objects.create(project=p, clock_class="general")
    ChainNode.objects.create(
        chain=chain,
        project=p,
        key="land",
        name="土地招拍挂",
        phase="approval",
        step=1,
        starts_clock=True,
        actual=date(2024, 4, 1),
        responsible_unit=world.other_dept,
    )
    (fact,) = gather(world, wh19).projects
    clock = fact.approval_clock
    assert clock["limit"] == 80 and clock["done"] is False and clock["delisted"] == date(2024, 4, 1)
    assert 55 < clock["days"] < 70  # working days from 04-01 to 06-30


def test_the_plans_monthly_targets_are_summed_through_the_as_of_month(world, wh19):
    from tests.projects.factories import entry, plan

    p = project(world, name="有月度目标的项目")
    entry(
        plan(world, 2024),
        p,
        plan_type="continuing",
        monthly_targets=[100] * 12,
        planned_investment=Decimal("1200"),
    )
    bare = late_project(world)  # listed without monthly targets
    facts = {f.id: f for f in gather(world, wh19, today=date(2024, 5, 20)).projects}
    assert facts[p.pk].planned_investment_to_date == Decimal("500")  # January to May
    assert facts[p.pk].planned_investment == Decimal("1200")
    assert facts[bare.pk].planned_investment_to_date is None
    assert {f.id: f for f in gather(world, wh19).projects}[p.pk].planned_investment_to_date == Decimal("600")
