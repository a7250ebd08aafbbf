"""Reads of supervision acts, findings, photos and required actions — through the access scope, a fixed
number of queries per page — and the facts an on-site check and a circuit supervision start from:
what a unit last reported about a project (`reported_facts`) and the month's checklist per unit
(`circuit_checklist`, KF19 五)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet

from tuijin.core.access import can, get_readable, scope
from tuijin.core.calendar_selectors import current_calendar
from tuijin.org.models import Jurisdiction, Unit
from tuijin.projects import rules as project_rules
from tuijin.projects.models import Project

from . import rules
from .models import ActPhoto, Finding, RequiredAction, SupervisionAct

ACT_RELATED = ("jurisdiction", "lead_unit", "created_by")
ACTION_RELATED = ("act", "act__jurisdiction", "unit", "project", "slip", "replied_by", "checked_by")


# ---------------------------------------------------------------------------------------------------
# What the unit reported (an on-site check compares it with what is seen)


@dataclass(frozen=True)
class ReportedFacts:
    """What was last reported about a project: the latest weekly report's 最新工作进展 (not a draft), the
    stage with its actual dates, the chain's recently completed nodes and a reported 开工仪式; `text` is
    all of it in one block, as a finding stores it in `reported`."""

    report: Any = None
    period: str = ""
    progress: str = ""
    stage: str = ""
    actual: dict[str, date] = field(default_factory=dict)
    nodes: list[tuple[str, date]] = field(default_factory=list)
    ceremony: str = ""
    text: str = ""


RECENT_NODES = 5


def reported_facts(project: Project) -> ReportedFacts:
    """Four queries: the latest weekly report, the stage transitions, the completed nodes, the latest
    本周新开工 report saying a ceremony was held."""
    from tuijin.chains.models import ChainNode
    from tuijin.projects.models import StageTransition
    from tuijin.reports import rules as report_rules
    from tuijin.reports.models import Report

    report = (
        Report.objects.filter(project=project, kind="weekly")
        .exclude(status="draft")
        .order_by("-period_start")
        .first()
    )
    moves = StageTransition.objects.filter(project=project).order_by("on", "id")
    actual = project_rules.actual_dates(
        project_rules.TransitionFacts(m.to_stage, m.on, bool(m.backfill)) for m in moves
    )
    nodes = list(
        ChainNode.objects.filter(project=project, actual__isnull=False)
        .order_by("-actual", "-id")
        .values_list("name", "actual")[:RECENT_NODES]
    )
    opening = (
        Report.objects.filter(project=project, kind="new_starts", ceremony_held=True)
        .exclude(status="draft")
        .order_by("-period_start")
        .first()
    )
    stage = project_rules.STAGES.get(project.stage, project.stage)
    lines = []
    period = report_rules.period_label("weekly", report.period_start) if report is not None else ""
    if report is not None:
        lines.append(f"周报 {period} 最新工作进展：{report.progress.strip() or '（未填写）'}")
    else:
        lines.append("尚无已报送的周报。")
    dates = "，".join(f"{project_rules.MILESTONE_STAGES[k]} {v:%Y-%m-%d}" for k, v in actual.items())
    lines.append(f"项目阶段：{stage}" + (f"（{dates}）" if dates else ""))
    if nodes:
        lines.append("近期完成节点：" + "、".join(f"{name}（{on:%Y-%m-%d}）" for name, on in nodes))
    ceremony = ""
    if opening is not None:
        on = opening.ceremony_on or opening.period_start
        ceremony = f"已报送举行开工仪式（{on:%Y-%m-%d}）"
        if opening.progress.strip():
            ceremony += f"，形象进度：{opening.progress.strip()}"
        lines.append(ceremony)
    return ReportedFacts(
        report=report,
        period=period,
        progress=report.progress if report is not None else "",
        stage=stage,
        actual=actual,
        nodes=nodes,
        ceremony=ceremony,
        text="\n".join(lines),
    )


# ---------------------------------------------------------------------------------------------------
# Acts


def is_overdue(action: RequiredAction, today: date) -> bool:
    """逾期未整改: the deadline has passed and the action is not done (a reply waiting for the check is
    not overdue: the unit did its part in time or not, the check says)."""
    return action.status == "open" and action.deadline is not None and action.deadline < today


def overdue_q(today: date) -> Q:
    return Q(status="open", deadline__lt=today)


def action_state(action: RequiredAction, today: date) -> str:
    """The action's state in words, with overdue as its own (ACTION_STATUSES["overdue"])."""
    if is_overdue(action, today):
        return rules.ACTION_STATUSES["overdue"]
    return rules.ACTION_STATUSES.get(action.status, action.status)


