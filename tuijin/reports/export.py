"""The weekly table (WH19 附件2 重点项目进展情况一览表) of one unit or of the whole jurisdiction for one week,
as Word (docxtpl; the template `docx/weekly_table.docx`, replaceable per jurisdiction through
`tuijin.documents` under the key `wh19_weekly_table`) and Excel (xlsxwriter, the same layout).

Which reports: the week's weekly reports the user reads (the access scope), of the chosen unit or of every
unit. "仅已通过" (accepted only, the default for the project office, which publishes the table) lists the
reports the office accepted (代填 included: it is accepted at once); without it the table also lists the
reports submitted and not yet accepted (待单位负责人审核 / 待项目办审核), marked “（待审核）” under the
project's name — what a unit checks before its head approves. Drafts and returned reports are never
listed (their text is not what the unit stands by); the note under the table counts the reports left out.
Unit staff export only their own unit's table. One query for the rows and one for the count left out,
whatever the number of rows.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import xlsxwriter
from django.utils import timezone

from tuijin.core.access import UNIT_ROLES, role_of, scope
from tuijin.documents.registry import DocumentSpec, register_document
from tuijin.org.models import Jurisdiction, Unit

from . import rules
from .docx.form import DOCUMENT_KEY, HEADERS, TEMPLATE, TITLE
from .models import Report

LISTED = ("submitted", "approved", "accepted")  # without 仅已通过
PENDING_MARK = "（待审核）"
PROXY_MARK = "（项目办代填）"
NO_DATE = "    年    月    日"
DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五, 1000 → 一千 (附件2 numbers its rows 一、二、三)."""
    if n <= 0:
        return str(n)
    if n >= 100000:
        return str(n)
    units = ("", "十", "百", "千", "万")
    digits = [int(d) for d in str(n)][::-1]
    out: list[str] = []
    zero = False
    for power in range(len(digits) - 1, -1, -1):
        d = digits[power]
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[d] + units[power])
    text = "".join(out)
    return text[1:] if text.startswith("一十") else text


@dataclass(frozen=True)
class Target:
    """A unit's table or the whole jurisdiction's (all units)."""

    kind: str  # "unit" | "all"
    pk: int
    name: str

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.pk}"


def _unit_staff(user: Any) -> bool:
    return role_of(user) in UNIT_ROLES and not user.is_superuser


def export_targets(user: Any) -> list[Target]:
    """What the user may export: unit staff their own unit; readers of the subtree the whole
    jurisdiction first, then every unit that reports on a project they read."""
    if _unit_staff(user):
        if user.unit_id is None:
            return []
        return [Target("unit", user.unit_id, user.unit.name)]
    from .selectors import reporting_units

    targets = []
    if user.jurisdiction_id is not None:
        targets.append(Target("all", user.jurisdiction_id, user.jurisdiction.name))
    units = reporting_units(user).order_by("jurisdiction__path", "sort", "pk")
    targets += [Target("unit", pk, name) for pk, name in units.values_list("pk", "name")]
    return targets


def resolve_target(targets: list[Target], value: str) -> Target | None:
    kind, _, number = (value or "").strip().partition(":")
    if kind not in ("unit", "all") or not number.isdigit():
        return None
    return next((t for t in targets if t.kind == kind and t.pk == int(number)), None)


@dataclass(frozen=True)
class TableRow:
    number: int
    unit: str
    unit_head: str
    project: str
    basic_facts: str
    needs: str
    progress: str
    plan_next: str
    person: str
    status: str
    is_proxy: bool

    @property
    def number_text(self) -> str:
        return chinese_number(self.number)

    @property
    def basic(self) -> str:
        """附件2's 基本情况 cell: 1. the project's basic facts 2. its needs."""
        return f"1.{self.basic_facts or '无'}\n2.{self.needs or '无'}"

    @property
    def project_cell(self) -> str:
        marks = ""
        if self.status != "accepted":
            marks += PENDING_MARK
        if self.is_proxy:
            marks += PROXY_MARK
        return f"{self.project}\n{marks}" if marks else self.project


