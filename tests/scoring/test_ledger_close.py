"""Closing a score period seals its ledger; afterwards the original entries never change: computing again
without a change writes nothing, a fact recorded later becomes a correction entry with its reason, and
any change made behind the services' back is reported by the ledger's verification (issue 7 part 2,
DESIGN.md "Trust").

WH19 附件3 arithmetic used: 新开工 40%, 在建 30%, 议定事项 30%, each on 100 (floor 0, 扣完为止).
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from tests.projects.factories import move
from tests.scoring.score_factories import heads_log, late_project, use_wuhan  # noqa: F401
from tuijin.core.access import AccessDenied
from tuijin.core.ledger_selectors import ledger_verify
from tuijin.core.models import RuleSetVersion, Seal
from tuijin.core.rules.ledger import hashed_entries
from tuijin.scoring import services
from tuijin.scoring.ledger import score_records
from tuijin.scoring.models import ScoreEntry, ScorePeriod, UnitScore

AFTER_Q2 = date(2024, 7, 10)


@pytest.fixture
def wh19(world, heads_log):  # noqa: F811
    return use_wuhan(world)


def run(world, key="2024Q2", **kw):
    kw.setdefault("today", AFTER_Q2)
    return services.score_run(jurisdiction=world.district, period_key=key, **kw)


def close(world, key="2024Q2", **kw):
    kw.setdefault("today", AFTER_Q2)
    return services.period_close(period=ScorePeriod.objects.get(jurisdiction=world.district, key=key), **kw)


def sealed_now(world, key="2024Q2"):
    return dict(hashed_entries(score_records(world.district, key)))


@pytest.fixture
def closed(world, wh19):
    """2024Q2 of 东湖区: 区发改委's project planned 2024年5月 not started (−4), computed and closed."""
    late = late_project(world)
    run(world)
    period = close(world, by=world.admin)
    return period, late


def test_closing_seals_every_entry_of_the_period(world, closed):
    period, _ = closed
    assert period.status == "closed" and period.closed_by == world.admin and period.closed_at is not None
    seal = Seal.objects.get(kind="scores")
    assert period.seal == seal and seal.period_key == "2024Q2" and seal.jurisdiction == world.district
    # the entry and the ranking: 区发改委's unit score is the record "u<id>"
    entry = ScoreEntry.objects.get()
    assert seal.record_count == 2 and seal.created_by == world.admin
    assert [rid for rid, _ in seal.entries] == [str(entry.pk), f"u{world.dept.pk}"]
    assert dict(seal.entries) == sealed_now(world)
    result = ledger_verify(kind="scores")
    assert result.ok and not result.reseal and result.record_count == 2


def test_recomputing_a_closed_period_without_a_change_writes_nothing(world, closed):
    period, _ = closed
    before = sealed_now(world)
    scores = list(UnitScore.objects.values_list("unit_id", "total", "rank", "categories"))
    outcome = run(world)
    assert (outcome.created, outcome.corrections) == (0, 0)
    assert ScoreEntry.objects.count() == 1
    assert sealed_now(world) == before == dict(Seal.objects.get().entries)  # byte-identical records
    assert list(UnitScore.objects.values_list("unit_id", "total", "rank", "categories")) == scores
    assert ledger_verify(kind="scores").ok


def test_a_start_recorded_after_closing_becomes_a_correction_with_its_reason(world, closed):
    period, late = closed
    original = sealed_now(world)
    move(late, "started", date(2024, 6, 20))  # dated inside Q2 (within a month of 06-01), recorded now
    outcome = run(world, reason="单位补报开工材料")
    assert (outcome.created, outcome.corrections) == (1, 1)
    fix = ScoreEntry.objects.get(origin="correction")
    assert (fix.kind, fix.points, fix.weighted, fix.unit) == (
        "late_start_recovered",
        Decimal("3.2"),
        Decimal("1.28"),
        world.dept,
    )
    assert fix.corrects is None and fix.on == date(2024, 6, 20)
    today = timezone.localdate().isoformat()
    assert fix.reason == (
        f"关账后补录：项目《东湖数字经济产业园》实际开工日期 2024-06-20（{today} 录入）；说明：单位补报开工材料"
    )
    entries = {k: v for k, v in original.items() if k.isdigit()}
    assert {k: v for k, v in sealed_now(world).items() if k in entries} == entries  # originals untouched
    mine = UnitScore.objects.get(period=period, unit=world.dept)
    assert mine.categories["new_starts"] == "99.2000"  # 100 − 4 + 3.2
    assert mine.total == Decimal("99.68")  # 99.2 × 0.4 + 30 + 30
    assert mine.entries_count == 2
    again = run(world)
    assert (again.created, again.corrections) == (0, 0) and ScoreEntry.objects.count() == 2
    # the correction and the re-summed ranking were sealed again in the same transaction, with the reason
    first, second = Seal.objects.order_by("sequence")
    period.refresh_from_db()
    assert period.seal == second and second.supersedes == first
    assert second.reason == "单位补报开工材料"
    assert dict(second.entries) == sealed_now(world) and second.record_count == 3
    result = ledger_verify(kind="scores")
    assert result.ok and not result.reseal and result.record_count == 3


