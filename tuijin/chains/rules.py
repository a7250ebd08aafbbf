"""Pure rules of promotion chains (REQ C): template checks, dependencies, scheduling backward from the
target (倒排工期) on the working-day calendar, deadline order, and the approval clock from land delisting
(土地摘牌) to start (KF19 四(一)).

Standard library only (import-linter forbids Django here). The calendar is passed in: anything with
`add_workdays`, `workday_on_or_before`, `workdays_between` and `is_provisional` (core.rules.workdays).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

PHASES = {"approval": "前期手续", "construction": "建设节点", "milestone": "形象进度"}
# Construction nodes that show a stage transition: their actual date is the project's (one source of truth)
STAGE_NODES = {"started": "开工", "completed": "竣工", "producing": "投产"}
ANCHORS = {"start": "计划开工", "completion": "计划竣工", "production": "计划投产"}
CLOCK_CLASSES = {"general": "一般项目", "ftz": "自贸区项目", "commitment": "自贸区承诺制项目"}


class Calendar(Protocol):
    def add_workdays(self, d: date, n: int) -> date: ...
    def workday_on_or_before(self, d: date) -> date: ...
    def workdays_between(self, a: date, b: date) -> int: ...
    def is_provisional(self, d: date) -> bool: ...


@dataclass(frozen=True)
class NodeSpec:
    """A node as the rules see it (a template node or a chain node)."""

    key: str
    name: str
    step: int
    after: tuple[str, ...] = ()
    duration: int = 0
    anchor: str = ""
    stage: str = ""


def _touches_provisional(calendar: Calendar, a: date, b: date) -> bool:
    """Whether counting working days between `a` and `b` crosses a provisional year: either end's
    year, or any whole year between them."""
    low, high = min(a, b), max(a, b)
    if calendar.is_provisional(low) or calendar.is_provisional(high):
        return True
    return any(calendar.is_provisional(date(year, 1, 1)) for year in range(low.year + 1, high.year))


# ---------------------------------------------------------------------------------------------------
# Dependencies


def predecessors(nodes: Sequence[NodeSpec]) -> dict[str, tuple[str, ...]]:
    """Each node's predecessors: its `after` keys when given, else every node of the nearest earlier
    step (nodes of one step run in parallel)."""
    steps = sorted({node.step for node in nodes})
    by_step: dict[int, list[str]] = {}
    for node in nodes:
        by_step.setdefault(node.step, []).append(node.key)
    result: dict[str, tuple[str, ...]] = {}
    for node in nodes:
        if node.after:
            result[node.key] = tuple(node.after)
            continue
        earlier = [s for s in steps if s < node.step]
        result[node.key] = tuple(by_step[earlier[-1]]) if earlier else ()
    return result


def successors(nodes: Sequence[NodeSpec]) -> dict[str, tuple[str, ...]]:
    result: dict[str, list[str]] = {node.key: [] for node in nodes}
    for key, before in predecessors(nodes).items():
        for other in before:
            if other in result:
                result[other].append(key)
    return {key: tuple(value) for key, value in result.items()}


def _cycle(nodes: Sequence[NodeSpec], before: Mapping[str, tuple[str, ...]]) -> list[str]:
    """One cycle of node keys, or [] (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1 on the path, 2 done
    for root in (node.key for node in nodes):
        if state.get(root):
            continue
        path: list[str] = []
        stack: list[tuple[str, Iterable[str]]] = [(root, iter(before.get(root, ())))]
        state[root] = 1
        path.append(root)
        while stack:
            key, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[key] = 2
                continue
            if child not in before:
                continue
            if state.get(child) == 1:
                return path[path.index(child) :] + [child]
            if not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(before.get(child, ()))))
    return []


def check_template(nodes: Sequence[NodeSpec]) -> list[str]:
    """What is wrong with a template's (or a chain's) nodes, in Chinese; [] when fine."""
    errors: list[str] = []
    names = {node.key: node.name for node in nodes}
    seen: set[str] = set()
    for node in nodes:
        if node.key in seen:
            errors.append(f"节点代码“{node.key}”重复")
        seen.add(node.key)
        if node.duration < 0:
            errors.append(f"节点“{node.name}”的工期不能为负数")
        if node.anchor and node.anchor not in ANCHORS:
            errors.append(f"节点“{node.name}”的倒排锚点“{node.anchor}”无效")
        if node.stage and node.stage not in STAGE_NODES:
            errors.append(f"节点“{node.name}”的对应阶段“{node.stage}”无效")
        for other in node.after:
            if other == node.key:
                errors.append(f"节点“{node.name}”不能以自身为前置节点")
            elif other not in names:
                errors.append(f"节点“{node.name}”的前置节点“{other}”不存在")
    stages = [node.stage for node in nodes if node.stage]
    for stage in sorted({s for s in stages if stages.count(s) > 1}):
        errors.append(f"对应“{STAGE_NODES.get(stage, stage)}”阶段的节点只能有一个")
    if errors:
        return errors
    cycle = _cycle(nodes, predecessors(nodes))
    if cycle:
        # _cycle walks from a node to its predecessors; shown in working order, each before the next
        errors.append("前置关系形成循环：" + " → ".join(names[key] for key in reversed(cycle)))
    return errors


