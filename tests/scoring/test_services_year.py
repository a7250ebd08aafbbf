"""A year of WH19 (四(四)): the weighted average of the computed quarters' totals, plus the approved bonus
points, which enter the ledger with their approver (origin "bonus"); a bonus approved after the year was
closed is a correction entry with its reason."""

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.scoring.score_factories import heads_log, late_project, use_wuhan  # noqa: F401
from tuijin.scoring import services
from tuijin.scoring.models import Bonus, ScoreEntry, ScorePeriod, UnitScore

NEXT_YEAR = date(2025, 1, 10)


@pytest.fixture
def quarters(world, heads_log):  # noqa: F811
    """东湖区 with wuhan-2019; 区发改委's project planned 2024年5月 not started: Q1 100, Q2 98.40."""
    use_wuhan(world)
    late_project(world)
    for key in ("2024Q1", "2024Q2"):
        services.score_run(jurisdiction=world.district, period_key=key, today=NEXT_YEAR)
    return world


def year(world, **kw):
    return services.score_run(jurisdiction=world.district, period_key="2024", today=NEXT_YEAR, **kw)


def approve(world, period, points, reason="获省级表彰"):
    return Bonus.objects.create(
        period=period,
        unit=world.dept,
        points=Decimal(points),
        reason=reason,
        proposed_by=world.admin,
        status="approved",
        decided_by=world.leader,
        decided_at=datetime.combine(date(2024, 12, 20), time(10), tzinfo=ZoneInfo("Asia/Shanghai")),
    )


def test_the_year_is_the_average_of_the_computed_quarters(quarters):
    world = quarters
    outcome = year(world)
    mine = UnitScore.objects.get(period=outcome.period, unit=world.dept)
    assert mine.categories == {"quarters": "99.2000"}  # (100 + 98.40) ÷ 2 over the two computed quarters
    assert mine.total == Decimal("99.20")
    assert sorted(ScoreEntry.objects.filter(period=outcome.period).values_list("weighted", flat=True)) == [
        Decimal("49.2"),  # 98.40 × 1 ÷ 2
        Decimal("50"),  # 100 × 1 ÷ 2
    ]
    assert any("缺少 2024年第3季度考评总分" in w for w in outcome.warnings)


def test_an_approved_bonus_enters_the_ledger_with_its_approver(quarters):
    world = quarters
    period = year(world).period
    bonus = approve(world, period, "2.5")
    year(world)
    entry = ScoreEntry.objects.get(period=period, kind="bonus")
    assert (entry.origin, entry.approved_by, entry.points, entry.category) == (
        "bonus",
        world.leader,
        Decimal("2.5"),
        "adjustment",
    )
    assert entry.evidence == {"bonus": bonus.pk} and "获省级表彰" in entry.sentence
    bonus.refresh_from_db()
    assert bonus.entry == entry
    # WH19 四(四) as wuhan-2019 reads it ([scoring.year] adjustments = "separate"): the bonus is the annual
    # review's own 奖励项, shown apart — the year total ranked on stays the quarters' average
    mine = UnitScore.objects.get(period=period, unit=world.dept)
    assert (mine.total, mine.adjustments) == (Decimal("99.20"), Decimal("2.50"))
    year(world)  # recomputing the open year replaces the bonus's entry too, and links the new one
    bonus.refresh_from_db()
    assert bonus.entry == ScoreEntry.objects.get(period=period, kind="bonus") != entry


def test_a_bonus_approved_after_the_year_closed_is_a_correction(quarters):
    world = quarters
    period = year(world).period
    services.period_close(period=period, today=NEXT_YEAR)
    bonus = approve(world, ScorePeriod.objects.get(pk=period.pk), "1")
    Bonus.objects.filter(pk=bonus.pk).update(decided_at=timezone.now())  # decided after closing
    outcome = year(world)
    assert outcome.corrections == 1
    fix = ScoreEntry.objects.get(kind="bonus")
    assert (fix.origin, fix.approved_by, fix.points) == ("correction", world.leader, Decimal("1"))
    assert fix.reason.startswith("关账后批准奖励加分 1 分：获省级表彰")
    bonus.refresh_from_db()
    assert bonus.entry == fix
    mine = UnitScore.objects.get(period=period, unit=world.dept)
    assert (mine.total, mine.adjustments, mine.entries_count) == (Decimal("99.20"), Decimal("1.00"), 3)
    assert ScorePeriod.objects.get(pk=period.pk).seal.reason.startswith("关账后重新计算写入更正记录 1 条：")
