"""Writes of the working-day calendar (DESIGN.md "Working days"; the calendar issue, part 4).

Every service runs under `transaction.atomic`, checks `core.edit_calendar` first (actor None is the
system: management commands and migrations), validates everything before writing anything, and after
the commit drops this process's cached calendar and enqueues `recompute_after_calendar_change` for the
changed range, so lights, clocks and scores counted on the calendar follow it.

Entering a year's schedule (seed, import, text, replace) replaces that year's rows whole; an emergency
change (`calendar_day_set` / `calendar_day_clear`) touches one day and must say why.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction

from .access import require
from .calendar_selectors import WEEKDAYS_ZH, calendar_refresh, provisional_base_schedule
from .calendar_sheets import ScheduleRow, parse_schedule_text, read_schedule_xlsx
from .models import CalendarDay, CalendarYear
from .rules.holidays import official_schedule, official_years
from .rules.workdays import CALENDAR_FIRST, CALENDAR_LAST

logger = logging.getLogger("tuijin.calendar")

DOCUMENT_EXAMPLE = "国务院办公厅关于{year}年部分节假日安排的通知"
REASON_EXAMPLE = "如“国务院办公厅关于延长2020年春节假期的通知”"
Kind = CalendarDay.Kind


@dataclass(frozen=True)
class ImportResult:
    """What an import entered: the year, the file, how many days of each kind, what it replaced."""

    year: int
    file_name: str
    days_off: int
    makeup_days: int
    replaced: str  # the label of the source the year had before ("" when it was provisional)

    @property
    def message(self) -> str:
        before = f"，替换了原有的{self.replaced}" if self.replaced else ""
        return (
            f"已从“{self.file_name}”导入 {self.year} 年放假安排：休息日 {self.days_off} 天、"
            f"补班日 {self.makeup_days} 天{before}。"
        )


def _check(actor) -> None:
    if actor is not None:
        require(actor, "core.edit_calendar")


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _after_commit(first: date, last: date) -> None:
    """Drop the cached calendar now and on commit, and enqueue the recompute once committed."""
    from .calendar_tasks import recompute_after_calendar_change

    def enqueue() -> None:
        recompute_after_calendar_change.enqueue(date_from=first.isoformat(), date_to=last.isoformat())

    calendar_refresh()
    transaction.on_commit(calendar_refresh)
    transaction.on_commit(enqueue, robust=True)


def _in_range_error(year: int) -> str | None:
    if CALENDAR_FIRST.year <= year <= CALENDAR_LAST.year:
        return None
    return f"年份 {year} 超出工作日历范围（{CALENDAR_FIRST.year}–{CALENDAR_LAST.year} 年）"


# ---------------------------------------------------------------------------------------------------
# A whole year.


def _as_rows(days: Iterable[ScheduleRow | tuple]) -> list[ScheduleRow]:
    return [day if isinstance(day, ScheduleRow) else ScheduleRow(*day) for day in days]


def _row_errors(year: int, row: ScheduleRow) -> list[str]:
    """Checks of one row on its own: in the year, a known kind, a name, a make-up day on a weekend."""
    where = f"第 {row.row} 行：" if row.row else ""
    iso = row.date.isoformat()
    if row.date.year != year:
        return [f"{where}日期 {iso} 不在 {year} 年内"]
    errors = []
    if row.kind not in Kind.values:
        errors.append(f"{where}{iso} 的类型“{row.kind}”无效，应为休息日或补班日")
    if not row.name.strip() or len(row.name) > 40:
        errors.append(f"{where}{iso} 的名称应为 1–40 个字（如“春节”）")
    if row.kind == Kind.MAKEUP and row.date.weekday() < 5:
        errors.append(f"{where}{iso} 是工作日（周{WEEKDAYS_ZH[row.date.weekday()]}），无需设为补班日")
    return errors


def _pair_error(first: ScheduleRow, second: ScheduleRow) -> str:
    """The same date twice: both off and on, or a plain repeat."""
    iso = second.date.isoformat()
    where = f"第 {second.row} 行：" if second.row else ""
    see = f"（另见第 {first.row} 行）" if first.row else ""
    if first.kind != second.kind:
        return f"{where}{iso} 同时被设为休息日和补班日{see}"
    return f"{where}{iso} 重复出现{see}"


def validate_year_rows(year: int, rows: Sequence[ScheduleRow]) -> list[str]:
    """Every problem of a year's list, in row order (an empty list: the year may be written)."""
    out_of_range = _in_range_error(year)
    if out_of_range:
        return [out_of_range]
    if not rows:
        return [f"{year} 年没有任何休息日或补班日"]
    errors: list[str] = []
    seen: dict[date, ScheduleRow] = {}
    for row in rows:
        errors += _row_errors(year, row)
        if row.date in seen:
            errors.append(_pair_error(seen[row.date], row))
        else:
            seen[row.date] = row
    return errors