def action_line(action: RequiredAction, today: date) -> str:
    """One line naming an action (the refusal to close an act lists them)."""
    unit = action.unit.short_name or action.unit.name
    deadline = f"，时限 {action.deadline:%Y-%m-%d}" if action.deadline else ""
    return f"{unit}“{action.content[:30]}”（{action_state(action, today)}{deadline}）"


def acts_for(
    user: Any, *, kind: str = "", month: date | None = None, unit_id: int | None = None, q: str = ""
) -> QuerySet:
    """The acts the user reads, newest first, with their counts (one query per page)."""
    qs = scope(user, SupervisionAct.objects.all()).select_related(*ACT_RELATED)
    if kind:
        qs = qs.filter(kind=kind)
    if month is not None:
        start = month.replace(day=1)
        end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        qs = qs.filter(Q(date__gte=start, date__lt=end) | Q(kind="circuit", month=start))
    if unit_id:
        qs = qs.filter(
            Q(units=unit_id)
            | Q(lead_unit_id=unit_id)
            | Q(findings__unit_id=unit_id)
            | Q(actions__unit_id=unit_id)
        ).distinct()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(summary__icontains=q) | Q(inspectors__icontains=q))
    return qs.annotate(
        n_findings=Count("findings", distinct=True),
        n_actions=Count("actions", distinct=True),
        n_open=Count("actions", filter=~Q(actions__status="done"), distinct=True),
    ).order_by("-date", "-id")


def act_readable(user: Any, pk: int) -> SupervisionAct:
    return get_readable(user, SupervisionAct.objects.select_related(*ACT_RELATED), pk=pk)


@dataclass
class FindingRow:
    finding: Finding
    photos: list[ActPhoto]
    actions: list[RequiredAction]

    @property
    def lights(self) -> bool:
        return self.finding.kind in ("discrepancy", "ceremony") and self.finding.resolved_at is None


@dataclass
class ActionRow:
    action: RequiredAction
    overdue: bool
    overdue_days: int
    state: str
    can_reply: bool
    can_check: bool
    can_supervise: bool
    photos: list[ActPhoto]
    forms: dict[str, Any] = field(default_factory=dict)  # the page's forms for this action (views)
    overdue_note: str = ""  # "工作日历缺少2031年，超期天数暂按自然日计…" when working days are unknown


@dataclass
class ActPage:
    act: SupervisionAct
    projects: list[Project]
    units: list[Unit]
    findings: list[FindingRow]
    loose_photos: list[ActPhoto]
    actions: list[ActionRow]
    referrals: list[Any]
    can_record: bool
    open_actions: int
    overdue_actions: int


def _overdue_days(deadline: date | None, today: date) -> tuple[int, str]:
    """Working days past the deadline, and a note when they could not be counted in working days (the
    calendar lacks a year): then the natural days, said so on the row — never a silent guess."""
    if deadline is None or deadline >= today:
        return 0, ""
    try:
        explained = current_calendar().workdays_between_explained(deadline, today)
    except ValueError:  # outside the calendar's range
        days = (today - deadline).days
        years = "、".join(f"{y}年" for y in range(deadline.year, today.year + 1))
        return days, f"工作日历缺少{years}，超期天数暂按自然日计：已逾期 {days} 天"
    if explained.provisional:
        years = "、".join(f"{y}年" for y in explained.provisional_years)
        return explained.value, (
            f"工作日历缺少{years}的节假日安排，暂按周末推算：已逾期 {explained.value} 个工作日（暂定）"
        )
    return explained.value, ""


