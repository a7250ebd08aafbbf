"""Reads of the annual plan: the facts `rules.plan_progress` computes on, fetched in a constant number of
queries whatever the plan's size, and the plan page's and home page's display values prepared here.

Scoping: plans through `access.scope` (unit staff read their jurisdiction's plans), entries and changes
through the scope of `PlanEntry`/`PlanChange` (unit staff: their unit's projects only), so a unit's rates
are its own projects' rates.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from tuijin.core.access import can, is_unit_staff, scope

from . import rules
from .models import AnnualPlan, InvestmentEntry, PlanChange, PlanEntry, Project, ProjectTag, StageTransition

LIST_URL = "/projects/"  # the project list (query-string filters: category, stage, plan_type, year …)
# Stages before any milestone: a move from one of them into another changes no actual date (the
# milestones were undone by the move that brought the project back there), so `_actual_dates` skips it.
EARLY_STAGES = tuple(s for s in rules.STAGES if rules.STAGE_ORDER[s] < rules.STAGE_ORDER["started"])


def wan(amount: Decimal | None) -> str:
    """An amount in 万元 for a 万元 column: 12,345.60."""
    if amount is None:
        return ""
    return f"{amount.quantize(Decimal('0.01')):,}"


def percent_text(done: Decimal, of: Decimal) -> str:
    if not of:
        return "—"
    return f"{(done * 100 / of).quantize(Decimal('0.1'))}%"


def _decimals(values) -> tuple[Decimal | None, ...]:
    return tuple(Decimal(str(v)) if v not in (None, "") else None for v in values or ())


# ---------------------------------------------------------------------------------------------------
# Fetch: entries, their projects' actual dates and this year's investment


@dataclass(frozen=True)
class FetchedEntry:
    pk: int
    plan_id: int
    project_id: int
    name: str
    unit: str
    total_investment: Decimal
    removed: bool
    facts: rules.EntryFacts


@dataclass(frozen=True)
class Fetched:
    entries: list[FetchedEntry]
    invested_by_month: tuple[Decimal, ...]  # this year's completed investment of the active entries

    @property
    def active(self) -> list[FetchedEntry]:
        return [e for e in self.entries if not e.removed]


def fetch_entries(user, plan_ids: list[int], *, year: int, with_removed: bool = False) -> Fetched:
    """The plans' entries the user may read, each with its project's stage, actual dates and completed
    investment in `year` (four queries)."""
    entries = scope(user, PlanEntry.objects.filter(plan_id__in=plan_ids))
    if not with_removed:
        entries = entries.filter(removed=False)
    rows = list(
        entries.order_by("plan__jurisdiction__path", "sort", "id").values(
            "pk",
            "plan_id",
            "project_id",
            "plan_type",
            "planned_investment",
            "monthly_targets",
            "removed",
            "project__name",
            "project__category",
            "project__stage",
            "project__total_investment",
            "project__responsible_unit__name",
            "project__responsible_unit__short_name",
        )
    )
    project_ids = entries.values("project_id")
    dates = _actual_dates(project_ids)
    invested: dict[int, Decimal] = dict(
        InvestmentEntry.objects.filter(project_id__in=project_ids, year=year)
        .values("project_id")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("project_id", "total")
    )
    active_ids = entries.filter(removed=False).values("project_id")
    by_month = dict(
        InvestmentEntry.objects.filter(project_id__in=active_ids, year=year)
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("month", "total")
    )
    fetched = []
    for row in rows:
        project_id = row["project_id"]
        actual = dates.get(project_id, {})
        facts = rules.EntryFacts(
            project_id=project_id,
            plan_type=row["plan_type"],
            planned_investment=row["planned_investment"],
            category=row["project__category"],
            stage=row["project__stage"],
            started_on=actual.get("started"),
            completed_on=actual.get("completed"),
            invested_this_year=invested.get(project_id) or Decimal(0),
            monthly_targets=_decimals(row["monthly_targets"]),
        )
        fetched.append(
            FetchedEntry(
                pk=row["pk"],
                plan_id=row["plan_id"],
                project_id=project_id,
                name=row["project__name"],
                unit=row["project__responsible_unit__short_name"] or row["project__responsible_unit__name"],
                total_investment=row["project__total_investment"],
                removed=row["removed"],
                facts=facts,
            )
        )
    months = tuple(by_month.get(month) or Decimal(0) for month in range(1, 13))
    return Fetched(entries=fetched, invested_by_month=months)


def _actual_dates(project_ids: QuerySet) -> dict[int, dict[str, date]]:
    """Actual start/completion/production dates per project, from its stage transitions (one query).
    Moves back to an early stage are read too: they undo the milestones (rules.actual_dates)."""
    moves: dict[int, list[rules.TransitionFacts]] = defaultdict(list)
    transitions = (
        StageTransition.objects.filter(project_id__in=project_ids)
        .exclude(to_stage__in=EARLY_STAGES, from_stage__in=EARLY_STAGES)
        .order_by("on", "id")
        .values_list("project_id", "to_stage", "on", "backfill")
    )
    for project_id, stage, on, backfill in transitions:
        moves[project_id].append(rules.TransitionFacts(stage=stage, on=on, backfill=backfill))
    return {project_id: rules.actual_dates(history) for project_id, history in moves.items()}


def progress_of(fetched: Fetched, plan: AnnualPlan, *, today: date) -> rules.PlanProgress:
    targets = tuple(
        Decimal(str(value))
        for value in (plan.start_rate_target, plan.investment_rate_target, plan.completion_rate_target)
    )
    return rules.plan_progress(
        [e.facts for e in fetched.active], year=plan.year, today=today, targets=targets
    )


# ---------------------------------------------------------------------------------------------------
# Display values shared by the plan page and the home page


@dataclass(frozen=True)
class RateView:
    key: str
    label: str
    done: str
    of: str
    unit: str
    percent: str
    target: str
    width: int
    css: str
    met: bool | None
    explain: str


RATE_EXPLAIN = {
    "start": "计划新开工项目中已开工的个数 / 计划新开工项目数",
    "investment": "本年完成投资 / 年度计划投资",
    "completion": "计划竣工项目中已竣工的个数 / 计划竣工项目数",
}


def rate_views(progress: rules.PlanProgress) -> list[RateView]:
    views = []
    for key, rate in (
        ("start", progress.start),
        ("investment", progress.investment),
        ("completion", progress.completion),
    ):
        percent = rate.percent
        money = rate.unit == "万元"
        views.append(
            RateView(
                key=key,
                label=rate.label,
                done=wan(rate.done) if money else str(int(rate.done)),
                of=wan(rate.of) if money else str(int(rate.of)),
                unit=rate.unit,
                percent="—" if percent is None else f"{percent}%",
                target=f"{rate.target.normalize():f}%",
                width=0 if percent is None else int(min(percent, Decimal(100))),
                css="bg-green" if rate.met else "bg-primary",
                met=rate.met,
                explain=RATE_EXPLAIN[key],
            )
        )
    return views


@dataclass(frozen=True)
class CountLine:
    key: str
    label: str
    count: int
    url: str
    active: bool = False


def count_lines(
    counts: dict[str, int], labels: dict[str, str], *, param: str, base: str, selected: str = ""
) -> list[CountLine]:
    """Counts in the order of `labels` (stages in pipeline order …), each linking to the entries it
    counts: `base` is a URL to which `param=key` is appended."""
    joiner = "" if base.endswith(("?", "&")) else ("&" if "?" in base else "?")
    return [
        CountLine(key, label, counts[key], f"{base}{joiner}{param}={key}", active=key == selected)
        for key, label in labels.items()
        if counts.get(key)
    ]


def investment_chart(fetched: Fetched, progress: rules.PlanProgress) -> dict:
    """ECharts data: planned vs completed investment by category, and cumulative by month (万元)."""
    planned: dict[str, Decimal] = defaultdict(Decimal)
    for entry in fetched.active:
        planned[entry.facts.category] += entry.facts.planned_investment
    categories = [key for key in rules.CATEGORIES if key in planned]
    # completed so far: no bars for the months still to come
    last_month = progress.as_of.month if progress.as_of.year == progress.year else 0
    running, cumulative = Decimal(0), []
    for month, amount in enumerate(fetched.invested_by_month, start=1):
        running += amount
        cumulative.append(float(running) if month <= last_month else None)
    return {
        "categories": [rules.CATEGORIES[key] for key in categories],
        "planned": [float(planned[key]) for key in categories],
        "completed": [float(progress.investment_by_category.get(key, Decimal(0))) for key in categories],
        "months": [f"{m}月" for m in range(1, 13)],
        "planned_cumulative": [float(v) for v in progress.planned_by_month],
        "annual_planned": float(sum(planned.values(), Decimal(0))),
        "completed_cumulative": cumulative,
    }


# ---------------------------------------------------------------------------------------------------
# The plans page


@dataclass(frozen=True)
class PlanSummary:
    pk: int
    title: str
    jurisdiction: str
    year: int
    issued: bool
    document: str
    entry_count: int
    planned: str


def plan_years_for(user) -> list[tuple[int, list[PlanSummary]]]:
    """Plans the user reads, by year (newest first), with the count and planned investment of the entries
    the user reads (two queries)."""
    plans = list(
        scope(user, AnnualPlan.objects.select_related("jurisdiction")).order_by("-year", "jurisdiction__path")
    )
    totals = {
        row["plan_id"]: row
        for row in scope(user, PlanEntry.objects.filter(plan__in=[p.pk for p in plans], removed=False))
        .values("plan_id")
        .annotate(n=Count("pk"), planned=Sum("planned_investment"))
        .order_by()
    }
    years: dict[int, list[PlanSummary]] = {}
    for plan in plans:
        total = totals.get(plan.pk, {})
        years.setdefault(plan.year, []).append(
            PlanSummary(
                pk=plan.pk,
                title=plan.title,
                jurisdiction=plan.jurisdiction.name,
                year=plan.year,
                issued=bool(plan.document),
                document=plan.document,
                entry_count=total.get("n", 0),
                planned=rules.format_money(total.get("planned") or Decimal(0)),
            )
        )
    return list(years.items())


# ---------------------------------------------------------------------------------------------------
# The plan page


@dataclass(frozen=True)
class EntryRow:
    pk: int
    number: int
    project_id: int
    name: str
    project_url: str
    unit: str
    category: str
    stage: str
    plan_type: str
    baseline: str  # the issued plan's values when re-planned since ("" when unchanged)
    planned: str
    invested: str
    rate: str
    monthly: str
    removed: bool
    note: str  # 年中增补 / 已调出 with the decision
    previous: str = ""  # the plan type the project had in the plan this one was rolled over from
    carried_over: bool = False  # planned to start last year too, and still not started


@dataclass(frozen=True)
class ChangeRow:
    pk: int
    kind: str
    kind_css: str
    project: str
    summary: str
    decided_by: str
    decided_on: str
    document_number: str
    reason: str
    recorded_by: str
    recorded_at: str


@dataclass(frozen=True)
class MustListWarning:
    project_id: int
    name: str
    project_url: str
    tags: str
    text: str


@dataclass
class PlanPage:
    plan: AnnualPlan
    issued: bool
    can_manage: bool
    progress: rules.PlanProgress
    rates: list[RateView]
    by_plan_type: list[CountLine]
    by_stage: list[CountLine]
    by_category: list[CountLine]
    planned_total: str
    invested_total: str
    rows: list[EntryRow]
    removed_rows: list[EntryRow]
    changes: list[ChangeRow]
    warnings: list[MustListWarning]
    chart: dict
    unit_only: bool = False
    filters: list[str] = field(default_factory=list)


def readable_plans(user) -> QuerySet:
    return scope(user, AnnualPlan.objects.select_related("jurisdiction", "rolled_from"))


def project_url(project_id: int) -> str:
    return f"{LIST_URL}{project_id}/"


def _describe(values: dict) -> str:
    plan_type = rules.PLAN_TYPES.get(values.get("plan_type", ""), values.get("plan_type", ""))
    amount = Decimal(values.get("planned_investment") or 0)
    return f"{plan_type}，年度计划投资 {wan(amount)} 万元"


def _change_summary(change: PlanChange) -> str:
    details = change.details or {}
    if change.kind == "add":
        text = "列入：" + _describe(details.get("new", {}))
        return text + ("（恢复此前调出的条目）" if details.get("restored") else "")
    if change.kind == "remove":
        return "调出前：" + _describe(details.get("old", {}))
    old, new = details.get("old", {}), details.get("new", {})
    parts = []
    if old.get("plan_type") != new.get("plan_type"):
        parts.append(
            f"计划类型 {rules.PLAN_TYPES.get(old.get('plan_type'), '')} → {rules.PLAN_TYPES.get(new.get('plan_type'), '')}"
        )
    if Decimal(old.get("planned_investment") or 0) != Decimal(new.get("planned_investment") or 0):
        parts.append(
            f"年度计划投资 {wan(Decimal(old.get('planned_investment') or 0))} → "
            f"{wan(Decimal(new.get('planned_investment') or 0))} 万元"
        )
    if _decimals(old.get("monthly_targets")) != _decimals(new.get("monthly_targets")):
        parts.append("月度目标调整")
    return "；".join(parts) or "调整计划"


KIND_CSS = {"add": "bg-green-lt", "remove": "bg-red-lt", "replan": "bg-azure-lt"}


def _changes(user, plan: AnnualPlan) -> list[PlanChange]:
    return list(
        scope(user, PlanChange.objects.filter(plan=plan))
        .select_related("project", "recorded_by")
        .order_by("decided_on", "id")
    )


def _change_rows(changes: list[PlanChange]) -> list[ChangeRow]:
    kinds = rules.PLAN_CHANGE_KINDS
    return [
        ChangeRow(
            pk=c.pk,
            kind=kinds.get(c.kind, c.kind),
            kind_css=KIND_CSS.get(c.kind, ""),
            project=c.project.name,
            summary=_change_summary(c),
            decided_by=c.decided_by,
            decided_on=c.decided_on.isoformat(),
            document_number=c.document_number or "—",
            reason=c.reason,
            recorded_by=(c.recorded_by.display_name or c.recorded_by.username) if c.recorded_by else "—",
            recorded_at=timezone.localtime(c.recorded_at).strftime("%Y-%m-%d %H:%M") if c.recorded_at else "",
        )
        for c in changes
    ]


def baselines(changes: list[PlanChange]) -> dict[int, dict]:
    """Per project, the values the issued plan gave it before its first re-plan (ANCHORS: keep the
    original baseline beside every re-plan)."""
    first: dict[int, dict] = {}
    for change in sorted(changes, key=lambda c: c.pk):
        if change.kind == "replan" and change.project_id not in first:
            first[change.project_id] = (change.details or {}).get("old", {})
    return first


def _entry_notes(changes: list[PlanChange]) -> dict[int, str]:
    notes: dict[int, str] = {}
    for change in sorted(changes, key=lambda c: c.pk):
        if change.kind == "add":
            notes[change.project_id] = f"{change.decided_on.isoformat()} 经{change.decided_by}增补"
        elif change.kind == "remove":
            notes[change.project_id] = f"{change.decided_on.isoformat()} 经{change.decided_by}调出"
    return notes


def _monthly_text(targets: tuple[Decimal | None, ...]) -> str:
    return " ".join(f"{m}月{wan(a).removesuffix('.00')}" for m, a in enumerate(targets, start=1) if a)


def previous_plan_types(plan: AnnualPlan) -> dict[int, str]:
    """Project → its plan type in the plan this one was rolled over from (one query; none when the
    plan was not rolled over), so a start that slips from year to year stays visible (ANCHORS)."""
    if plan.rolled_from_id is None:
        return {}
    entries = PlanEntry.objects.filter(plan_id=plan.rolled_from_id, removed=False)
    return dict(entries.values_list("project_id", "plan_type"))


def _previous_text(previous: str | None, facts: rules.EntryFacts) -> tuple[str, bool]:
    if previous is None:
        return "", False
    slipped = previous == "new_start" and facts.plan_type == "new_start"
    label = rules.PLAN_TYPES.get(previous, previous)
    return (f"上年已列{label}，未开工" if slipped else f"上年：{label}"), slipped


def _entry_rows(
    fetched: Fetched, changes: list[PlanChange], previous: dict[int, str] | None = None
) -> list[EntryRow]:
    previous = previous or {}
    first = baselines(changes)
    notes = _entry_notes(changes)
    rows = []
    for number, entry in enumerate(fetched.entries, start=1):
        facts = entry.facts
        base = first.get(entry.project_id)
        previous_text, slipped = _previous_text(previous.get(entry.project_id), facts)
        rows.append(
            EntryRow(
                pk=entry.pk,
                number=number,
                project_id=entry.project_id,
                name=entry.name,
                project_url=project_url(entry.project_id),
                unit=entry.unit,
                category=rules.CATEGORIES.get(facts.category, facts.category),
                stage=rules.STAGES.get(facts.stage, facts.stage),
                plan_type=rules.PLAN_TYPES.get(facts.plan_type, facts.plan_type),
                baseline=_describe(base) if base else "",
                planned=wan(facts.planned_investment),
                invested=wan(facts.invested_this_year),
                rate=percent_text(facts.invested_this_year, facts.planned_investment),
                monthly=_monthly_text(facts.monthly_targets),
                removed=entry.removed,
                note=notes.get(entry.project_id, ""),
                previous=previous_text,
                carried_over=slipped,
            )
        )
    return rows


def must_list_warnings(user, plan: AnnualPlan, changes: list[PlanChange]) -> list[MustListWarning]:
    """REQ B7 (ETDZ19 四 "必须列入"): projects of the plan's jurisdiction carrying a must-be-listed tag
    that are not in the plan or were removed from it. Projects completed before the plan's year are
    past listing and left out (two queries)."""
    completed_before = StageTransition.objects.filter(
        project=OuterRef("pk"), to_stage="completed", on__lt=date(plan.year, 1, 1)
    )
    projects = (
        scope(
            user,
            Project.objects.filter(
                jurisdiction__path__startswith=plan.jurisdiction.path, tags__must_be_listed=True
            ),
        )
        .exclude(pk__in=PlanEntry.objects.filter(plan=plan, removed=False).values("project_id"))
        .exclude(Exists(completed_before) & Q(stage__in=rules.LIBRARY_STAGES["completed"]))
        .distinct()
        .order_by("name")
        .prefetch_related(
            Prefetch("tags", queryset=ProjectTag.objects.filter(must_be_listed=True), to_attr="must_tags")
        )
    )
    removals = {c.project_id: c for c in changes if c.kind == "remove"}
    warnings = []
    for project in projects:
        tags = "、".join(tag.name for tag in project.must_tags)
        removal = removals.get(project.pk)
        if removal is not None:
            text = f"{removal.decided_on.isoformat()} 经{removal.decided_by}调出计划，但该项目属{tags}，按规定必须列入。"
        else:
            text = f"未列入 {plan.year} 年度计划，但该项目属{tags}，按规定必须列入。"
        warnings.append(
            MustListWarning(
                project_id=project.pk,
                name=project.name,
                project_url=project_url(project.pk),
                tags=tags,
                text=text,
            )
        )
    return warnings


ENTRY_FILTERS = {"plan_type": rules.PLAN_TYPES, "stage": rules.STAGES, "category": rules.CATEGORIES}


def entry_filters(params) -> dict[str, str]:
    """The plan page's table filters from the query string (unknown values dropped)."""
    return {
        name: params.get(name, "") for name, labels in ENTRY_FILTERS.items() if params.get(name, "") in labels
    }


