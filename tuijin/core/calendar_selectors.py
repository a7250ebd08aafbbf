"""Reads of the working-day calendar (DESIGN.md "Working days").

`current_calendar()` is the one way the rest of the code gets the calendar: the pure `WorkCalendar`
built from the table (official years), the provisional rule (every other year) and the emergency
changes admins entered in provisional years. It is cached per process and re-validated cheaply across
processes (web workers, task workers, the scheduler share only the database): at most every
`CALENDAR_RECHECK_SECONDS` (default 5) one small query reads the tables' "version" — row counts, id
sums and latest `updated_at` — and the calendar is rebuilt only when that changed. Services of this
process also drop the cache at once (`calendar_refresh`).
"""

from __future__ import annotations

import calendar as pycalendar
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .access import scope
from .models import CalendarDay, CalendarYear
from .rules.holidays import YearSchedule, official_years, provisional_schedule
from .rules.workdays import CALENDAR_FIRST, CALENDAR_LAST, Explained, WorkCalendar

WEEKDAYS_ZH = ("一", "二", "三", "四", "五", "六", "日")
PROVISIONAL_RULE = (
    "周末加 2025 年起施行的《全国年节及纪念日放假办法》规定的法定节假日（元旦 1 天，春节除夕至初三 4 天，"
    "清明 1 天，劳动节 5 月 1–2 日，端午 1 天，中秋 1 天，国庆 10 月 1–3 日），不含调休和补班"
)


def provisional_years_ahead(today=None) -> list[int]:
    """This year and next, where no official schedule has been entered yet (read from the cached calendar,
    so the banner on every admin page costs no query)."""
    today = today or timezone.localdate()
    provisional = current_calendar().provisional_years
    return [y for y in (today.year, today.year + 1) if y in provisional]


# ---------------------------------------------------------------------------------------------------
# The calendar, built from the table and cached per process.


@cache
def provisional_base_schedule(year: int) -> YearSchedule | None:
    """The provisional rule for `year` (None where lunar dates cannot be computed: 2100)."""
    try:
        return provisional_schedule(year)
    except ValueError:
        return None


def build_work_calendar(official: Iterable[int], rows: Iterable[tuple[date, str, str]]) -> WorkCalendar:
    """The calendar from the table: a year in `official` is exactly its rows; any other year is the
    provisional rule with its rows (emergency changes) laid over it, and stays marked provisional."""
    official = set(official)
    by_year: dict[int, list[tuple[date, str, str]]] = {}
    for day, kind, name in rows:
        by_year.setdefault(day.year, []).append((day, kind, name))
    schedules = []
    for year in range(CALENDAR_FIRST.year, CALENDAR_LAST.year + 1):
        base = None if year in official else provisional_base_schedule(year)
        days_off = dict(base.days_off) if base else {}
        make_up = dict(base.make_up_days) if base else {}
        for day, kind, name in by_year.get(year, ()):
            (days_off if kind == CalendarDay.Kind.OFF else make_up)[day] = name
            (make_up if kind == CalendarDay.Kind.OFF else days_off).pop(day, None)
        schedules.append(YearSchedule(year, days_off, make_up, provisional=year not in official))
    return WorkCalendar.from_schedules(schedules)


@dataclass
class _Cached:
    version: tuple
    calendar: WorkCalendar
    checked_at: float


_lock = threading.Lock()
_state: _Cached | None = None


