"""The facts a score period is computed from (issue 7 part 1; REQ I; STYLE.md "fetch then compute"):
`gather(jurisdiction, period, rule_version)` reads what earlier capabilities recorded, in a fixed number
of queries whatever the size (`values_list`, no model instances, no per-row queries), into the pure
engine's frozen dataclasses (`rules.Facts`). Nothing here decides a point.

What is read, and the readings taken:
- *As of.* Facts are as of the period's last day, or as of today for a period not yet ended (a provisional
  result): `facts.period` is the period with its `end` cut to that day, so a rule never sees tomorrow.
  Dates count by when things happened, not when they were recorded: an actual start dated inside the
  period counts for it even when recorded later (DESIGN.md "one source of truth").
- *Units*: the jurisdiction's active units, and the units of the period's closed ranking (a unit made
  inactive later stays in it); a unit's principal (主要负责人) is the person of the unit whose
  post says so, else the person of its 单位负责人 account (REQ I6 attribution).
- *Projects*: the jurisdiction's projects (its subtree) listed in the year's annual plan on the as-of day
  (entries not removed, or removed by a plan change decided after that day, give the plan type and planned
  investment), plus the subtree's projects created in the year or
  with a stage transition in it (the pipeline and declaration kinds count those). A project whose
  responsible unit is not one of the jurisdiction's units (a district department when a city scores) is
  charged to the unit governing the project's jurisdiction (a district government beside the city's
  departments), when there is one.
- Actual start / completion / production dates are `projects.rules.actual_dates` over the transitions up
  to the as-of day; other stages' dates are their first transition; planning is the project's creation
  when no transition to 谋划 was recorded. A chain node that shows a project stage (开工, 竣工, 投产) takes
  its actual date from those; a node's actual date after the as-of day is not yet known.
- Approval clocks (KF19 四(一)): `chains.clock_selectors.clock_from_facts` for the projects whose land
  delisting (土地摘牌) node is done by the as-of day, limits from the scoring rule set.
- Matters: `meetings.matter_selectors.matter_facts` turned into one `MatterFact` per matter and bucket
  (unit_ids lead first); a matter closed, carried, escalated or cancelled after the as-of day is still
  open (and overdue, by its lateness on that day) for the period; `already_charged`: the points of earlier periods of the same kind (kind
  "matter_band", evidence matter id), per unit.
- Cards: issued, unrevoked cards counted on their 督办单's day (docs/cards.md "Counting"), from the
  previous period's start to the as-of day. `extra["previous"]` is the previous period of the same kind
  (2024Q1 for 2024Q2, 2023-12 for 2024-01, 2023Q4 for 2024Q1: the kinds skip a Q4, whose cards and
  places adjusted Q4 itself, WH19 附件3 第4行); none for years.
- Places: the previous period's stored first/last places; that period not computed (and not a Q4) →
  `extra["missing_periods"] = ["2024Q1"]` and the engine's warning in `extra["missing"]`
  ("上一期间 2024Q1 尚未计算，首末位加减分未计入").
- Exemptions (granted, the period's months), bonuses (approved, year periods; `extra["bonus_approvers"]`
  maps a bonus id to the approving account), quarter totals (year periods; `extra["missing_quarters"]`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Sum, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from tuijin.chains import clock_selectors
from tuijin.chains.models import Chain, ChainNode
from tuijin.chains.ruleset_clock import clock_limits
from tuijin.core.calendar_selectors import current_calendar
from tuijin.core.rules.ledger import Period, parse_period
from tuijin.meetings import matter_selectors
from tuijin.meetings.models import Matter
from tuijin.org.models import Jurisdiction, Person, Role, Unit, User
from tuijin.projects import rules as project_rules
from tuijin.projects.models import (
    AnnualPlan,
    InvestmentEntry,
    PlanChange,
    PlanEntry,
    Project,
    StageTransition,
)
from tuijin.supervision.models import Card, Finding
from tuijin.supervision.rules import CARD_COLORS, card_number_text

from . import rules
from .models import Bonus, Exemption, ScoreEntry, ScorePeriod, UnitScore

PRINCIPAL_POST = "主要负责人"


def as_period(period: Any) -> Period:
    """A `Period` from a Period, a ScorePeriod or a key."""
    if isinstance(period, Period):
        return period
    return parse_period(getattr(period, "key", period))


def previous_period(period: Period) -> Period | None:
    """The period of the same kind just before (2024Q1 → 2023Q4, 2024-01 → 2023-12); None for years."""
    return rules.previous_period(period) if period.kind in ("month", "quarter") else None


def _applied_before(previous: Period | None) -> bool:
    """Whether the previous period's places adjust this one: not a Q4, whose places adjusted Q4 itself
    (WH19 附件3 第4行 "第四季度实行当季扣分或加分")."""
    return previous is not None and not rules.is_fourth_quarter(previous)


def as_of_day(period: Period, today: date | None = None) -> date:
    """The day the facts are read as of: the period's end, or today while it has not ended."""
    return min(period.end, today or timezone.localdate())


