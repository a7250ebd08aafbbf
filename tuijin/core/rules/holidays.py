"""Holiday schedules (放假安排) that feed the working-day calendar.

Official years come from the `chinesecalendar` package (the State Council notices, 2004–2026 in 1.11).
Any other year is provisional, by DESIGN.md "Working days": weekends plus the statutory days of
《全国年节及纪念日放假办法》 as revised in 2024 (国务院令第795号, in force 2025-01-01), with no 调休.
Schedules are grouped by calendar year of the date: the late-December days of a New Year holiday belong
to the year they fall in, so the provisional/official boundary is always 31 December.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import chinese_calendar
from chinese_calendar.constants import Holiday
from lunardate import LunarDate

# The names we show; the package's own Chinese names are shorter (清明, 端午) or longer (the 2015 one).
CHINESE_NAMES: dict[str, str] = {
    Holiday.new_years_day.value: "元旦",
    Holiday.spring_festival.value: "春节",
    Holiday.tomb_sweeping_day.value: "清明节",
    Holiday.labour_day.value: "劳动节",
    Holiday.dragon_boat_festival.value: "端午节",
    Holiday.mid_autumn_festival.value: "中秋节",
    Holiday.national_day.value: "国庆节",
    Holiday.anti_fascist_70th_day.value: "抗战胜利70周年纪念日",
}

# lunardate converts lunar years 1900–2099; chinese_calendar's solar terms cover 1900–2100.
PROVISIONAL_YEARS_SUPPORTED = range(1900, 2100)


@dataclass(frozen=True)
class YearSchedule:
    """One year's days off and make-up working days (补班), each named after its holiday."""

    year: int
    days_off: dict[date, str]
    make_up_days: dict[date, str]
    provisional: bool


def chinese_name(english: str) -> str:
    """Chinese name for one of the package's English holiday names (its own if we have not mapped it)."""
    if english in CHINESE_NAMES:
        return CHINESE_NAMES[english]
    try:
        package_name: str = Holiday(english).chinese
    except ValueError:
        return english
    return package_name


@cache
def _official_by_year() -> dict[int, tuple[dict[date, str], dict[date, str]]]:
    """The package's two dicts regrouped by year, names translated. Built once; callers copy."""
    by_year: dict[int, tuple[dict[date, str], dict[date, str]]] = {}
    for source, slot in ((chinese_calendar.holidays, 0), (chinese_calendar.workdays, 1)):
        for day, english in source.items():
            by_year.setdefault(day.year, ({}, {}))[slot][day] = chinese_name(english)
    return by_year


@cache
def official_years() -> tuple[int, ...]:
    """Years the installed `chinesecalendar` covers (every year between its first and last holiday)."""
    years = chinese_calendar.holidays.keys()
    first, last = min(years).year, max(years).year
    return tuple(range(first, last + 1))


def official_schedule(year: int) -> YearSchedule | None:
    """The State Council schedule for `year` as packaged by `chinesecalendar`, or None if not covered.

    The package lists every day that differs from a normal week: days off (on weekdays and on weekends
    alike) and make-up working days (always weekends), including emergency changes such as the 2020
    Spring Festival extension.
    """
    if year not in official_years():
        return None
    days_off, make_up_days = _official_by_year().get(year, ({}, {}))
    return YearSchedule(
        year=year, days_off=dict(days_off), make_up_days=dict(make_up_days), provisional=False
    )


def lunar_date(year: int, month: int, day: int) -> date:
    """The solar date of a (non-leap) lunar month and day in lunar year `year`."""
    solar: date = LunarDate(year, month, day).to_solar_date()
    return solar


def qingming_date(year: int) -> date:
    """清明 (solar longitude 15°), from `chinese_calendar.get_solar_terms`.

    Checked against the official days off 2008–2026 and, for 2004–2099, against an independent
    low-precision solar-longitude computation (Meeus ch. 25): all agree.
    """
    terms: list[tuple[date, str]] = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30))
    return next(day for day, name in terms if name == "清明")


def statutory_days(year: int) -> list[tuple[date, str]]:
    """全国年节及纪念日放假办法 (2024年修订) 第二条: the days off for all citizens, in the law's order.

    元旦 1; 春节 除夕 to 正月初三 4 (除夕 is the eve of 正月初一, whether 腊月 has 29 or 30 days);
    清明 1; 劳动节 May 1–2; 端午 (五月初五) 1; 中秋 (八月十五) 1; 国庆节 Oct 1–3.
    """
    spring = lunar_date(year, 1, 1)
    return [
        (date(year, 1, 1), "元旦"),
        *((spring + timedelta(days=k), "春节") for k in range(-1, 3)),
        (qingming_date(year), "清明节"),
        (date(year, 5, 1), "劳动节"),
        (date(year, 5, 2), "劳动节"),
        (lunar_date(year, 5, 5), "端午节"),
        (lunar_date(year, 8, 15), "中秋节"),
        *((date(year, 10, k), "国庆节") for k in (1, 2, 3)),
    ]


def provisional_schedule(year: int) -> YearSchedule:
    """DESIGN.md "Working days": a year without an official schedule is weekends plus the statutory
    days, with no 调休 and no make-up days.

    When 中秋 falls on 1–3 October the day carries both names ("中秋节、国庆节"); the law's 补假 for
    holidays that coincide or fall on weekends is not modelled (the State Council notice decides it).
    """
    if year not in PROVISIONAL_YEARS_SUPPORTED:
        raise ValueError(f"{year} 年超出农历换算范围（1900–2099 年），无法生成临时放假安排")
    days_off: dict[date, str] = {}
    for day, name in statutory_days(year):
        days_off[day] = f"{days_off[day]}、{name}" if day in days_off else name
    return YearSchedule(year=year, days_off=dict(sorted(days_off.items())), make_up_days={}, provisional=True)


def schedule_for_year(year: int) -> YearSchedule:
    """The official schedule if the package has it, else the provisional one."""
    return official_schedule(year) or provisional_schedule(year)


def schedules_for(years: Iterable[int]) -> list[YearSchedule]:
    """`schedule_for_year` for each year, e.g. to build `WorkCalendar.from_schedules`."""
    return [schedule_for_year(year) for year in years]