def _write_year(
    *, actor, year: int, rows: Sequence[ScheduleRow], source: str, document: str, notify: bool = True
) -> str:
    """Replace the year's rows and mark it entered; return the label of the source it had before."""
    before = CalendarYear.objects.filter(year=year).first()
    CalendarDay.objects.filter(date__year=year).delete()
    user = _user(actor)
    CalendarDay.objects.bulk_create(
        CalendarDay(date=row.date, kind=row.kind, name=row.name.strip(), updated_by=user) for row in rows
    )
    CalendarYear.objects.update_or_create(
        year=year, defaults={"source": source, "document": document.strip(), "updated_by": user}
    )
    if notify:
        _after_commit(date(year, 1, 1), date(year, 12, 31))
    return before.get_source_display() if before else ""


def _require_document(document: str, year: int) -> None:
    if not document.strip():
        example = DOCUMENT_EXAMPLE.format(year=year)
        raise ValidationError({"document": f"请填写依据文件（如“{example}”）"})
    if len(document.strip()) > 200:
        raise ValidationError({"document": "依据文件最多 200 个字"})


@transaction.atomic
def calendar_year_replace(
    *,
    actor,
    year: int,
    days: Iterable[ScheduleRow | tuple],
    document: str,
    source: str = CalendarYear.Source.MANUAL,
) -> CalendarYear:
    """Enter `year`'s official schedule: `days` are (date, kind, name) or ScheduleRow; replaces the year.

    Errors: a date outside the year, a make-up day on a weekday, a date both off and on, a repeat.
    """
    _check(actor)
    if source not in CalendarYear.Source.values:
        raise ValueError(f"unknown calendar source {source!r}")
    if source != CalendarYear.Source.PACKAGE:
        _require_document(document, year)
    rows = _as_rows(days)
    errors = validate_year_rows(year, rows)
    if errors:
        raise ValidationError(errors)
    _write_year(actor=actor, year=year, rows=rows, source=source, document=document)
    return CalendarYear.objects.get(year=year)


@transaction.atomic
def calendar_year_enter_text(*, actor, year: int, text: str, document: str) -> CalendarYear:
    """按国务院通知录入: lines `2027-02-06 休 春节`, checked like a spreadsheet, then the year replaced."""
    _check(actor)
    _require_document(document, year)
    rows = parse_schedule_text(text)
    return calendar_year_replace(
        actor=actor, year=year, days=rows, document=document, source=CalendarYear.Source.MANUAL
    )


def _with_heading(file_name: str, messages: list[str]) -> ValidationError:
    if len(messages) == 1 and file_name in messages[0]:
        return ValidationError(messages)
    heading = f"文件“{file_name}”有 {len(messages)} 处错误，未导入任何内容："
    return ValidationError([heading, *messages])


@transaction.atomic
def calendar_import_xlsx(*, actor, year: int, file, document: str = "", file_name: str = "") -> ImportResult:
    """Import `year` from a small .xlsx (calendar_sheets format); nothing is written unless every row
    is valid, and every bad row is reported with its row number."""
    _check(actor)
    name = file_name or PurePath(getattr(file, "name", "") or "表格.xlsx").name
    try:
        rows = read_schedule_xlsx(file, file_name=name)
    except ValidationError as exc:
        raise _with_heading(name, exc.messages) from exc
    errors = validate_year_rows(year, rows)
    if errors:
        raise _with_heading(name, errors)
    replaced = _write_year(
        actor=actor,
        year=year,
        rows=rows,
        source=CalendarYear.Source.IMPORT,
        document=document.strip() or f"表格导入：{name}",
    )
    count_off = sum(1 for row in rows if row.kind == Kind.OFF)
    return ImportResult(year, name, count_off, len(rows) - count_off, replaced)