def gather(jurisdiction: Any, period: Any, rule_version: Any, *, today: date | None = None) -> rules.Facts:
    """Everything the rule kinds read for `period` of `jurisdiction` (see the module docstring)."""
    full = as_period(period)
    as_of = as_of_day(full, today)
    window = Period(key=full.key, kind=full.kind, start=full.start, end=as_of)
    previous = previous_period(full)
    units, governors = _units(jurisdiction, full.key)
    universe = _project_universe(jurisdiction, window)
    projects = _projects(jurisdiction, universe, window, units, governors, rule_version)
    extra: dict[str, Any] = {
        "previous": previous,
        "as_of": as_of,
        "period_end": full.end,
        "provisional": as_of < full.end,
        "missing": [],  # Chinese warnings the engine copies
        "missing_periods": [],
    }
    places = _places(jurisdiction, previous, extra)
    bonuses, approvers = _bonuses(jurisdiction, window)
    extra["bonus_approvers"] = approvers
    quarter_totals = _quarter_totals(jurisdiction, window, extra)
    return rules.Facts(
        period=window,
        units=units,
        projects=projects,
        matters=_matters(jurisdiction, window),
        cards=_cards(jurisdiction, previous or window, as_of),
        places=places,
        exemptions=_exemptions(universe, window),
        bonuses=bonuses,
        quarter_totals=quarter_totals,
        workdays=current_calendar(),
        extra=extra,
    )


# ---------------------------------------------------------------------------------------------------
# Units


def _units(jurisdiction: Any, period_key: str = "") -> tuple[dict[int, rules.UnitFact], dict[int, int]]:
    """The active units (and the units ranked when the period `period_key` was closed, even if made
    inactive since: a closed ranking never loses a unit), and {governed jurisdiction id: unit id} for the
    units that are a subordinate jurisdiction's government or a street's office."""
    closed = UnitScore.objects.filter(
        period__jurisdiction=jurisdiction, period__key=period_key, period__status="closed"
    ).values("unit_id")
    rows = list(
        Unit.objects.filter(jurisdiction=jurisdiction)
        .filter(Q(is_active=True) | Q(pk__in=closed))
        .order_by("sort", "pk")
        .values_list("pk", "name", "short_name", "kind", "rank_group", "sort", "governs_id")
    )
    heads = _principals([row[0] for row in rows], jurisdiction)
    units = {
        pk: rules.UnitFact(
            id=pk,
            name=short or name,
            kind=kind,
            rank_group=group,
            sort=sort,
            head_id=heads.get(pk),
        )
        for pk, name, short, kind, group, sort, _ in rows
    }
    governors = {governs: pk for pk, *_, governs in rows if governs is not None}
    return units, governors


def _principals(unit_ids: list[int], jurisdiction: Any) -> dict[int, int]:
    """unit id → its principal's Person id: a person of the unit whose post is 主要负责人, else the person
    of the unit's 单位负责人 account (the first)."""
    heads: dict[int, int] = {}
    accounts = (
        User.objects.filter(
            role=Role.UNIT_HEAD, unit__jurisdiction=jurisdiction, person__isnull=False, is_active=True
        )
        .order_by("pk")
        .values_list("unit_id", "person_id")
    )
    for unit_id, person_id in accounts:
        heads.setdefault(unit_id, person_id)
    posts = (
        Person.objects.filter(unit__jurisdiction=jurisdiction, is_active=True, post__contains=PRINCIPAL_POST)
        .order_by("-pk")
        .values_list("unit_id", "pk")
    )
    heads.update(dict(posts))  # the lowest id wins (ordered descending, later keys overwrite)
    wanted = set(unit_ids)
    return {unit_id: person_id for unit_id, person_id in heads.items() if unit_id in wanted}


