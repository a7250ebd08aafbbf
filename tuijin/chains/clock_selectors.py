"""Approval clocks (审批计时, REQ C5; KF19 四(一)): working days from land delisting (土地摘牌) to start
against the limit of the project's class, and each approving unit's share.

Facts come from one pass over the database and the pure `rules.approval_clock` computes:
- the delisting date is the actual date of the chain node that starts the clock (土地招拍挂);
- the stop is the project's actual start, from its stage transitions (`projects.rules.actual_dates`);
- the limit is the jurisdiction's rule set (`ruleset_clock.clock_limits`) for the chain's clock class;
- each approval node is a `rules.ClockNode`: its unit, when it could begin (the latest completion among its
  predecessors, `rules.predecessors`; an exempt predecessor passes its own predecessors' dates on) and
  when it was done. A node still waiting for an unfinished predecessor has no share yet: the time is the
  predecessor's unit's.

`clocks_page` does the same for every readable project whose clock started, in a constant number of
queries (projects, nodes, transitions, rule sets), and sorts, filters and pages the rows in Python.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from tuijin.core.access import scope
from tuijin.core.calendar_selectors import current_calendar
from tuijin.core.models import RuleSetVersion
from tuijin.org.models import Jurisdiction, Unit
from tuijin.projects import rules as project_rules
from tuijin.projects.models import Project, StageTransition

from . import rules
from .models import Chain, ChainNode
from .ruleset_clock import clock_limits

PER_PAGE = 50
SORTS = {
    "ratio": "用时占比",
    "used": "已用",
    "left": "剩余",
    "overrun": "超时",
    "saved": "节约",
    "delisted": "摘牌日期",
    "name": "项目名称",
}
DEFAULT_SORT = "-ratio"
STATES = {"running": "计时中（未开工）", "stopped": "已开工", "over": "已超时"}
_NODE_VALUES = (
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


@dataclass(frozen=True)
class NodeFact:
    """A chain node as the clock needs it."""

    key: str
    name: str
    phase: str
    step: int
    after: tuple[str, ...]
    stage: str
    starts_clock: bool
    actual: date | None
    exempt: bool
    unit_id: int
    unit: str


@cache
def _after(text: str | None) -> tuple[str, ...]:
    """A node's `after` as read raw: chains built from one template share a few distinct values, so each
    is parsed once per process rather than once per row."""
    return tuple(json.loads(text)) if text else ()


def _node_fact(row: Sequence[Any], units: Mapping[int, str]) -> NodeFact:
    _, key, name, phase, step, after, stage, starts_clock, actual, exempt, unit_id = row
    return NodeFact(
        key=key,
        name=name,
        phase=phase,
        step=step,
        after=_after(after),
        stage=stage,
        starts_clock=starts_clock,
        actual=actual,
        exempt=bool(exempt),
        unit_id=unit_id,
        unit=units.get(unit_id, ""),
    )


@lru_cache(maxsize=256)
def _predecessors(shape: tuple[tuple[str, int, tuple[str, ...]], ...]) -> dict[str, tuple[str, ...]]:
    """`rules.predecessors` of a chain's (key, step, after) shape: chains of one template share it."""
    return rules.predecessors([rules.NodeSpec(key, key, step, after) for key, step, after in shape])


# ---------------------------------------------------------------------------------------------------
# From facts to the clock (no database)


def clock_nodes(nodes: Sequence[NodeFact], stage_dates: Mapping[str, date]) -> list[rules.ClockNode]:
    """The approval nodes as `rules.ClockNode`s: ready = the latest completion among the predecessors."""
    by_key = {node.key: node for node in nodes}
    before = _predecessors(tuple((n.key, n.step, n.after) for n in nodes))
    done_memo: dict[str, tuple[bool, date | None]] = {}
    visiting: set[str] = set()  # a cycle (refused by check_template) must not recurse forever

    def ready(key: str) -> tuple[bool, date | None]:
        """(every predecessor done, the latest of their known completion dates)."""
        all_done, latest = True, None
        for other in before.get(key, ()):
            if other not in by_key or other in visiting:
                continue
            done, on = done_on(other)
            all_done = all_done and done
            if on is not None and (latest is None or on > latest):
                latest = on
        return all_done, latest

    def done_on(key: str) -> tuple[bool, date | None]:
        if key in done_memo:
            return done_memo[key]
        node = by_key[key]
        if node.stage:
            on = stage_dates.get(node.stage)
            result = (on is not None, on)
        elif node.actual is not None:
            result = (True, node.actual)
        elif node.exempt:  # 免办: passes its predecessors' dates on
            visiting.add(key)
            result = ready(key)
            visiting.discard(key)
        else:
            result = (False, None)
        done_memo[key] = result
        return result

    result = []
    for node in nodes:
        if node.phase != "approval" or node.starts_clock or node.stage:
            continue
        if node.exempt:
            result.append(rules.ClockNode(node.name, node.unit, None, None, exempt=True))
            continue
        all_done, latest = ready(node.key)
        if not all_done and node.actual is None:
            continue  # still waiting for a predecessor: the time is that predecessor's unit's
        result.append(rules.ClockNode(node.name, node.unit, latest, node.actual))
    return result


