"""The working-day calendar: official 2024–2026 tables, provisional years, errors, and arithmetic
checked against a naive day-by-day reference."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tuijin.core.rules.holidays import YearSchedule, schedules_for
from tuijin.core.rules.workdays import WorkCalendar

SCHEDULES = schedules_for(range(2000, 2100))  # official 2004–2026, provisional otherwise; 2100 has none
CAL = WorkCalendar.from_schedules(SCHEDULES)


def span(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=k) for k in range((end - start).days + 1)]


def days(*isos: str) -> list[date]:
    return [date.fromisoformat(iso) for iso in isos]


# Hard-coded from the State Council notices (as packaged by chinesecalendar 1.11): weekdays off, and
# weekends worked. Every other day follows the normal week.
WEEKDAYS_OFF = {
    2024: [
        *days("2024-01-01"),
        *span("2024-02-12", "2024-02-16"),
        *days("2024-04-04", "2024-04-05", "2024-05-01", "2024-05-02", "2024-05-03", "2024-06-10"),
        *days("2024-09-16", "2024-09-17"),
        *span("2024-10-01", "2024-10-04"),
        *days("2024-10-07"),
    ],
    2025: [
        *days("2025-01-01"),
        *span("2025-01-28", "2025-01-31"),
        *days(
            "2025-02-03", "2025-02-04", "2025-04-04", "2025-05-01", "2025-05-02", "2025-05-05", "2025-06-02"
        ),
        *span("2025-10-01", "2025-10-03"),
        *span("2025-10-06", "2025-10-08"),
    ],
    2026: [
        *days("2026-01-01", "2026-01-02"),
        *span("2026-02-16", "2026-02-20"),
        *days(
            "2026-02-23", "2026-04-06", "2026-05-01", "2026-05-04", "2026-05-05", "2026-06-19", "2026-09-25"
        ),
        *days("2026-10-01", "2026-10-02"),
        *span("2026-10-05", "2026-10-07"),
    ],
}
WEEKENDS_WORKED = {
    2024: days(
        "2024-02-04",
        "2024-02-18",
        "2024-04-07",
        "2024-04-28",
        "2024-05-11",
        "2024-09-14",
        "2024-09-29",
        "2024-10-12",
    ),
    2025: days("2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"),
    2026: days("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"),
}


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_every_day_of_the_year_matches_the_official_table(year: int) -> None:
    assert all(day.weekday() < 5 for day in WEEKDAYS_OFF[year])
    assert all(day.weekday() >= 5 for day in WEEKENDS_WORKED[year])
    for day in span(f"{year}-01-01", f"{year}-12-31"):
        expected = day in WEEKENDS_WORKED[year] or (day.weekday() < 5 and day not in WEEKDAYS_OFF[year])
        assert CAL.is_workday(day) is expected, day


@pytest.mark.parametrize(
    ("iso", "is_workday", "kind", "name"),
    [
        ("2026-02-14", True, "makeup", "春节"),  # Saturday worked before the Spring Festival
        ("2026-02-16", False, "holiday", "春节"),
        ("2026-02-28", True, "makeup", "春节"),
        ("2020-01-31", False, "holiday", "春节"),  # the 2020 Spring Festival extension
        ("2020-02-03", True, "workday", None),
        ("2024-02-04", True, "makeup", "春节"),
        ("2024-02-18", True, "makeup", "春节"),
        ("2024-10-05", False, "holiday", "国庆节"),  # a holiday on a Saturday is still named
        ("2024-10-08", True, "workday", None),
        ("2025-01-26", True, "makeup", "春节"),
        ("2025-02-08", True, "makeup", "春节"),
        ("2025-10-06", False, "holiday", "中秋节"),
        ("2026-09-20", True, "makeup", "国庆节"),
        ("2026-10-01", False, "holiday", "国庆节"),
        ("2026-10-07", False, "holiday", "国庆节"),
        ("2026-10-10", True, "makeup", "国庆节"),
        ("2026-10-11", False, "weekend", None),
        ("2015-09-03", False, "holiday", "抗战胜利70周年纪念日"),
    ],
)
def test_day_info(iso: str, is_workday: bool, kind: str, name: str | None) -> None:
    info = CAL.day_info(date.fromisoformat(iso))
    assert (info.date, info.is_workday, info.kind, info.name, info.provisional) == (
        date.fromisoformat(iso),
        is_workday,
        kind,
        name,
        False,
    )


def test_calendar_agrees_with_the_package_on_every_official_day() -> None:
    for day in span("2004-01-01", "2026-12-31"):
        assert CAL.is_workday(day) is chinese_calendar.is_workday(day), day


def test_provisional_2027_day_is_flagged() -> None:
    info = CAL.day_info(date(2027, 2, 8))
    assert (info.is_workday, info.kind, info.name, info.provisional) == (False, "holiday", "春节", True)
    assert CAL.is_provisional(date(2027, 3, 1))
    assert not CAL.is_provisional(date(2026, 12, 31))


def test_years_without_any_schedule_are_provisional() -> None:
    assert CAL.is_provisional(date(2100, 6, 1))  # lunardate stops at 2099: weekends only, flagged
    assert CAL.is_provisional(date(2003, 6, 2))  # before the package: the 2025 law, flagged
    assert CAL.provisional_years[:5] == (2000, 2001, 2002, 2003, 2027)


def test_add_workdays_crosses_the_spring_festival() -> None:
    assert CAL.add_workdays(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert CAL.add_workdays(date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert CAL.add_workdays(date(2026, 2, 24), -1) == date(2026, 2, 14)
    assert CAL.add_workdays(date(2024, 9, 30), 1) == date(2024, 10, 8)
    assert CAL.add_workdays(date(2026, 2, 16), 0) == date(2026, 2, 16)


def test_workdays_between_counts_the_half_open_interval() -> None:
    assert CAL.workdays_between(date(2026, 2, 13), date(2026, 2, 24)) == 2
    assert CAL.workdays_between(date(2026, 2, 24), date(2026, 2, 13)) == -2
    assert CAL.workdays_between(date(2026, 2, 16), date(2026, 2, 16)) == 0


def test_stepping_back_from_a_non_working_day_is_one_short_in_workdays_between() -> None:
    saturday = date(2026, 3, 7)
    friday = CAL.add_workdays(saturday, -1)
    assert friday == date(2026, 3, 6)
    assert CAL.workdays_between(saturday, friday) == 0


def test_neighbouring_workdays() -> None:
    assert CAL.next_workday(date(2026, 9, 30)) == date(2026, 10, 8)
    assert CAL.previous_workday(date(2026, 10, 8)) == date(2026, 9, 30)
    assert CAL.workday_on_or_after(date(2026, 10, 3)) == date(2026, 10, 8)
    assert CAL.workday_on_or_after(date(2026, 10, 8)) == date(2026, 10, 8)
    assert CAL.workday_on_or_before(date(2026, 10, 3)) == date(2026, 9, 30)


def test_explained_results_name_the_provisional_years() -> None:
    result = CAL.add_workdays_explained(date(2026, 12, 31), 1)
    assert result.value == date(2027, 1, 4)  # 2027-01-01 is 元旦 in the provisional schedule
    assert result.provisional_years == (2027,)
    assert result.note == "计算涉及临时日历年份 2027"
    span_result = CAL.workdays_between_explained(date(2026, 1, 1), date(2028, 1, 1))
    assert span_result.provisional_years == (2027, 2028) and span_result.provisional
    official = CAL.add_workdays_explained(date(2026, 12, 30), 1)
    assert (official.value, official.provisional_years, official.note) == (date(2026, 12, 31), (), "")
    assert CAL.provisional_years_in(date(2028, 5, 1), date(2025, 5, 1)) == (2027, 2028)


def test_a_day_both_off_and_worked_is_refused() -> None:
    with pytest.raises(ValueError, match="^2026-02-14 同时被设为休息日和补班日$"):
        WorkCalendar(days_off={date(2026, 2, 14): "春节"}, make_up_days={date(2026, 2, 14): "春节"})


def test_schedules_that_contradict_each_other_are_refused() -> None:
    a = YearSchedule(year=2026, days_off={date(2026, 12, 31): "元旦"}, make_up_days={}, provisional=False)
    b = YearSchedule(year=2027, days_off={}, make_up_days={date(2026, 12, 31): "元旦"}, provisional=False)
    with pytest.raises(ValueError, match="2026-12-31 同时被设为休息日和补班日"):
        WorkCalendar.from_schedules([a, b])


def test_a_year_given_twice_is_refused() -> None:
    schedule = YearSchedule(year=2026, days_off={}, make_up_days={}, provisional=False)
    with pytest.raises(ValueError, match="2026 年的放假安排重复"):
        WorkCalendar.from_schedules([schedule, schedule])


def test_dates_outside_the_calendar_are_refused_in_chinese() -> None:
    with pytest.raises(ValueError, match="日期 1999-12-31 超出工作日历范围（2000-01-01 至 2100-12-31）"):
        CAL.is_workday(date(1999, 12, 31))
    with pytest.raises(ValueError, match="2100-12-30 之后第 5 个工作日超出工作日历范围"):
        CAL.add_workdays(date(2100, 12, 30), 5)
    with pytest.raises(ValueError, match="2000-01-03 之前第 1 个工作日超出工作日历范围"):
        CAL.add_workdays(date(2000, 1, 3), -1)
    with pytest.raises(ValueError, match="超出工作日历范围"):
        CAL.workdays_between(date(2026, 1, 1), date(2101, 1, 1))
    with pytest.raises(ValueError, match="起始日期 2026-01-02 晚于结束日期 2026-01-01"):
        WorkCalendar(days_off={}, make_up_days={}, first=date(2026, 1, 2), last=date(2026, 1, 1))


# --- Arithmetic against a naive day-by-day reference -------------------------------------------------


@dataclass(frozen=True)
class NaiveCalendar:
    """Walks one day at a time; the definitions, spelled out with no index."""

    days_off: frozenset[date]
    make_up_days: frozenset[date]
    first: date
    last: date

    def check(self, d: date) -> date:
        if not self.first <= d <= self.last:
            raise ValueError("超出工作日历范围")
        return d

    def is_workday(self, d: date) -> bool:
        self.check(d)
        return d in self.make_up_days or (d.weekday() < 5 and d not in self.days_off)

    def add_workdays(self, d: date, n: int) -> date:
        self.check(d)
        step, remaining = timedelta(days=1 if n > 0 else -1), abs(n)
        while remaining:
            d = self.check(d + step)
            remaining -= self.is_workday(d)
        return d

    def workdays_between(self, a: date, b: date) -> int:
        low, high = sorted((self.check(a), self.check(b)))
        count = sum(self.is_workday(low + timedelta(days=k)) for k in range(1, (high - low).days + 1))
        return count if b >= a else -count


def _naive_from_schedules(schedules: list[YearSchedule]) -> NaiveCalendar:
    off = frozenset(day for s in schedules for day in s.days_off)
    worked = frozenset(day for s in schedules for day in s.make_up_days)
    return NaiveCalendar(off, worked, date(2000, 1, 1), date(2100, 12, 31))


NAIVE = _naive_from_schedules(SCHEDULES)
DAYS = st.dates(min_value=date(2006, 1, 1), max_value=date(2094, 12, 31))  # room for NEARBY twice
STEPS = st.integers(min_value=-400, max_value=400)
NEARBY = st.integers(min_value=-1000, max_value=1000).map(lambda k: timedelta(days=k))


@given(d=DAYS, n=STEPS)
def test_add_workdays_matches_the_naive_walk(d: date, n: int) -> None:
    assert CAL.add_workdays(d, n) == NAIVE.add_workdays(d, n)


@given(a=DAYS, delta=NEARBY)
def test_workdays_between_matches_the_naive_count(a: date, delta: timedelta) -> None:
    assert CAL.workdays_between(a, a + delta) == NAIVE.workdays_between(a, a + delta)


@given(d=DAYS, n=STEPS)
def test_workdays_between_undoes_add_workdays(d: date, n: int) -> None:
    expected = n if n >= 0 or CAL.is_workday(d) else n + 1
    assert CAL.workdays_between(d, CAL.add_workdays(d, n)) == expected


@given(d=DAYS, n=STEPS)
def test_add_workdays_lands_on_a_working_day(d: date, n: int) -> None:
    assume(n != 0)
    assert CAL.is_workday(CAL.add_workdays(d, n))


@given(d=DAYS, n=st.integers(min_value=1, max_value=400))
def test_there_and_back_snaps_to_the_nearest_working_day(d: date, n: int) -> None:
    assert CAL.add_workdays(CAL.add_workdays(d, -n), n) == CAL.workday_on_or_after(d)
    assert CAL.add_workdays(CAL.add_workdays(d, n), -n) == CAL.workday_on_or_before(d)


@given(d=DAYS, n1=STEPS, n2=STEPS)
def test_add_workdays_is_strictly_increasing_in_n(d: date, n1: int, n2: int) -> None:
    assume(n1 < n2)
    assert CAL.add_workdays(d, n1) < CAL.add_workdays(d, n2)


@given(d=DAYS, delta=NEARBY, n=STEPS)
def test_add_workdays_is_increasing_in_the_start_day(d: date, delta: timedelta, n: int) -> None:
    low, high = sorted((d, d + delta))
    assert CAL.add_workdays(low, n) <= CAL.add_workdays(high, n)


@given(a=DAYS, delta=NEARBY)
def test_workdays_between_is_antisymmetric(a: date, delta: timedelta) -> None:
    b = a + delta
    assert CAL.workdays_between(a, b) == -CAL.workdays_between(b, a)


@given(a=DAYS, ab=NEARBY, bc=NEARBY)
def test_workdays_between_adds_up(a: date, ab: timedelta, bc: timedelta) -> None:
    b, c = a + ab, a + ab + bc
    assert CAL.workdays_between(a, b) + CAL.workdays_between(b, c) == CAL.workdays_between(a, c)


@given(d=DAYS)
def test_neighbours_agree_with_add_workdays(d: date) -> None:
    assert CAL.next_workday(d) == CAL.add_workdays(d, 1)
    assert CAL.previous_workday(d) == CAL.add_workdays(d, -1)
    assert CAL.workday_on_or_after(d) == (d if CAL.is_workday(d) else CAL.next_workday(d))
    assert CAL.workday_on_or_before(d) == (d if CAL.is_workday(d) else CAL.previous_workday(d))


@st.composite
def small_calendars(draw: st.DrawFn) -> tuple[WorkCalendar, NaiveCalendar]:
    """Short ranges with arbitrary days off and make-up days, to exercise the edges of the index."""
    first = draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2024, 12, 31)))
    size = draw(st.integers(min_value=1, max_value=40))
    offsets = st.sets(st.integers(min_value=-3, max_value=size + 3))
    off = {first + timedelta(days=k) for k in draw(offsets)}
    worked = {first + timedelta(days=k) for k in draw(offsets)} - off
    last = first + timedelta(days=size - 1)
    calendar = WorkCalendar(
        days_off=dict.fromkeys(off, "假"), make_up_days=dict.fromkeys(worked, "班"), first=first, last=last
    )
    naive = NaiveCalendar(frozenset(off), frozenset(worked), first, last)
    return calendar, naive


def _outcome(call: Callable[..., object], *args: object) -> object:
    """The call's result, or ValueError if it raised one."""
    try:
        return call(*args)
    except ValueError:
        return ValueError


@settings(max_examples=300)
@given(calendars=small_calendars(), data=st.data())
def test_small_calendars_match_the_naive_reference_including_the_edges(
    calendars: tuple[WorkCalendar, NaiveCalendar], data: st.DataObject
) -> None:
    calendar, naive = calendars
    around = st.integers(min_value=-2, max_value=(naive.last - naive.first).days + 2)
    d = naive.first + timedelta(days=data.draw(around))
    e = naive.first + timedelta(days=data.draw(around))
    n = data.draw(st.integers(min_value=-45, max_value=45))
    assert _outcome(calendar.is_workday, d) == _outcome(naive.is_workday, d)
    assert _outcome(calendar.add_workdays, d, n) == _outcome(naive.add_workdays, d, n)
    assert _outcome(calendar.workdays_between, d, e) == _outcome(naive.workdays_between, d, e)