def act_page(user: Any, act: SupervisionAct, today: date) -> ActPage:
    """Everything the act page shows, in a fixed number of queries: projects, units, findings (with
    their node and report), photos, the actions the user reads (with their 督办单) and the referrals."""
    can_record = can(user, "supervision.record", act)
    findings = list(
        scope(user, Finding.objects.filter(act=act)).select_related("project", "unit", "node", "report")
        if not can_record
        else Finding.objects.filter(act=act).select_related("project", "unit", "node", "report")
    )
    photos = list(scope(user, ActPhoto.objects.filter(act=act)).select_related("uploaded_by"))
    actions = list(
        scope(user, RequiredAction.objects.filter(act=act)).select_related(*ACTION_RELATED).order_by("id")
    )
    by_finding: dict[int | None, list[ActPhoto]] = {}
    by_action: dict[int, list[ActPhoto]] = {}
    for photo in photos:
        if photo.action_id is not None:
            by_action.setdefault(photo.action_id, []).append(photo)
        else:
            by_finding.setdefault(photo.finding_id, []).append(photo)
    actions_by_finding: dict[int | None, list[RequiredAction]] = {}
    for action in actions:
        actions_by_finding.setdefault(action.finding_id, []).append(action)
    rows = [FindingRow(f, by_finding.get(f.pk, []), actions_by_finding.get(f.pk, [])) for f in findings]
    finding_ids = {f.pk for f in findings}
    loose = [
        p for p in photos if p.action_id is None and (p.finding_id is None or p.finding_id not in finding_ids)
    ]
    action_rows = []
    for action in actions:
        overdue = is_overdue(action, today)
        days, note = _overdue_days(action.deadline, today) if overdue else (0, "")
        action_rows.append(
            ActionRow(
                action=action,
                overdue=overdue,
                overdue_days=days,
                overdue_note=note,
                state=action_state(action, today),
                can_reply=action.status == "open"
                and act.status != "closed"
                and can(user, "supervision.reply", action),
                can_check=action.status == "replied" and can_record,
                can_supervise=action.slip_id is None and action.status != "done" and can_record,
                photos=by_action.get(action.pk, []),
            )
        )
    referrals = []
    if can(user, "supervision.record", act) or getattr(user, "role", "") in ("leader",):
        referrals = list(act.referrals.select_related("unit").order_by("proposed_at", "id"))
    return ActPage(
        act=act,
        projects=list(act.projects.select_related("responsible_unit").order_by("name")),
        units=list(act.units.order_by("name")),
        findings=rows,
        loose_photos=loose,
        actions=action_rows,
        referrals=referrals,
        can_record=can_record,
        open_actions=sum(1 for a in actions if a.status != "done"),
        overdue_actions=sum(1 for r in action_rows if r.overdue),
    )


def photo_readable(user: Any, pk: int) -> ActPhoto:
    return get_readable(user, ActPhoto.objects.all(), pk=pk)


# ---------------------------------------------------------------------------------------------------
# Required actions


def actions_for(
    user: Any,
    *,
    today: date,
    status: str = "",
    unit_id: int | None = None,
    overdue: bool = False,
) -> QuerySet:
    """The required actions the user reads (unit staff: their unit's), most urgent first."""
    qs = scope(user, RequiredAction.objects.all()).select_related(*ACTION_RELATED)
    if status == "waiting":
        qs = qs.exclude(status="done")
    elif status:
        qs = qs.filter(status=status)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if overdue:
        qs = qs.filter(overdue_q(today))
    return qs.order_by("status", "deadline", "id")


def action_counts(user: Any, today: date) -> dict[str, int]:
    rows = scope(user, RequiredAction.objects.all()).order_by().values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    counts["overdue"] = scope(user, RequiredAction.objects.filter(overdue_q(today))).count()
    return counts


