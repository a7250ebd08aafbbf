"""Building a project's chain from a template: the nodes with their deadlines worked backward from the
project's planned dates (倒排工期) and their responsible units. Shared by `services.chain_apply_template`
and the demo's bulk builder, so both build the same chain. No database access: callers pass the
template's nodes, the project's planned dates and a unit matcher.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tuijin.projects.rules import period_end

from . import rules


@dataclass(frozen=True)
class PlannedNode:
    key: str
    name: str
    phase: str
    step: int
    after: tuple[str, ...]
    duration: int
    stage: str
    starts_clock: bool
    deadline: date | None
    provisional: bool
    how: str
    responsible_unit_id: int
    sort: int


def template_specs(template_nodes: Sequence[Any]) -> list[rules.NodeSpec]:
    """NodeSpecs of template nodes (model instances or anything with the same attributes)."""
    return [
        rules.NodeSpec(
            key=n.key,
            name=n.name,
            step=n.step,
            after=tuple(n.after or ()),
            duration=n.duration,
            anchor=n.anchor,
            stage=n.stage,
        )
        for n in template_nodes
    ]


def unit_matcher(units: Sequence[tuple[int, str, str]], fallback: int) -> Callable[[str], int]:
    """A matcher from a template's department keyword to a unit id: the first unit (id, name, short
    name; give the project's jurisdiction's units first, then its ancestors') whose name or short name
    contains the keyword; the project's responsible unit (`fallback`) when none does or no keyword."""

    def match(keyword: str) -> int:
        if keyword:
            for unit_id, name, short in units:
                if keyword in name or (short and keyword in short):
                    return unit_id
        return fallback

    return match


def anchor_dates(project: Any, *, target: date | None = None) -> dict[str, date | None]:
    """The anchors `plan_chain` takes, from a project's planned dates (anything with planned_start,
    planned_completion, planned_production and their `_precision`s): each at the end of its period, so
    a node anchored to a month-precision completion is due on the month's last day and falls late on
    the same day as the project's 应竣未竣 (KF19 五; DESIGN.md: a month-precision date is late only after
    the month ends). A target date (`target`, a day) replaces the planned start."""
    anchors: dict[str, date | None] = {}
    for anchor in rules.ANCHORS:  # start, completion, production: the project's planned_<anchor>
        planned = getattr(project, f"planned_{anchor}", None)
        precision = getattr(project, f"planned_{anchor}_precision", "day")
        anchors[anchor] = period_end(planned, precision) if planned is not None else None
    if target is not None:
        anchors["start"] = target
    return anchors


def plan_chain(
    template_nodes: Sequence[Any],
    *,
    anchors: Mapping[str, date | None],
    calendar: rules.Calendar,
    unit_for: Callable[[str], int],
) -> list[PlannedNode]:
    """The nodes of a new chain, in the template's order, with deadlines from `rules.schedule`.
    `anchors` maps "start"/"completion"/"production" to the project's planned dates (the target date, when
    one is given, replaces "start")."""
    specs = template_specs(template_nodes)
    scheduled = rules.schedule(specs, anchors, calendar)
    planned = []
    for sort, node in enumerate(template_nodes, start=1):
        result = scheduled[node.key]
        planned.append(
            PlannedNode(
                key=node.key,
                name=node.name,
                phase=node.phase,
                step=node.step,
                after=tuple(node.after or ()),
                duration=node.duration,
                stage=node.stage,
                starts_clock=node.starts_clock,
                deadline=result.deadline,
                provisional=result.provisional,
                how=result.how,
                responsible_unit_id=unit_for(node.department),
                sort=sort * 10,
            )
        )
    return planned