@dataclass
class WeeklyTable:
    target: Target
    title: str
    week_start: date
    unit_head: str
    filled_on: date | None
    rows: list[TableRow]
    accepted_only: bool
    left_out: int
    exported_on: date

    @property
    def period(self) -> str:
        return rules.period_label("weekly", self.week_start)

    @property
    def filled_text(self) -> str:
        day = self.filled_on
        return f"{day.year}年{day.month}月{day.day}日" if day else NO_DATE

    @property
    def note(self) -> str:
        parts = [
            "仅列项目办审核通过的周报（含项目办代填）。"
            if self.accepted_only
            else "列出已报送的周报，项目名称下注“（待审核）”的尚未经项目办审核通过。"
        ]
        if self.left_out:
            what = "未审核通过或未报送" if self.accepted_only else "为草稿或已退回"
            parts.append(f"本周另有 {self.left_out} 份周报{what}，未列入。")
        return "注：" + "".join(parts)

    @property
    def empty(self) -> str:
        return "本周暂无" + ("审核通过的周报" if self.accepted_only else "已报送的周报")

    def filename(self, suffix: str) -> str:
        iso = self.week_start.isocalendar()
        return f"{self.title}（{iso[0]}年第{iso[1]}周）.{suffix}"


def _local_date(moment: Any) -> date | None:
    return timezone.localtime(moment).date() if moment else None


def weekly_table(
    user: Any, target: Target, week_start: date, *, accepted_only: bool = True, today: date | None = None
) -> WeeklyTable:
    """The week's table for a target the user may export (from `export_targets`)."""
    week_start = week_start - timedelta(days=week_start.weekday())
    week = scope(user, Report.objects.filter(kind="weekly", period_start=week_start))
    if target.kind == "unit":
        week = week.filter(unit_id=target.pk)
    statuses = ("accepted",) if accepted_only else LISTED
    values = (
        week.filter(status__in=statuses)
        .order_by("unit__sort", "unit_id", "project_id")
        .values_list(
            "unit__name",
            "unit_head_name",
            "project__name",
            "basic_facts",
            "needs",
            "progress",
            "plan_next",
            "responsible_person",
            "status",
            "is_proxy",
            "submitted_at",
        )
    )
    rows: list[TableRow] = []
    latest = None
    for number, v in enumerate(values.iterator(chunk_size=2000), start=1):
        rows.append(TableRow(number, *v[:10]))
        if v[10] is not None and (latest is None or v[10] > latest):
            latest = v[10]
    left_out = week.exclude(status__in=statuses).count()
    heads = Counter(r.unit_head for r in rows if r.unit_head)
    unit_head = heads.most_common(1)[0][0] if target.kind == "unit" and heads else ""
    return WeeklyTable(
        target=target,
        title=TITLE.format(place=target.name),
        week_start=week_start,
        unit_head=unit_head,
        filled_on=_local_date(latest),
        rows=rows,
        accepted_only=accepted_only,
        left_out=left_out,
        exported_on=today or timezone.localdate(),
    )


def template_jurisdiction(target: Target) -> Jurisdiction | None:
    """Whose own Word template applies: the unit's jurisdiction, or the exported jurisdiction."""
    if target.kind == "all":
        return Jurisdiction.objects.filter(pk=target.pk).first()
    unit = Unit.objects.filter(pk=target.pk).select_related("jurisdiction").first()
    return unit.jurisdiction if unit else None


# ---------------------------------------------------------------------------------------------------
# Excel

HEADER_ROW = 3  # 0 title, 1 period, 2 unit head and date line
WIDTHS = (6, 14, 10, 22, 42, 38, 38, 10)


