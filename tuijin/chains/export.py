"""The signed start plan (WH19 三(三)一 二 and 附件1 项目开工推进计划表) of one unit or one street, as Word
(docxtpl, template `docx/start_plan.docx` built by `docx/build_template.py`) and Excel (xlsxwriter).

One row per project with a chain whose responsible unit is the unit (or whose street is the street):
项目名称, 总投资, 责任单位/责任人, then for each of WH19's twelve procedures its completion deadline
(完成时限) and actual date, and the planned start to the week (WH19 三(三)一: 开工时间具体到周).
The 责任人 is the person responsible for the chain's 开工 node, else the project's service officer.
A deadline on a provisional calendar year is marked (*) and the note under the table says so. Facts are
read in three queries whatever the number of rows.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from tuijin.core.access import UNIT_ROLES, role_of, scope
from tuijin.core.calendar_selectors import current_calendar
from tuijin.org.models import Unit, UnitKind
from tuijin.projects import rules as project_rules
from tuijin.projects.models import Project

from .docx.form import PROCEDURES, SIGNATURES, TEMPLATE, TITLE
from .models import ChainNode

PROVISIONAL_NOTE = "标 * 的时限落在暂定日历年度（{years}年，国务院尚未公布放假安排），公布后可能调整。"
EXEMPT = "免办"
NONE = "—"
KINDS = {"unit": "责任单位", "street": "街道"}


@dataclass(frozen=True)
class Target:
    """What is exported: a unit's projects (by responsible unit) or a street's (by Project.street)."""

    kind: str
    unit_id: int
    name: str
    projects: int = 0

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.unit_id}"


@dataclass(frozen=True)
class Step:
    """One procedure of one project: deadline (with the original when re-planned) and actual date."""

    deadline: date | None = None
    baseline: date | None = None
    actual: date | None = None
    exempt: bool = False
    present: bool = False
    provisional: bool = False

    @property
    def replanned(self) -> bool:
        return self.baseline is not None and self.deadline is not None and self.baseline != self.deadline

    def deadline_text(self) -> str:
        if not self.present:
            return NONE
        if self.exempt:
            return EXEMPT
        if self.deadline is None:
            return ""
        return _day(self.deadline) + ("*" if self.provisional else "")

    def actual_text(self) -> str:
        if not self.present:
            return NONE
        if self.exempt:
            return EXEMPT
        return _day(self.actual) if self.actual else ""

    def cell_text(self) -> str:
        """Both in one Word cell: the deadline, the original one if re-planned, the actual date."""
        if not self.present or self.exempt:
            return self.deadline_text()
        lines = [self.deadline_text() or "未定"]
        if self.replanned:
            lines.append(f"（原 {_day(self.baseline)}）")
        if self.actual:
            lines.append(f"实 {_day(self.actual)}")
        return "\n".join(lines)


@dataclass(frozen=True)
class PlanRow:
    number: int
    pk: int
    name: str
    investment: Decimal
    unit: str
    person: str
    steps: tuple[Step, ...]
    start: str

    @property
    def unit_person(self) -> str:
        return f"{self.unit}\n{self.person}" if self.person else self.unit


@dataclass(frozen=True)
class StartPlan:
    target: Target
    title: str
    rows: list[PlanRow]
    exported_on: date
    provisional_years: tuple[int, ...]

    @property
    def note(self) -> str:
        notes = [f"{EXEMPT}：不涉及该手续；{NONE}：推进链条中无该手续。"]
        if self.provisional_years:
            notes.append(PROVISIONAL_NOTE.format(years="、".join(map(str, self.provisional_years))))
        return "注：" + " ".join(notes)

    def filename(self, suffix: str) -> str:
        return f"{self.title}（{self.exported_on:%Y-%m-%d}）.{suffix}"


def _day(day: date | None) -> str:
    return f"{day:%Y.%m.%d}" if day else ""


def start_to_week(day: date | None, precision: str) -> str:
    """The planned start to the week (WH19 三(三)一): 2024年第11周（3月11日—3月17日）. A month-precision
    plan is not guessed into a week: it says so."""
    if day is None:
        return ""
    if precision == "month":
        return f"{project_rules.format_planned(day, 'month')}（未定到周）"
    monday = day - timedelta(days=day.weekday())
    sunday = monday + timedelta(days=6)
    week = project_rules.format_planned(day, "week")
    return f"{week}（{monday.month}月{monday.day}日—{sunday.month}月{sunday.day}日）"


# ---------------------------------------------------------------------------------------------------
# What the user may export


def _chained_projects(user: Any) -> QuerySet:
    return scope(user, Project.objects.filter(chain__isnull=False))


def export_targets(user: Any) -> tuple[list[Target], list[Target]]:
    """(units, streets) the user may export, each with its number of projects with a chain. Unit staff
    export only their own unit's (and their street's, when their unit is a street); readers of the
    subtree any unit or street in it that has such projects."""
    projects = _chained_projects(user)
    role = role_of(user)
    unit_staff = role in UNIT_ROLES and not user.is_superuser
    units = Unit.objects.filter(pk=user.unit_id) if unit_staff else scope(user, Unit.objects.all())
    by_unit = dict(
        projects.values("responsible_unit_id")
        .annotate(n=Count("pk", distinct=True))
        .values_list("responsible_unit_id", "n")
    )
    by_street = dict(
        projects.filter(street__isnull=False)
        .values("street_id")
        .annotate(n=Count("pk", distinct=True))
        .values_list("street_id", "n")
    )
    rows = units.filter(Q(pk__in=by_unit) | Q(pk__in=by_street, kind=UnitKind.STREET)).order_by(
        F("jurisdiction__path"), "sort", "pk"
    )
    unit_targets, street_targets = [], []
    for pk, name, kind in rows.values_list("pk", "name", "kind"):
        if pk in by_unit:
            unit_targets.append(Target("unit", pk, name, by_unit[pk]))
        if kind == UnitKind.STREET and pk in by_street:
            street_targets.append(Target("street", pk, name, by_street[pk]))
    own = user.unit_id
    if unit_staff and own and not (unit_targets or street_targets):
        name = Unit.objects.filter(pk=own).values_list("name", flat=True).first() or ""
        unit_targets.append(Target("unit", own, name, 0))  # nothing to export yet: the page says so
    return unit_targets, street_targets


def resolve_target(targets: list[Target], value: str) -> Target | None:
    """The target a form value ("unit:12", "street:7") names among those the user may export; else None."""
    kind, _, number = (value or "").strip().partition(":")
    if kind not in KINDS or not number.isdigit():
        return None
    return next((t for t in targets if t.kind == kind and t.unit_id == int(number)), None)


# ---------------------------------------------------------------------------------------------------
# The rows


def _projects(user: Any, target: Target) -> list[dict]:
    field = "responsible_unit_id" if target.kind == "unit" else "street_id"
    qs = _chained_projects(user).filter(**{field: target.unit_id})
    return list(
        qs.order_by(F("planned_start").asc(nulls_last=True), "name", "pk").values(
            "pk",
            "name",
            "total_investment",
            "responsible_unit__name",
            "service_officer__name",
            "planned_start",
            "planned_start_precision",
        )
    )


def _nodes(project_ids: list[int]) -> dict[int, dict[str, dict]]:
    """project id → node name (and key) → the node's values; the 开工 node under "__start__"."""
    rows = (
        ChainNode.objects.filter(project_id__in=project_ids)
        .filter(Q(phase="approval") | Q(stage="started"))
        .order_by("sort", "pk")
        .values(
            "project_id",
            "key",
            "name",
            "stage",
            "deadline",
            "baseline",
            "actual",
            "exempt_reason",
            "responsible_person__name",
        )
    )
    nodes: dict[int, dict[str, dict]] = {}
    for row in rows:
        mine = nodes.setdefault(row["project_id"], {})
        if row["stage"] == "started":
            mine.setdefault("__start__", row)
            continue
        mine.setdefault(row["name"], row)
        mine.setdefault(f"key:{row['key']}", row)
    return nodes


