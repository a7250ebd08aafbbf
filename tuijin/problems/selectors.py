"""Reads of problems and slips, always through the access scope; a fixed number of queries per page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from tuijin.core.access import can, get_readable, scope
from tuijin.org.models import Jurisdiction, Unit
from tuijin.projects.models import Project

from . import rules
from .models import Problem, ProblemAttachment, ProblemEvent, Slip

PROBLEM_RELATED = ("project", "jurisdiction", "filed_unit", "filed_by", "assigned_unit")


def overdue_q(today: date) -> Q:
    return Q(status__in=rules.WITH_UNIT, due_date__lt=today)


def problems_for(
    user: Any,
    *,
    today: date,
    status: str = "",
    kind: str = "",
    grade: str = "",
    unit_id: int | None = None,
    overdue: bool | None = None,
    project_id: int | None = None,
    q: str = "",
) -> QuerySet:
    """The problems the user reads, filtered; newest first."""
    qs = scope(user, Problem.objects.all()).select_related(*PROBLEM_RELATED)
    if status == "open":
        qs = qs.exclude(status="closed")
    elif status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if grade:
        qs = qs.filter(grade=grade)
    if unit_id:
        qs = qs.filter(Q(assigned_unit_id=unit_id) | Q(filed_unit_id=unit_id))
    if overdue is True:
        qs = qs.filter(overdue_q(today))
    elif overdue is False:
        qs = qs.exclude(overdue_q(today))
    if project_id:
        qs = qs.filter(project_id=project_id)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(project__name__icontains=q) | Q(description__icontains=q))
    return qs.order_by("-year", "-number")


def status_counts(user: Any, today: date) -> dict[str, int]:
    rows = scope(user, Problem.objects.all()).order_by().values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    counts["overdue"] = scope(user, Problem.objects.filter(overdue_q(today))).count()
    counts["open"] = sum(n for s, n in counts.items() if s in rules.OPEN_STATUSES)
    return counts


def problem_readable(user: Any, pk: int) -> Problem:
    return get_readable(user, Problem.objects.select_related(*PROBLEM_RELATED, "request_unit"), pk=pk)


@dataclass
class ProblemPage:
    problem: Problem
    events: list[ProblemEvent]
    slips: list[Slip]
    attachments: list[ProblemAttachment]
    overdue: bool
    overdue_days: int
    level_name: str
    request_level_name: str
    steps: list[str] = field(default_factory=list)
    can_supervise: bool = False
    ladder: list[rules.Level] = field(default_factory=list)


def actor_roles(user: Any, problem: Problem) -> set[str]:
    roles: set[str] = set()
    if can(user, "problems.manage", problem):
        roles.add(rules.OFFICE)
    if can(user, "problems.handle", problem):
        roles.add(rules.ASSIGNEE)
    return roles


def problem_page(user: Any, problem: Problem, today: date) -> ProblemPage:
    from tuijin.core.calendar_selectors import current_calendar

    from .services import ladder_for

    events = list(
        problem.events.select_related("actor", "unit", "from_unit", "to_unit", "slip").prefetch_related(
            "attachments"
        )
    )
    slips = list(
        problem.slips.select_related(
            "jurisdiction", "to_unit", "issued_by", "issued_unit", "acknowledged_by"
        ).order_by("issued_at", "id")
    )
    attachments = list(problem.attachments.select_related("uploaded_by", "event"))
    levels = ladder_for(problem.jurisdiction)
    overdue = rules.is_overdue(problem.status, problem.due_date, today)
    try:
        days = rules.overdue_workdays(current_calendar(), problem.status, problem.due_date, today)
    except ValueError:
        days = 0
    steps = rules.allowed_steps(problem.status, actor_roles(user, problem))
    return ProblemPage(
        problem=problem,
        events=events,
        slips=slips,
        attachments=attachments,
        overdue=overdue,
        overdue_days=days,
        level_name=rules.level_name(levels, problem.level) if problem.level else "",
        request_level_name=rules.level_name(levels, problem.request_level) if problem.request_level else "",
        steps=steps,
        can_supervise=problem.status in rules.WITH_UNIT and can(user, "problems.supervise", problem),
        ladder=levels,
    )


def projects_to_file(user: Any) -> QuerySet:
    """The projects a user may file a problem against: unit staff their unit's, the office its subtree's."""
    if getattr(user, "role", "") == "office_admin":
        return scope(user, Project.objects.all()).order_by("name")
    unit = user.unit_id
    return (
        scope(user, Project.objects.all())
        .filter(
            Q(responsible_unit_id=unit)
            | Q(street_id=unit)
            | Q(supervising_unit_id=unit)
            | Q(secondary_units__id=unit)
        )
        .distinct()
        .order_by("name")
    )


def unit_choices(jurisdiction: Jurisdiction) -> QuerySet:
    """Active units of the jurisdiction and its ancestors (who a problem may go to). A subdivision's unit
    cannot see the problem (scopes follow the subtree), so a matter of a street or a child district goes
    through that jurisdiction's own office: file or assign it there."""
    codes = [c for c in jurisdiction.path.split("/") if c]
    return (
        Unit.objects.filter(is_active=True, jurisdiction__code__in=codes)
        .select_related("jurisdiction")
        .order_by("jurisdiction__path", "sort", "id")
    )