# ---------------------------------------------------------------------------------------------------
# Projects


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _project_universe(jurisdiction: Any, window: Period) -> QuerySet:
    """The projects scored: the year's plan, plus the subtree's projects created or moved in the year."""
    year_start = date(window.start.year, 1, 1)
    listed = _listed_entries(
        PlanEntry.objects.filter(plan__jurisdiction=jurisdiction, plan__year=window.start.year), window.end
    ).values("project_id")
    moved = StageTransition.objects.filter(on__gte=year_start, on__lte=window.end).values("project_id")
    created = Q(created_at__gte=_day_start(year_start), created_at__lt=_day_start(window.end + timedelta(1)))
    return Project.objects.filter(jurisdiction__path__startswith=jurisdiction.path).filter(
        Q(pk__in=listed) | Q(pk__in=moved) | created
    )


_PROJECT_VALUES = (
    "pk",
    "name",
    "jurisdiction_id",
    "responsible_unit_id",
    "lead_leader_id",
    "street_id",
    "planned_start",
    "planned_start_precision",
    "planned_completion",
    "planned_completion_precision",
    "planned_production",
    "planned_production_precision",
    "stage",
    "total_investment",
    "category",
    "created_at",
    "jurisdiction__path",
)


def _projects(
    jurisdiction: Any,
    universe: QuerySet,
    window: Period,
    units: Mapping[int, rules.UnitFact],
    governors: Mapping[int, int],
    rule_version: Any,
) -> tuple[rules.ProjectFact, ...]:
    """One ProjectFact per project of the universe, in id order; each related table read once."""
    ids = universe.values("pk")
    rows = list(universe.order_by("pk").values_list(*_PROJECT_VALUES))
    moves = _moves(ids)
    read = _Related(
        plan=_plan_entries(jurisdiction, window.start.year, window.end),
        moves=moves,
        nodes=_node_rows(ids),
        investment=_investment(ids, window),
        tags=_tags(ids),
        ceremonies=_ceremonies(ids, window.end),
        clocks=_clocks(ids, moves, window.end, rule_version),
        governing=_ancestor_governors(rows, governors),
    )
    return tuple(_project_fact(row, read, units, window.end) for row in rows)


@dataclass(frozen=True)
class _Related:
    plan: Mapping[int, tuple[str, Decimal, Decimal | None]]
    moves: Mapping[int, list[tuple[str, str, date, bool]]]
    nodes: Mapping[int, list[tuple]]
    investment: tuple[Mapping[int, Decimal], Mapping[int, Decimal]]
    tags: Mapping[int, tuple[str, ...]]
    ceremonies: Mapping[int, list[rules.CeremonyFact]]
    clocks: Mapping[int, dict[str, Any]]
    governing: Mapping[int, int]


def _project_fact(
    row: tuple, read: _Related, units: Mapping[int, rules.UnitFact], as_of: date
) -> rules.ProjectFact:
    pk = row[0]
    stage, dates = _stage_as_of(row[12], read.moves.get(pk, []), as_of, row[15])
    unit_id = row[3] if row[3] in units else read.governing.get(pk, row[3])
    entry = read.plan.get(pk)
    invested, previous = read.investment
    return rules.ProjectFact(
        id=pk,
        name=row[1],
        unit_id=unit_id,
        person_id=row[4],
        unit_person_id=units[unit_id].head_id if unit_id in units else None,
        street_unit_id=row[5],
        plan_type=entry[0] if entry else None,
        planned_start=row[6],
        planned_start_precision=row[7],
        planned_completion=row[8],
        planned_completion_precision=row[9],
        planned_production=row[10],
        planned_production_precision=row[11],
        started_on=dates.get("started"),
        completed_on=dates.get("completed"),
        producing_on=dates.get("producing"),
        signed_on=dates.get("signed"),
        planning_on=dates.get("planning"),
        stage=stage,
        stage_dates=dates,
        total_investment=row[13],
        planned_investment=entry[1] if entry else Decimal(0),
        planned_investment_to_date=entry[2] if entry else None,
        completed_investment=invested.get(pk, Decimal(0)),
        previous_investment=previous.get(pk, Decimal(0)),
        tags=read.tags.get(pk, ()),
        category=row[14],
        nodes=tuple(_node_facts(read.nodes.get(pk, ()), dates, as_of)),
        ceremonies=tuple(read.ceremonies.get(pk, ())),
        approval_clock=read.clocks.get(pk, {}),
    )