def _steps(nodes: dict[str, dict], calendar: Any, years: set[int]) -> tuple[Step, ...]:
    steps = []
    for key, name in PROCEDURES:
        row = nodes.get(name) or nodes.get(f"key:{key}")
        if row is None:
            steps.append(Step())
            continue
        deadline = row["deadline"]
        provisional = deadline is not None and calendar.is_provisional(deadline)
        if provisional and not row["exempt_reason"]:
            years.add(deadline.year)
        steps.append(
            Step(
                deadline=deadline,
                baseline=row["baseline"],
                actual=row["actual"],
                exempt=bool(row["exempt_reason"]),
                present=True,
                provisional=provisional,
            )
        )
    return tuple(steps)


def start_plan(user: Any, target: Target, *, today: date | None = None) -> StartPlan:
    projects = _projects(user, target)
    nodes = _nodes([p["pk"] for p in projects])
    calendar = current_calendar()
    years: set[int] = set()
    rows = []
    for number, p in enumerate(projects, start=1):
        mine = nodes.get(p["pk"], {})
        start_node = mine.get("__start__") or {}
        planned, precision = p["planned_start"], p["planned_start_precision"]
        if planned is None and start_node.get("deadline"):
            planned, precision = start_node["deadline"], "day"
        rows.append(
            PlanRow(
                number=number,
                pk=p["pk"],
                name=p["name"],
                investment=p["total_investment"],
                unit=p["responsible_unit__name"],
                person=start_node.get("responsible_person__name") or p["service_officer__name"] or "",
                steps=_steps(mine, calendar, years),
                start=start_to_week(planned, precision),
            )
        )
    return StartPlan(
        target=target,
        title=TITLE.format(place=target.name),
        rows=rows,
        exported_on=today or timezone.localdate(),
        provisional_years=tuple(sorted(years)),
    )


