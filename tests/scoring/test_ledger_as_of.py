"""A closed period is computed again as things stood on its last day (issue 7 part 2): what happened later
— a matter closed in July, a project taken out of the plan in August, a unit made inactive — changes
nothing in it (no correction, no unit dropped from its ranking); a provisional result is never sealed.

WH19 附件3 arithmetic used: 新开工 40%, 在建 30%, 议定事项 30%, each on 100 (floor 0). Matter bands
([matters] late_bands 5 / 10 / 20 working days; 附件3 第3行 1): more than 5 → −4, more than 10 → −8; a later
period charges only the difference from what earlier periods charged.
"""

from datetime import date
from decimal import Decimal

import pytest

from tests.meetings.matter_factories import decided, meeting, pdf, series
from tests.projects.factories import move
from tests.scoring.score_factories import heads_log, late_project, planned, use_wuhan  # noqa: F401
from tuijin.core.ledger_selectors import ledger_verify
from tuijin.core.models import Seal
from tuijin.meetings import matter_services
from tuijin.projects.models import PlanChange, PlanEntry
from tuijin.scoring import services
from tuijin.scoring.models import ScoreEntry, ScorePeriod, UnitScore


@pytest.fixture
def wh19(world, heads_log):  # noqa: F811
    return use_wuhan(world)


def run(world, key="2024Q2", today=date(2024, 7, 1), **kw):
    return services.score_run(jurisdiction=world.district, period_key=key, today=today, **kw)


def close(world, key="2024Q2", today=date(2024, 7, 1)):
    stored = ScorePeriod.objects.get(jurisdiction=world.district, key=key)
    return services.period_close(period=stored, today=today)


def matter_points(period_key):
    return list(
        ScoreEntry.objects.filter(period__key=period_key, kind="matter_band").values_list(
            "unit_id", "points", "origin"
        )
    )


def test_a_matter_closed_after_the_quarter_changes_nothing_in_it_and_the_next_charges_the_difference(
    world, wh19
):
    """Deadline Friday 2024-06-14. On 06-30 it is unresolved, 10 working days late (06-17 … 06-21,
    06-24 … 06-28): more than 5 → −4 for 区发改委 in Q2. Done on 07-05 (15 working days: + 07-01 … 07-05):
    more than 10 → −8, of which Q2 charged −4: Q3 charges −4."""
    matter = decided(world, meeting(world, series(world), on=date(2024, 5, 6)), deadline=date(2024, 6, 14))
    run(world)
    assert matter_points("2024Q2") == [(world.dept.pk, Decimal("-4"), "computed")]
    close(world)
    sealed = Seal.objects.get().entries
    matter_services.matter_reply(
        actor=world.reporter, matter=matter, note="已完成", files=[pdf()], today=date(2024, 7, 5)
    )
    matter_services.matter_close(actor=world.admin, matter=matter, today=date(2024, 7, 8))
    matter.refresh_from_db()
    assert (matter.status, matter.done_on, matter.late_workdays, matter.band) == (
        "closed",
        date(2024, 7, 5),
        15,
        "late_2",
    )
    again = run(world, today=date(2024, 7, 20))
    assert (again.created, again.corrections) == (0, 0)  # still −4: it was unresolved on 06-30
    assert Seal.objects.get().entries == sealed and ledger_verify(kind="scores").ok
    run(world, key="2024Q3", today=date(2024, 10, 8))
    assert matter_points("2024Q3") == [(world.dept.pk, Decimal("-4"), "computed")]  # −8 − (−4)


def test_a_matter_still_open_counts_as_of_the_periods_end_not_today(world, wh19):
    """The same matter computed on 07-20 for Q2 while still open: its lateness is counted to 06-30 (10
    working days, −4), not to the day of computing (more than 10, −8)."""
    decided(world, meeting(world, series(world), on=date(2024, 5, 6)), deadline=date(2024, 6, 14))
    run(world, today=date(2024, 7, 20))
    assert matter_points("2024Q2") == [(world.dept.pk, Decimal("-4"), "computed")]