def _ancestor_governors(rows: Iterable[tuple], governors: Mapping[int, int]) -> dict[int, int]:
    """project id → the unit governing its jurisdiction or the nearest ancestor of it that a unit governs
    (for projects whose responsible unit is not one of the scored units)."""
    if not governors:
        return {}
    by_path = dict(Jurisdiction.objects.filter(pk__in=list(governors)).values_list("path", "pk"))
    result = {}
    for row in rows:
        path = row[16]
        mine = [p for p in by_path if path.startswith(p)]
        if mine:
            result[row[0]] = governors[by_path[max(mine, key=len)]]
    return result


def _plan_entries(
    jurisdiction: Any, year: int, as_of: date
) -> dict[int, tuple[str, Decimal, Decimal | None]]:
    """project id → (plan type, planned investment, monthly targets summed through the as-of month or None
    when the entry has none) of the year's plan, removed entries left out."""
    plan = (
        AnnualPlan.objects.filter(jurisdiction=jurisdiction, year=year).values_list("pk", flat=True).first()
    )
    if plan is None:
        return {}
    rows = _listed_entries(PlanEntry.objects.filter(plan_id=plan), as_of).values_list(
        "project_id", "plan_type", "planned_investment", "monthly_targets"
    )
    months = as_of.month if as_of.year == year else 12
    return {pk: (plan_type, amount, _to_date(targets, months)) for pk, plan_type, amount, targets in rows}


def _listed_entries(entries: QuerySet, as_of: date) -> QuerySet:
    """The plan entries listed on `as_of`: entries not removed, and entries removed by a decision dated
    after that day (PlanChange "remove"; REQ B4: a removed entry stays with the change that removed it), so
    a period computed again after a project left the plan still sees it as it stood then. An entry removed
    without a recorded change counts as removed all along."""
    removed_later = PlanChange.objects.filter(
        plan_id=OuterRef("plan_id"), project_id=OuterRef("project_id"), kind="remove", decided_on__gt=as_of
    )
    return entries.filter(Q(removed=False) | Exists(removed_later))


def _to_date(targets: Any, months: int) -> Decimal | None:
    """The monthly targets (decimal strings, projects' `PlanEntry.monthly_targets`) of the first months."""
    if not targets:
        return None
    return sum((Decimal(str(t)) for t in list(targets)[:months] if t not in (None, "")), Decimal(0))


def _moves(ids: QuerySet) -> dict[int, list[tuple[str, str, date, bool]]]:
    """project id → its transitions (from stage, to stage, on, backfill) in date order, all of them."""
    moves: dict[int, list[tuple[str, str, date, bool]]] = defaultdict(list)
    rows = (
        StageTransition.objects.filter(project_id__in=ids)
        .order_by("project_id", "on", "pk")
        .values_list("project_id", "from_stage", "to_stage", "on", "backfill")
    )
    for pk, from_stage, to_stage, on, backfill in rows:
        moves[pk].append((from_stage, to_stage, on, backfill))
    return moves


def _stage_as_of(
    stage_now: str, history: list[tuple[str, str, date, bool]], as_of: date, created_at: datetime
) -> tuple[str, dict[str, date]]:
    """The project's stage on the as-of day and the first day of each stage reached by then (milestones:
    their actual dates, `projects.rules.actual_dates`)."""
    known = [m for m in history if m[2] <= as_of]
    later = [m for m in history if m[2] > as_of and not m[3]]
    moves = [m for m in known if not m[3]]
    if moves:
        stage = moves[-1][1]
    elif later:
        stage = later[0][0] or stage_now
    else:
        stage = stage_now
    dates: dict[str, date] = {}
    for _, to_stage, on, backfill in known:
        if not backfill:
            dates.setdefault(to_stage, on)
    actual = project_rules.actual_dates(project_rules.TransitionFacts(t, on, b) for _, t, on, b in known)
    for milestone in project_rules.MILESTONE_STAGES:
        dates.pop(milestone, None)
        if milestone in actual:
            dates[milestone] = actual[milestone]
    created = timezone.localtime(created_at).date() if created_at else None
    if "planning" not in dates and created is not None and created <= as_of:
        dates["planning"] = created
    return stage, dates