def actions_to_reply(user: Any) -> QuerySet:
    """The unit's required actions waiting for its reply (整改要求待回复)."""
    if getattr(user, "unit_id", None) is None:
        return RequiredAction.objects.none()
    return scope(
        user, RequiredAction.objects.filter(unit_id=user.unit_id, status="open").exclude(act__status="closed")
    )


def actions_to_check(user: Any) -> QuerySet:
    """Replies waiting for the supervisor's check (整改待复查)."""
    return scope(user, RequiredAction.objects.filter(status="replied"))


# ---------------------------------------------------------------------------------------------------
# Circuit supervision (巡回督导, KF19 五): the month's checklist per unit


@dataclass(frozen=True)
class CheckLine:
    key: str
    kind: str
    text: str
    project_id: int | None = None
    project_name: str = ""
    node_id: int | None = None
    color: str = ""
    confirmed: bool = False

    @property
    def label(self) -> str:
        return rules.FINDING_KINDS[self.kind]


@dataclass
class CheckGroup:
    unit: Unit
    lines: list[CheckLine]

    @property
    def counts(self) -> dict[str, int]:
        out = {k: 0 for k in CIRCUIT_ORDER}
        for line in self.lines:
            out[line.kind] += 1
        return out


@dataclass
class Checklist:
    month: date
    as_of: date
    groups: list[CheckGroup]
    totals: dict[str, int]

    @property
    def summary(self) -> str:
        parts = "、".join(f"{rules.FINDING_KINDS[k]} {n} 项" for k, n in self.totals.items())
        text = f"截至 {self.as_of:%Y-%m-%d}：{parts}，涉及 {len(self.groups)} 个单位。"
        if (self.as_of.year, self.as_of.month) > (self.month.year, self.month.month):
            # a past month's list is read from today's stored lights and matters, not from that month's end
            text = f"本清单按 {self.as_of:%Y-%m-%d} 的灯色和议定事项生成，并非{self.month:%Y年%m月}月末的情况；{text}"
        return text

    @property
    def count(self) -> int:
        return sum(self.totals.values())


CIRCUIT_ORDER = ("minutes", "node_plan", "should_start", "should_finish")


def _minutes_text(matter: Any) -> str:
    deadline = f"时限 {matter.deadline:%Y-%m-%d}" if matter.deadline else "未定时限"
    return f"{matter.meeting.title}议定事项“{matter.title}”（{deadline}）逾期未办结"


