"""The problem ledger (问题台账) to Excel: every problem the user reads (the problem list's filters apply),
one row each with `selectors.LEDGER_COLUMNS` — 序号, 编号, 项目, 问题类别, 等级, 问题描述, 上报单位, 上报时间,
交办单位, 办理时限, 状态, 是否超期, 办理情况, 销号时间 and the slips issued (四单) — in a fixed number of
queries (`selectors.problem_ledger_rows`). Overdue rows are shaded; dates are real date cells."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import xlsxwriter

from . import rules
from .selectors import LEDGER_COLUMNS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLE = "{place}重大项目问题台账"
HEADER_ROW = 2  # 0 title, 1 scope and date
WIDTHS = {
    "序号": 6,
    "编号": 10,
    "项目": 24,
    "问题类别": 10,
    "等级": 7,
    "问题描述": 40,
    "上报单位": 16,
    "上报时间": 11,
    "交办单位": 16,
    "办理时限": 11,
    "状态": 11,
    "是否超期": 8,
    "办理情况": 36,
    "销号时间": 11,
    "四单": 30,
}
HEADERS = {"四单": "已发四单"}  # the column's heading in the sheet (the ledger lists the slips issued)
DATES = ("上报时间", "办理时限", "销号时间")
CENTER = ("序号", "编号", "问题类别", "等级", "状态", "是否超期")


def filters_from(get: Any, user: Any) -> dict[str, Any]:
    """The problem list's filters (same query string) as `problems_for` keywords."""
    unit_id = int(get["unit"]) if get.get("unit", "").isdigit() else None
    if get.get("mine") == "1" and user.unit_id:
        unit_id = user.unit_id
    return {
        "status": get.get("status", "") if get.get("status", "") in {*rules.STATUSES, "open"} else "",
        "kind": get.get("kind", "") if get.get("kind", "") in rules.KINDS else "",
        "grade": get.get("grade", "") if get.get("grade", "") in rules.GRADES else "",
        "unit_id": unit_id,
        "overdue": True if get.get("overdue") == "1" else None,
        "q": get.get("q", "").strip(),
    }


def describe(filters: dict[str, Any]) -> str:
    parts = []
    if filters.get("status") == "open":
        parts.append("未销号")
    elif filters.get("status"):
        parts.append(rules.STATUSES[filters["status"]])
    if filters.get("kind"):
        parts.append(rules.KINDS[filters["kind"]])
    if filters.get("grade"):
        parts.append(rules.GRADES[filters["grade"]])
    if filters.get("overdue"):
        parts.append("超期")
    if filters.get("unit_id"):
        parts.append("指定单位")
    if filters.get("q"):
        parts.append(f"含“{filters['q']}”")
    return "、".join(parts) or "全部问题"


def ledger_xlsx(rows: list[dict[str, Any]], *, title: str, scope_text: str, exported_on: date) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("问题台账")
    base = {"font_name": "仿宋", "font_size": 10, "border": 1, "valign": "vcenter", "text_wrap": True}
    f = {
        "title": book.add_format(
            {"font_name": "黑体", "font_size": 18, "align": "center", "valign": "vcenter"}
        ),
        "info": book.add_format({"font_name": "仿宋", "font_size": 10}),
        "info_right": book.add_format({"font_name": "仿宋", "font_size": 10, "align": "right"}),
        "header": book.add_format({**base, "bold": True, "align": "center", "bg_color": "#F2F2F2"}),
    }
    for shade in ("", "_late"):
        extra = {"bg_color": "#FDECEA"} if shade else {}
        f["text" + shade] = book.add_format({**base, **extra})
        f["center" + shade] = book.add_format({**base, **extra, "align": "center"})
        f["date" + shade] = book.add_format({**base, **extra, "align": "center", "num_format": "yyyy-mm-dd"})
    last = len(LEDGER_COLUMNS) - 1
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW)
    sheet.set_row(0, 34)
    sheet.merge_range(0, 0, 0, last, title, f["title"])
    sheet.merge_range(1, 0, 1, 7, f"范围：{scope_text}（共 {len(rows)} 个问题）", f["info"])
    sheet.merge_range(1, 8, 1, last, f"导出日期：{exported_on:%Y-%m-%d}", f["info_right"])
    for col, name in enumerate(LEDGER_COLUMNS):
        sheet.set_column(col, col, WIDTHS.get(name, 12))
        sheet.write_string(HEADER_ROW, col, HEADERS.get(name, name), f["header"])
    for offset, row in enumerate(rows, start=1):
        line = HEADER_ROW + offset
        shade = "_late" if row.get("是否超期") == "是" else ""
        for col, name in enumerate(LEDGER_COLUMNS):
            value = row.get(name)
            if name in DATES:
                if value:
                    sheet.write_datetime(line, col, value, f["date" + shade])
                else:
                    sheet.write_blank(line, col, None, f["date" + shade])
            elif name == "序号":
                sheet.write_number(line, col, value, f["center" + shade])
            else:
                style = "center" if name in CENTER else "text"
                sheet.write_string(line, col, "" if value is None else str(value), f[style + shade])
    sheet.freeze_panes(HEADER_ROW + 1, 3)
    sheet.autofilter(HEADER_ROW, 0, HEADER_ROW + max(len(rows), 1), last)
    book.close()
    return buffer.getvalue()