_NODE_VALUES = (
    "project_id",
    "pk",
    "name",
    "phase",
    "stage",
    "deadline",
    "actual",
    "responsible_unit_id",
    "responsible_person_id",
    "exempt_reason",
)


def _node_rows(ids: QuerySet) -> dict[int, list[tuple]]:
    """project id → its chain nodes' rows, in chain order (the largest read: ~13 nodes a project)."""
    nodes: dict[int, list[tuple]] = defaultdict(list)
    rows = (
        ChainNode.objects.filter(project_id__in=ids)
        .order_by("project_id", "sort", "pk")
        .values_list(*_NODE_VALUES)
    )
    for row in rows:
        nodes[row[0]].append(row)
    return nodes


def _node_facts(rows: Iterable[tuple], dates: Mapping[str, date], as_of: date) -> list[rules.NodeFact]:
    """NodeFacts as of the day: a stage node's actual date is the project's (its transitions); an actual
    date after the day is not known yet."""
    facts = []
    node = rules.NodeFact
    for _, pk, name, phase, stage, deadline, actual, unit_id, person_id, exempt in rows:
        done = dates.get(stage) if stage else actual
        if done is not None and done > as_of:
            done = None
        facts.append(node(pk, name, phase, stage, deadline, done, unit_id, person_id, bool(exempt)))
    return facts


def _investment(ids: QuerySet, window: Period) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """Completed investment (万元) of the year to the as-of month, and of the same months a year before."""

    def sums(year: int) -> dict[int, Decimal]:
        rows = (
            InvestmentEntry.objects.filter(project_id__in=ids, year=year, month__lte=window.end.month)
            .order_by()
            .values("project_id")
            .annotate(total=Sum("amount"))
            .values_list("project_id", "total")
        )
        return {pk: total or Decimal(0) for pk, total in rows}

    year = window.start.year
    return sums(year), sums(year - 1)


def _tags(ids: QuerySet) -> dict[int, tuple[str, ...]]:
    tags: dict[int, list[str]] = defaultdict(list)
    through = Project.tags.through.objects.filter(project_id__in=ids)
    for pk, name in through.order_by("project_id", "projecttag__name").values_list(
        "project_id", "projecttag__name"
    ):
        tags[pk].append(name)
    return {pk: tuple(names) for pk, names in tags.items()}


def _ceremonies(ids: QuerySet, as_of: date) -> dict[int, list[rules.CeremonyFact]]:
    """Findings "举行开工仪式无实质进展" on the projects, dated by their act (as the lights read them: from
    the moment the finding is recorded, whether or not corrected since)."""
    found: dict[int, list[rules.CeremonyFact]] = defaultdict(list)
    rows = (
        Finding.objects.filter(kind="ceremony", project_id__in=ids, act__date__lte=as_of)
        .order_by("act__date", "pk")
        .values_list("project_id", "pk", "act_id", "act__date")
    )
    for project_id, pk, act_id, on in rows:
        found[project_id].append(rules.CeremonyFact(finding_id=pk, act_id=act_id, on=on))
    return found


@cache
def _after(text: str | None) -> tuple[str, ...]:
    return tuple(json.loads(text)) if text else ()


_CLOCK_VALUES = (
    "project_id",
    "key",
    "name",
    "phase",
    "step",
    "after_text",
    "stage",
    "starts_clock",
    "actual",
    "exempt_reason",
    "responsible_unit_id",
)


