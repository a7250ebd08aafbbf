"""`current_calendar()`: built from the table, the provisional rule and emergency rows; cached per
process and re-validated when another process (simulated by writing rows directly) changes the table."""

from datetime import date

import pytest
from django.utils import timezone

from tuijin.core.calendar_selectors import (
    build_work_calendar,
    calendar_add_workdays,
    calendar_workdays_between,
    calendar_year_overview,
    current_calendar,
    provisional_years_ahead,
)
from tuijin.core.calendar_services import calendar_seed
from tuijin.core.models import CalendarDay, CalendarYear

D = date.fromisoformat


# Each test starts from an empty calendar table, whether or not the migration seeded it.
pytestmark = pytest.mark.usefixtures("empty_calendar")


def test_an_empty_table_gives_the_provisional_rule_for_every_year(db):
    cal = current_calendar()
    assert cal.is_provisional(D("2026-02-16"))
    assert cal.is_workday(D("2026-02-16")) is False  # 初一 is a statutory day off
    assert cal.is_workday(D("2026-02-14")) is False  # without 调休 there is no make-up day: a weekend
    assert cal.day_info(D("2026-02-14")).kind == "weekend"


def test_a_change_made_by_another_process_is_seen_on_the_next_call(db):
    calendar_seed()
    assert current_calendar().is_workday(D("2026-03-02")) is True
    # Another process writes the table: this process's cache is not told.
    CalendarDay.objects.create(date=D("2026-03-02"), kind="off", name="临时休息", reason="紧急通知")
    assert current_calendar().is_workday(D("2026-03-02")) is False
    CalendarDay.objects.filter(date=D("2026-03-02")).delete()
    assert current_calendar().is_workday(D("2026-03-02")) is True
    CalendarDay.objects.filter(date=D("2026-02-16")).update(kind="makeup", updated_at=timezone.now())
    assert current_calendar().is_workday(D("2026-02-16")) is True


def test_entering_a_year_in_another_process_ends_its_provisional_status(db):
    assert current_calendar().is_provisional(D("2027-05-05"))
    CalendarYear.objects.create(year=2027, source="manual", document="通知")
    CalendarDay.objects.create(date=D("2027-05-05"), kind="off", name="劳动节")
    cal = current_calendar()
    assert cal.is_provisional(D("2027-05-05")) is False
    assert cal.is_workday(D("2027-05-05")) is False
    assert cal.is_workday(D("2027-10-01")) is True  # the entered year has only its rows


def test_the_cache_is_kept_between_rechecks(db, settings, django_assert_num_queries):
    current_calendar()
    settings.CALENDAR_RECHECK_SECONDS = 3600
    with django_assert_num_queries(0):
        current_calendar()
    settings.CALENDAR_RECHECK_SECONDS = 0
    with django_assert_num_queries(1):  # the version query only: nothing changed, nothing rebuilt
        current_calendar()


def test_a_recheck_after_the_interval_sees_another_process_change(db, settings):
    settings.CALENDAR_RECHECK_SECONDS = 3600
    assert current_calendar().is_workday(D("2027-03-01")) is True
    CalendarDay.objects.create(date=D("2027-03-01"), kind="off", name="临时休息", reason="紧急通知")
    assert current_calendar().is_workday(D("2027-03-01")) is True  # within the interval: cached
    settings.CALENDAR_RECHECK_SECONDS = 0
    assert current_calendar().is_workday(D("2027-03-01")) is False


def test_build_lays_emergency_rows_over_the_provisional_rule():
    rows = [(D("2027-02-06"), "makeup", "春节"), (D("2027-03-01"), "off", "临时休息")]
    cal = build_work_calendar(official=[2026], rows=rows)
    assert cal.is_workday(D("2027-02-06")) is True
    assert cal.is_workday(D("2027-02-07")) is False
    assert cal.is_workday(D("2027-03-01")) is False
    assert cal.is_provisional(D("2027-03-01")) is True
    assert cal.is_provisional(D("2026-03-01")) is False
    assert cal.is_workday(D("2026-10-01")) is True  # an entered year without rows: the normal week


def test_2100_has_no_lunar_rule_but_stays_provisional(db):
    cal = current_calendar()
    assert cal.is_provisional(D("2100-01-01"))
    assert cal.is_workday(D("2100-01-01")) is True  # a Friday; no statutory day can be computed


def test_calculator_answers_say_when_they_are_provisional(db):
    calendar_seed()
    answer = calendar_add_workdays(D("2026-02-13"), 1)
    assert answer.text == "2026-02-13 之后第 1 个工作日是 2026-02-14（周六）"
    assert answer.note == ""
    answer = calendar_add_workdays(D("2026-12-25"), 10)
    assert answer.note == "计算涉及临时日历年份 2027"
    between = calendar_workdays_between(D("2026-02-13"), D("2026-02-24"))
    assert "之间有 2 个工作日" in between.text  # 2-14 (make-up) and 2-24; 2-15 to 2-23 are off
    assert calendar_add_workdays(D("2100-12-30"), 5).error.startswith(
        "2100-12-30 之后第 5 个工作日超出工作日历范围"
    )


def test_overview_of_a_provisional_year_lists_the_statutory_days_and_emergency_rows(world):
    CalendarDay.objects.create(
        date=D("2027-03-01"), kind="off", name="临时休息", reason="紧急通知", updated_by=world.admin
    )
    overview = calendar_year_overview(world.reporter, 2027)
    assert overview.provisional is True
    assert overview.entry is None
    assert len(overview.months) == 12
    by_date = {d.date: d for d in overview.special_days}
    assert by_date[D("2027-02-05")].origin == "statutory"
    assert by_date[D("2027-03-01")].origin == "emergency"
    assert by_date[D("2027-03-01")].updated_by == "admin"
    cells = [c for m in overview.months if m.month == 2 for week in m.weeks for c in week if c.day == 5]
    assert "cal-off" in cells[0].css


def test_provisional_years_ahead_names_the_year_to_enter(db):
    calendar_seed()
    assert provisional_years_ahead(D("2026-11-22")) == [2027]
    CalendarYear.objects.create(year=2027, source="manual")
    assert provisional_years_ahead(D("2026-11-22")) == []