def table_xlsx(table: WeeklyTable) -> bytes:
    """附件2 as a workbook: merged title, the week, 单位主要负责人 and 填报日期, the header, one row per
    project numbered 一、二、三, wrapped text, landscape A4 one page wide, the header repeated on each page."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("重点项目进展情况一览表")
    base = {"font_name": "仿宋", "font_size": 10, "border": 1, "valign": "vcenter", "text_wrap": True}
    f = {
        "title": book.add_format(
            {"font_name": "黑体", "font_size": 18, "align": "center", "valign": "vcenter"}
        ),
        "period": book.add_format({"font_name": "仿宋", "font_size": 11, "align": "center"}),
        "info": book.add_format({"font_name": "仿宋", "font_size": 11}),
        "info_right": book.add_format({"font_name": "仿宋", "font_size": 11, "align": "right"}),
        "header": book.add_format(
            {**base, "font_size": 11, "bold": True, "align": "center", "bg_color": "#F2F2F2"}
        ),
        "text": book.add_format(base),
        "center": book.add_format({**base, "align": "center"}),
        "note": book.add_format({"font_name": "仿宋", "font_size": 9, "text_wrap": True, "valign": "top"}),
    }
    last = len(HEADERS) - 1
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.repeat_rows(HEADER_ROW)
    sheet.set_row(0, 36)
    sheet.merge_range(0, 0, 0, last, table.title, f["title"])
    sheet.merge_range(1, 0, 1, last, table.period, f["period"])
    sheet.merge_range(2, 0, 2, 3, f"单位主要负责人：{table.unit_head}", f["info"])
    sheet.merge_range(2, 4, 2, last, f"填报日期：{table.filled_text}", f["info_right"])
    for col, width in enumerate(WIDTHS):
        sheet.set_column(col, col, width)
    for col, label in enumerate(HEADERS):
        sheet.write_string(HEADER_ROW, col, label, f["header"])
    row = HEADER_ROW + 1
    text, center = f["text"], f["center"]
    for r in table.rows:
        sheet.write_string(row, 0, r.number_text, center)
        sheet.write_string(row, 1, r.unit, text)
        sheet.write_string(row, 2, r.unit_head, center)
        sheet.write_string(row, 3, r.project_cell, text)
        sheet.write_string(row, 4, r.basic, text)
        sheet.write_string(row, 5, r.progress, text)
        sheet.write_string(row, 6, r.plan_next, text)
        sheet.write_string(row, 7, r.person, center)
        row += 1
    if not table.rows:
        sheet.merge_range(row, 0, row, last, f"（{table.empty}）", center)
        row += 1
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    sheet.merge_range(row + 1, 0, row + 1, last, table.note, f["note"])
    sheet.set_row(row + 1, 28)
    book.close()
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------------
# Word


def docx_context(table: WeeklyTable) -> dict[str, Any]:
    return {
        "title": table.title,
        "period": table.period,
        "place": table.target.name,
        "unit_head": table.unit_head,
        "filled": table.filled_text,
        "exported": f"{table.exported_on.year}年{table.exported_on.month}月{table.exported_on.day}日",
        "note": table.note,
        "empty": table.empty,
        "rows": [
            {
                "number": r.number_text,
                "unit": r.unit,
                "unit_head": r.unit_head,
                "project": r.project_cell,
                "basic": r.basic,
                "basic_facts": r.basic_facts,
                "needs": r.needs,
                "progress": r.progress,
                "plan_next": r.plan_next,
                "person": r.person,
            }
            for r in table.rows
        ],
    }


def _sample() -> dict[str, Any]:
    row = TableRow(
        1,
        "区住房和城乡建设局",
        "周文博",
        "示例项目",
        "总投资1亿元",
        "需协调用地",
        "1.完成桩基",
        "1.主体施工",
        "张三",
        "accepted",
        False,
    )
    table = WeeklyTable(
        Target("unit", 0, "区住房和城乡建设局"),
        TITLE.format(place="区住房和城乡建设局"),
        date(2024, 6, 24),
        "周文博",
        date(2024, 6, 28),
        [row],
        True,
        0,
        date(2024, 6, 28),
    )
    return docx_context(table)


register_document(
    DocumentSpec(
        key=DOCUMENT_KEY,
        label="重点项目进展情况一览表（周报，附件2）",
        default=TEMPLATE,
        sample=_sample,
        fields=(
            "{{ title }} {{ period }} {{ place }} {{ unit_head }} {{ filled }} {{ exported }} {{ note }} "
            "{{ empty }}；表格行 {%tr for r in rows %}: {{ r.number }} {{ r.unit }} {{ r.unit_head }} "
            "{{ r.project }} {{ r.basic }}（或 {{ r.basic_facts }} {{ r.needs }}） {{ r.progress }} "
            "{{ r.plan_next }} {{ r.person }}"
        ),
    )
)


def table_docx(table: WeeklyTable) -> bytes:
    """The table rendered into the jurisdiction's own template (`wh19_weekly_table`) or the default."""
    from tuijin.documents.services import render_document

    return render_document(DOCUMENT_KEY, template_jurisdiction(table.target), docx_context(table))