def test_a_deduction_that_no_longer_holds_is_reversed_not_deleted(world, closed):
    period, late = closed
    original = ScoreEntry.objects.get()
    move(late, "started", date(2024, 5, 28))  # started on time after all (planned 2024年5月)
    run(world)
    reversal = ScoreEntry.objects.get(origin="correction")
    assert (reversal.kind, reversal.key, reversal.points, reversal.weighted) == (
        "late_start",
        original.key,
        Decimal("4"),
        Decimal("1.6"),
    )
    assert reversal.corrects == original and reversal.sentence.startswith("撤销：项目《东湖数字经济产业园》")
    assert "关账后补录：项目《东湖数字经济产业园》实际开工日期 2024-05-28" in reversal.reason
    assert UnitScore.objects.get(unit=world.dept).total == Decimal("100.00")
    assert ScoreEntry.objects.filter(pk=original.pk, points=Decimal("-4")).exists()


def test_a_changed_amount_is_written_as_the_difference(world, wh19):
    """27 late starts cost 108 on a category of 100: the floor event gives 8 back (扣完为止). One start
    recorded later as on time removes one −4 and changes the floor from +8 to +4."""
    projects = [late_project(world, name=f"延期项目{i}") for i in range(27)]
    run(world)
    close(world)
    floor = ScoreEntry.objects.get(kind="floor")
    assert floor.points == Decimal("8")
    move(projects[0], "started", date(2024, 5, 20))
    outcome = run(world)
    assert outcome.corrections == 2
    fix = ScoreEntry.objects.get(origin="correction", kind="floor")
    assert (fix.points, fix.weighted, fix.corrects) == (Decimal("-4"), Decimal("-1.6"), floor)
    assert fix.sentence.startswith("更正：") and "原计 8 分，现计 4 分" in fix.sentence
    assert fix.reason.startswith("关账后重新计算发现：分值由 8 分变为 4 分")
    assert UnitScore.objects.get(unit=world.dept).categories["new_starts"] == "0.0000"
    assert run(world).created == 0


def test_a_closed_period_keeps_the_rule_set_version_it_was_closed_with(world, closed):
    period, _ = closed
    first = period.rule_version
    RuleSetVersion.objects.create(rule_set=first.rule_set, number=2, data=first.data, sha256="2" * 64)
    assert run(world).period.rule_version == first  # no version named: the period's own
    with pytest.raises(ValidationError) as caught:
        run(world, rule_version="wuhan-2019@2")
    assert "已关账的期间按关账时的规则集版本计算" in caught.value.message_dict["rule_set"][0]


def test_closing_is_refused_twice_before_computing_before_the_end_and_for_other_users(world, wh19):
    late_project(world)
    run(world, today=date(2024, 6, 10))
    with pytest.raises(ValidationError) as caught:
        close(world, today=date(2024, 6, 10))
    assert caught.value.message_dict["period"] == ["东湖区 2024Q2 尚未结束（2024-06-30 截止），不能关账"]
    with pytest.raises(AccessDenied):
        close(world, by=world.unit_head)
    run(world)
    close(world)
    with pytest.raises(ValidationError) as caught:
        close(world)
    assert (
        "已于" in caught.value.message_dict["period"][0]
        and "关账，不能重复关账" in caught.value.message_dict["period"][0]
    )
    fresh = ScorePeriod.objects.create(
        jurisdiction=world.district,
        key="2024Q1",
        kind="quarter",
        start=date(2024, 1, 1),
        end=date(2024, 3, 31),
        rule_version=wh19,
    )
    with pytest.raises(ValidationError) as caught:
        services.period_close(period=fresh, today=AFTER_Q2)
    assert caught.value.message_dict["period"] == ["东湖区 2024Q1 尚未计算，不能关账"]
    assert Seal.objects.count() == 1


def test_a_period_without_entries_cannot_be_closed(world, wh19):
    run(world)  # nothing happened: no entries
    with pytest.raises(ValidationError) as caught:
        close(world)
    assert caught.value.message_dict["period"] == ["东湖区 2024Q2 没有计分记录，不能关账（请先计算）"]
    assert ScorePeriod.objects.get().status == "open"


# ---------------------------------------------------------------------------------------------------
# Tampering


