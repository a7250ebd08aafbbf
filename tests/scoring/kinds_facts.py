"""Plain-data builders for the indicator kinds' tests (no database): units, projects, rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from tuijin.scoring import rules as engine
from tuijin.scoring.rules import Facts, ProjectFact, Rule, ScoreRules, UnitFact, parse_period

DH24_GROUPS = (
    {"key": "district_units", "name": "区直单位", "unit_kinds": ["department", "approval", "state_company"]},
    {"key": "towns", "name": "镇街", "unit_kinds": ["street", "government"]},
)


def unit(uid: int, name: str, kind: str = "department", **kw: Any) -> UnitFact:
    return UnitFact(id=uid, name=name, kind=kind, head_id=1000 + uid, **kw)


def project(pid: int, unit_id: int | None, **kw: Any) -> ProjectFact:
    kw.setdefault("name", f"项目{pid}")
    return ProjectFact(id=pid, unit_id=unit_id, **kw)


def declared(pid: int, unit_id: int, on: date = date(2024, 3, 1)) -> ProjectFact:
    return project(pid, unit_id, planning_on=on, stage="planning")


def facts(period: str, units: list[UnitFact], projects: list[ProjectFact] = (), **kw: Any) -> Facts:  # type: ignore[assignment]
    return Facts(period=parse_period(period), units={u.id: u for u in units}, projects=tuple(projects), **kw)


def rule(kind: str, category: str = "adjustment", points: Any = None, **params: Any) -> Rule:
    return Rule(
        index=1,
        kind=kind,
        category=category,
        points=None if points is None else Decimal(str(points)),
        params=params,
        source="测试",
    )


def score_rules(groups=DH24_GROUPS, **kw: Any) -> ScoreRules:
    kw.setdefault("periods", ("month", "quarter", "year"))
    kw.setdefault("categories", ())
    kw.setdefault("rules", ())
    return ScoreRules(groups=groups, **kw)


def run(r: Rule, f: Facts, rules: ScoreRules | None = None) -> tuple[list[engine.Event], list[str]]:
    """The rule's events and warnings, as compute() receives them."""
    kind = engine.get_kind(r.kind)
    assert kind is not None
    out = list(kind.evaluate(r, f, rules or score_rules()))
    return [e for e in out if not isinstance(e, str)], [w for w in out if isinstance(w, str)]


def points_by_unit(events: list[engine.Event]) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = {}
    for e in events:
        totals[e.unit_id] = totals.get(e.unit_id, Decimal(0)) + e.points
    return totals