def clock_from_facts(
    *,
    nodes: Sequence[NodeFact],
    moves: Iterable[project_rules.TransitionFacts],
    clock_class: str,
    limits: rules.ClockLimits,
    today: date,
    calendar: rules.Calendar,
) -> rules.Clock:
    stage_dates = project_rules.actual_dates(moves)
    delisted = next((n.actual for n in nodes if n.starts_clock and n.actual is not None), None)
    return rules.approval_clock(
        delisted=delisted,
        started=stage_dates.get("started"),
        clock_class=clock_class,
        limits=limits,
        nodes=clock_nodes(nodes, stage_dates),
        today=today,
        calendar=calendar,
    )


# ---------------------------------------------------------------------------------------------------
# Rule sets of many jurisdictions at once


def limits_by_jurisdiction(jurisdictions: Iterable[tuple[int, str]]) -> dict[int, rules.ClockLimits]:
    """jurisdiction id → its clock limits, for (id, path) pairs, in two queries: the rule set in force
    is the nearest ancestor's choice (as `ruleset_selectors.ruleset_choice_for`), its current version
    the highest number."""
    pairs = list(jurisdictions)
    codes = {code for _, path in pairs for code in path.split("/") if code}
    pickers = dict(
        Jurisdiction.objects.filter(code__in=codes, rule_set__isnull=False).values_list("path", "rule_set_id")
    )
    latest = RuleSetVersion.objects.filter(rule_set_id=OuterRef("rule_set_id")).order_by("-number")
    data = dict(
        RuleSetVersion.objects.filter(
            rule_set_id__in=set(pickers.values()), number=Subquery(latest.values("number")[:1])
        ).values_list("rule_set_id", "data")
    )
    result: dict[int, rules.ClockLimits] = {}
    for pk, path in pairs:
        mine = [p for p in pickers if path.startswith(p)]
        rule_set = pickers[max(mine, key=len)] if mine else None
        result[pk] = clock_limits(data.get(rule_set) if rule_set is not None else None)
    return result


def _moves_by_project(ids: QuerySet | Iterable[int]) -> dict[int, list[project_rules.TransitionFacts]]:
    moves: dict[int, list[project_rules.TransitionFacts]] = {}
    rows = (
        StageTransition.objects.filter(project_id__in=ids)
        .order_by("on", "id")
        .values_list("project_id", "to_stage", "on", "backfill")
    )
    for project_id, stage, on, backfill in rows:
        moves.setdefault(project_id, []).append(project_rules.TransitionFacts(stage, on, backfill))
    return moves


def _nodes_by_project(ids: QuerySet | Iterable[int]) -> dict[int, list[NodeFact]]:
    nodes: dict[int, list[NodeFact]] = {}
    rows = (
        ChainNode.objects.filter(project_id__in=ids)
        .exclude(phase="milestone")  # image-progress milestones come after the start: never in the clock
        .annotate(after_text=Cast("after", TextField()))
        .order_by("project_id", "sort", "id")
        .values_list(*_NODE_VALUES)
    )
    rows = list(rows)
    units = {
        pk: short or name
        for pk, name, short in Unit.objects.filter(pk__in={row[-1] for row in rows}).values_list(
            "pk", "name", "short_name"
        )
    }
    for row in rows:
        nodes.setdefault(row[0], []).append(_node_fact(row, units))
    return nodes


def project_clock(project: Project, *, today: date | None = None) -> rules.Clock:
    """The approval clock of one project (KF19 四(一)); not started (no delisting yet) when it has no chain
    or its 土地招拍挂 node has no actual date."""
    today = today or timezone.localdate()
    clock_class = Chain.objects.filter(project_id=project.pk).values_list("clock_class", flat=True).first()
    jurisdiction = Jurisdiction.objects.only("path").get(pk=project.jurisdiction_id)
    limits = limits_by_jurisdiction([(jurisdiction.pk, jurisdiction.path)])[jurisdiction.pk]
    return clock_from_facts(
        nodes=_nodes_by_project([project.pk]).get(project.pk, []),
        moves=_moves_by_project([project.pk]).get(project.pk, []),
        clock_class=clock_class or "general",
        limits=limits,
        today=today,
        calendar=current_calendar(),
    )