def test_points_changed_in_the_database_are_reported(world, closed):
    entry = ScoreEntry.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {ScoreEntry._meta.db_table} SET points = %s WHERE id = %s", ["0", entry.pk])
    result = ledger_verify(kind="scores")
    assert not result.ok
    (problem,) = result.problems
    assert (problem.what, problem.record_id) == ("changed", str(entry.pk))
    assert (
        f"考核计分 东湖区 2024Q2：区发改委的计分记录 #{entry.pk}（项目《东湖数字经济产业园》"
        in problem.message
        and "在封存后被修改" in problem.message
    )


def test_an_entry_deleted_from_the_database_is_reported(world, closed):
    entry = ScoreEntry.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ScoreEntry._meta.db_table} WHERE id = %s", [entry.pk])
    (problem,) = ledger_verify(kind="scores").problems
    assert (problem.what, problem.record_id) == ("deleted", str(entry.pk))
    assert "在封存后被删除" in problem.message


def test_an_entry_slipped_in_without_the_services_is_reported(world, closed):
    period, late = closed
    original = ScoreEntry.objects.get()
    original.pk = None
    original.key = "late_start:forged"
    original.save()
    (problem,) = ledger_verify(kind="scores").problems
    assert problem.what == "added" and problem.record_id == str(original.pk)


def test_a_forged_correction_is_reported(world, closed):
    """A row dressed as a correction (origin "correction", written after the seal) is no late addition:
    real corrections are sealed in the same transaction, so anything after the latest seal is forged."""
    period, _ = closed
    original = ScoreEntry.objects.get()
    forged = ScoreEntry.objects.create(
        period=period,
        unit=world.dept,
        kind="late_start",
        rule_version=original.rule_version,
        category="new_starts",
        points=Decimal("4"),
        weighted=Decimal("1.6"),
        on=date(2024, 6, 30),
        key=original.key,
        sentence="撤销：……",
        origin="correction",
        corrects=original,
        reason="关账后重新计算发现：……",
    )
    result = ledger_verify(kind="scores")
    assert not result.ok and not result.reseal
    (problem,) = result.problems
    assert (problem.what, problem.record_id) == ("added", str(forged.pk))
    assert "在封存后新增（未经封存）" in problem.message


def test_a_total_edited_in_the_database_is_reported(world, closed):
    score = UnitScore.objects.get(unit=world.dept)
    assert score.total == Decimal("98.40")  # 96 × 0.4 + 30 + 30
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {UnitScore._meta.db_table} SET total = %s WHERE id = %s", ["99.40", score.pk])
    (problem,) = ledger_verify(kind="scores").problems
    assert (problem.what, problem.record_id) == ("changed", f"u{world.dept.pk}")
    assert problem.message.endswith("区发改委的考评得分与名次在封存后被修改")


def test_a_rank_or_place_edited_in_the_database_is_reported(world, closed):
    UnitScore.objects.filter(unit=world.dept).update(place="first", rank=1)
    assert [p.what for p in ledger_verify(kind="scores").problems] == ["changed"]


def test_a_sentence_edited_after_closing_is_reported(world, closed):
    ScoreEntry.objects.update(sentence="已改写的说明")
    assert [p.what for p in ledger_verify(kind="scores").problems] == ["changed"]


def test_an_exemption_granted_after_closing_gives_the_deduction_back_with_who_signed(world, heads_log):  # noqa: F811
    """DH24 五(四) on donghu-2024: the −4 of a late start in June is waived by a June exemption signed by
    the project's leader and the leader in charge after the quarter was closed: +4, with the reason."""
    from tuijin.core.models import RuleSet
    from tuijin.org.models import Person
    from tuijin.scoring.models import Exemption

    use_wuhan(world)  # seeds the presets
    world.district.rule_set = RuleSet.objects.get(slug="donghu-2024")
    world.district.save()
    late = late_project(world)
    run(world)
    close(world)
    (deduction,) = ScoreEntry.objects.filter(kind="late_start", unit=world.dept)
    leader = Person.objects.create(jurisdiction=world.district, name="王海", is_leader=True)
    exemption = Exemption.objects.create(
        jurisdiction=world.district,
        unit=world.dept,
        project=late,
        month="2024-06",
        reason="受持续强降雨影响，土方外运暂停",
        applied_by=world.unit_head,
        project_leader=leader,
        leader_in_charge=world.leader_person,
        status="granted",
        decided_at=timezone.now(),
    )
    outcome = run(world)
    assert outcome.corrections == 1
    fix = ScoreEntry.objects.get(origin="correction")
    assert (fix.kind, fix.points, fix.exempted_points, fix.exemption, fix.corrects) == (
        "late_start",
        Decimal("4"),
        Decimal("-4"),
        exemption,
        deduction,
    )
    assert "（客观原因免扣分：挂点领导 王海、分管领导 林志远签字同意）" in fix.sentence
    assert fix.reason.startswith("关账后同意免扣分：项目《东湖数字经济产业园》2024-06")
    assert run(world).created == 0
