"""Pure builders for the scoring engine's table tests (H1): facts as plain dataclasses, the shipped rule
sets read through the rule-set schema, results as (key, points) lists. No database."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from tuijin.core.rules import ruleset_schema as schema
from tuijin.presets import preset_files
from tuijin.scoring import kinds  # noqa: F401  (registers every rule kind)
from tuijin.scoring import rules as r
from tuijin.scoring.rules import (
    CardFact,
    CeremonyFact,
    ExemptionFact,
    Facts,
    MatterFact,
    NodeFact,
    PlaceFact,
    ProjectFact,
    Result,
    ScoreRules,
    UnitFact,
    parse_period,
)

__all__ = [
    "CardFact",
    "CeremonyFact",
    "D",
    "ExemptionFact",
    "MatterFact",
    "NodeFact",
    "PlaceFact",
    "d",
]

D = Decimal


def d(text: str) -> date:
    return date.fromisoformat(text)


def preset_data(slug: str) -> dict:
    path = next(p for p in preset_files() if p.stem == slug)
    parsed = schema.parse(path.read_text(encoding="utf-8"), file=path.name)
    assert parsed.problems == [], parsed.problems
    return parsed.data


def preset(slug: str, mutate: Callable[[dict], None] | None = None) -> ScoreRules:
    """A shipped rule set's [scoring]; `mutate(data)` edits a copy first (a reading switched, a key added),
    and the edited data must still validate."""
    data = copy.deepcopy(preset_data(slug))
    if mutate is not None:
        mutate(data)
        problems = schema.validate(data)
        assert problems == [], [str(p) for p in problems]
    return r.score_rules(data)


def wh19(mutate: Callable[[dict], None] | None = None) -> ScoreRules:
    """WH19's [scoring] as shipped (see `preset`)."""
    return preset("wuhan-2019", mutate)


def dh24(mutate: Callable[[dict], None] | None = None) -> ScoreRules:
    """DH24's [scoring] as shipped (see `preset`)."""
    return preset("donghu-2024", mutate)


def rule_item(data: dict, kind: str, position: str | None = None) -> dict:
    return next(
        item
        for item in data["scoring"]["rules"]
        if item["kind"] == kind and (position is None or item.get("position") == position)
    )


def U(
    uid: int, kind: str = "department", *, group: str = "", sort: int = 0, head: int | None = None
) -> UnitFact:
    return UnitFact(id=uid, name=f"单位{uid}", kind=kind, rank_group=group, sort=sort, head_id=head)


def P(pid: int, unit: int | None = 1, **kw) -> ProjectFact:
    kw.setdefault("name", f"项目{pid}")
    return ProjectFact(id=pid, unit_id=unit, **kw)


def N(
    nid: int, deadline: str | None, actual: str | None = None, *, unit: int = 1, phase: str = "approval", **kw
):
    return NodeFact(
        id=nid,
        name=kw.pop("name", f"节点{nid}"),
        phase=phase,
        stage=kw.pop("stage", ""),
        deadline=d(deadline) if deadline else None,
        actual=d(actual) if actual else None,
        unit_id=unit,
        **kw,
    )


def F(key: str, units=(1, 2, 3), **kw) -> Facts:
    unit_facts = {u.id: u for u in (U(u) if isinstance(u, int) else u for u in units)}
    return Facts(period=parse_period(key), units=unit_facts, **kw)


def run(facts: Facts, rules: ScoreRules | None = None) -> Result:
    return r.compute(rules or wh19(), facts)


def entries(result: Result, unit: int, *, floor: bool = True) -> list[tuple[str, Decimal]]:
    """(key, points) of a unit's events in ledger order."""
    if unit not in result.units:
        return []
    return [(e.key, e.points) for e in result.units[unit].events if floor or e.kind != r.FLOOR]


def event(result: Result, unit: int, key: str) -> r.Event:
    return next(e for e in result.units[unit].events if e.key == key)