# ---------------------------------------------------------------------------------------------------
# The clocks page


@dataclass(frozen=True)
class ClockFilters:
    unit: int | None = None
    district: int | None = None
    state: str = ""
    sort: str = DEFAULT_SORT
    page: str = "1"
    problems: tuple[str, ...] = field(default=(), compare=False)

    def params(self, **change: Any) -> dict[str, str]:
        values = {
            "unit": self.unit,
            "district": self.district,
            "state": self.state,
            "sort": self.sort if self.sort != DEFAULT_SORT else None,
        }
        values.update(change)
        return {key: str(value) for key, value in values.items() if value not in (None, "")}


def parse_clock_filters(params: Mapping[str, str]) -> ClockFilters:
    """Read the page's query string; a bad value is dropped with a Chinese note naming it."""
    problems: list[str] = []

    def text(key: str) -> str:
        return (params.get(key) or "").strip()

    def number(key: str, label: str) -> int | None:
        value = text(key)
        if value and not value.isdigit():
            problems.append(f"{label}“{value}”无效，已忽略。")
            return None
        return int(value) if value else None

    unit, district = number("unit", "单位"), number("district", "辖区")
    state = text("state")
    if state and state not in STATES:
        problems.append(f"计时状态“{state}”不存在，已忽略。")
        state = ""
    sort = text("sort") or DEFAULT_SORT
    if sort.lstrip("-") not in SORTS:
        problems.append(f"排序“{sort}”不存在，已按用时占比排序。")
        sort = DEFAULT_SORT
    return ClockFilters(
        unit=unit,
        district=district,
        state=state,
        sort=sort,
        page=text("page") or "1",
        problems=tuple(problems),
    )


@dataclass(frozen=True)
class ShareRow:
    unit: str
    days: int
    percent: int  # of the days used
    nodes: str


@dataclass(frozen=True)
class ClockRow:
    pk: int
    name: str
    jurisdiction: str
    responsible_unit: str
    clock_class: str
    delisted: date
    started: date | None
    limit: int
    used: int
    left: int
    overrun: int
    saved: int
    running: bool
    provisional: bool
    summary: str
    percent: int  # used of the limit, capped at 100 for the bar
    shares: tuple[ShareRow, ...]
    unit_days: int | None = None  # the filtered unit's share

    @property
    def ratio(self) -> float:
        return self.used / self.limit if self.limit else 0.0

    @property
    def over(self) -> bool:
        return self.overrun > 0

    @property
    def bar_css(self) -> str:
        return "bg-red" if self.over else "bg-primary"

    @property
    def state_label(self) -> str:
        if self.over:
            return f"超时 {self.overrun} 个工作日"
        if self.running:
            return "计时中"
        return f"提前 {self.saved} 个工作日" if self.saved else "按时开工"

    @property
    def state_css(self) -> str:
        if self.over:
            return "bg-red text-red-fg"
        return "bg-blue-lt" if self.running else "bg-green text-green-fg"


@dataclass(frozen=True)
class UnitSummary:
    unit: str
    projects: int
    days: int
    average: str


@dataclass(frozen=True)
class ClocksPage:
    filters: ClockFilters
    page: Page
    rows: list[ClockRow]
    count: int
    running: int
    over: int
    saved_days: int
    provisional: bool
    units: list[UnitSummary]
    unit_options: list[tuple[int, str]]
    district_options: list[tuple[int, str]]
    sources: list[str]
    problems: tuple[str, ...]


def _clock_started_projects(user: Any) -> QuerySet:
    started = ChainNode.objects.filter(starts_clock=True, actual__isnull=False).values("project_id")
    return scope(user, Project.objects.filter(pk__in=started))


def _share_rows(clock: rules.Clock) -> tuple[ShareRow, ...]:
    used = clock.used or 1
    return tuple(
        ShareRow(s.unit, s.days, round(100 * s.days / used), "、".join(s.nodes)) for s in clock.shares
    )


def _row(project: Mapping[str, Any], clock: rules.Clock, unit_name: str | None) -> ClockRow:
    assert clock.started is not None
    unit_days = None
    if unit_name is not None:
        unit_days = next((s.days for s in clock.shares if s.unit == unit_name), 0)
    return ClockRow(
        pk=project["pk"],
        name=project["name"],
        jurisdiction=project["jurisdiction__name"],
        responsible_unit=project["responsible_unit__short_name"] or project["responsible_unit__name"],
        clock_class=rules.CLOCK_CLASSES.get(clock.clock_class, clock.clock_class),
        delisted=clock.started,
        started=clock.stopped,
        limit=clock.limit,
        used=clock.used,
        left=clock.left,
        overrun=clock.overrun,
        saved=clock.saved,
        running=clock.running,
        provisional=clock.provisional,
        summary=clock.summary,
        percent=min(round(100 * clock.used / clock.limit), 100) if clock.limit else 100,
        shares=_share_rows(clock),
        unit_days=unit_days,
    )


