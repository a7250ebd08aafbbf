"""The filtered project list as `.xlsx` (issue 3 part 6; REQ B6), written with xlsxwriter.

The columns are `sheet_columns.COLUMNS`, the ones the import reads, so an exported file imports back: a
title row, a units row (单位：万元), the header, one row per project, a 合计 row. Money is written as
numbers with two decimals, planned dates as text in the precision they carry (2024年3月, 2024年第11周,
2024-03-15). Every fact is fetched in a constant number of queries (eight) whatever the number of rows.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import xlsxwriter
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from xlsxwriter.utility import xl_rowcol_to_cell

from . import rules
from .list_selectors import ListQuery, ordered, projects_for, tags_for, year_entries_for
from .models import FundingSource, InvestmentEntry, Project, StageTransition
from .sheet_columns import COLUMNS

TITLE = "{place}{year}年重大重点项目清单"
UNITS_ROW = "单位：万元"
NUMBER_HEADER = "序号"
TOTAL_LABEL = "合计"
LIST_SEPARATOR = "、"
FUNDING_SEPARATOR = "；"
MONEY_FORMAT = "#,##0.00"
MONEY_KINDS = ("money", "derived")
SUMMED = ("total_investment", "planned_investment", "invested_total", "invested_year")
FIRST_DATA_ROW = 3  # 0 title, 1 units, 2 header

VALUES = (
    "pk",
    "name",
    "code",
    "category",
    "sector",
    "content",
    "address",
    "longitude",
    "latitude",
    "total_investment",
    "planned_start",
    "planned_start_precision",
    "planned_completion",
    "planned_completion_precision",
    "planned_production",
    "planned_production_precision",
    "stage",
    "owner",
    "image_progress",
    "lead_leader__name",
    "service_officer__name",
    "responsible_unit__name",
    "supervising_unit__name",
    "street__name",
)


@dataclass(frozen=True)
class Workbook:
    filename: str
    content: bytes
    rows: int


# ---------------------------------------------------------------------------------------------------
# Facts: one query each


def _secondary_units(ids: QuerySet) -> dict[int, list[str]]:
    through = Project.secondary_units.through.objects.filter(project_id__in=ids)
    names: dict[int, list[str]] = {}
    for project_id, name in through.order_by("unit__sort", "unit_id").values_list("project_id", "unit__name"):
        names.setdefault(project_id, []).append(name)
    return names


def _funding(ids: QuerySet) -> dict[int, str]:
    parts: dict[int, list[str]] = {}
    rows = (
        FundingSource.objects.filter(project_id__in=ids)
        .order_by("id")
        .values_list("project_id", "kind", "amount")
    )
    for project_id, kind, amount in rows:
        label = rules.FUNDING_KINDS.get(kind, kind)
        parts.setdefault(project_id, []).append(label if amount is None else f"{label} {_plain(amount)}")
    return {pk: FUNDING_SEPARATOR.join(items) for pk, items in parts.items()}


def _started_on(ids: QuerySet) -> dict[int, date]:
    """The actual start, reduced from every move by `rules.actual_dates` (one source of truth: a move
    straight into 在建, a 补录 and a move back count as they do on the project page)."""
    moves: dict[int, list[rules.TransitionFacts]] = {}
    rows = (
        StageTransition.objects.filter(project_id__in=ids)
        .order_by("on", "id")
        .values_list("project_id", "to_stage", "on", "backfill")
    )
    for project_id, stage, on, backfill in rows:
        moves.setdefault(project_id, []).append(rules.TransitionFacts(stage=stage, on=on, backfill=backfill))
    started = {pk: rules.actual_dates(history).get("started") for pk, history in moves.items()}
    return {pk: on for pk, on in started.items() if on is not None}


def _invested(ids: QuerySet, year: int) -> dict[int, tuple[Decimal, Decimal]]:
    """project id → (cumulative, this year's) completed investment: sums of the monthly entries."""
    sums = (
        InvestmentEntry.objects.filter(project_id__in=ids)
        .values("project_id")
        .annotate(total=Sum("amount"), year=Sum("amount", filter=Q(year=year)))
        .values_list("project_id", "total", "year")
    )
    return {pk: (total, this_year or Decimal(0)) for pk, total, this_year in sums}


def _plain(amount: Decimal) -> str:
    return format(amount.normalize(), "f") if amount == amount.to_integral() else format(amount, "f")


def export_rows(user, query: ListQuery) -> list[dict]:
    """Every project of the filtered list (not one page), keyed by `sheet_columns` keys, in list order."""
    filtered = projects_for(user, query)
    ids = filtered.values("pk")
    projects = list(ordered(filtered, query).values(*VALUES))
    entries = year_entries_for(ids, query.year)
    tags = tags_for(ids)
    secondary = _secondary_units(ids)
    funding = _funding(ids)
    started = _started_on(ids)
    invested = _invested(ids, query.year)
    categories, sectors, stages, plan_types = rules.CATEGORIES, rules.SECTORS, rules.STAGES, rules.PLAN_TYPES
    fmt = rules.format_planned
    rows = []
    for p in projects:
        pk = p["pk"]
        entry = entries.get(pk)
        total_invested, year_invested = invested.get(pk, (None, None))
        rows.append(
            {
                "name": p["name"],
                "code": p["code"],
                "category": categories.get(p["category"], p["category"]),
                "sector": sectors.get(p["sector"], p["sector"]),
                "tags": LIST_SEPARATOR.join(tags.get(pk, ())),
                "content": p["content"],
                "address": p["address"],
                "longitude": p["longitude"],
                "latitude": p["latitude"],
                "total_investment": p["total_investment"],
                "planned_investment": entry["planned_investment"] if entry else None,
                "plan_type": plan_types.get(entry["plan_type"], "") if entry else "",
                "stage": stages.get(p["stage"], p["stage"]),
                "planned_start": fmt(p["planned_start"], p["planned_start_precision"]),
                "planned_completion": fmt(p["planned_completion"], p["planned_completion_precision"]),
                "planned_production": fmt(p["planned_production"], p["planned_production_precision"]),
                "started_on": fmt(started.get(pk), "day"),
                "lead_leader": p["lead_leader__name"] or "",
                "responsible_unit": p["responsible_unit__name"] or "",
                "service_officer": p["service_officer__name"] or "",
                "owner": p["owner"],
                "supervising_unit": p["supervising_unit__name"] or "",
                "street": p["street__name"] or "",
                "secondary_units": LIST_SEPARATOR.join(secondary.get(pk, ())),
                "funding": funding.get(pk, ""),
                "image_progress": p["image_progress"],
                "invested_total": total_invested,
                "invested_year": year_invested,
            }
        )
    return rows


# ---------------------------------------------------------------------------------------------------
# The workbook


def title_for(user, query: ListQuery) -> str:
    jurisdiction = getattr(user, "jurisdiction", None)
    return TITLE.format(place=jurisdiction.name if jurisdiction else "", year=query.year)


def _column_kinds() -> tuple[list[tuple[int, str]], list[tuple[int, str, str]]]:
    """(text columns, number columns with their format name): money and coordinates are numbers."""
    texts, numbers = [], []
    for col, column in enumerate(COLUMNS, start=1):
        if column.kind in MONEY_KINDS:
            numbers.append((col, column.key, "money"))
        elif column.kind == "decimal":
            numbers.append((col, column.key, "coordinate"))
        else:
            texts.append((col, column.key))
    return texts, numbers


def _formats(book) -> dict:
    header = {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1}
    return {
        "title": book.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}),
        "units": book.add_format({"align": "right"}),
        "header": book.add_format({**header, "bg_color": "#DDEBF7"}),
        "money": book.add_format({"num_format": MONEY_FORMAT}),
        "coordinate": book.add_format({"num_format": "0.000000"}),
        "total_label": book.add_format({"bold": True, "align": "center", "top": 1}),
        "total_money": book.add_format({"bold": True, "num_format": MONEY_FORMAT, "top": 1}),
        "total": book.add_format({"top": 1}),
    }