def topological_order(nodes: Sequence[NodeSpec]) -> list[str]:
    """Keys with every predecessor first (ties by step, then given order). Assumes no cycle."""
    before = predecessors(nodes)
    position = {node.key: (node.step, index) for index, node in enumerate(nodes)}
    waiting = {key: {k for k in keys if k in position} for key, keys in before.items()}
    ready = sorted((key for key, keys in waiting.items() if not keys), key=position.__getitem__)
    order: list[str] = []
    after = successors(nodes)
    while ready:
        key = ready.pop(0)
        order.append(key)
        for child in after[key]:
            waiting[child].discard(key)
            if not waiting[child]:
                ready.append(child)
        ready.sort(key=position.__getitem__)
    return order


# ---------------------------------------------------------------------------------------------------
# Scheduling backward from the target (倒排工期)


@dataclass(frozen=True)
class Scheduled:
    deadline: date | None
    provisional: bool = False
    how: str = ""  # 倒排 / 顺排 / 锚定 — shown beside the date


def schedule(
    nodes: Sequence[NodeSpec],
    anchors: Mapping[str, date | None],
    calendar: Calendar,
) -> dict[str, Scheduled]:
    """Deadlines for a chain's nodes. A node anchored to a planned date (开工 → planned start) is due on
    that date (the working day on or before it). Every other node is due when its earliest successor must
    begin: that successor's deadline less its duration in working days, worked backward (倒排). A node
    that reaches no dated anchor is scheduled forward from its predecessors (顺排): their latest deadline
    plus its own duration. A node with neither stays without a deadline for people to fill in. Where
    anchors lie too close together for the durations, a node is moved to its latest predecessor's
    deadline (顺延), so a built chain always passes `check_deadlines`."""
    by_key = {node.key: node for node in nodes}
    after = successors(nodes)
    before = predecessors(nodes)
    order = topological_order(nodes)
    result: dict[str, Scheduled] = {}

    def provisional(*days: date) -> bool:
        return any(calendar.is_provisional(d) for d in days)

    for key in reversed(order):
        node = by_key[key]
        anchored = anchors.get(node.anchor) if node.anchor else None
        if anchored is not None:
            due = calendar.workday_on_or_before(anchored)
            result[key] = Scheduled(due, provisional(anchored, due), "锚定")
            continue
        starts: list[tuple[date, bool]] = []
        for child in after[key]:
            planned = result.get(child)
            if planned is None or planned.deadline is None:
                continue
            begin = calendar.add_workdays(planned.deadline, -by_key[child].duration)
            starts.append((begin, planned.provisional or provisional(begin)))
        if starts:
            due, was_provisional = min(starts)
            result[key] = Scheduled(due, was_provisional, "倒排")
    for key in order:  # forward for what no anchor reached
        if key in result:
            continue
        node = by_key[key]
        ends = [result[k] for k in before[key] if k in result and result[k].deadline is not None]
        if not ends:
            result[key] = Scheduled(None)
            continue
        latest = max(ends, key=lambda s: s.deadline or date.min)
        assert latest.deadline is not None
        due = calendar.add_workdays(latest.deadline, node.duration)
        result[key] = Scheduled(due, latest.provisional or provisional(due), "顺排")
    for key in order:  # anchors too close together (竣工 soon after 开工): never before a predecessor
        mine = result[key]
        if mine.deadline is None:
            continue
        ends = [result[k] for k in before[key] if result[k].deadline is not None]
        latest = max(ends, key=lambda s: s.deadline or date.min, default=None)
        if latest is not None and latest.deadline is not None and latest.deadline > mine.deadline:
            result[key] = Scheduled(latest.deadline, latest.provisional, "顺延")
    return result


def check_deadlines(nodes: Sequence[NodeSpec], deadlines: Mapping[str, date | None]) -> list[tuple[str, str]]:
    """(node key, Chinese message) for each deadline earlier than one of its predecessors' in the chain."""
    names = {node.key: node.name for node in nodes}
    problems: list[tuple[str, str]] = []
    for key, before in predecessors(nodes).items():
        mine = deadlines.get(key)
        if mine is None:
            continue
        for other in before:
            theirs = deadlines.get(other)
            if theirs is not None and mine < theirs:
                problems.append(
                    (
                        key,
                        f"“{names[key]}”的完成时限 {mine:%Y-%m-%d} 早于前置节点“{names[other]}”的 {theirs:%Y-%m-%d}",
                    )
                )
    return problems


def check_actual(actual: date | None, *, today: date, name: str) -> str:
    """An actual date may not lie in the future."""
    if actual is not None and actual > today:
        return f"“{name}”的实际完成日期 {actual:%Y-%m-%d} 晚于今天（{today:%Y-%m-%d}），不能填写未来的日期"
    return ""