# ---------------------------------------------------------------------------------------------------
# Excel

FIRST_DATA_ROW = 4  # 0 title, 1 place and date, 2-3 header
FIXED = ("序号", "项目名称", "总投资（万元）", "责任单位/责任人")
START_HEADER = "计划开工（到周）"
WIDTHS = (5, 28, 11, 18)
STEP_WIDTH = 11
START_WIDTH = 26


def _formats(book: xlsxwriter.Workbook) -> dict[str, Any]:
    base = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter", "text_wrap": True}
    return {
        "title": book.add_format(
            {"font_name": "黑体", "font_size": 18, "align": "center", "valign": "vcenter"}
        ),
        "info": book.add_format({"font_name": "宋体", "font_size": 10}),
        "info_right": book.add_format({"font_name": "宋体", "font_size": 10, "align": "right"}),
        "header": book.add_format({**base, "bold": True, "align": "center", "bg_color": "#F2F2F2"}),
        "text": book.add_format(base),
        "center": book.add_format({**base, "align": "center"}),
        "money": book.add_format({**base, "num_format": "#,##0.00"}),
        "date": book.add_format({**base, "num_format": "yyyy.mm.dd", "align": "center"}),
        "date_provisional": book.add_format(
            {**base, "num_format": 'yyyy.mm.dd"*"', "align": "center", "italic": True}
        ),
        "note": book.add_format({"font_name": "宋体", "font_size": 9, "text_wrap": True, "valign": "top"}),
        "sign": book.add_format({"font_name": "宋体", "font_size": 11, "valign": "bottom"}),
    }


def _xlsx_header(sheet: Any, f: dict[str, Any], last: int) -> None:
    for col, label in enumerate(FIXED):
        sheet.merge_range(2, col, 3, col, label, f["header"])
    for index, (_, name) in enumerate(PROCEDURES):
        col = len(FIXED) + 2 * index
        sheet.merge_range(2, col, 2, col + 1, name, f["header"])
        sheet.write(3, col, "完成时限", f["header"])
        sheet.write(3, col + 1, "实际完成", f["header"])
    sheet.merge_range(2, last, 3, last, START_HEADER, f["header"])