def _write_head(sheet, title: str, formats: dict) -> None:
    """Widths, the merged title, the units row and the header (heights first: constant_memory writes
    the rows out in order)."""
    last_col = len(COLUMNS)  # column 0 is 序号
    sheet.set_column(0, 0, 6)
    for col, column in enumerate(COLUMNS, start=1):
        sheet.set_column(col, col, column.width)
    sheet.set_row(0, 30)
    sheet.merge_range(0, 0, 0, last_col, title, formats["title"])
    sheet.merge_range(1, 0, 1, last_col, UNITS_ROW, formats["units"])
    sheet.set_row(2, 36)
    sheet.write_row(2, 0, [NUMBER_HEADER, *(c.header for c in COLUMNS)], formats["header"])


def _write_rows(sheet, rows: list[dict], formats: dict) -> None:
    texts, numbers = _column_kinds()
    numbers = [(col, key, formats[name]) for col, key, name in numbers]
    write_string, write_number = sheet.write_string, sheet.write_number  # 250,000 calls: no wrappers
    for offset, row in enumerate(rows):
        r = FIRST_DATA_ROW + offset
        write_number(r, 0, offset + 1)
        for col, key in texts:  # never a formula: strings_to_formulas is off and these are strings
            if value := row[key]:
                write_string(r, col, value)
        for col, key, fmt in numbers:
            if (value := row[key]) is not None:
                write_number(r, col, float(value), fmt)