def _sort_key(sort: str):
    key = sort.lstrip("-")
    if key == "name":
        return lambda r: r.name
    if key == "delisted":
        return lambda r: r.delisted
    if key == "ratio":
        return lambda r: r.ratio
    return lambda r: getattr(r, key)


def _in_state(row: ClockRow, state: str) -> bool:
    if state == "running":
        return row.running
    if state == "stopped":
        return not row.running
    if state == "over":
        return row.over
    return True


def _unit_summaries(rows: Sequence[ClockRow]) -> list[UnitSummary]:
    totals: dict[str, tuple[int, int]] = {}
    for row in rows:
        for share in row.shares:
            projects, days = totals.get(share.unit, (0, 0))
            totals[share.unit] = (projects + 1, days + share.days)
    ordered = sorted(totals.items(), key=lambda item: (-item[1][1], item[0]))
    return [UnitSummary(unit, n, days, f"{days / n:.1f}") for unit, (n, days) in ordered]


def _options(user: Any, base: QuerySet) -> tuple[list[tuple[int, str]], list[tuple[int, str, str]]]:
    units = scope(user, Unit.objects.filter(is_active=True)).values_list("pk", "name")
    districts = (
        base.order_by("jurisdiction__path")
        .values_list("jurisdiction_id", "jurisdiction__name", "jurisdiction__path")
        .distinct()
    )
    return list(units), list(districts)


def clocks_page(user: Any, filters: ClockFilters, *, today: date | None = None) -> ClocksPage:
    """Every readable project whose approval clock started, with used / left / overrun / saved and each
    approving unit's share, filtered by unit (responsible or approving) and district, sorted and paged."""
    today = today or timezone.localdate()
    problems = list(filters.problems)
    base = _clock_started_projects(user)
    unit_options, districts = _options(user, base)
    chosen = base
    unit_name = None
    if filters.district is not None:
        path = next((p for pk, _, p in districts if pk == filters.district), None)
        if path is None:
            problems.append("所选辖区没有已开始计时的项目或不在您的管辖范围内，已忽略。")
        else:
            chosen = chosen.filter(jurisdiction__path__startswith=path)
    if filters.unit is not None:
        unit = Unit.objects.filter(pk=filters.unit).values_list("name", "short_name").first()
        if unit is None or filters.unit not in {pk for pk, _ in unit_options}:
            problems.append("所选单位不存在或不在您的管辖范围内，已忽略。")
        else:
            unit_name = unit[1] or unit[0]
            approving = ChainNode.objects.filter(responsible_unit_id=filters.unit, phase="approval")
            chosen = chosen.filter(
                Q(responsible_unit_id=filters.unit) | Q(pk__in=approving.values("project_id"))
            )
    projects = list(
        chosen.values(
            "pk",
            "name",
            "jurisdiction_id",
            "jurisdiction__name",
            "jurisdiction__path",
            "responsible_unit__name",
            "responsible_unit__short_name",
            "chain__clock_class",
        )
    )
    ids = chosen.values("pk")
    nodes, moves = _nodes_by_project(ids), _moves_by_project(ids)
    limits = limits_by_jurisdiction({(p["jurisdiction_id"], p["jurisdiction__path"]) for p in projects})
    calendar = current_calendar()
    rows = []
    for project in projects:
        clock = clock_from_facts(
            nodes=nodes.get(project["pk"], []),
            moves=moves.get(project["pk"], []),
            clock_class=project["chain__clock_class"] or "general",
            limits=limits[project["jurisdiction_id"]],
            today=today,
            calendar=calendar,
        )
        if clock.started is not None:
            rows.append(_row(project, clock, unit_name))
    rows = [row for row in rows if _in_state(row, filters.state)]
    rows.sort(key=lambda r: r.pk)
    rows.sort(key=_sort_key(filters.sort), reverse=filters.sort.startswith("-"))
    page = Paginator(rows, PER_PAGE).get_page(filters.page)
    return ClocksPage(
        filters=filters,
        page=page,
        rows=list(page.object_list),
        count=len(rows),
        running=sum(1 for r in rows if r.running),
        over=sum(1 for r in rows if r.over),
        saved_days=sum(r.saved for r in rows),
        provisional=any(r.provisional for r in rows),
        units=_unit_summaries(rows),
        unit_options=unit_options,
        district_options=[(pk, name) for pk, name, _ in districts],
        sources=sorted({limits[p["jurisdiction_id"]].source for p in projects} - {""}),
        problems=tuple(problems),
    )