def _table_version() -> tuple:
    """One small query whose answer changes whenever a calendar row is added, changed or deleted."""
    quote = connection.ops.quote_name
    tables = [(quote(m._meta.db_table), quote(m._meta.pk.column)) for m in (CalendarYear, CalendarDay)]
    sql = "SELECT " + ", ".join(  # noqa: S608 (names from model meta, quoted)
        f"(SELECT COUNT(*) FROM {t}), (SELECT SUM({pk}) FROM {t}), (SELECT MAX(updated_at) FROM {t})"  # noqa: S608
        for t, pk in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(str(value) for value in cursor.fetchone())


def _build_from_db() -> WorkCalendar:
    official = CalendarYear.objects.values_list("year", flat=True)
    rows = CalendarDay.objects.filter(date__range=(CALENDAR_FIRST, CALENDAR_LAST)).values_list(
        "date", "kind", "name"
    )
    return build_work_calendar(list(official), list(rows))


def current_calendar() -> WorkCalendar:
    """The working-day calendar as the database says now (at most CALENDAR_RECHECK_SECONDS stale for
    changes made by another process; changes made by this process are seen at once)."""
    global _state
    state = _state
    interval = getattr(settings, "CALENDAR_RECHECK_SECONDS", 5)
    if state is not None and time.monotonic() - state.checked_at < interval:
        return state.calendar
    with _lock:
        version = _table_version()
        if _state is not None and _state.version == version:
            _state.checked_at = time.monotonic()
            return _state.calendar
        calendar = _build_from_db()
        _state = _Cached(version=version, calendar=calendar, checked_at=time.monotonic())
        return calendar


def calendar_refresh() -> None:
    """Drop this process's cached calendar: the next `current_calendar()` rebuilds from the table."""
    global _state
    with _lock:
        _state = None


# ---------------------------------------------------------------------------------------------------
# The calendar page.


@dataclass(frozen=True)
class CalendarCell:
    day: int | None
    css: str = ""
    title: str = ""


@dataclass(frozen=True)
class CalendarMonth:
    month: int
    weeks: list[list[CalendarCell]]


@dataclass(frozen=True)
class SpecialDay:
    """One row of the year's list: a day off or make-up day, where it comes from, who set it and why."""

    date: date
    weekday: str
    kind: str
    kind_label: str
    name: str
    reason: str
    origin: str  # "schedule" | "emergency" | "statutory"
    origin_label: str
    updated_by: str
    updated_at: datetime | None


@dataclass(frozen=True)
class YearOverview:
    year: int
    provisional: bool
    entry: CalendarYear | None
    package_has_year: bool
    months: list[CalendarMonth]
    special_days: list[SpecialDay]
    workdays: int
    days_off: int
    makeup_days: int


def _cell(cal: WorkCalendar, day: date, provisional: bool) -> CalendarCell:
    info = cal.day_info(day)
    if info.kind == "holiday":
        css, label = "cal-off", f"休息（{info.name}）"
    elif info.kind == "makeup":
        css, label = "cal-makeup", f"补班（{info.name}）"
    elif info.kind == "weekend":
        css, label = "cal-weekend", "周末"
    else:
        css, label = "", "工作日"
    if provisional and info.kind in ("holiday", "makeup"):
        css += " cal-provisional"
    return CalendarCell(day=day.day, css=css, title=f"{day.isoformat()} {label}")


def _months(cal: WorkCalendar, year: int, provisional: bool) -> list[CalendarMonth]:
    grid = pycalendar.Calendar(firstweekday=0)
    months = []
    for month in range(1, 13):
        weeks = [
            [_cell(cal, d, provisional) if d.month == month else CalendarCell(None) for d in week]
            for week in grid.monthdatescalendar(year, month)
        ]
        months.append(CalendarMonth(month=month, weeks=weeks))
    return months


def _row_day(row: CalendarDay, provisional: bool) -> SpecialDay:
    emergency = bool(row.reason) or provisional
    by = row.updated_by
    return SpecialDay(
        date=row.date,
        weekday="周" + WEEKDAYS_ZH[row.date.weekday()],
        kind=row.kind,
        kind_label=row.get_kind_display(),
        name=row.name,
        reason=row.reason,
        origin="emergency" if emergency else "schedule",
        origin_label="临时调整" if emergency else "放假安排",
        updated_by=(by.display_name or by.username) if by else "系统",
        updated_at=row.updated_at,
    )


def _statutory_day(day: date, name: str) -> SpecialDay:
    return SpecialDay(
        date=day,
        weekday="周" + WEEKDAYS_ZH[day.weekday()],
        kind=CalendarDay.Kind.OFF,
        kind_label=CalendarDay.Kind.OFF.label,
        name=name,
        reason="",
        origin="statutory",
        origin_label="法定节假日（临时日历推算）",
        updated_by="",
        updated_at=None,
    )


def calendar_special_days(user, year: int, *, provisional: bool) -> list[SpecialDay]:
    """The year's rows, and in a provisional year the statutory days no row overrides, by date."""
    rows = scope(user, CalendarDay.objects.filter(date__year=year)).select_related("updated_by")
    days = [_row_day(row, provisional) for row in rows]
    if provisional:
        base = provisional_base_schedule(year)
        taken = {d.date for d in days}
        days += [_statutory_day(d, n) for d, n in (base.days_off.items() if base else ()) if d not in taken]
    return sorted(days, key=lambda d: d.date)


def calendar_year_overview(user, year: int) -> YearOverview:
    """Everything the calendar page shows for one year."""
    cal = current_calendar()
    entry = scope(user, CalendarYear.objects.filter(year=year)).select_related("updated_by").first()
    provisional = cal.is_provisional(date(year, 1, 1))
    first, last = date(year, 1, 1), date(year, 12, 31)
    workdays = cal.workdays_between(first, last) + (1 if cal.is_workday(first) else 0)
    special = calendar_special_days(user, year, provisional=provisional)
    return YearOverview(
        year=year,
        provisional=provisional,
        entry=entry,
        package_has_year=year in official_years(),
        months=_months(cal, year, provisional),
        special_days=special,
        workdays=workdays,
        days_off=sum(1 for d in special if d.kind == CalendarDay.Kind.OFF),
        makeup_days=sum(1 for d in special if d.kind == CalendarDay.Kind.MAKEUP),
    )


def calendar_year_choices(today: date, selected: int) -> list[int]:
    """2004 (the first official year) to two years ahead, plus the year shown if it lies outside."""
    years = set(range(official_years()[0], today.year + 3)) | {selected}
    return sorted(years, reverse=True)


def calendar_missing_package_years() -> list[int]:
    """Years the chinesecalendar data covers that are not in the table yet (`calendar seed` fills them)."""
    entered = set(CalendarYear.objects.values_list("year", flat=True))
    return [year for year in official_years() if year not in entered]


# ---------------------------------------------------------------------------------------------------
# The working-day calculator.


@dataclass(frozen=True)
class Calculation:
    """One calculator answer: the sentence to show, the provisional note, or the error."""

    text: str = ""
    note: str = ""
    error: str = ""


def _answer(explained: Explained, text: str) -> Calculation:
    return Calculation(text=text, note=explained.note)


def calendar_add_workdays(start: date, n: int) -> Calculation:
    """The date `n` working days after `start` (before it when n < 0), not counting `start` itself."""
    try:
        result = current_calendar().add_workdays_explained(start, n)
    except ValueError as exc:
        return Calculation(error=str(exc))
    where = "之后" if n >= 0 else "之前"
    value = result.value
    text = f"{start.isoformat()} {where}第 {abs(n)} 个工作日是 {value.isoformat()}（周{WEEKDAYS_ZH[value.weekday()]}）"
    return _answer(result, text)


def calendar_workdays_between(a: date, b: date) -> Calculation:
    """Working days after `a` up to and including `b`."""
    try:
        result = current_calendar().workdays_between_explained(a, b)
    except ValueError as exc:
        return Calculation(error=str(exc))
    text = f"{a.isoformat()} 至 {b.isoformat()} 之间有 {result.value} 个工作日（不含起始日，含结束日）"
    return _answer(result, text)
