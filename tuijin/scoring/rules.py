"""The scoring engine (REQ I; WH19 附件3; DH24 五(四); NC20 三(五), 四(三); KF19 六): the rule set's
`[scoring]` section, the registry of rule kinds, and the arithmetic from facts to ledger events, category
scores, totals and ranks. Pure: standard library only (import-linter forbids Django here); every input is
plain data (`Facts`), the period is an argument, no clock.

Vocabulary
- A *rule kind* (`RuleKind`) is Python: it reads the facts and yields `Event`s. Its numbers, weights and
  readings come from one `[[scoring.rules]]` item of the rule set (`Rule`): `kind`, `category`, `points`
  and the kind's own keys (`RuleKind.params`), each item with `source` / `basis` / `reading`.
- A *category* (`[[scoring.categories]]`) is one row of 附件3: a base (指标权重, 100) and a weight (分类
  权重 40/30/30); its score is base + the sum of its events' points, held at its floor ("扣完为止") by a
  floor event, so the score is still the sum of the ledger. Category "adjustment" is added to the total
  whole (附件3 第4行 "下个季度考评总分扣分、加分").
- An *event* is one ledger entry to be: unit, kind, points, category, the day it happened, a stable key
  (the same fact gives the same key on every run, so a closed period's recomputation can be compared entry
  by entry), evidence ids and a Chinese sentence.

The kinds live in `tuijin/scoring/kinds/` (one module per family), registered with `register_kind`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from tuijin.core.rules.ledger import Period, parse_period  # noqa: F401  (re-exported for the kinds)
from tuijin.core.rules.ruleset_schema import Key

ADJUSTMENT = "adjustment"  # the category of points added to the total whole
FLOOR = "floor"  # the kind of the event that holds a category at its floor
PERIOD_KINDS = {"month": "月度", "quarter": "季度", "year": "年度"}
FREQUENCY_OF = {"month": "monthly", "quarter": "quarterly", "year": "yearly"}  # [scoring].periods values


# ---------------------------------------------------------------------------------------------------
# Facts: what earlier capabilities recorded, as plain data (gathered by tuijin/scoring/facts.py)


@dataclass(frozen=True)
class UnitFact:
    id: int
    name: str
    kind: str  # org UnitKind key
    rank_group: str = ""  # Unit.rank_group (考核分组 name), "" → by kind through [[ranking.groups]]
    sort: int = 0
    head_id: int | None = None  # the unit's principal (主要负责人) Person id, for attribution (REQ I6)


@dataclass(frozen=True)
class NodeFact:
    """A chain node: its deadline (时限), the day it was done, who owns it."""

    id: int
    name: str
    phase: str  # chains PHASES key ("approval", "construction" …)
    stage: str  # "" or the project stage the node shows ("started", "completed", "producing")
    deadline: date | None
    actual: date | None
    unit_id: int | None
    person_id: int | None = None
    exempt: bool = False  # 免办


@dataclass(frozen=True)
class CeremonyFact:
    """A supervision finding "举行开工仪式无实质进展" on the project (supervision Finding kind "ceremony")."""

    finding_id: int
    act_id: int
    on: date  # the act's date


@dataclass(frozen=True)
class ProjectFact:
    id: int
    name: str
    unit_id: int | None  # responsible unit (项目责任单位)
    person_id: int | None = None  # lead leader (挂点领导) Person id
    unit_person_id: int | None = None  # the responsible unit's principal, for attribution
    street_unit_id: int | None = None  # the unit governing the project's street (项目所在街道)
    plan_type: str | None = None  # the period year's plan entry (projects PLAN_TYPES key); None: not listed
    planned_start: date | None = None
    planned_start_precision: str = "day"  # "day" | "week" | "month"
    planned_completion: date | None = None
    planned_completion_precision: str = "day"
    planned_production: date | None = None
    planned_production_precision: str = "day"
    started_on: date | None = None  # StageTransition to "started" (its `on`)
    completed_on: date | None = None
    producing_on: date | None = None
    signed_on: date | None = None  # StageTransition to "signed"
    planning_on: date | None = None  # StageTransition to "planning" (谋划申报) or the project's creation
    stage: str = ""
    stage_dates: Mapping[str, date] = field(default_factory=dict)  # first day of each stage reached
    total_investment: Decimal = Decimal(0)
    planned_investment: Decimal = Decimal(0)  # the year's plan (万元)
    completed_investment: Decimal = Decimal(0)  # year to the period's end (万元)
    previous_investment: Decimal = Decimal(0)  # the same months of the previous year (万元)
    tags: tuple[str, ...] = ()  # ProjectTag names (省重点项目, 8+1产业链项目, 世界500强 …)
    category: str = ""
    nodes: tuple[NodeFact, ...] = ()
    ceremonies: tuple[CeremonyFact, ...] = ()
    approval_clock: Mapping[str, Any] = field(
        default_factory=dict
    )  # {"days": int, "limit": int, "done": bool}


@dataclass(frozen=True)
class MatterFact:
    """A decided matter as the matters module sees it for [start, end] (meetings.matter_selectors.matter_facts):
    bucket "closed" (done in the period, with its kept band), "open_overdue" (still unresolved after its
    deadline at the period's end, or ended unresolved in the period), or "repeat" (a no-deadline matter's
    raises at one level that count in the period)."""

    id: int
    title: str
    unit_ids: tuple[int, ...]  # lead first, then co-operating units
    bucket: str
    band: str = ""  # matter_rules band key ("early", "on_time", "late", "over_5" …)
    late: int = 0  # working days late (negative: early)
    on: date | None = None  # done_on / as-of day / the raise's meeting day
    raises: int = 0  # "repeat": raises counted in the period
    meeting_id: int | None = None
    level: str = ""
    already_charged: Mapping[int, Decimal] = field(default_factory=dict)  # earlier periods' points per unit


@dataclass(frozen=True)
class CardFact:
    id: int
    unit_id: int
    color: str  # "yellow" | "red"
    on: date  # the counting day (its 督办单's day; docs/cards.md "Counting")
    label: str  # 黄牌〔2024〕第3号


@dataclass(frozen=True)
class PlaceFact:
    """A unit's first or last place in an earlier period's stored ranking (for +3 / −2)."""

    unit_id: int
    place: str  # "first" | "last"
    period_key: str
    group: str
    rank: int


@dataclass(frozen=True)
class ExemptionFact:
    id: int
    project_id: int
    unit_id: int
    month: str  # "2024-06"
    signed_by: str  # "挂点领导 张某、分管领导 李某"


@dataclass(frozen=True)
class BonusFact:
    id: int
    unit_id: int
    points: Decimal
    reason: str
    approved_by: str
    on: date


@dataclass(frozen=True)
class Facts:
    period: Period
    units: Mapping[int, UnitFact]
    projects: tuple[ProjectFact, ...] = ()
    matters: tuple[MatterFact, ...] = ()
    cards: tuple[CardFact, ...] = ()  # cards of the period and of the period before it
    places: tuple[PlaceFact, ...] = ()  # first/last places of the period before
    exemptions: tuple[ExemptionFact, ...] = ()  # granted exemptions of the period's months
    bonuses: tuple[BonusFact, ...] = ()  # approved bonuses (year periods)
    quarter_totals: Mapping[int, Mapping[str, Decimal]] = field(
        default_factory=dict
    )  # year: {unit: {"2024Q1": total}}
    workdays: Any = None  # tuijin.core.rules.workdays calendar (pure), for working-day counts
    extra: Mapping[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------
# Rules as read from the rule set


@dataclass(frozen=True)
class Category:
    key: str
    name: str
    weight: Decimal  # 分类权重
    base: Decimal = Decimal(100)  # 指标权重
    floor: Decimal | None = Decimal(0)  # None: no floor
    cap: Decimal | None = None  # None: bonuses may pass the base
    periods: tuple[str, ...] = ("month", "quarter", "year")
    source: str = ""
    reading: str = ""


@dataclass(frozen=True)
class Rule:
    index: int  # 1-based position in [[scoring.rules]]
    kind: str
    category: str  # a category key or ADJUSTMENT
    points: Decimal | None
    params: Mapping[str, Any]  # the kind's own keys, as written
    name: str = ""
    periods: tuple[str, ...] = ()  # () → the kind's default periods
    source: str = ""
    basis: str = "notice"
    reading: str = ""

    def cite(self) -> str:
        """The rule's citation as shown beside each entry: "WH19 附件3 第1行" or "默认：…"."""
        return self.source if self.basis != "default" else f"默认值（{self.source}）"