def circuit_checklist(
    jurisdiction: Jurisdiction, *, month: date, today: date, act: SupervisionAct | None = None
) -> Checklist:
    """The month's circuit checklist from the stored facts of the jurisdiction's subtree, per unit:
    会议纪要落实 (open matters past their deadline, by lead unit), 节点计划执行 (red and yellow node lights,
    by the node's responsible unit), 应开未开 / 应竣未竣 (the stored project lights' flags, by the
    project's responsible unit). With `act`, lines already confirmed as its findings say so. Five
    queries whatever the number of lines."""
    from tuijin.lights.models import NodeLight, ProjectLight
    from tuijin.meetings.models import Matter

    root = jurisdiction.path
    by_unit: dict[int, CheckGroup] = {}
    units: dict[int, Unit] = {}

    def add(unit: Unit | None, line: CheckLine) -> None:
        if unit is None:
            return
        units.setdefault(unit.pk, unit)
        by_unit.setdefault(unit.pk, CheckGroup(unit, [])).lines.append(line)

    confirmed: set[tuple] = set()
    if act is not None:
        for kind, unit_id, project_id, node_id, reported in Finding.objects.filter(
            act=act, kind__in=CIRCUIT_ORDER
        ).values_list("kind", "unit_id", "project_id", "node_id", "reported"):
            confirmed.add((kind, unit_id, project_id, node_id, reported if kind == "minutes" else ""))

    def line(kind: str, unit: Unit, project: Any, text: str, *, node_id=None, ref=0, color="") -> CheckLine:
        pid = project.pk if project is not None else None
        key = f"{kind}-{unit.pk}-{pid or 0}-{node_id or ref or 0}"
        mark = (kind, unit.pk, pid, node_id, text if kind == "minutes" else "")
        return CheckLine(
            key=key,
            kind=kind,
            text=text,
            project_id=pid,
            project_name=project.name if project is not None else "",
            node_id=node_id,
            color=color,
            confirmed=mark in confirmed,
        )

    from tuijin.meetings.matter_selectors import overdue_q

    matters = (  # the matters' own definition of overdue (working days, effective deadline, live statuses)
        Matter.objects.filter(overdue_q(today), jurisdiction__path__startswith=root)
        .select_related("lead_unit", "project", "meeting")
        .order_by("deadline", "id")
    )
    for m in matters:
        add(m.lead_unit, line("minutes", m.lead_unit, m.project, _minutes_text(m), ref=m.pk))
    nodes = (
        NodeLight.objects.filter(project__jurisdiction__path__startswith=root, shown__in=("red", "yellow"))
        .select_related("node__responsible_unit", "project")
        .order_by("-shown", "-days", "node_id")
    )
    for light in nodes:
        label = "红灯" if light.shown == "red" else "黄灯"
        text = f"{light.reason}（{label}）"
        unit = light.node.responsible_unit
        add(unit, line("node_plan", unit, light.project, text, node_id=light.node_id, color=light.shown))
    flagged = (
        ProjectLight.objects.filter(project__jurisdiction__path__startswith=root)
        .filter(Q(should_start=True) | Q(should_finish=True))
        .select_related("project__responsible_unit")
        .order_by("project__name", "project_id")
    )
    for light in flagged:
        p = light.project
        if light.should_start:
            planned = project_rules.format_planned(p.planned_start, p.planned_start_precision)
            add(
                p.responsible_unit,
                line("should_start", p.responsible_unit, p, f"应开未开：计划 {planned} 开工"),
            )
        if light.should_finish:
            planned = project_rules.format_planned(p.planned_completion, p.planned_completion_precision)
            add(
                p.responsible_unit,
                line("should_finish", p.responsible_unit, p, f"应竣未竣：计划 {planned} 竣工"),
            )
    order = {k: n for n, k in enumerate(CIRCUIT_ORDER)}
    groups = sorted(by_unit.values(), key=lambda g: (-len(g.lines), g.unit.name))
    for group in groups:
        group.lines.sort(key=lambda ln: (order[ln.kind], ln.project_name))
    totals = {k: 0 for k in CIRCUIT_ORDER}
    for group in groups:
        for ln in group.lines:
            totals[ln.kind] += 1
    return Checklist(month=month.replace(day=1), as_of=today, groups=groups, totals=totals)


def circuit_act(user: Any, jurisdiction: Jurisdiction | None, month: date) -> SupervisionAct | None:
    if jurisdiction is None:
        return None
    return (
        scope(user, SupervisionAct.objects.filter(jurisdiction=jurisdiction, kind="circuit", month=month))
        .select_related(*ACT_RELATED)
        .first()
    )


def circuit_months(user: Any) -> list[SupervisionAct]:
    """The circuit supervisions the user reads, newest month first, with their counts."""
    return list(
        scope(user, SupervisionAct.objects.filter(kind="circuit"))
        .select_related("jurisdiction")
        .annotate(
            n_findings=Count("findings", distinct=True),
            n_referrals=Count("referrals", distinct=True),
        )
        .order_by("-month", "-id")[:36]
    )


def unit_choices(jurisdiction: Jurisdiction) -> QuerySet:
    """Units that may be named: the jurisdiction's and its ancestors' active units."""
    codes = [c for c in jurisdiction.path.split("/") if c]
    return (
        Unit.objects.filter(is_active=True, jurisdiction__code__in=codes)
        .select_related("jurisdiction")
        .order_by("jurisdiction__path", "sort", "id")
    )


def project_choices(jurisdiction: Jurisdiction) -> QuerySet:
    return Project.objects.filter(jurisdiction__path__startswith=jurisdiction.path).order_by("name")
