"""Builders of stored lights for the board tests: ProjectLight / NodeLight / LightChange rows written
directly, so a test states the lights it counts (the engine is tested in its own files)."""

from __future__ import annotations

from datetime import date
from itertools import count

from tuijin.chains.models import Chain, ChainNode
from tuijin.lights.models import LightChange, NodeLight, ProjectLight

DAY = date(2026, 11, 20)
_keys = count(1)


def light(project, shown: str, *, color: str = "", reason: str = "", on: date = DAY, **kw) -> ProjectLight:
    """The stored light of a project (computed = shown unless `color` says otherwise)."""
    return ProjectLight.objects.create(
        project=project,
        color=color or shown,
        shown=shown,
        reason=reason or f"{shown} 原因",
        computed_on=on,
        **kw,
    )


def node(project, name: str, *, deadline: date | None = None, unit=None, **kw) -> ChainNode:
    chain, _ = Chain.objects.get_or_create(project=project)
    return ChainNode.objects.create(
        chain=chain,
        project=project,
        key=f"n{next(_keys)}",
        name=name,
        phase="approval",
        step=1,
        deadline=deadline,
        responsible_unit=unit or project.responsible_unit,
        **kw,
    )


def node_light(chain_node, shown: str, *, days: int = 0, on: date = DAY, **kw) -> NodeLight:
    return NodeLight.objects.create(
        node=chain_node,
        project_id=chain_node.project_id,
        color=kw.pop("color", shown),
        shown=shown,
        reason=kw.pop("reason", f"{chain_node.name} {shown}"),
        days=days,
        computed_on=on,
        **kw,
    )


def change(project, on: date, new: str, old: str = "") -> LightChange:
    return LightChange.objects.create(project=project, on=on, old=old, new=new, reason="变化")