@transaction.atomic
def calendar_seed(*, actor=None) -> list[int]:
    """Enter every year the chinesecalendar data covers that is not in the table yet; never touches a
    year already entered (by an admin or an earlier seed). Returns the years seeded."""
    _check(actor)
    entered = set(CalendarYear.objects.values_list("year", flat=True))
    seeded = [year for year in official_years() if year not in entered]
    for year in seeded:
        schedule = official_schedule(year)
        rows = [ScheduleRow(d, Kind.OFF, n) for d, n in schedule.days_off.items()]
        rows += [ScheduleRow(d, Kind.MAKEUP, n) for d, n in schedule.make_up_days.items()]
        _write_year(
            actor=actor, year=year, rows=rows, source=CalendarYear.Source.PACKAGE, document="", notify=False
        )
    if seeded:
        logger.info("calendar seeded from chinesecalendar: %s", seeded)
        _after_commit(date(seeded[0], 1, 1), date(seeded[-1], 12, 31))
    return seeded


# ---------------------------------------------------------------------------------------------------
# Emergency changes: one day, with a reason.


def _day_errors(*, day: date, kind: str, name: str, reason: str) -> dict[str, str]:
    errors = {}
    out_of_range = _in_range_error(day.year)
    if out_of_range:
        errors["date"] = out_of_range
    if kind not in Kind.values:
        errors["kind"] = "类型应为休息日或补班日"
    elif kind == Kind.MAKEUP and day.weekday() < 5:
        errors["kind"] = f"{day.isoformat()} 是工作日（周{WEEKDAYS_ZH[day.weekday()]}），无需设为补班日"
    if not name.strip() or len(name.strip()) > 40:
        errors["name"] = "名称应为 1–40 个字（如“春节”）"
    errors.update(_reason_errors(reason))
    return errors


def _reason_errors(reason: str) -> dict[str, str]:
    if not reason.strip():
        return {"reason": f"请填写调整原因（{REASON_EXAMPLE}）"}
    if len(reason.strip()) > 200:
        return {"reason": "调整原因最多 200 个字"}
    return {}


@transaction.atomic
def calendar_day_set(*, actor, date: date, kind: str, name: str, reason: str) -> CalendarDay:
    """An emergency change (as in 2020, when the Spring Festival was extended): make `date` a day off or
    a make-up working day, in an entered year or a provisional one, recording who and why."""
    _check(actor)
    errors = _day_errors(day=date, kind=kind, name=name, reason=reason)
    if errors:
        raise ValidationError(errors)
    row, _ = CalendarDay.objects.update_or_create(
        date=date,
        defaults={"kind": kind, "name": name.strip(), "reason": reason.strip(), "updated_by": _user(actor)},
    )
    logger.info("calendar day set %s %s %s by %s: %s", date, kind, name, actor, reason)
    _after_commit(date, date)
    return row


@transaction.atomic
def calendar_day_clear(*, actor, date: date, reason: str) -> None:
    """Undo a day off or make-up day: the date follows the normal week again. Why is logged (the row
    itself is gone)."""
    _check(actor)
    errors = _reason_errors(reason)
    row = CalendarDay.objects.filter(date=date).first()
    if row is None:
        errors["date"] = _nothing_to_clear(date)
    if errors:
        raise ValidationError(errors)
    row._change_reason = reason.strip()  # kept by django-simple-history when the model records history
    row.delete()
    logger.info("calendar day cleared %s (%s %s) by %s: %s", date, row.kind, row.name, actor, reason)
    _after_commit(date, date)


def _nothing_to_clear(day: date) -> str:
    base = provisional_base_schedule(day.year)
    entered = CalendarYear.objects.filter(year=day.year).exists()
    if not entered and base and day in base.days_off:
        return (
            f"{day.isoformat()} 是临时日历按法定节假日推算的休息日，不能单独清除；"
            f"请录入{day.year}年的国务院放假安排"
        )
    return f"{day.isoformat()} 没有休息或补班的调整记录，无需清除"