def _matches(entry: FetchedEntry, filters: dict[str, str]) -> bool:
    return all(getattr(entry.facts, name) == value for name, value in filters.items())


def plan_page(user, plan: AnnualPlan, *, today: date, filters: dict[str, str] | None = None) -> PlanPage:
    """Everything the plan page shows, for what the user reads (a constant number of queries). The
    counts link to the page's own table filtered by `filters` (plan type, stage, category)."""
    filters = filters or {}
    fetched = fetch_entries(user, [plan.pk], year=plan.year, with_removed=True)
    progress = progress_of(fetched, plan, today=today)
    changes = _changes(user, plan)
    rows = _entry_rows(fetched, changes, previous_plan_types(plan))
    shown = {e.pk for e in fetched.entries if _matches(e, filters)}
    active = [e.facts for e in fetched.active]
    return PlanPage(
        plan=plan,
        issued=bool(plan.document),
        can_manage=can(user, "projects.manage_plan", plan),
        progress=progress,
        rates=rate_views(progress),
        by_plan_type=_plan_counts(progress.by_plan_type, "plan_type", filters),
        by_stage=_plan_counts(progress.by_stage, "stage", filters),
        by_category=_plan_counts(progress.by_category, "category", filters),
        planned_total=rules.format_money(sum((e.planned_investment for e in active), Decimal(0))),
        invested_total=rules.format_money(sum((e.invested_this_year for e in active), Decimal(0))),
        rows=[r for r in rows if not r.removed and r.pk in shown],
        removed_rows=[r for r in rows if r.removed],
        filters=[(ENTRY_FILTERS[name][value]) for name, value in filters.items()],
        changes=_change_rows(changes),
        warnings=must_list_warnings(user, plan, changes),
        chart=investment_chart(fetched, progress),
        unit_only=is_unit_staff.test(user),
    )


