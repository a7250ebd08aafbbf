"""迟报缺报 (issue 5 part 4): for a chosen week, the projects that owe a weekly report, per responsible unit:
reported on time, late (迟报), missing (缺报) or not yet due; and the drill-down to the projects of one unit
and state.

Who owes a report is `rules.must_report` (in construction, or in the week's year's annual plan; never
done), on the project's current stage. A week's due date is its jurisdiction's rule set's
(`reports.rules.due_rule`); a report counts as submitted from its first submission (a returned report
was submitted; a draft was not; 代填 counts from the office's fill-in). Three queries whatever the
number of projects (projects, their plan entries by `Exists`, the week's reports) plus one per rule set.
Reads go through `access.scope`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tuijin.core.access import scope
from tuijin.projects.models import PlanEntry, Project
from tuijin.reports import rules as report_rules
from tuijin.reports.models import Report

from . import facts, rules

STATES = {"missing": "缺报", "late": "迟报", "on_time": "按时报送", "pending": "未到截止日"}
STATE_CSS = {
    "missing": "bg-red text-red-fg",
    "late": "bg-yellow text-yellow-fg",
    "on_time": "bg-green-lt",
    "pending": "bg-secondary-lt",
}
STATE_DOT = {"missing": "red", "late": "yellow", "on_time": "green", "pending": "done"}
STATE_ORDER = ("missing", "late", "on_time", "pending")


@dataclass
class UnitRow:
    unit_id: int | None
    name: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATE_ORDER, 0))
    links: dict[str, str] = field(default_factory=dict)
    link: str = ""

    @property
    def owed(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ProjectRow:
    number: int
    project_id: int
    name: str
    project_url: str
    unit: str
    state: str
    state_label: str
    state_css: str
    due_on: date
    submitted_on: date | None
    status: str
    report_url: str
    proxy: bool


@dataclass
class ReportsPage:
    week: date
    label: str
    param: str
    previous: str
    next: str  # "" when the next week is in the future
    due_text: str
    units: list[UnitRow]
    totals: dict[str, int]
    total: int
    projects: list[ProjectRow]
    unit_id: int | None
    unit_name: str
    state: str
    any_report: bool
    base: str

    @property
    def filtered(self) -> bool:
        return self.unit_id is not None or bool(self.state)


def _url(name: str, args: list | None = None, fallback: str = "") -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


def default_week(user: Any, *, today: date) -> date:
    """The last week whose report is due before today (by the rule set of the user's jurisdiction)."""
    jurisdiction = getattr(user, "jurisdiction", None)
    due = report_rules.due_rule("weekly", None)
    if jurisdiction is not None:
        due = facts.ThresholdCache().get(jurisdiction.pk, jurisdiction.path).weekly_due or due
    cycles = facts.due_cycles(today=today, due=due, count=1, since=date.min)
    return cycles[0][0]


def owing_q(year: int) -> Q:
    """`rules.must_report` as a filter on Project: in construction or in `year`'s annual plan (an entry
    not removed), and not done. `Project.objects.filter(responsible_unit=u).filter(owing_q(2024))`."""
    in_plan = PlanEntry.objects.filter(project=OuterRef("pk"), removed=False, plan__year=year)
    return ~Q(stage__in=rules.OPEN_STAGES_DONE) & (Q(stage__in=rules.REPORTING_STAGES) | Q(Exists(in_plan)))


def owing_projects(user: Any, week: date):
    """The projects the user reads that owe a weekly report for the week starting `week`."""
    qs = scope(user, Project.objects.all())
    if qs.query.distinct:
        qs = Project.objects.filter(pk__in=qs.values("pk"))
    return qs.filter(owing_q(week.year))


def _submitted_on(first, reviewed, status: str) -> date | None:
    if status == "draft":
        return None
    moment = first or reviewed
    return timezone.localdate(moment) if moment is not None else None


def reports_page(
    user: Any, *, week: date, today: date, unit_id: int | None = None, state: str = ""
) -> ReportsPage:
    """The week's late and missing reports per unit, and (with a unit or a state) the projects."""
    week = report_rules.period_start("weekly", week)
    state = state if state in STATES else ""
    rows = list(
        owing_projects(user, week)
        .order_by("responsible_unit__sort", "responsible_unit_id", "id")
        .values_list(
            "id",
            "name",
            "responsible_unit_id",
            "responsible_unit__name",
            "responsible_unit__short_name",
            "jurisdiction_id",
            "jurisdiction__path",
        )
    )
    ids = [row[0] for row in rows]
    reports = {
        r[0]: r[1:]
        for r in Report.objects.filter(project_id__in=ids, kind="weekly", period_start=week).values_list(
            "project_id", "pk", "status", "first_submitted_at", "reviewed_at", "is_proxy"
        )
    }
    any_report = bool(reports)
    thresholds = facts.ThresholdCache()
    base = reverse("lights:reports")
    param = report_rules.period_param("weekly", week)
    units: dict[int | None, UnitRow] = {}
    totals = dict.fromkeys(STATE_ORDER, 0)
    projects: list[ProjectRow] = []
    due_days: set[date] = set()
    project_base = _url("projects:detail", [0], "/projects/0/")[:-2]
    report_base = _url("reports:detail", [0], "")[:-2]
    for pid, name, uid, unit_name, unit_short, jid, path in rows:
        due_rule = thresholds.get(jid, path).weekly_due or report_rules.due_rule("weekly", None)
        due_on = report_rules.due_date("weekly", week, due_rule)
        due_days.add(due_on)
        report = reports.get(pid)
        status, submitted, proxy, report_pk = "", None, False, None
        if report is not None:
            report_pk, status, first, reviewed, proxy = report
            submitted = _submitted_on(first, reviewed, status)
        cycle_state = report_rules.report_state(status or None, due_on, submitted, today)
        row = units.get(uid)
        if row is None:
            row = units[uid] = UnitRow(uid, unit_short or unit_name or "（未指定责任单位）")
        row.counts[cycle_state] += 1
        totals[cycle_state] += 1
        if (
            (unit_id is None or uid == unit_id)
            and (not state or cycle_state == state)
            and (unit_id is not None or state)
        ):
            projects.append(
                ProjectRow(
                    number=len(projects) + 1,
                    project_id=pid,
                    name=name,
                    project_url=f"{project_base}{pid}/",
                    unit=row.name,
                    state=cycle_state,
                    state_label=STATES[cycle_state],
                    state_css=STATE_CSS[cycle_state],
                    due_on=due_on,
                    submitted_on=submitted,
                    status=report_rules.STATUSES.get(status, "未填报") if status else "未填报",
                    report_url=f"{report_base}{report_pk}/" if report_pk and report_base else "",
                    proxy=bool(proxy),
                )
            )
    for row in units.values():
        unit_param = f"&unit={row.unit_id}" if row.unit_id is not None else ""
        row.link = f"{base}?week={param}{unit_param}"
        row.links = {s: f"{base}?week={param}{unit_param}&state={s}" for s in STATE_ORDER}
    # the units most behind first; otherwise the directory's order (the rows came in it)
    ordered = sorted(units.values(), key=lambda r: (-r.counts["missing"], -r.counts["late"]))
    next_week = week + timedelta(days=7)
    due_text = "、".join(f"{d.month}月{d.day}日" for d in sorted(due_days)) or "—"
    return ReportsPage(
        week=week,
        label=report_rules.period_label("weekly", week),
        param=param,
        previous=report_rules.period_param("weekly", week - timedelta(days=7)),
        next=report_rules.period_param("weekly", next_week) if next_week <= today else "",
        due_text=due_text,
        units=ordered,
        totals=totals,
        total=sum(totals.values()),
        projects=projects,
        unit_id=unit_id,
        unit_name=units[unit_id].name if unit_id in units else "",
        state=state,
        any_report=any_report,
        base=base,
    )