# ---------------------------------------------------------------------------------------------------
# Slips


def slips_for(
    user: Any, *, kind: str = "", pending: bool | None = None, unit_id: int | None = None
) -> QuerySet:
    qs = scope(user, Slip.objects.all()).select_related(
        "jurisdiction", "to_unit", "issued_by", "issued_unit", "acknowledged_by", "problem", "project"
    )
    if kind:
        qs = qs.filter(kind=kind)
    if pending is True:
        qs = qs.filter(acknowledged_at__isnull=True, voided_at__isnull=True)
    elif pending is False:
        qs = qs.filter(Q(acknowledged_at__isnull=False) | Q(voided_at__isnull=False))
    if unit_id:
        qs = qs.filter(to_unit_id=unit_id)
    return qs.order_by("-issued_at", "-id")


def slips_to_acknowledge(user: Any) -> QuerySet:
    """Slips sent to the user's unit and not yet signed for (superseded ones — 已转办 — excluded)."""
    if getattr(user, "unit_id", None) is None or getattr(user, "role", "") not in (
        "unit_head",
        "unit_reporter",
    ):
        return Slip.objects.none()
    return scope(
        user,
        Slip.objects.filter(to_unit_id=user.unit_id, acknowledged_at__isnull=True, voided_at__isnull=True),
    )


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def supervision_counts(
    jurisdiction: Jurisdiction, start: date, end: date, *, subtree: bool = False
) -> dict[int, int]:
    """督办单 issued to each unit from `start` to `end` inclusive (Asia/Shanghai days): the supervision
    record the cards of the meetings-and-supervision issue count. `subtree` includes subdivisions."""
    low, high = _day_bounds(start, end)
    qs = Slip.objects.filter(kind="supervise", issued_at__gte=low, issued_at__lt=high)
    qs = (
        qs.filter(jurisdiction__path__startswith=jurisdiction.path)
        if subtree
        else qs.filter(jurisdiction=jurisdiction)
    )
    rows = qs.order_by().values("to_unit_id").annotate(n=Count("pk"))
    return {row["to_unit_id"]: row["n"] for row in rows}


def agenda_candidates(jurisdiction: Jurisdiction, level_key: str) -> QuerySet:
    """Open problems of the jurisdiction escalated to `level_key` of its ladder: what that level's next
    meeting should take up (the meetings issue reads this), oldest escalation first."""
    return (
        Problem.objects.filter(jurisdiction=jurisdiction, level=level_key)
        .exclude(status="closed")
        .select_related(*PROBLEM_RELATED)
        .order_by("escalated_at", "id")
    )


# ---------------------------------------------------------------------------------------------------
# The project page and the ledger


def project_problems(user: Any, project: Project, today: date) -> list[dict[str, Any]]:
    rows = (
        scope(user, Problem.objects.filter(project=project))
        .select_related("assigned_unit")
        .order_by("-year", "-number")
    )
    return [
        {
            "problem": p,
            "overdue": rules.is_overdue(p.status, p.due_date, today),
        }
        for p in rows
    ]


LEDGER_COLUMNS = (
    "序号",
    "编号",
    "项目",
    "问题类别",
    "等级",
    "问题描述",
    "上报单位",
    "上报时间",
    "交办单位",
    "办理时限",
    "状态",
    "是否超期",
    "办理情况",
    "销号时间",
    "四单",
)


def problem_ledger_rows(user: Any, today: date, **filters: Any) -> list[dict[str, Any]]:
    """The problem ledger (问题台账): one dict per problem with LEDGER_COLUMNS keys (two queries)."""
    problems = list(
        problems_for(user, today=today, **filters).prefetch_related(
            Prefetch("slips", queryset=Slip.objects.order_by("issued_at", "id"))
        )
    )
    rows = []
    for i, p in enumerate(problems, start=1):
        local = timezone.localtime
        rows.append(
            {
                "序号": i,
                "编号": p.code,
                "项目": p.project.name,
                "问题类别": p.get_kind_display(),
                "等级": p.get_grade_display(),
                "问题描述": f"{p.title}：{p.description}",
                "上报单位": str(p.filed_unit),
                "上报时间": local(p.filed_at).date(),
                "交办单位": str(p.assigned_unit or ""),
                "办理时限": p.due_date,
                "状态": p.get_status_display(),
                "是否超期": "是" if rules.is_overdue(p.status, p.due_date, today) else "否",
                "办理情况": p.resolution,
                "销号时间": local(p.closed_at).date() if p.closed_at else None,
                "四单": "；".join(f"{s.get_kind_display()}{s.number_text}" for s in p.slips.all()),
            }
        )
    return rows