def _clocks(
    ids: QuerySet, moves: Mapping[int, list[tuple[str, str, date, bool]]], as_of: date, rule_version: Any
) -> dict[int, dict[str, Any]]:
    """project id → its approval clock as of the day ({"days", "limit", "done", …}) for the projects whose
    land delisting (the node starting the clock) was done by then: two queries, the second only for those
    projects' nodes (the clock needs their order and predecessors, which nothing else reads)."""
    running = list(
        ChainNode.objects.filter(project_id__in=ids, starts_clock=True, actual__lte=as_of)
        .values_list("project_id", flat=True)
        .distinct()
    )
    if not running:
        return {}
    nodes: dict[int, list[tuple]] = defaultdict(list)
    rows = (
        ChainNode.objects.filter(project_id__in=running)
        .exclude(phase="milestone")  # image-progress milestones come after the start: never in the clock
        .annotate(after_text=Cast("after", TextField()))
        .order_by("project_id", "sort", "pk")
        .values_list(*_CLOCK_VALUES)
    )
    for row in rows:
        nodes[row[0]].append(row)
    classes = dict(Chain.objects.filter(project_id__in=running).values_list("project_id", "clock_class"))
    names = dict(
        (pk, short or name)
        for pk, name, short in Unit.objects.filter(
            pk__in={n[10] for ns in nodes.values() for n in ns}
        ).values_list("pk", "name", "short_name")
    )
    limits = clock_limits(getattr(rule_version, "data", None))
    calendar = current_calendar()
    result = {}
    for pk in sorted(running):
        history = [m for m in moves.get(pk, ()) if m[2] <= as_of]
        clock = clock_selectors.clock_from_facts(
            nodes=[_clock_node(n, names, as_of) for n in nodes[pk]],
            moves=[project_rules.TransitionFacts(t, on, b) for _, t, on, b in history],
            clock_class=classes.get(pk) or "general",
            limits=limits,
            today=as_of,
            calendar=calendar,
        )
        result[pk] = {
            "days": clock.used,
            "limit": clock.limit,
            "done": clock.stopped is not None,
            "delisted": clock.started,
            "started": clock.stopped,
            "clock_class": clock.clock_class,
            "provisional": clock.provisional,
            "summary": clock.summary,
        }
    return result


def _clock_node(row: tuple, names: Mapping[int, str], as_of: date) -> clock_selectors.NodeFact:
    _, key, name, phase, step, after, stage, starts_clock, actual, exempt, unit_id = row
    return clock_selectors.NodeFact(
        key=key,
        name=name,
        phase=phase,
        step=step,
        after=_after(after),
        stage=stage,
        starts_clock=starts_clock,
        actual=actual if actual is not None and actual <= as_of else None,
        exempt=bool(exempt),
        unit_id=unit_id,
        unit=names.get(unit_id, ""),
    )


# ---------------------------------------------------------------------------------------------------
# Matters


