"""Reads of reports: a unit's period page, the heads' and the office's review lists, a report's history,
the project page's block, period states for lights and the to-do list. A fixed number of queries each."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from tuijin.core.access import scope
from tuijin.org.models import Unit
from tuijin.projects.models import Project

from . import rules
from .models import CameraLink, Report, ReportVersion, SitePhoto

DONE_STAGES = ("completed", "producing")  # 竣工 / 投产 report no more
BUILDING_STAGES = ("started", "construction")  # 建设库


def _must_report(queryset: QuerySet, year: int | None) -> QuerySet:
    """WH19 三(三)三: every project under construction or in the year's annual plan (an entry not removed),
    until completion — the same rule as `lights.rules.must_report`, so the review page and the lights'
    late/missing lists agree."""
    from tuijin.projects.models import PlanEntry

    year = year or timezone.localdate().year
    in_plan = Exists(PlanEntry.objects.filter(project=OuterRef("pk"), plan__year=year, removed=False))
    return queryset.exclude(stage__in=DONE_STAGES).filter(Q(stage__in=BUILDING_STAGES) | in_plan)


def reporting_projects(unit: Unit | int, year: int | None = None) -> QuerySet:
    """The projects a unit reports on in a year: those it is the responsible unit of that must report."""
    unit_id = unit.pk if isinstance(unit, Unit) else unit
    return _must_report(Project.objects.filter(responsible_unit_id=unit_id), year)


PRE_START_STAGES = ("planning", "negotiating", "signed", "registered", "landed", "preparation")


def _start_moves() -> QuerySet:
    """StageTransitions that are a project's 开工: a move (or 补录) into 开工, or straight into 在建 from a
    stage before it (projects.rules.actual_dates)."""
    from tuijin.projects.models import StageTransition

    return StageTransition.objects.filter(
        Q(to_stage="started") | Q(to_stage="construction", from_stage__in=PRE_START_STAGES)
    )


def _owes_new_start(queryset: QuerySet, week_start: date) -> QuerySet:
    """本周新开工 (WH19 三(二)四): projects that started in the week (a 开工 StageTransition dated in it), or
    whose planned start falls in it (`rules.new_start_week`: a day- or week-precision date in the week, a
    month-precision one in the week holding the month's last day) and that had not started before it.
    Never completed/producing projects."""
    week_end = rules.period_end("new_starts", week_start)
    started_in_week = Exists(
        _start_moves().filter(project=OuterRef("pk"), on__gte=week_start, on__lte=week_end)
    )
    started_before = Exists(_start_moves().filter(project=OuterRef("pk"), on__lt=week_start))
    planned = Q(planned_start_precision__in=("day", "week"), planned_start__gte=week_start) & Q(
        planned_start__lte=week_end
    )
    month = rules.month_ending_in_week(week_start)
    if month is not None:
        planned |= Q(
            planned_start_precision="month", planned_start__year=month[0], planned_start__month=month[1]
        )
    return queryset.exclude(stage__in=DONE_STAGES).filter(started_in_week | (planned & ~started_before))


def _kind_projects(queryset: QuerySet, kind: str, start: date) -> QuerySet:
    """The projects of `queryset` that owe a report of this kind for the period starting on `start`."""
    if kind == "new_starts":
        return _owes_new_start(queryset, start)
    return _must_report(queryset, start.year)


def period_projects(unit: Unit | int, kind: str, start: date) -> QuerySet:
    """The projects a unit reports on for one period of one kind."""
    unit_id = unit.pk if isinstance(unit, Unit) else unit
    return _kind_projects(Project.objects.filter(responsible_unit_id=unit_id), kind, start)


@dataclass(frozen=True)
class NewStartFacts:
    """What the 本周新开工 page shows of a project beside the report (read from the library, never stored
    in the report): its planned start and its actual 开工 date (the StageTransition)."""

    planned: str  # "2024-06-26" / "2024年第26周" / "2024年6月" / ""
    started_on: date | None  # the 开工 date if it is on or before the week's Sunday
    started: bool  # started by the end of the week (a date, or a 开工/在建 stage with no date recorded)

    @property
    def started_label(self) -> str:
        if self.started_on is not None:
            return f"已开工（{self.started_on.month}月{self.started_on.day}日）"
        return "已开工（未录入开工日期）" if self.started else "未开工"


def new_start_facts(stages: dict[int, str], week_start: date) -> dict[int, NewStartFacts]:
    """{project id: NewStartFacts} for the week; `stages` maps project id → current stage. Two queries."""
    from tuijin.projects import rules as project_rules
    from tuijin.projects.models import StageTransition

    week_end = rules.period_end("new_starts", week_start)
    history: dict[int, list] = defaultdict(list)
    for move in StageTransition.objects.filter(project_id__in=list(stages)).order_by("on", "pk"):
        history[move.project_id].append(
            project_rules.TransitionFacts(stage=move.to_stage, on=move.on, backfill=move.backfill)
        )
    planned = {
        row["pk"]: project_rules.format_planned(row["planned_start"], row["planned_start_precision"])
        for row in Project.objects.filter(pk__in=list(stages)).values(
            "pk", "planned_start", "planned_start_precision"
        )
    }
    out = {}
    for pid, stage in stages.items():
        actual = project_rules.actual_dates(history.get(pid, [])).get("started")
        started_on = actual if actual is not None and actual <= week_end else None
        undated = actual is None and stage in (*BUILDING_STAGES, *DONE_STAGES)
        out[pid] = NewStartFacts(planned.get(pid, ""), started_on, started_on is not None or undated)
    return out


def reporting_units(
    user: Any, year: int | None = None, *, kind: str = "weekly", start: date | None = None
) -> QuerySet:
    """Units of the user's scope that report on at least one project (the office's unit picker)."""
    if start is not None:
        projects = _kind_projects(scope(user, Project.objects.all()), kind, start)
    else:
        projects = _must_report(scope(user, Project.objects.all()), year)
    return Unit.objects.filter(pk__in=projects.values("responsible_unit_id"), is_active=True).order_by(
        "sort", "pk"
    )


@dataclass
class PeriodRow:
    project: Any
    report: Report | None
    content: dict[str, Any]
    editable: bool
    status: str  # rules.STATUS_SHORT key
    copied: bool = False
    facts: NewStartFacts | None = None  # 本周新开工 only


def unit_period_rows(
    unit: Unit, kind: str, start: date, *, copy_previous: bool = False, proxy: bool = False
) -> list[PeriodRow]:
    """One row per project the unit reports on, with this period's report (or last period's text when
    asked and this period has nothing yet). Three queries."""
    projects = list(
        period_projects(unit, kind, start).order_by("pk").only("pk", "name", "total_investment", "stage")
    )
    facts = new_start_facts({p.pk: p.stage for p in projects}, start) if kind == "new_starts" else {}
    reports = {
        r.project_id: r
        for r in Report.objects.filter(project__in=[p.pk for p in projects], kind=kind, period_start=start)
    }
    previous: dict[int, Report] = {}
    if copy_previous:
        previous = {
            r.project_id: r
            for r in Report.objects.filter(
                project__in=[p.pk for p in projects],
                kind=kind,
                period_start=rules.previous_period(kind, start),
            )
        }
    from .services import content_of

    rows = []
    for project in projects:
        report = reports.get(project.pk)
        status = report.status if report else "missing"
        # the office (proxy) fills in only what the unit has not submitted: missing, draft or returned;
        # the unit's own submitted or approved rows stay read-only (it accepts or returns them instead)
        editable = status in ("missing", *rules.EDITABLE)
        content = content_of(report) if report else {}
        copied = False
        if (
            editable
            and copy_previous
            and project.pk in previous
            and not any(content.get(f) for f in ("basic_facts", "needs", "progress", "plan_next"))
        ):
            old = content_of(previous[project.pk])
            content = {**old, "investment_completed": content.get("investment_completed")}
            copied = True
        rows.append(PeriodRow(project, report, content, editable, status, copied, facts.get(project.pk)))
    return rows


def period_overview(user: Any, kind: str, start: date, *, today: date, due_on: date) -> list[dict]:
    """Office review: per unit, how many projects report and how many are missing, drafts, submitted,
    approved, returned, accepted (by the office after the unit reported), 代填 (filled in by the office:
    not reported by the unit, never counted on time or late) and late. Two queries."""
    projects = _kind_projects(scope(user, Project.objects.all()), kind, start)
    expected = dict(
        projects.values("responsible_unit_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("responsible_unit_id", "n")
    )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in (
        scope(user, Report.objects.filter(kind=kind, period_start=start))
        .values("unit_id", "status", "first_submitted_at", "due_on", "is_proxy")
        .order_by()
    ):
        c = counts[row["unit_id"]]
        first = row["first_submitted_at"]
        state = rules.report_state(
            row["status"], row["due_on"], _local(first) if first else None, today, is_proxy=row["is_proxy"]
        )
        c["proxy" if state == "proxy" else row["status"]] += 1
        if state == "late":
            c["late"] += 1
    units = Unit.objects.filter(pk__in=set(expected) | set(counts)).order_by("sort", "pk")
    out = []
    for unit in units:
        c = counts.get(unit.pk, {})
        total = expected.get(unit.pk, 0)
        submitted_any = sum(c.get(s, 0) for s in ("submitted", "approved", "accepted", "returned", "proxy"))
        out.append(
            {
                "unit": unit,
                "total": total,
                "draft": c.get("draft", 0),
                "submitted": c.get("submitted", 0),
                "approved": c.get("approved", 0),
                "returned": c.get("returned", 0),
                "accepted": c.get("accepted", 0),
                "proxy": c.get("proxy", 0),
                "late": c.get("late", 0),
                "missing": max(total - submitted_any, 0) if today > due_on else 0,
                "pending": max(total - submitted_any, 0),
            }
        )
    return out


def _local(moment: Any) -> date:
    from django.utils import timezone

    return timezone.localtime(moment).date()


def period_states(*, jurisdiction: Any, kind: str, period_start: date, today: date) -> dict[int, str]:
    """{project id: "missing" | "late" | "on_time" | "pending" | "proxy"} for every reporting project of a
    jurisdiction subtree in one period (late/missing lists; "proxy": 代填 by the office). Two queries."""
    from .services import period_due

    projects = _kind_projects(
        Project.objects.filter(jurisdiction__path__startswith=jurisdiction.path), kind, period_start
    )
    reports = {
        row["project_id"]: row
        for row in Report.objects.filter(
            project__in=projects.values("pk"), kind=kind, period_start=period_start
        ).values("project_id", "status", "first_submitted_at", "due_on", "is_proxy")
    }
    default_due = None
    states = {}
    for pid in projects.values_list("pk", flat=True):
        row = reports.get(pid)
        if row is None:
            if default_due is None:
                unit = Unit(jurisdiction_id=jurisdiction.pk)
                default_due = period_due(unit, kind, period_start)
            states[pid] = rules.report_state(None, default_due, None, today)
        else:
            first = row["first_submitted_at"]
            states[pid] = rules.report_state(
                row["status"],
                row["due_on"],
                _local(first) if first else None,
                today,
                is_proxy=row["is_proxy"],
            )
    return states


def accepted_reports(*, jurisdiction: Any, kind: str, period_start: date) -> QuerySet:
    return Report.objects.filter(
        project__jurisdiction__path__startswith=jurisdiction.path,
        kind=kind,
        period_start=period_start,
        status="accepted",
    ).select_related("project", "unit")


def review_rows(user: Any, unit: Unit, kind: str, start: date) -> list[Report]:
    return list(
        scope(user, Report.objects.filter(unit=unit, kind=kind, period_start=start))
        .select_related("project", "submitted_by", "approved_by", "reviewed_by", "proxy_by")
        .order_by("project_id")
    )


def head_pending(user: Any) -> list[dict]:
    """The unit head's periods waiting for approval: [{kind, period_start, count}], newest first."""
    if user.unit_id is None:
        return []
    rows = (
        Report.objects.filter(unit_id=user.unit_id, status="submitted")
        .values("kind", "period_start")
        .annotate(n=Count("pk"))
        .order_by("-period_start", "kind")
    )
    return [
        {
            **row,
            "label": rules.period_label(row["kind"], row["period_start"]),
            "kind_label": rules.KINDS[row["kind"]],
        }
        for row in rows
    ]


