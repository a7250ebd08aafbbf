"""Reads of reports: a unit's period page, the heads' and the office's review lists, a report's history,
the project page's block, period states for lights and the to-do list. A fixed number of queries each."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
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


def reporting_units(user: Any, year: int | None = None) -> QuerySet:
    """Units of the user's scope that report on at least one project (the office's unit picker)."""
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


def unit_period_rows(
    unit: Unit, kind: str, start: date, *, copy_previous: bool = False, proxy: bool = False
) -> list[PeriodRow]:
    """One row per project the unit reports on, with this period's report (or last period's text when
    asked and this period has nothing yet). Three queries."""
    projects = list(
        reporting_projects(unit, start.year).order_by("pk").only("pk", "name", "total_investment", "stage")
    )
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
        editable = status in ("missing", *rules.EDITABLE) or (proxy and status != "accepted")
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
        rows.append(PeriodRow(project, report, content, editable, status, copied))
    return rows


def period_overview(user: Any, kind: str, start: date, *, today: date, due_on: date) -> list[dict]:
    """Office review: per unit, how many projects report and how many are missing, drafts, submitted,
    approved, returned, accepted and late. Two queries."""
    projects = _must_report(scope(user, Project.objects.all()), start.year)
    expected = dict(
        projects.values("responsible_unit_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("responsible_unit_id", "n")
    )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in (
        scope(user, Report.objects.filter(kind=kind, period_start=start))
        .values("unit_id", "status", "first_submitted_at", "due_on")
        .order_by()
    ):
        c = counts[row["unit_id"]]
        c[row["status"]] += 1
        first = row["first_submitted_at"]
        if first is not None and rules.is_late(row["due_on"], _local(first)):
            c["late"] += 1
    units = Unit.objects.filter(pk__in=set(expected) | set(counts)).order_by("sort", "pk")
    out = []
    for unit in units:
        c = counts.get(unit.pk, {})
        total = expected.get(unit.pk, 0)
        submitted_any = sum(c.get(s, 0) for s in ("submitted", "approved", "accepted", "returned"))
        out.append(
            {
                "unit": unit,
                "total": total,
                "draft": c.get("draft", 0),
                "submitted": c.get("submitted", 0),
                "approved": c.get("approved", 0),
                "returned": c.get("returned", 0),
                "accepted": c.get("accepted", 0),
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
    """{project id: "missing" | "late" | "on_time" | "pending"} for every reporting project of a
    jurisdiction subtree in one period (lights staleness, late/missing lists). Two queries."""
    from .services import period_due

    projects = _must_report(
        Project.objects.filter(jurisdiction__path__startswith=jurisdiction.path), period_start.year
    )
    reports = {
        row["project_id"]: row
        for row in Report.objects.filter(
            project__in=projects.values("pk"), kind=kind, period_start=period_start
        ).values("project_id", "status", "first_submitted_at", "due_on")
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
                row["status"], row["due_on"], _local(first) if first else None, today
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


def unit_due_items(user: Any, today: date) -> list[dict]:
    """This week's and month's reports of the user's unit not yet submitted (to-do). Two queries."""
    if user.unit_id is None:
        return []
    items = []
    for kind in ("weekly", "monthly"):
        start = rules.period_start(kind, today)
        total = reporting_projects(user.unit_id, start.year).count()
        if not total:
            continue
        done = (
            Report.objects.filter(unit_id=user.unit_id, kind=kind, period_start=start)
            .exclude(status="draft")
            .count()
        )
        if done < total:
            items.append({"kind": kind, "start": start, "missing": total - done})
    return items