def _matters(jurisdiction: Any, window: Period) -> tuple[rules.MatterFact, ...]:
    """One MatterFact per matter and bucket, from `matter_facts` (which groups by unit)."""
    by_unit = matter_selectors.matter_facts(jurisdiction, window.start, window.end)
    found: dict[tuple[int, str], dict[str, Any]] = {}
    repeats: dict[int, dict[str, Any]] = {}
    for unit_id, unit_facts in by_unit.items():
        for bucket in ("closed", "open_overdue"):
            for item in getattr(unit_facts, bucket):
                matter = item["matter"]
                slot = found.setdefault((matter.pk, bucket), {"matter": matter, "item": item, "units": set()})
                slot["units"].add(unit_id)
        for item in unit_facts.repeats:
            slot = repeats.setdefault(item["first"], {"item": item, "units": set()})
            slot["units"].add(unit_id)
    levels = _series_levels({slot["matter"].series_id for slot in found.values()})
    charged = _already_charged(jurisdiction, window)
    facts = [
        _matter_fact(slot["matter"], bucket, slot["item"], slot["units"], levels, charged)
        for (_, bucket), slot in sorted(found.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]
    facts.extend(_repeat_facts(repeats, window, levels))
    return tuple(facts)


def _lead_first(lead: int | None, units: Iterable[int]) -> tuple[int, ...]:
    rest = sorted(u for u in units if u != lead)
    return ((lead,) if lead is not None and lead in set(units) else ()) + tuple(rest)


def _matter_fact(
    matter: Matter,
    bucket: str,
    item: Mapping[str, Any],
    units: set[int],
    levels: Mapping[int, str],
    charged: Mapping[int, dict[int, Decimal]],
) -> rules.MatterFact:
    return rules.MatterFact(
        id=matter.pk,
        title=matter.title,
        unit_ids=_lead_first(matter.lead_unit_id, units),
        bucket=bucket,
        band=item.get("band") or "",
        late=item.get("late") or 0,
        on=item.get("done_on") if bucket == "closed" else item.get("as_of"),
        meeting_id=matter.meeting_id,
        level=levels.get(matter.series_id, ""),
        already_charged=charged.get(matter.pk, {}),
    )


def _series_levels(series_ids: set[int | None]) -> dict[int, str]:
    from tuijin.meetings.models import MeetingSeries

    ids = {pk for pk in series_ids if pk is not None}
    if not ids:
        return {}
    return dict(MeetingSeries.objects.filter(pk__in=ids).values_list("pk", "level_key"))


def _repeat_facts(
    repeats: Mapping[int, dict[str, Any]], window: Period, levels: Mapping[int, str]
) -> list[rules.MatterFact]:
    """The repeated-raising chains (one fact per chain, known by its first matter): the chain's latest
    matter up to the period's end gives the title, meeting and day."""
    if not repeats:
        return []
    roots = list(repeats)
    latest: dict[int, tuple] = {}
    rows = (
        Matter.objects.filter(Q(pk__in=roots) | Q(first_raise_id__in=roots), meeting__date__lte=window.end)
        .order_by("raise_count", "pk")
        .values_list(
            "pk", "first_raise_id", "title", "lead_unit_id", "meeting_id", "meeting__date", "series_id"
        )
    )
    for row in rows:
        latest[row[1] or row[0]] = row
    missing = {row[6] for row in latest.values()} - set(levels)
    levels = {**levels, **_series_levels(missing)}
    facts = []
    for root in sorted(repeats):
        slot = repeats[root]
        _, _, title, lead, meeting_id, day, series_id = latest.get(
            root, (root, None, "", None, None, None, None)
        )
        facts.append(
            rules.MatterFact(
                id=root,
                title=title,
                unit_ids=_lead_first(lead, slot["units"]),
                bucket="repeat",
                on=day,
                raises=slot["item"]["penalised"],
                meeting_id=meeting_id,
                level=levels.get(series_id, ""),
            )
        )
    return facts


def _already_charged(jurisdiction: Any, window: Period) -> dict[int, dict[int, Decimal]]:
    """matter id → {unit id: points already charged by earlier periods of the same kind} (band entries
    and their corrections; an exempted entry charged nothing)."""
    rows = ScoreEntry.objects.filter(
        period__jurisdiction=jurisdiction,
        period__kind=window.kind,
        period__start__lt=window.start,
        kind="matter_band",
    ).values_list("unit_id", "evidence", "points")
    charged: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for unit_id, evidence, points in rows:
        matter = (evidence or {}).get("matter")
        if matter is not None:
            charged[int(matter)][unit_id] += points
    return {matter: dict(units) for matter, units in charged.items()}


# ---------------------------------------------------------------------------------------------------
# Cards, places, exemptions, bonuses, quarters


def _cards(jurisdiction: Any, since: Period, as_of: date) -> tuple[rules.CardFact, ...]:
    """Issued, unrevoked cards whose counting day (docs/cards.md "Counting") is from the start of `since`
    (the previous period, or this one) to the as-of day."""
    lo, hi = _day_start(since.start), _day_start(as_of + timedelta(days=1))
    issued = Card.objects.filter(jurisdiction=jurisdiction, status="issued")
    yellow = issued.filter(color="yellow", slip__issued_at__gte=lo, slip__issued_at__lt=hi).values_list(
        "pk", "unit_id", "color", "year", "number", "slip__issued_at"
    )
    red = (
        issued.filter(color="red")
        .annotate(basis=Max("from_cards__slip__issued_at"))
        .filter(basis__gte=lo, basis__lt=hi)
        .values_list("pk", "unit_id", "color", "year", "number", "basis")
    )
    facts = [
        rules.CardFact(
            id=pk,
            unit_id=unit_id,
            color=color,
            on=timezone.localtime(day).date(),
            label=f"{CARD_COLORS[color]}{card_number_text(year, number)}",
        )
        for pk, unit_id, color, year, number, day in [*yellow, *red]
    ]
    return tuple(sorted(facts, key=lambda c: (c.on, c.id)))


def _places(jurisdiction: Any, previous: Period | None, extra: dict[str, Any]) -> tuple[rules.PlaceFact, ...]:
    if previous is None:
        return ()
    stored = (
        ScorePeriod.objects.filter(jurisdiction=jurisdiction, key=previous.key)
        .values_list("pk", "computed_at")
        .first()
    )
    if stored is None or stored[1] is None:
        if _applied_before(previous):
            extra["missing_periods"].append(previous.key)
            extra["missing"].append(f"上一期间 {previous.key} 尚未计算，首末位加减分未计入")
        return ()
    rows = (
        UnitScore.objects.filter(period_id=stored[0])
        .exclude(place="")
        .order_by("group", "rank", "unit_id")
        .values_list("unit_id", "place", "group", "rank", "group_name")
    )
    return tuple(
        rules.PlaceFact(
            unit_id=u, place=place, period_key=previous.key, group=group, rank=rank or 0, group_name=name
        )
        for u, place, group, rank, name in rows
    )


def _months(window: Period) -> list[str]:
    months, year, month = [], window.start.year, window.start.month
    while date(year, month, 1) <= window.end:
        months.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _exemptions(universe: QuerySet, window: Period) -> tuple[rules.ExemptionFact, ...]:
    rows = (
        Exemption.objects.filter(
            # up to the window's end: a late start's first late day may lie in an earlier month than the
            # start that earns +3.2 / +2 (the engine matches events by (project, month))
            project_id__in=universe.values("pk"),
            status="granted",
            month__lte=_months(window)[-1],
        )
        .order_by("month", "pk")
        .values_list("pk", "project_id", "unit_id", "month", "project_leader__name", "leader_in_charge__name")
    )
    return tuple(
        rules.ExemptionFact(
            id=pk,
            project_id=project_id,
            unit_id=unit_id,
            month=month,
            signed_by=(
                f"挂点领导兼分管领导 {leader}"
                if leader == in_charge
                else f"挂点领导 {leader}、分管领导 {in_charge}"
            ),
        )
        for pk, project_id, unit_id, month, leader, in_charge in rows
    )


def _bonuses(jurisdiction: Any, window: Period) -> tuple[tuple[rules.BonusFact, ...], dict[int, int]]:
    """Approved bonuses of a year period (WH19 四(四)); the day is the approval, at latest the year's end."""
    if window.kind != "year":
        return (), {}
    rows = (
        Bonus.objects.filter(period__jurisdiction=jurisdiction, period__key=window.key, status="approved")
        .order_by("pk")
        .values_list(
            "pk",
            "unit_id",
            "points",
            "reason",
            "decided_by_id",
            "decided_by__display_name",
            "decided_by__username",
            "decided_at",
        )
    )
    facts, approvers = [], {}
    for pk, unit_id, points, reason, by_id, by_name, username, at in rows:
        day = timezone.localtime(at).date() if at else window.end
        facts.append(
            rules.BonusFact(
                id=pk,
                unit_id=unit_id,
                points=points,
                reason=reason,
                approved_by=by_name or username or "",
                on=min(day, window.end),
            )
        )
        if by_id is not None:
            approvers[pk] = by_id
    return tuple(facts), approvers


def _quarter_totals(
    jurisdiction: Any, window: Period, extra: dict[str, Any]
) -> dict[int, dict[str, Decimal]]:
    """Year periods: the stored totals of the year's computed quarters, per unit."""
    if window.kind != "year":
        return {}
    year = window.start.year
    keys = [f"{year}Q{q}" for q in range(1, 5)]
    rows = UnitScore.objects.filter(
        period__jurisdiction=jurisdiction, period__key__in=keys, period__computed_at__isnull=False
    ).values_list("unit_id", "period__key", "total")
    totals: dict[int, dict[str, Decimal]] = defaultdict(dict)
    seen = set()
    for unit_id, key, total in rows:
        totals[unit_id][key] = total
        seen.add(key)
    extra["missing_quarters"] = [k for k in keys if k not in seen]
    return dict(totals)