def office_pending(user: Any) -> QuerySet:
    """Reports waiting for the office (approved), per unit and period."""
    return (
        scope(user, Report.objects.filter(status="approved"))
        .values("unit_id", "unit__name", "kind", "period_start")
        .annotate(n=Count("pk"))
        .order_by("period_start", "unit_id")
    )


@dataclass
class VersionRow:
    version: ReportVersion
    changed: list[str] = field(default_factory=list)


def report_history(report: Report) -> list[VersionRow]:
    """Every version of a report, newest first, with the fields that changed from the one before."""
    versions = list(report.versions.select_related("author").order_by("seq"))
    rows = []
    before: dict[str, Any] = {}
    for version in versions:
        rows.append(VersionRow(version, rules.content_changed(before, version.content)))
        before = version.content
    return list(reversed(rows))


def project_reports(user: Any, project: Project, limit: int = 6) -> dict[str, Any]:
    """The project page's block: latest reports, photos and camera links the user may read."""
    reports = list(
        scope(user, Report.objects.filter(project=project))
        .select_related("unit")
        .order_by("-period_start", "kind")[:limit]
    )
    photos = list(scope(user, SitePhoto.objects.filter(project=project)).order_by("-taken_on", "-pk")[:12])
    cameras = list(scope(user, CameraLink.objects.filter(project=project)))
    return {"reports": reports, "photos": photos, "cameras": cameras}