def _plan_counts(counts: dict[str, int], param: str, filters: dict[str, str]) -> list[CountLine]:
    return count_lines(counts, ENTRY_FILTERS[param], param=param, base="?", selected=filters.get(param, ""))


# ---------------------------------------------------------------------------------------------------
# One entry's page, and the choices of the add form


@dataclass
class EntryPage:
    entry: PlanEntry
    row: EntryRow
    changes: list[ChangeRow]
    baseline: dict | None
    monthly: tuple[Decimal | None, ...]


def entry_page(user, entry: PlanEntry) -> EntryPage:
    plan = entry.plan
    fetched = fetch_entries(user, [plan.pk], year=plan.year, with_removed=True)
    changes = [c for c in _changes(user, plan) if c.project_id == entry.project_id]
    row = next(r for r in _entry_rows(fetched, changes) if r.pk == entry.pk)
    return EntryPage(
        entry=entry,
        row=row,
        changes=_change_rows(changes),
        baseline=baselines(changes).get(entry.project_id),
        monthly=_decimals(entry.monthly_targets),
    )


def readable_entries(user) -> QuerySet:
    """Entries the user may read: their project in the user's scope and their plan readable too (a
    district office does not read the city plan's entries of its district's projects)."""
    entries = PlanEntry.objects.filter(plan__in=readable_plans(user).values("pk"))
    return scope(user, entries.select_related("plan__jurisdiction", "project__jurisdiction"))