def test_a_project_taken_out_of_the_plan_after_the_quarter_stays_in_it(world, wh19):
    late = late_project(world)  # planned 2024年5月, not started: −4 in Q2
    run(world)
    close(world)
    PlanEntry.objects.filter(project=late).update(removed=True)
    entry = PlanEntry.objects.get(project=late)
    PlanChange.objects.create(
        plan=entry.plan,
        project=late,
        kind="remove",
        decided_by="区重大项目推进领导小组会议",
        decided_on=date(2024, 8, 1),
        reason="项目业主变更，调出年度计划",
    )
    assert run(world, today=date(2024, 8, 10)).corrections == 0
    assert UnitScore.objects.get(unit=world.dept).total == Decimal("98.40")  # 96 × 0.4 + 60
    # Q3 (from 07-01) still sees it until 08-01 … but computed as of 09-30 it is out of the plan
    run(world, key="2024Q3", today=date(2024, 10, 8))
    assert not ScoreEntry.objects.filter(period__key="2024Q3", project=late).exists()


def test_a_plan_entry_removed_without_a_recorded_change_is_removed_all_along(world, wh19):
    """The contrast: nothing says when it left the plan, so the recomputation reverses the −4."""
    late = late_project(world)
    run(world)
    close(world)
    PlanEntry.objects.filter(project=late).update(removed=True)
    outcome = run(world, today=date(2024, 8, 10))
    assert outcome.corrections == 1
    assert ScoreEntry.objects.get(origin="correction").points == Decimal("4")


def test_no_unit_is_dropped_from_a_closed_ranking(world, wh19):
    """区发改委 (−4: 98.40) and 区住建局 (a continuing project, nothing charged: 100) are ranked and closed.
    Later 区住建局's project leaves the plan with no recorded change and 区发改委's start is recorded as
    06-20 (late, recovered within a month: +3.2 → 99.2 × 0.4 + 60 = 99.68): the correction re-sums the
    ranking, and 区住建局 keeps its place in it."""
    late = late_project(world)
    other = planned(world, plan_type="continuing", responsible_unit=world.other_dept, name="住建续建")
    run(world)
    close(world)
    before = dict(UnitScore.objects.values_list("unit_id", "rank"))
    assert before == {world.other_dept.pk: 1, world.dept.pk: 2}
    PlanEntry.objects.filter(project=other).update(removed=True)
    move(late, "started", date(2024, 6, 20))
    outcome = run(world, today=date(2024, 7, 20))
    assert outcome.corrections == 1
    scores = {s.unit_id: (s.total, s.rank) for s in UnitScore.objects.all()}
    assert scores == {
        world.other_dept.pk: (Decimal("100.00"), 1),
        world.dept.pk: (Decimal("99.68"), 2),
    }
    assert ledger_verify(kind="scores").ok


def test_a_unit_made_inactive_after_closing_keeps_its_entries_and_place(world, wh19):
    late_project(world)
    run(world)
    close(world)
    world.dept.is_active = False
    world.dept.save()
    assert run(world, today=date(2024, 7, 20)).corrections == 0
    assert UnitScore.objects.get(unit=world.dept).total == Decimal("98.40")


# ---------------------------------------------------------------------------------------------------
# A provisional result is never sealed


def test_closing_a_provisional_result_computes_it_as_of_the_end_first(world, wh19):
    """Computed on 05-20, the late start (late from 06-01) is not seen yet; closing on 07-01 computes the
    quarter again as of 06-30 in the same transaction, so the seal holds the −4."""
    late_project(world)
    outcome = run(world, today=date(2024, 5, 20))
    assert outcome.created == 0 and any(w.startswith(services.PROVISIONAL_NOTE) for w in outcome.warnings)
    period = close(world)
    assert period.status == "closed"
    assert not any(str(n).startswith(services.PROVISIONAL_NOTE) for n in period.notes)
    entry = ScoreEntry.objects.get()
    assert (entry.kind, entry.points, entry.origin) == ("late_start", Decimal("-4"), "computed")
    assert UnitScore.objects.get(unit=world.dept).total == Decimal("98.40")
    seal = Seal.objects.get()
    assert period.seal == seal and [rid for rid, _ in seal.entries] == [str(entry.pk), f"u{world.dept.pk}"]
    assert ledger_verify(kind="scores").ok


def test_a_result_computed_after_the_end_is_sealed_as_it_stands(world, wh19):
    late_project(world)
    run(world)
    computed_at = ScorePeriod.objects.get().computed_at
    close(world, today=date(2024, 7, 2))
    assert ScorePeriod.objects.get().computed_at == computed_at  # not computed again
    assert not services.is_provisional(ScorePeriod.objects.get())