# How far back the to-do looks for a period still not submitted (basis = "default": WH19 gives no rule;
# a month of weekly reports and the two months before this one — older gaps are the 迟报缺报 page's)
EARLIER_PERIODS = {"weekly": 4, "new_starts": 4, "monthly": 2}


def _period_end_moment(kind: str, start: date) -> Any:
    """The aware moment (Asia/Shanghai midnight) right after a period ends."""
    from datetime import datetime, time, timedelta

    day = rules.period_end(kind, start) + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time.min))


def _owes_new_start_row(row: dict, start: date) -> bool:
    """`_owes_new_start` of one project row of `unit_due_items` (its first and last 开工 move dates)."""
    end = rules.period_end("new_starts", start)
    first, last = row["first_start"], row["last_start"]
    if any(d is not None and start <= d <= end for d in (first, last)):
        return True  # started in the week
    if first is not None and first < start:
        return False  # started before the week
    planned, precision = row["planned_start"], row["planned_start_precision"]
    if planned is None:
        return False
    if precision in ("day", "week"):
        return start <= planned <= end
    month = rules.month_ending_in_week(start)
    return precision == "month" and month == (planned.year, planned.month)


def unit_due_items(user: Any, today: date) -> list[dict]:
    """The reports of the user's unit not yet submitted (to-do), per kind and period: this week's 周报 and
    本周新开工 and this month's 月报, and the earlier periods (`EARLIER_PERIODS`) still missing — nothing
    past draft. An earlier period counts only the projects already in the library when it ended (a project
    entered today does not owe last month) and only once the jurisdiction reports that kind (a report of
    it for that period or before, as the lights count staleness). Returned reports are the
    "reports.returned" source's. Two queries whatever the number of projects and periods (the navigation
    badge counts these items): the unit's projects with what decides whether they owe a period (stage, plan
    entries of the years concerned, planned and actual 开工, entry date, the jurisdiction's first report of
    each kind), and their reports past draft of these periods.
    [{"kind", "start", "missing", "earlier"}], per kind oldest period first."""
    if user.unit_id is None:
        return []
    from tuijin.projects.models import PlanEntry

    periods = {
        kind: list(reversed(rules.recent_periods(kind, today, EARLIER_PERIODS[kind]))) for kind in rules.KINDS
    }
    years = sorted({start.year for kind in ("weekly", "monthly") for start in periods[kind]})
    annotations: dict[str, Any] = {
        f"plan_{year}": Exists(
            PlanEntry.objects.filter(project=OuterRef("pk"), plan__year=year, removed=False)
        )
        for year in years
    }
    moves = _start_moves().filter(project=OuterRef("pk")).values("on")
    annotations["first_start"] = Subquery(moves.order_by("on")[:1])
    annotations["last_start"] = Subquery(moves.order_by("-on")[:1])
    for kind in rules.KINDS:
        annotations[f"first_{kind}"] = Subquery(
            Report.objects.filter(kind=kind, unit__jurisdiction__units=user.unit_id)
            .order_by("period_start")
            .values("period_start")[:1]
        )
    rows = list(
        Project.objects.filter(responsible_unit_id=user.unit_id)
        .exclude(stage__in=DONE_STAGES)
        .annotate(**annotations)
        .values("pk", "stage", "created_at", "planned_start", "planned_start_precision", *annotations)
    )
    if not rows:
        return []
    oldest = min(starts[0] for starts in periods.values())
    done = set(
        Report.objects.filter(project__in=[r["pk"] for r in rows], period_start__gte=oldest)
        .exclude(status="draft")
        .values_list("project_id", "kind", "period_start")
    )
    items = []
    for kind in rules.KINDS:
        current = rules.period_start(kind, today)
        first_report = rows[0][f"first_{kind}"]
        for start in periods[kind]:
            earlier = start != current
            if earlier and (first_report is None or first_report > start):
                continue  # the jurisdiction did not report this kind yet
            end_moment = _period_end_moment(kind, start)
            total = missing = 0
            for row in rows:
                if earlier and row["created_at"] >= end_moment:
                    continue
                if kind == "new_starts":
                    owes = _owes_new_start_row(row, start)
                else:
                    owes = row["stage"] in BUILDING_STAGES or row[f"plan_{start.year}"]
                if owes:
                    total += 1
                    missing += (row["pk"], kind, start) not in done
            if total and missing:
                items.append({"kind": kind, "start": start, "missing": missing, "earlier": earlier})
    return items


def node_photos(user, node_id: int) -> list[SitePhoto]:
    """A chain node's site photos in the user's scope, newest taken first."""
    return list(scope(user, SitePhoto.objects.filter(node_id=node_id)).order_by("-taken_on", "-pk")[:24])