# ---------------------------------------------------------------------------------------------------
# The approval clock (KF19 四(一): from land delisting to start, in working days)


@dataclass(frozen=True)
class ClockLimits:
    general: int = 80
    ftz: int = 50
    commitment: int = 30
    source: str = "KF19 四(一)"

    def limit(self, clock_class: str) -> int:
        return int(getattr(self, clock_class if clock_class in CLOCK_CLASSES else "general"))


@dataclass(frozen=True)
class ClockNode:
    """An approval node inside the clock: the unit handling it, when it could begin (the latest actual
    date of its predecessors, or None when it has none: then it begins at delisting) and when it was
    done. Callers leave out a node still waiting for an unfinished predecessor: its unit cannot act yet,
    so the wait is not its share."""

    name: str
    unit: str
    ready: date | None
    actual: date | None
    exempt: bool = False


@dataclass(frozen=True)
class UnitShare:
    unit: str
    days: int
    nodes: tuple[str, ...]


@dataclass(frozen=True)
class Clock:
    started: date | None  # land delisting (土地摘牌)
    stopped: date | None  # actual start, if the project has started
    limit: int
    clock_class: str
    used: int = 0
    shares: tuple[UnitShare, ...] = ()
    provisional: bool = False
    running: bool = False

    @property
    def left(self) -> int:
        return max(self.limit - self.used, 0)

    @property
    def overrun(self) -> int:
        return max(self.used - self.limit, 0)

    @property
    def saved(self) -> int:
        """Working days saved against the limit, once the project has started (KF19 六(一)四)."""
        return self.limit - self.used if self.stopped is not None and self.used < self.limit else 0

    @property
    def summary(self) -> str:
        if self.started is None:
            return "尚未土地摘牌，审批计时未开始"
        note = "（含暂定日历）" if self.provisional else ""
        if self.stopped is not None:
            verdict = "恰好用满时限"
            if self.overrun:
                verdict = f"超时 {self.overrun} 个工作日"
            elif self.saved:
                verdict = f"提前 {self.saved} 个工作日"
            return f"摘牌至开工用时 {self.used} 个工作日，时限 {self.limit} 个工作日，{verdict}{note}"
        if self.overrun:
            return (
                f"已用 {self.used} 个工作日，超过时限（{self.limit} 个工作日）{self.overrun} 个工作日{note}"
            )
        return f"已用 {self.used} 个工作日，剩余 {self.left} 个工作日（时限 {self.limit}）{note}"


def approval_clock(
    *,
    delisted: date | None,
    started: date | None,
    clock_class: str,
    limits: ClockLimits,
    nodes: Sequence[ClockNode],
    today: date,
    calendar: Calendar,
) -> Clock:
    """Working days from land delisting to start (or to today while not started) against the limit of
    the project's class, and each approving unit's share: the working days its nodes took inside the
    clock, from when each node could begin (not before delisting) to when it was done (or today). Nodes
    of one unit running in parallel count once: a unit's share is the union of its nodes' spans, so no
    share exceeds the days used."""
    limit = limits.limit(clock_class)
    if delisted is None:
        return Clock(None, started, limit, clock_class)
    end = started if started is not None else today
    used = max(calendar.workdays_between(delisted, end), 0)
    spans: dict[str, list[tuple[date, date]]] = {}
    names: dict[str, list[str]] = {}
    for node in nodes:
        if node.exempt:
            continue
        begin = max(node.ready or delisted, delisted)
        finish = min(node.actual or today, end)
        if finish <= begin:
            continue
        spans.setdefault(node.unit, []).append((begin, finish))
        names.setdefault(node.unit, []).append(node.name)
    shares: dict[str, int] = {}
    for unit, unit_spans in spans.items():
        total, reach = 0, None
        for begin, finish in sorted(unit_spans):
            if reach is not None and begin < reach:
                begin = reach  # the overlap was counted with the earlier span
            if finish > begin:
                total += calendar.workdays_between(begin, finish)
            reach = finish if reach is None else max(reach, finish)
        shares[unit] = total
    provisional = _touches_provisional(calendar, delisted, end)
    ordered = sorted(shares.items(), key=lambda item: (-item[1], item[0]))
    return Clock(
        started=delisted,
        stopped=started,
        limit=limit,
        clock_class=clock_class,
        used=used,
        shares=tuple(UnitShare(unit, days, tuple(names[unit])) for unit, days in ordered),
        provisional=provisional,
        running=started is None,
    )


@dataclass(frozen=True)
class TemplatePreset:
    """A preset template as the migration seeds it (see PRESET_TEMPLATES)."""

    name: str
    description: str
    source: str
    categories: tuple[str, ...]
    nodes: tuple[NodeSpec, ...]
    departments: Mapping[str, str] = field(default_factory=dict)
    clock_start: str = ""