def write_workbook(rows: list[dict], *, title: str) -> bytes:
    """Title, units row, header, rows, 合计; panes frozen below the header and right of the name."""
    buffer = io.BytesIO()
    # constant_memory: each row is written out as soon as the next begins, strings inline (no shared
    # strings table): a quarter faster for 10,000 rows and a flat memory profile. Rows go strictly in order.
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    book = xlsxwriter.Workbook(buffer, {**options, "strings_to_numbers": False})
    sheet = book.add_worksheet("项目清单")
    formats = _formats(book)
    _write_head(sheet, title, formats)
    _write_rows(sheet, rows, formats)
    _write_total(sheet, rows, formats, [c.key for c in COLUMNS])
    sheet.freeze_panes(FIRST_DATA_ROW, 2)
    if rows:
        sheet.autofilter(2, 0, FIRST_DATA_ROW + len(rows) - 1, len(COLUMNS))
    book.close()
    return buffer.getvalue()


def _write_total(sheet, rows: list[dict], formats: dict, keys: list[str]) -> None:
    r = FIRST_DATA_ROW + len(rows)
    sheet.write_string(r, 0, TOTAL_LABEL, formats["total_label"])
    sheet.write_string(r, 1, f"共 {len(rows)} 个项目", formats["total"])
    for col, key in enumerate(keys, start=1):
        if key not in SUMMED:
            if col > 1:
                sheet.write_blank(r, col, None, formats["total"])
            continue
        total = sum((row[key] for row in rows if row[key] is not None), Decimal(0))
        if rows:
            first = xl_rowcol_to_cell(FIRST_DATA_ROW, col)
            last = xl_rowcol_to_cell(r - 1, col)
            sheet.write_formula(r, col, f"=SUM({first}:{last})", formats["total_money"], float(total))
        else:
            sheet.write_number(r, col, 0, formats["total_money"])


def export_workbook(user, query: ListQuery, *, today: date | None = None) -> Workbook:
    """The filtered list's workbook and its Chinese file name."""
    rows = export_rows(user, query)
    title = title_for(user, query)
    day = today or timezone.localdate()
    return Workbook(
        filename=f"{title}（{day:%Y%m%d}导出）.xlsx",
        content=write_workbook(rows, title=title),
        rows=len(rows),
    )