def _xlsx_step(sheet: Any, f: dict[str, Any], row: int, col: int, step: Step) -> None:
    if not step.present or step.exempt or step.deadline is None:
        sheet.write_string(row, col, step.deadline_text(), f["center"])
    else:
        sheet.write_datetime(row, col, step.deadline, f["date_provisional" if step.provisional else "date"])
        if step.replanned:
            sheet.write_comment(row, col, f"原定时限 {_day(step.baseline)}，已调整")
    if step.present and not step.exempt and step.actual is not None:
        sheet.write_datetime(row, col + 1, step.actual, f["date"])
    else:
        sheet.write_string(row, col + 1, step.actual_text(), f["center"])


def plan_xlsx(plan: StartPlan) -> bytes:
    """The plan as a workbook: merged title, place and date, a two-row header, one row per project,
    the note and the signature lines; the header and the first two columns stay frozen."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("开工推进计划表")
    f = _formats(book)
    last = len(FIXED) + 2 * len(PROCEDURES)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(2, 3)
    sheet.set_row(0, 36)
    sheet.merge_range(0, 0, 0, last, plan.title, f["title"])
    sheet.merge_range(1, 0, 1, 8, f"{KINDS[plan.target.kind]}：{plan.target.name}", f["info"])
    sheet.merge_range(
        1, last - 6, 1, last, f"单位：万元  导出日期：{plan.exported_on:%Y-%m-%d}", f["info_right"]
    )
    for col, width in enumerate(WIDTHS):
        sheet.set_column(col, col, width)
    sheet.set_column(len(FIXED), last - 1, STEP_WIDTH)
    sheet.set_column(last, last, START_WIDTH)
    _xlsx_header(sheet, f, last)
    row = FIRST_DATA_ROW
    for r in plan.rows:
        sheet.write_number(row, 0, r.number, f["center"])
        sheet.write_string(row, 1, r.name, f["text"])
        sheet.write_number(row, 2, float(r.investment), f["money"])
        sheet.write_string(row, 3, r.unit_person.replace("\n", "/"), f["text"])
        for index, step in enumerate(r.steps):
            _xlsx_step(sheet, f, row, len(FIXED) + 2 * index, step)
        sheet.write_string(row, last, r.start, f["text"])
        row += 1
    sheet.freeze_panes(FIRST_DATA_ROW, 2)
    sheet.merge_range(row + 1, 0, row + 1, last, plan.note, f["note"])
    sheet.set_row(row + 1, 30)
    sign_row = row + 3
    sheet.set_row(sign_row, 30)
    sheet.merge_range(sign_row, 0, sign_row, 11, SIGNATURES[0], f["sign"])
    sheet.merge_range(sign_row, 12, sign_row, 21, SIGNATURES[1], f["sign"])
    sheet.merge_range(sign_row, 22, sign_row, last, SIGNATURES[2], f["sign"])
    book.close()
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------------
# Word


def docx_context(plan: StartPlan) -> dict[str, Any]:
    return {
        "title": plan.title,
        "kind": KINDS[plan.target.kind],
        "place": plan.target.name,
        "exported": f"{plan.exported_on.year}年{plan.exported_on.month}月{plan.exported_on.day}日",
        "note": plan.note,
        "rows": [
            {
                "number": r.number,
                "name": r.name,
                "investment": f"{r.investment:,.2f}",
                "unit_person": r.unit_person,
                "steps": [step.cell_text() for step in r.steps],
                "start": r.start,
            }
            for r in plan.rows
        ],
    }


def plan_docx(plan: StartPlan) -> bytes:
    """The plan rendered into the Word template (officials may restyle the template in Word or WPS)."""
    from docxtpl import DocxTemplate

    document = DocxTemplate(str(TEMPLATE))
    document.render(docx_context(plan), autoescape=True)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