@dataclass(frozen=True)
class ScoreRules:
    periods: tuple[str, ...]  # "month" | "quarter" | "year" the rule set computes
    categories: tuple[Category, ...]
    rules: tuple[Rule, ...]
    groups: tuple[Mapping[str, Any], ...]  # [[ranking.groups]] items (key, name, unit_kinds)
    weights_total: Decimal = Decimal(100)
    tie_break: str = "categories"  # "categories" | "shared"
    decimals: int = 2
    exemption: Mapping[str, Any] | None = None  # [scoring.exemption] or None
    year: Mapping[str, Any] = field(default_factory=dict)  # [scoring.year]
    rectification: Mapping[str, Any] = field(default_factory=dict)  # [scoring.rectification]
    source: str = ""
    basis: str = "notice"
    reading: str = ""

    def category(self, key: str) -> Category | None:
        return next((c for c in self.categories if c.key == key), None)


# ---------------------------------------------------------------------------------------------------
# Events and results


@dataclass(frozen=True)
class Event:
    unit_id: int
    kind: str
    category: str
    points: Decimal
    key: str  # stable: "late_start:p12" (unique per unit and period)
    sentence: str
    on: date
    evidence: Mapping[str, int] = field(
        default_factory=dict
    )  # project, node, matter, card, finding, exemption, bonus, period
    person_id: int | None = None
    rule_index: int = 0
    weighted: Decimal = Decimal(0)  # filled by compute()
    exempted_points: Decimal | None = None
    exemption_id: int | None = None


