"""Official schedules from `chinesecalendar` and the provisional rule of DESIGN.md "Working days"."""

from datetime import date, timedelta

import chinese_calendar
import pytest

from tuijin.core.rules.holidays import (
    CHINESE_NAMES,
    official_schedule,
    official_years,
    provisional_schedule,
    qingming_date,
    schedule_for_year,
    schedules_for,
    statutory_days,
)


def test_official_years_are_2004_to_2026() -> None:
    assert official_years() == tuple(range(2004, 2027))


@pytest.mark.parametrize("year", [2003, 2027, 2100])
def test_no_official_schedule_outside_the_package(year: int) -> None:
    assert official_schedule(year) is None


def test_every_package_holiday_name_has_our_chinese_name() -> None:
    english = set(chinese_calendar.holidays.values()) | set(chinese_calendar.workdays.values())
    assert english <= CHINESE_NAMES.keys()


@pytest.mark.parametrize("year", range(2004, 2027))
def test_official_schedule_is_well_formed(year: int) -> None:
    schedule = official_schedule(year)
    assert schedule is not None and not schedule.provisional and schedule.year == year
    assert all(day.year == year for day in [*schedule.days_off, *schedule.make_up_days])
    assert all(day.weekday() >= 5 for day in schedule.make_up_days)
    assert not schedule.days_off.keys() & schedule.make_up_days.keys()
    assert set(schedule.days_off.values()) | set(schedule.make_up_days.values()) <= set(
        CHINESE_NAMES.values()
    )


def test_official_schedule_names_are_chinese() -> None:
    schedule = official_schedule(2015)
    assert schedule is not None
    assert schedule.days_off[date(2015, 9, 3)] == "抗战胜利70周年纪念日"
    assert schedule.make_up_days[date(2015, 9, 6)] == "抗战胜利70周年纪念日"
    assert schedule.days_off[date(2015, 4, 5)] == "清明节"


def test_official_schedule_returns_a_fresh_copy() -> None:
    first = official_schedule(2026)
    assert first is not None
    first.days_off.clear()
    second = official_schedule(2026)
    assert second is not None and len(second.days_off) == 33


def test_official_schedule_has_the_2020_spring_festival_extension() -> None:
    schedule = official_schedule(2020)
    assert schedule is not None
    assert [schedule.days_off.get(date(2020, 1, d)) for d in (30, 31)] == ["春节", "春节"]
    assert date(2020, 2, 1) not in schedule.make_up_days  # the make-up Saturday was cancelled too


@pytest.mark.parametrize("year", range(2008, 2027))  # 清明 became a day off in 2008
def test_qingming_matches_the_official_day_off(year: int) -> None:
    schedule = official_schedule(year)
    assert schedule is not None
    assert schedule.days_off[qingming_date(year)] == "清明节"


@pytest.mark.parametrize(
    ("year", "expected"), [(2024, date(2024, 4, 4)), (2026, date(2026, 4, 5)), (2027, date(2027, 4, 5))]
)
def test_qingming_date(year: int, expected: date) -> None:
    assert qingming_date(year) == expected


@pytest.mark.parametrize("year", [2025, 2026])
def test_statutory_days_are_official_days_off_with_the_same_names(year: int) -> None:
    official = official_schedule(year)
    assert official is not None
    provisional = provisional_schedule(year)
    assert len(provisional.days_off) == 13
    assert provisional.days_off.items() <= official.days_off.items()


def test_provisional_2027() -> None:
    schedule = provisional_schedule(2027)
    assert schedule.provisional and schedule.year == 2027 and schedule.make_up_days == {}
    assert schedule.days_off == {
        date(2027, 1, 1): "元旦",
        date(2027, 2, 5): "春节",  # 除夕: 腊月 of lunar 2026 has 29 days
        date(2027, 2, 6): "春节",
        date(2027, 2, 7): "春节",
        date(2027, 2, 8): "春节",
        date(2027, 4, 5): "清明节",
        date(2027, 5, 1): "劳动节",
        date(2027, 5, 2): "劳动节",
        date(2027, 6, 9): "端午节",
        date(2027, 9, 15): "中秋节",
        date(2027, 10, 1): "国庆节",
        date(2027, 10, 2): "国庆节",
        date(2027, 10, 3): "国庆节",
    }


@pytest.mark.parametrize(
    ("year", "eve"),
    [
        (2024, date(2024, 2, 9)),  # 腊月三十
        (2025, date(2025, 1, 28)),  # 腊月廿九
        (2030, date(2030, 2, 2)),  # 腊月三十
    ],
)
def test_spring_festival_starts_on_the_eve_whatever_the_length_of_the_12th_month(
    year: int, eve: date
) -> None:
    spring = [day for day, name in statutory_days(year) if name == "春节"]
    assert spring == [eve + timedelta(days=k) for k in range(4)]


def test_mid_autumn_on_national_day_carries_both_names() -> None:
    days_off = provisional_schedule(2028).days_off
    assert days_off[date(2028, 10, 3)] == "中秋节、国庆节"
    assert len(days_off) == 12
    assert list(days_off) == sorted(days_off)


@pytest.mark.parametrize("year", [1899, 2100])
def test_provisional_schedule_outside_the_lunar_tables_raises(year: int) -> None:
    with pytest.raises(ValueError, match=f"{year} 年超出农历换算范围"):
        provisional_schedule(year)


def test_schedule_for_year_prefers_the_official_one() -> None:
    assert not schedule_for_year(2026).provisional
    assert schedule_for_year(2027).provisional
    assert [s.year for s in schedules_for(range(2025, 2029))] == [2025, 2026, 2027, 2028]