def addable_projects(user, plan: AnnualPlan) -> QuerySet:
    """Library projects of the plan's jurisdiction the user reads that are not (or no longer) in the
    plan: the choices of the add form."""
    return (
        scope(user, Project.objects.filter(jurisdiction__path__startswith=plan.jurisdiction.path))
        .exclude(pk__in=PlanEntry.objects.filter(plan=plan, removed=False).values("project_id"))
        .select_related("responsible_unit")
        .order_by("name")
    )


@dataclass(frozen=True)
class RolloverLine:
    """One project as it would carry into the next year's plan."""

    project_id: int
    name: str
    old_plan_type: str
    plan_type: str
    total_investment: Decimal
    invested: Decimal
    planned_investment: Decimal

    @property
    def labels(self) -> dict[str, str]:
        return {
            "old_plan_type": rules.PLAN_TYPES.get(self.old_plan_type, self.old_plan_type),
            "plan_type": rules.PLAN_TYPES.get(self.plan_type, self.plan_type),
            "total": wan(self.total_investment),
            "invested": wan(self.invested),
            "planned": wan(self.planned_investment),
        }


def rollover_lines(plan: AnnualPlan) -> list[RolloverLine]:
    """What rolling `plan` over would carry: its active entries whose project has not completed, with
    the plan type `rules.rollover_plan_type` gives and what remains of the total after the investment
    completed up to the end of the plan's year (two queries)."""
    entries = list(
        PlanEntry.objects.filter(plan=plan, removed=False)
        .order_by("sort", "id")
        .values("project_id", "plan_type", "project__name", "project__stage", "project__total_investment")
    )
    invested = dict(
        InvestmentEntry.objects.filter(
            project_id__in=PlanEntry.objects.filter(plan=plan, removed=False).values("project_id"),
            year__lte=plan.year,
        )
        .values("project_id")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("project_id", "total")
    )
    lines = []
    for row in entries:
        plan_type = rules.rollover_plan_type(plan_type=row["plan_type"], stage=row["project__stage"])
        if plan_type is None:
            continue
        total = row["project__total_investment"]
        done = invested.get(row["project_id"]) or Decimal(0)
        lines.append(
            RolloverLine(
                project_id=row["project_id"],
                name=row["project__name"],
                old_plan_type=row["plan_type"],
                plan_type=plan_type,
                total_investment=total,
                invested=done,
                planned_investment=rules.remaining_investment(total, done),
            )
        )
    return lines