@dataclass
class UnitResult:
    unit_id: int
    group: str
    group_name: str
    categories: dict[str, Decimal]
    adjustments: Decimal
    total: Decimal
    rank: int | None = None
    tied: bool = False
    place: str = ""  # "first" | "last"
    rectify: bool = False
    events: list[Event] = field(default_factory=list)


@dataclass
class Result:
    period: Period
    units: dict[int, UnitResult]
    warnings: list[str] = field(default_factory=list)

    def ranking(self, group: str) -> list[UnitResult]:
        return sorted(
            (u for u in self.units.values() if u.group == group),
            key=lambda u: (u.rank if u.rank is not None else 10**9, u.unit_id),
        )


# ---------------------------------------------------------------------------------------------------
# The registry of rule kinds


Evaluate = Callable[[Rule, Facts, ScoreRules], Iterable[Event]]


@dataclass(frozen=True)
class RuleKind:
    key: str
    label: str  # Chinese, e.g. "延期开工"
    evaluate: Evaluate
    params: Mapping[str, Key] = field(default_factory=dict)  # the kind's own keys in [[scoring.rules]]
    periods: tuple[str, ...] = ("month", "quarter", "year")  # where it applies by default
    needs_points: bool = True  # `points` is required
    after_rank: bool = False  # evaluated on a preliminary ranking (Q4's same-quarter first/last place)
    help: str = ""


_KINDS: dict[str, RuleKind] = {}


def register_kind(kind: RuleKind) -> RuleKind:
    """Declare a rule kind (re-registering a key replaces it: module reloads in tests)."""
    _KINDS[kind.key] = kind
    return kind


def kinds() -> dict[str, RuleKind]:
    return dict(_KINDS)


def get_kind(key: str) -> RuleKind | None:
    return _KINDS.get(key)