def reverse_plan(plan_id: int) -> str:
    return reverse("projects:plan", args=[plan_id])


# ---------------------------------------------------------------------------------------------------
# The home page's panel: targets against actual for the user's scope (issue 3 part 5)


@dataclass
class HomePlan:
    year: int
    title: str
    plans: list[tuple[str, str]]  # (title, url)
    as_of: date
    entry_count: int
    rates: list[RateView]
    by_stage: list[CountLine]
    by_category: list[CountLine]
    planned_total: str
    invested_total: str
    investment_percent: str
    list_url: str
    chart: dict
    unit_only: bool


def home_plan_for(user, *, today: date) -> HomePlan | None:
    """The current year's plans in the user's scope (or, if none, the latest year's), combined: office,
    leaders and supervisors see their subtree, unit staff their unit's projects. The targets are those of
    the plan nearest the top of the user's subtree. None when no plan is readable."""
    plans = readable_plans(user)
    years = set(plans.values_list("year", flat=True).distinct())
    if not years:
        return None
    year = today.year if today.year in years else max(years)
    year_plans = sorted(
        plans.filter(year=year), key=lambda p: (len(p.jurisdiction.path), p.jurisdiction.path)
    )
    fetched = fetch_entries(user, [p.pk for p in year_plans], year=year)
    fetched = Fetched(entries=_unique_projects(fetched.entries), invested_by_month=fetched.invested_by_month)
    progress = progress_of(fetched, year_plans[0], today=today)
    facts = [e.facts for e in fetched.active]
    planned = sum((f.planned_investment for f in facts), Decimal(0))
    invested = sum((f.invested_this_year for f in facts), Decimal(0))
    # one plan: its page lists exactly the counted entries; several: the list of the year's projects
    counts_base = reverse_plan(year_plans[0].pk) if len(year_plans) == 1 else f"{LIST_URL}?year={year}"
    return HomePlan(
        year=year,
        title=year_plans[0].title
        if len(year_plans) == 1
        else f"{year} 年度计划（{len(year_plans)} 个辖区合计）",
        plans=[(p.title, reverse_plan(p.pk)) for p in year_plans],
        as_of=progress.as_of,
        entry_count=len(facts),
        rates=rate_views(progress),
        by_stage=count_lines(progress.by_stage, rules.STAGES, param="stage", base=counts_base),
        by_category=count_lines(progress.by_category, rules.CATEGORIES, param="category", base=counts_base),
        planned_total=rules.format_money(planned),
        invested_total=rules.format_money(invested),
        investment_percent=percent_text(invested, planned),
        list_url=f"{LIST_URL}?year={year}",
        chart=investment_chart(fetched, progress),
        unit_only=is_unit_staff.test(user),
    )


def _unique_projects(entries: list[FetchedEntry]) -> list[FetchedEntry]:
    """A project listed both in a district's and in its city's plan counts once (the first, upper plan
    comes first in the fetch order)."""
    seen: set[int] = set()
    unique = []
    for entry in entries:
        if entry.project_id not in seen:
            seen.add(entry.project_id)
            unique.append(entry)
    return unique
