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
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tuijin.core.rules.ledger import Period, parse_period  # noqa: F401  (re-exported for the kinds)
from tuijin.core.rules.ruleset_schema import Key, Table, register_section
from tuijin.core.rules.ruleset_sections import noted

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
    # the year's monthly targets summed through the period's end (万元); None: no monthly targets (the
    # indicator kinds then use planned_investment)
    planned_investment_to_date: Decimal | None = None
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
    group_name: str = ""


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
    # granted exemptions of the period's months — and of earlier months (a late start exempted in the
    # month of its first late day also waives the recovery bonus of a start in a later period)
    exemptions: tuple[ExemptionFact, ...] = ()
    bonuses: tuple[BonusFact, ...] = ()  # approved bonuses (year periods)
    quarter_totals: Mapping[int, Mapping[str, Decimal]] = field(
        default_factory=dict
    )  # year: {unit: {"2024Q1": total}}
    workdays: Any = None  # tuijin.core.rules.workdays calendar (pure), for working-day counts
    # "previous", "as_of", "missing" (warnings), "preliminary" (after_rank), "unit_names" ({id: name} of
    # units an event may name outside `units`: the warning names them) …
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
        """The rule's citation as shown beside each entry: "WH19 附件3 第1行 1(1)" for the notice's own
        numbers; for a default, where it was taken from ("默认取 WH19 附件3 第1行 1(1)") when the source says
        so, else "默认值：<source>"."""
        if self.basis != "default":
            return self.source
        marker = "默认取"
        if marker in self.source:
            return marker + self.source.split(marker, 1)[1].rstrip("；;。 ")
        return f"默认值：{self.source}"


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
    ranked: str = "involved"  # "involved" | "responsible" | "all"
    summary: str = ""
    consequences: tuple[Mapping[str, Any], ...] = ()  # [[ranking.consequences]] items
    place_ties: str = "all"  # "all": every unit tied at a boundary takes the place; "none": none does
    person: str = "unit_head"  # who an entry of a project's responsible unit names as 责任人 (PERSONS)
    data: Mapping[str, Any] = field(default_factory=dict)  # the whole rule-set data (other sections)

    def category(self, key: str) -> Category | None:
        return next((c for c in self.categories if c.key == key), None)

    def categories_for(self, period_kind: str) -> tuple[Category, ...]:
        """The categories scored in periods of this kind, in declared order."""
        return tuple(c for c in self.categories if period_kind in c.periods)

    def rules_for(self, period_kind: str) -> tuple[Rule, ...]:
        """The rules evaluated in periods of this kind: the rule's periods (else its kind's) contain it and
        its category is scored in it (or is the adjustment)."""
        served = {c.key for c in self.categories_for(period_kind)} | {ADJUSTMENT}
        out = []
        for rule in self.rules:
            kind = get_kind(rule.kind)
            periods = rule.periods or (kind.periods if kind else ())
            if period_kind in periods and rule.category in served:
                out.append(rule)
        return tuple(out)

    def rule_of(self, kind: str) -> Rule | None:
        """The first rule of this kind (for kinds whose reading depends on another kind's keys)."""
        return next((r for r in self.rules if r.kind == kind), None)


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
    # ids: project, node, matter, card, finding, act, exemption, bonus, period, leader (the project's
    # 挂点领导 Person); most_yellow also "cards" (the list of its card ids)
    evidence: Mapping[str, Any] = field(default_factory=dict)
    person_id: int | None = None
    rule_index: int = 0
    weighted: Decimal = Decimal(0)  # filled by compute()
    exempted_points: Decimal | None = None
    exemption_id: int | None = None
    # the months whose granted exemptions waive this event, all of them needed ([scoring.exemption]
    # persisting): a deduction lasting over several months of the period (behind_plan in a quarter) lists
    # the months it was late in; a recovery bonus the month its late start was charged; () → month of `on`
    exempt_months: tuple[str, ...] = ()


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
    # year periods only (WH19 四(四); `year_figures`): the quarters' weighted average (the 100-point
    # figure the year is ranked on), its share of the annual review (average × review_points ÷ full_score,
    # None without review_points) and the points added to the total whole (奖励加分, 申报项目计分 …)
    average: Decimal | None = None
    review: Decimal | None = None
    bonus: Decimal | None = None


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


# A kind's evaluate(rule, facts, rules) yields Events; it may also yield a str, a Chinese warning that
# compute() copies into Result.warnings (a quarter missing from a year average …).
Evaluate = Callable[[Rule, Facts, ScoreRules], Iterable["Event | str"]]
# A kind's extra check of its [[scoring.rules]] item: (item, whole data) → [(relative key, message)]
KindCheck = Callable[[dict, dict], list[tuple[str, str]]]


@dataclass(frozen=True)
class RuleKind:
    """A rule kind. `after_rank` kinds are evaluated twice by compute(): first with the plain facts (for
    what does not depend on this period's ranking, e.g. the previous quarter's places), then, after a
    preliminary ranking of every other event, with `facts.extra["preliminary"]` (a Result) set — and in
    that second call they yield only the events that depend on it (Q4's same-quarter first/last place)."""

    key: str
    label: str  # Chinese, e.g. "延期开工"
    evaluate: Evaluate
    params: Mapping[str, Key] = field(default_factory=dict)  # the kind's own keys in [[scoring.rules]]
    periods: tuple[str, ...] = ("month", "quarter", "year")  # where it applies by default
    needs_points: bool = True  # `points` is required
    after_rank: bool = False  # evaluated on a preliminary ranking (Q4's same-quarter first/last place)
    help: str = ""
    check: KindCheck | None = None


_KINDS: dict[str, RuleKind] = {}


def register_kind(kind: RuleKind) -> RuleKind:
    """Declare a rule kind (re-registering a key replaces it: module reloads in tests). Its params become
    keys of every [[scoring.rules]] item (the item check reports a key of another kind)."""
    for name, key in kind.params.items():
        if name in COMMON_RULE_KEYS:
            raise ValueError(f"规则类型 {kind.key} 的参数 {name} 与 [[scoring.rules]] 的通用键重名")
        known = RULE_KEYS.get(name)
        if known is not None and (known.kind, known.choices, known.table) != (
            key.kind,
            key.choices,
            key.table,
        ):
            owner = next((k for k, v in _KINDS.items() if name in v.params and k != kind.key), "?")
            raise ValueError(
                f"规则类型 {kind.key} 的参数 {name} 与规则类型 {owner} 的同名参数类型不同，请改名"
            )
    _KINDS[kind.key] = kind
    KIND_LABELS[kind.key] = kind.label
    for name, key in kind.params.items():
        RULE_KEYS[name] = replace(key, required=False)  # required per kind: checked by _check_rule
    return kind


def kinds() -> dict[str, RuleKind]:
    return dict(_KINDS)


def get_kind(key: str) -> RuleKind | None:
    return _KINDS.get(key)


# ---------------------------------------------------------------------------------------------------
# Small helpers the kinds share

FOUR = Decimal("0.0001")


def dec(value: Any) -> Decimal:
    """A TOML number (int or float) or text as an exact Decimal: 3.2 → Decimal("3.2"), never binary."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def q4(value: Decimal) -> Decimal:
    """An entry's precision: 4 decimal places, ROUND_HALF_UP."""
    return value.quantize(FOUR, rounding=ROUND_HALF_UP)


def rounded(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def pts(value: Decimal | int | float) -> str:
    """Points as people write them: 4, 3.2, 0.8 (no trailing zeros, no sign)."""
    text = format(abs(dec(value)).normalize(), "f")
    return text if text not in ("-0", "") else "0"


def signed(value: Decimal) -> str:
    """ "扣 4 分" / "加 3.2 分"."""
    return f"扣 {pts(value)} 分" if value < 0 else f"加 {pts(value)} 分"


def month_key(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def months_between(first: date, last: date) -> tuple[str, ...]:
    """The month keys from `first`'s month through `last`'s ("2024-04", "2024-05", "2024-06")."""
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(out)


def project_person(project: ProjectFact, rules: ScoreRules) -> tuple[int | None, dict[str, int | None]]:
    """The 责任人 of an entry charged to a project's responsible unit, and the evidence to add ([scoring]
    person): "unit_head" — the responsible unit's principal (WH19 二 "各单位主要负责人为第一责任人";
    ProjectFact.unit_person_id), the project's lead leader (挂点领导) kept as evidence "leader";
    "project_leader" — the lead leader."""
    if rules.person == "project_leader":
        return project.person_id, {}
    return project.unit_person_id, {"leader": project.person_id}


def in_period(day: date | None, period: Period) -> bool:
    return day is not None and period.start <= day <= period.end


def previous_period(period: Period) -> Period:
    """The period of the same kind just before (2024Q1 → 2023Q4, 2024-01 → 2023-12, 2024 → 2023)."""
    day = period.start - timedelta(days=1)
    if period.kind == "quarter":
        return parse_period(f"{day.year}Q{(day.month + 2) // 3}")
    if period.kind == "month":
        return parse_period(month_key(day))
    if period.kind == "year":
        return parse_period(str(day.year))
    raise ValueError(f"不支持的期间类型 {period.kind}")


def is_fourth_quarter(period: Period) -> bool:
    return period.kind == "quarter" and period.start.month == 10


def make_event(
    rule: Rule,
    *,
    unit_id: int,
    points: Decimal,
    key: str,
    sentence: str,
    on: date,
    evidence: Mapping[str, Any] | None = None,
    person_id: int | None = None,
    exempt_months: tuple[str, ...] = (),
) -> Event:
    """An event of `rule` (its category and index), evidence without empty ids, the rule's citation at the
    end of the sentence."""
    cite = rule.cite()
    text = f"{sentence}（{cite}）" if cite and not sentence.endswith("）") else sentence
    return Event(
        unit_id=unit_id,
        kind=rule.kind,
        category=rule.category,
        points=q4(dec(points)),
        key=key,
        sentence=text,
        on=on,
        evidence={k: v for k, v in (evidence or {}).items() if v is not None},
        person_id=person_id,
        rule_index=rule.index,
        exempt_months=exempt_months,
    )


# ---------------------------------------------------------------------------------------------------
# The [scoring] section of a rule set

PERIODS = {"month": "月度", "quarter": "季度", "year": "年度"}
TIE_BREAKS = {
    "categories": "总分相同时依次比较各类得分（按类别声明顺序），仍相同则并列",
    "shared": "总分相同即并列",
}
RANKED = {
    "involved": "只排涉及项目、节点、议定事项、黄红牌或计分事项的单位",
    "responsible": "只排负责计划项目、议定事项、受黄红牌或有计分事项的单位（仅办理链条节点或仅为项目所在街道的单位不参加）",
    "all": "排名分组内全部单位",
}
YEAR_METHODS = {
    "quarter_average": "四个季度考评加权平均",
    "categories": "按年度类别与规则直接计分",
}
RENEW = {"monthly": "每月重新申请", "once": "一次有效"}
SIGNERS = {"project_leader": "项目挂点领导", "leader_in_charge": "分管领导"}
EXEMPT_UNITS = {"all": "该项目本月所有被扣分单位", "applicant": "仅申请单位"}
EXEMPT_RECOVERY = {
    "waive": "延期开工扣分已免扣的项目，延期后开工的加分也不计",
    "keep": "延期开工扣分免扣后，延期后开工的加分照加",
}
EXEMPT_PERSISTING = {
    "every_month": "持续滞后的扣分（如季度内仍滞后的在建项目）须本期内滞后的每个月都有已同意的申请才免扣；一次性的扣分按发生当月",
    "event_month": "一律按扣分事项的日期所在月份",
}
PLACE_TIES = {
    "all": "并列在首位席（末位席）名额内的单位都计首位席（末位席）",
    "none": "并列的单位多于首位席（末位席）名额时，并列的单位都不计",
}
PERSONS = {
    "unit_head": "责任单位主要负责人（项目挂点领导记入依据）",
    "project_leader": "项目挂点领导",
}
YEAR_ADJUSTMENTS = {
    "in_total": "总分加减项（奖励加分、申报项目计分等）计入年度总分并参与排名",
    "separate": "总分加减项单列，年度总分与排名只按各类得分（季度考评加权平均分）",
}

KIND_LABELS: dict[str, str] = {}  # kind key → Chinese label, kept by register_kind (display on the pages)
COMMON_RULE_KEYS: dict[str, Key] = noted(
    {
        "kind": Key("规则类型", required=True, names=KIND_LABELS, help="已登记的计分规则类型，如 late_start"),
        "category": Key(
            "计入类别", required=True, help="[[scoring.categories]] 的标识，或 adjustment（总分加减）"
        ),
        "points": Key("分值", "number", help="负数为扣分，正数为加分"),
        "name": Key("名称"),
        "periods": Key("适用周期", "strs", choices=PERIODS, help="缺省为该规则类型的默认周期"),
    }
)
RULE_KEYS: dict[str, Key] = dict(COMMON_RULE_KEYS)  # extended by register_kind with each kind's params


def _kind_list() -> str:
    return "、".join(f"{k}（{v.label}）" for k, v in sorted(_KINDS.items()))


def _check_rule(item: dict, data: dict) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    kind = _KINDS.get(item.get("kind", ""))
    if kind is None:
        return [("kind", f'未知的计分规则类型 "{item.get("kind")}"；可用：{_kind_list()}')]
    section = data.get("scoring", {}) if isinstance(data.get("scoring"), dict) else {}
    categories = {c.get("key"): c for c in section.get("categories", []) if isinstance(c, dict)}
    category = item.get("category")
    if category != ADJUSTMENT and category not in categories:
        available = "、".join([str(k) for k in categories] + [f"{ADJUSTMENT}（总分加减）"])
        problems.append(
            ("category", f'类别 "{category}" 未在 [[scoring.categories]] 中声明；可用：{available}')
        )
    if kind.needs_points and "points" not in item:
        problems.append(("points", f"规则类型 {kind.key}（{kind.label}）须写明分值 points"))
    for name, key in kind.params.items():
        if key.required and name not in item:
            problems.append((name, f"规则类型 {kind.key}（{kind.label}）须写明 {name}（{key.label}）"))
    for name in item:
        if name not in COMMON_RULE_KEYS and name not in kind.params:
            own = "、".join(kind.params) or "无"
            owners = "、".join(k for k, v in sorted(_KINDS.items()) if name in v.params)
            problems.append(
                (
                    name,
                    f'"{name}" 不适用于规则类型 {kind.key}（{kind.label}），是 {owners} 的键；'
                    f"该类型自己的键：{own}",
                )
            )
    if problems:
        return problems
    scored = section.get("periods", [])
    periods = item.get("periods") or list(kind.periods)
    serving = [p for p in periods if p in scored]
    if category in categories:
        served = categories[category].get("periods") or scored
        serving = [p for p in serving if p in served]
    if not serving:
        where = "、".join(PERIODS.get(p, p) for p in periods)
        problems.append(
            (
                "periods" if "periods" in item else "category",
                f"适用周期（{where}）中没有计入类别 {category} 的考评周期，此规则永远不会计分",
            )
        )
    if kind.check is not None:
        problems += kind.check(item, data)
    return problems


def _check_category(item: dict, data: dict) -> list[tuple[str, str]]:
    problems = []
    if item.get("key") == ADJUSTMENT:
        problems.append(("key", f'"{ADJUSTMENT}" 是保留字（总分加减），不能作为类别标识'))
    if "floor" in item and item.get("no_floor"):
        problems.append(("no_floor", "已写下限 floor，不能同时写 no_floor = true"))
    floor, cap = item.get("floor"), item.get("cap")
    if floor is not None and cap is not None and cap < floor:
        problems.append(("cap", f"上限 {cap} 不能低于下限 {floor}"))
    return problems


CATEGORY = Table(
    "考评类别",
    keys=noted(
        {
            "key": Key("标识", required=True, pattern=r"[a-z0-9_]+"),
            "name": Key("考评内容", required=True),
            "weight": Key("分类权重", "number", required=True, lo=0),
            "base": Key("指标权重（基础分）", "number", lo=0, help="缺省 100"),
            "floor": Key("下限", "number", help="缺省 0（扣完为止）"),
            "no_floor": Key("不设下限", "bool"),
            "cap": Key("上限", "number", help="缺省不设上限（加分可超过基础分）"),
            "periods": Key("计分周期", "strs", choices=PERIODS, help="缺省为 [scoring] periods 全部"),
            "indicator": Key("考评指标"),
            "process": Key("过程管理（数据来源）"),
        }
    ),
    check=_check_category,
)

RULE = Table("计分规则", keys=RULE_KEYS, check=_check_rule)

EXEMPTION = Table(
    "客观原因免扣分",
    keys=noted(
        {
            "signers": Key("签字领导", "strs", required=True, choices=SIGNERS, min_items=1),
            "renew": Key("续期", required=True, choices=RENEW),
            "covers": Key("可免扣分的规则类型", "strs", required=True, min_items=1),
            "units": Key("免扣分的单位", choices=EXEMPT_UNITS, help="缺省 all"),
            "recovery": Key("延期后开工的加分", choices=EXEMPT_RECOVERY, help="缺省 waive"),
            "persisting": Key("持续滞后的扣分", choices=EXEMPT_PERSISTING, help="缺省 every_month"),
            "summary": Key("概述"),
        }
    ),
)

YEAR = Table(
    "年度考核",
    keys=noted(
        {
            "method": Key("计分方法", required=True, choices=YEAR_METHODS),
            "quarter_weights": Key("各季度权重", "ints", lo=0, hi=100, min_items=4),
            "full_score": Key("满分", "number", lo=1, help="缺省 100"),
            "review_points": Key("折算后的分值", "number", lo=0),
            "review_total": Key("所在考核项目的总分值", "number", lo=0),
            "bonus_max": Key("奖励加分上限（每单位每年）", "number", lo=0),
            "adjustments": Key("年度的总分加减项", choices=YEAR_ADJUSTMENTS, help="缺省 in_total"),
            "summary": Key("概述"),
        }
    ),
)

RECTIFICATION = Table(
    "整改报告",
    keys=noted(
        {
            "bottom": Key("排名最后的单位数", "int", required=True, lo=1, hi=100),
            "due_workdays": Key("提交时限（工作日）", "int", lo=1, hi=250),
            "periods": Key("适用周期", "strs", choices=PERIODS, help="缺省为年度以外的各考评周期"),
        }
    ),
)


def _weights_problem(label: str, total: Decimal, cats: list[dict]) -> str | None:
    weights = [dec(c.get("weight", 0)) for c in cats]
    actual = sum(weights, Decimal(0))
    if actual == total:
        return None
    parts = "、".join(f"{c.get('name', c.get('key'))} {pts(w)}" for c, w in zip(cats, weights, strict=True))
    return f"{label}考评各类权重之和应为 {pts(total)}，实际为 {pts(actual)}：{parts or '无类别'}"


def _check_scoring(section: dict, data: dict) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    periods = section.get("periods", [])
    cats = section.get("categories", [])
    seen: set[str] = set()
    for number, cat in enumerate(cats, start=1):
        if cat["key"] in seen:
            problems.append((f"categories[{number}].key", f'类别标识 "{cat["key"]}" 重复'))
        seen.add(cat["key"])
        for period in cat.get("periods", []):
            if period not in periods:
                problems.append(
                    (
                        f"categories[{number}].periods",
                        f'"{period}"（{PERIODS[period]}）不在 [scoring] periods 中',
                    )
                )
    total = dec(section.get("weights_total", 100))
    for period in periods:
        serving = [c for c in cats if period in (c.get("periods") or periods)]
        if not serving:
            problems.append(("categories", f"{PERIODS[period]}考评没有任何考评类别"))
            continue
        message = _weights_problem(PERIODS[period], total, serving)
        if message:
            problems.append(("categories", message))
    exemption = section.get("exemption")
    if isinstance(exemption, dict):
        for name in exemption.get("covers", []):
            if name not in _KINDS:
                problems.append(("exemption.covers", f'未知的计分规则类型 "{name}"；可用：{_kind_list()}'))
    year = section.get("year")
    if isinstance(year, dict) and "year" not in periods:
        problems.append(("year", "[scoring] periods 不含 year，不应写 [scoring.year]"))
    if isinstance(year, dict) and year.get("method") == "quarter_average" and "quarter" not in periods:
        problems.append(("year.method", "按季度加权平均计年度分，[scoring] periods 须含 quarter"))
    return problems


SCORING = Table(
    "考核计分",
    keys=noted(
        {
            "summary": Key("概述"),
            "periods": Key("考评周期", "strs", required=True, choices=PERIODS, min_items=1),
            "weights_total": Key("各类权重之和", "number", lo=1, help="缺省 100"),
            "tie_break": Key("同分处理", choices=TIE_BREAKS, help="缺省 categories"),
            "decimals": Key("总分保留小数位", "int", lo=0, hi=4, help="缺省 2（四舍五入）"),
            "ranked": Key("参加排名的单位", choices=RANKED, help="缺省 involved"),
            "place_ties": Key("首位席、末位席的并列", choices=PLACE_TIES, help="缺省 all"),
            "person": Key("项目计分事项的责任人", choices=PERSONS, help="缺省 unit_head"),
            "adjustment_process": Key("其它情况的过程管理（数据来源）"),
            "categories": Key("考评类别", "tables", required=True, table=CATEGORY, min_items=1),
            "rules": Key("计分规则", "tables", required=True, table=RULE, min_items=1),
            "exemption": Key("客观原因免扣分", "table", table=EXEMPTION),
            "year": Key("年度考核", "table", table=YEAR),
            "rectification": Key("整改报告", "table", table=RECTIFICATION),
        },
        source_required=False,
    ),
    check=_check_scoring,
    help="考评类别（基础分、分类权重、下限）与计分规则（规则类型、分值与解读）；见 docs/scoring.md",
)

register_section("scoring", SCORING)


# ---------------------------------------------------------------------------------------------------
# Reading the section


def score_rules(data: Mapping[str, Any]) -> ScoreRules:
    """The `[scoring]` section of a rule set's (validated) data as ScoreRules. Raises ValueError (Chinese)
    when the rule set has no [scoring] or names an unknown rule kind."""
    meta = data.get("meta", {}) if isinstance(data.get("meta"), dict) else {}
    section = data.get("scoring")
    if not isinstance(section, dict):
        name = meta.get("name") or meta.get("slug") or "?"
        raise ValueError(f"规则集《{name}》没有计分规则 [scoring]，不能计算考评")
    periods = tuple(section.get("periods", ("quarter",)))
    categories = []
    for item in section.get("categories", []):
        floor = None if item.get("no_floor") else dec(item.get("floor", 0))
        categories.append(
            Category(
                key=item["key"],
                name=item["name"],
                weight=dec(item["weight"]),
                base=dec(item.get("base", 100)),
                floor=floor,
                cap=dec(item["cap"]) if item.get("cap") is not None else None,
                periods=tuple(item.get("periods") or periods),
                source=str(item.get("source", "")),
                reading=str(item.get("reading", "")),
            )
        )
    rules = []
    for index, item in enumerate(section.get("rules", []), start=1):
        if item.get("kind") not in _KINDS:
            raise ValueError(
                f'scoring.rules[{index}].kind 未知的计分规则类型 "{item.get("kind")}"；可用：{_kind_list()}'
            )
        rules.append(
            Rule(
                index=index,
                kind=item["kind"],
                category=item["category"],
                points=dec(item["points"]) if item.get("points") is not None else None,
                params={k: v for k, v in item.items() if k not in COMMON_RULE_KEYS},
                name=str(item.get("name", "")),
                periods=tuple(item.get("periods", ())),
                source=str(item.get("source", "")),
                basis=str(item.get("basis", "notice")),
                reading=str(item.get("reading", "")),
            )
        )
    ranking = data.get("ranking", {}) if isinstance(data.get("ranking"), dict) else {}
    return ScoreRules(
        periods=periods,
        categories=tuple(categories),
        rules=tuple(rules),
        groups=tuple(ranking.get("groups", ())),
        weights_total=dec(section.get("weights_total", 100)),
        tie_break=str(section.get("tie_break", "categories")),
        decimals=int(section.get("decimals", 2)),
        exemption=section.get("exemption"),
        year=dict(section.get("year", {})),
        rectification=dict(section.get("rectification", {})),
        source=str(section.get("source", "")),
        basis=str(section.get("basis", "notice")),
        reading=str(section.get("reading", "")),
        ranked=str(section.get("ranked", "involved")),
        summary=str(section.get("summary", "")),
        consequences=tuple(ranking.get("consequences", ())),
        place_ties=str(section.get("place_ties", "all")),
        person=str(section.get("person", "unit_head")),
        data=data,
    )


# ---------------------------------------------------------------------------------------------------
# The arithmetic


def weighted_points(event: Event, rules: ScoreRules) -> Decimal:
    """An entry's share of the total: points × category weight ÷ weights_total; adjustments whole."""
    if event.category == ADJUSTMENT:
        return q4(event.points)
    category = rules.category(event.category)
    weight = category.weight if category is not None else Decimal(0)
    return q4(event.points * weight / rules.weights_total)


def base_total(rules: ScoreRules, period_kind: str) -> Decimal:
    """Σ base × weight ÷ weights_total of the period kind's categories (100 for WH19's quarter)."""
    cats = rules.categories_for(period_kind)
    return sum((c.base * c.weight / rules.weights_total for c in cats), Decimal(0))


@dataclass(frozen=True)
class Summary:
    categories: dict[str, Decimal]  # category key → base + Σ points (4 places)
    adjustments: Decimal
    total: Decimal  # rounded to rules.decimals
    exact: Decimal  # before rounding
    year: YearFigures | None = None  # year periods only


@dataclass(frozen=True)
class YearFigures:
    """A unit's year in the terms of WH19 四(四) (`year_figures`)."""

    average: Decimal  # the categories' part: the quarters' weighted average (100-point figure), rounded
    bonus: Decimal  # Σ points of the entries added to the total whole (奖励加分 …), 4 places
    review: Decimal | None  # average × review_points ÷ full_score (None: no review_points)
    review_points: Decimal | None  # [scoring.year] review_points (10)
    review_total: Decimal | None  # [scoring.year] review_total (35)
    total: Decimal  # the year total ranked on: average, plus the bonus when adjustments = "in_total"


def bonus_in_total(rules: ScoreRules, period_kind: str) -> bool:
    """Whether a period's adjustments (category "adjustment") count in its total: always, except in a
    year whose [scoring.year] adjustments = "separate" (WH19 四(四): the bonus is the review's own 奖励项)."""
    return period_kind != "year" or (rules.year or {}).get("adjustments", "in_total") != "separate"


def summarise(rules: ScoreRules, period_kind: str, entries: Iterable[Any]) -> Summary:
    """Scores as sums of the ledger: `entries` are Events or ScoreEntry rows (anything with category,
    points and weighted) of one unit and period, floor events included. The services re-sum a closed
    period's ledger (corrections included) with this same function. total = Σ base × weight ÷
    weights_total + Σ weighted — without the adjustments' share in a year whose adjustments are
    "separate" (then `year.bonus` carries them)."""
    cats = rules.categories_for(period_kind)
    scores = {c.key: c.base for c in cats}
    adjustments = Decimal(0)
    categories_part = base_total(rules, period_kind)
    adjustments_part = Decimal(0)
    for entry in entries:
        points, weighted = dec(entry.points), dec(entry.weighted)
        if entry.category == ADJUSTMENT:
            adjustments += points
            adjustments_part += weighted
            continue
        if entry.category in scores:
            scores[entry.category] += points
        categories_part += weighted
    exact = categories_part + (adjustments_part if bonus_in_total(rules, period_kind) else Decimal(0))
    total = rounded(exact, rules.decimals)
    year = None
    if period_kind == "year":
        average = rounded(categories_part, rules.decimals)
        settings = rules.year or {}
        points = dec(settings["review_points"]) if "review_points" in settings else None
        year = YearFigures(
            average=average,
            bonus=q4(adjustments),
            review=review_points(average, rules) if points is not None else None,
            review_points=points,
            review_total=dec(settings["review_total"]) if "review_total" in settings else None,
            total=total,
        )
    return Summary(
        categories={k: q4(v) for k, v in scores.items()},
        adjustments=q4(adjustments),
        total=total,
        exact=exact,
        year=year,
    )


def year_figures(rules: ScoreRules, entries: Iterable[Any]) -> YearFigures:
    """A year's figures from its ledger (Events or stored ScoreEntry rows of one unit, corrections
    included): the quarters' weighted average, its share of the annual review, the bonus and the total.
    The pages and exports call this with a closed year's entries; compute() fills UnitResult.average /
    .review / .bonus from the same function."""
    summary = summarise(rules, "year", entries)
    assert summary.year is not None
    return summary.year


def _bound_events(rules: ScoreRules, unit_id: int, period: Period, events: list[Event]) -> list[Event]:
    """Floor / cap events holding each category within its bounds (扣完为止)."""
    out = []
    for category in rules.categories_for(period.kind):
        score = category.base + sum((e.points for e in events if e.category == category.key), Decimal(0))
        if category.floor is not None and score < category.floor:
            back = category.floor - score
            sentence = (
                f"“{category.name}”扣分后为 {pts(score) if score >= 0 else '-' + pts(score)} 分，"
                f"低于下限 {pts(category.floor)} 分，扣完为止，补回 {pts(back)} 分"
            )
            key, points = f"{FLOOR}:{category.key}", back
        elif category.cap is not None and score > category.cap:
            points = category.cap - score
            sentence = f"“{category.name}”加分后为 {pts(score)} 分，超过上限 {pts(category.cap)} 分，超出的 {pts(-points)} 分不计"
            key = f"{FLOOR}:{category.key}"
        else:
            continue
        cite = category.source or rules.source
        out.append(
            Event(
                unit_id=unit_id,
                kind=FLOOR,
                category=category.key,
                points=q4(points),
                key=key,
                sentence=f"{sentence}（{cite}）" if cite else sentence,
                on=period.end,
            )
        )
    return out


# a positive entry that stands or falls with a covered deduction of the same project: the recovery bonus
# of a late start whose −4 was exempted ([scoring.exemption] recovery = "waive")
PAIRED_WITH = {"late_start_recovered": "late_start"}


def _months_text(months: list[str]) -> str:
    return "、".join(f"{int(m[:4])}年{int(m[5:])}月" for m in months)


def _exempt(rules: ScoreRules, facts: Facts, events: list[Event]) -> list[Event]:
    """Zero the deductions a granted exemption covers ([scoring.exemption]; DH24 五(四)): a negative event
    of a covered kind whose project has a granted exemption for each month the event needs — its
    `exempt_months` (persisting = "every_month": every month of the period a lasting deduction was late
    in) or the month of its day. With recovery = "waive", a late start's recovery bonus is not counted
    when the −4 of that late start was exempted (the month of its first late day)."""
    section = rules.exemption
    if not section or not facts.exemptions:
        return events
    covers = set(section.get("covers", ()))
    only_applicant = section.get("units") == "applicant"
    every_month = section.get("persisting", "every_month") == "every_month"
    waive_recovery = section.get("recovery", "waive") == "waive"
    granted: dict[tuple[int, str], list[ExemptionFact]] = {}
    for fact in facts.exemptions:
        granted.setdefault((fact.project_id, fact.month), []).append(fact)

    def found(project: int, unit_id: int, month: str) -> ExemptionFact | None:
        candidates = granted.get((project, month), [])
        if only_applicant:
            candidates = [f for f in candidates if f.unit_id == unit_id]
        return min(candidates, key=lambda f: f.id) if candidates else None

    out = []
    for event in events:
        project = event.evidence.get("project")
        paired = PAIRED_WITH.get(event.kind)
        if project is None:
            out.append(event)
            continue
        if event.points < 0 and event.kind in covers:
            months = (
                list(event.exempt_months) if every_month and event.exempt_months else [month_key(event.on)]
            )
            facts_ = [found(project, event.unit_id, m) for m in months]
            if all(facts_):
                signed = [f for f in facts_ if f is not None]
                if len(signed) == 1:
                    why = f"客观原因免扣分：{signed[0].signed_by}签字同意"
                else:
                    by: dict[str, list[str]] = {}
                    for m, f in zip(months, signed, strict=True):
                        by.setdefault(f.signed_by, []).append(m)
                    parts = "；".join(f"{_months_text(ms)}经{who}签字同意" for who, ms in by.items())
                    why = f"客观原因免扣分：本期滞后的 {_months_text(months)} 均已获准免扣（{parts}）"
                event = replace(
                    event,
                    points=Decimal("0.0000"),
                    exempted_points=event.points,
                    exemption_id=signed[0].id,
                    evidence={**event.evidence, "exemption": signed[0].id},
                    sentence=f"{event.sentence}（{why}）",
                )
            elif any(facts_):
                have = [m for m, f in zip(months, facts_, strict=True) if f is not None]
                lack = [m for m, f in zip(months, facts_, strict=True) if f is None]
                event = replace(
                    event,
                    sentence=(
                        f"{event.sentence}（{_months_text(have)}的免扣分申请已同意，但本期 {_months_text(lack)} "
                        "仍滞后且未获同意免扣，照扣）"
                    ),
                )
        elif (
            paired is not None
            and waive_recovery
            and paired in covers
            and event.points > 0
            and event.exempt_months
        ):
            months = list(event.exempt_months)
            facts_ = [found(project, event.unit_id, m) for m in months]
            if all(facts_):
                fact = min((f for f in facts_ if f is not None), key=lambda f: f.id)
                event = replace(
                    event,
                    points=Decimal("0.0000"),
                    exempted_points=event.points,
                    exemption_id=fact.id,
                    evidence={**event.evidence, "exemption": fact.id},
                    sentence=(
                        f"{event.sentence}（该项目 {_months_text(months)} 的延期开工扣分已因客观原因免扣"
                        f"（{fact.signed_by}签字同意），延期后开工的加分相应不计）"
                    ),
                )
        out.append(event)
    return out


def _group_of(unit: UnitFact, groups: tuple[Mapping[str, Any], ...]) -> Mapping[str, Any] | None:
    if unit.rank_group:
        named = next((g for g in groups if g.get("name") == unit.rank_group), None)
        if named is not None:
            return named
    return next((g for g in groups if unit.kind in g.get("unit_kinds", ())), None)


def _involved(facts: Facts, events: Iterable[Event], *, helpers: bool = True) -> set[int]:
    """The units the ranking is about. `helpers`: also the streets of listed projects and the units that
    only handle their chain nodes ("involved"); without them only units with their own projects, matters,
    cards or scoring events ("responsible": an indicator rule set would rank those at zero)."""
    ids: set[int] = {e.unit_id for e in events if e.points or e.exempted_points}
    if helpers:
        ids.update(e.unit_id for e in events)
    for p in facts.projects:
        if p.plan_type is None:
            continue
        ids.update(i for i in (p.unit_id, p.street_unit_id if helpers else None) if i is not None)
        if helpers:
            ids.update(n.unit_id for n in p.nodes if n.unit_id is not None)
    for m in facts.matters:
        ids.update(m.unit_ids)
    ids.update(c.unit_id for c in facts.cards)
    ids.update(facts.quarter_totals)
    ids.update(b.unit_id for b in facts.bonuses)
    return ids


def _place_counts(rules: ScoreRules, period_kind: str) -> tuple[int, int]:
    """How many units take 首位席 / 末位席: the smallest `count` of the [[ranking.consequences]] of this
    period's frequency and position (WH19: 首位席 1, 末位席 1; 整改报告 2 is [scoring.rectification]);
    without such a consequence, 1 when a `place` rule of that position exists, else none."""
    frequency = FREQUENCY_OF.get(period_kind)
    top = [
        int(c["count"])
        for c in rules.consequences
        if c.get("period") == frequency and c.get("position") == "top"
    ]
    bottom = [
        int(c["count"])
        for c in rules.consequences
        if c.get("period") == frequency and c.get("position") == "bottom"
    ]
    places = [r.params.get("position") for r in rules.rules if r.kind == "place"]
    first = min(top) if top else (1 if "top" in places else 0)
    last = min(bottom) if bottom else (1 if "bottom" in places else 0)
    return first, last


def rank(rules: ScoreRules, period_kind: str, units: Mapping[int, UnitResult]) -> None:
    """Rank each group in place: by total (rounded) desc, ties by `tie_break`; competition ranking (1, 2,
    2, 4); `place` first / last (a unit that would be both — a group of one, everyone tied — is neither);
    `rectify` for the [scoring.rectification].bottom lowest (ties included, but never a unit tied with the
    group's best). Ties at a place's boundary ([scoring] place_ties): "all" — every tied unit takes the
    place ("并列首位均计"); "none" — when the tied units would pass the place's count, none of them takes
    it (首位席 1, two units tied first: no 首位席)."""
    cats = [c.key for c in rules.categories_for(period_kind)]
    first_n, last_n = _place_counts(rules, period_kind)
    rect = rules.rectification or {}
    rect_periods = rect.get("periods") or [p for p in rules.periods if p != "year"]
    rect_n = int(rect.get("bottom", 0)) if period_kind in rect_periods else 0
    groups: dict[str, list[UnitResult]] = {}
    for result in units.values():
        result.rank, result.tied, result.place, result.rectify = None, False, "", False
        if result.group:
            groups.setdefault(result.group, []).append(result)

    shared = rules.place_ties != "none"

    def sort_key(u: UnitResult) -> tuple:
        if rules.tie_break == "categories":
            return (-u.total, *(-u.categories.get(k, Decimal(0)) for k in cats))
        return (-u.total,)

    for members in groups.values():
        keys = {u.unit_id: sort_key(u) for u in members}
        ordered = sorted(members, key=lambda u: (keys[u.unit_id], u.unit_id))
        for u in ordered:
            better = sum(1 for o in ordered if keys[o.unit_id] < keys[u.unit_id])
            worse = sum(1 for o in ordered if keys[o.unit_id] > keys[u.unit_id])
            u.rank = better + 1
            level = sum(1 for o in ordered if keys[o.unit_id] == keys[u.unit_id])  # itself included
            u.tied = level > 1
            if shared:
                is_first = first_n > 0 and better < first_n
                is_last = last_n > 0 and worse < last_n
            else:
                is_first = first_n > 0 and better + level <= first_n
                is_last = last_n > 0 and worse + level <= last_n
            if is_first and not is_last:
                u.place = "first"
            elif is_last and not is_first:
                u.place = "last"
            # a unit tied with the group's best is never among "the lowest" (a group where nobody lost a
            # point owes no rectification report)
            u.rectify = rect_n > 0 and worse < rect_n and len(ordered) > rect_n and better > 0


def _sorted_events(events: Iterable[Event]) -> list[Event]:
    return sorted(events, key=lambda e: (e.rule_index, e.on, e.key))


def _evaluate(rule: Rule, facts: Facts, rules: ScoreRules, warnings: list[str]) -> list[Event]:
    kind = _KINDS[rule.kind]
    out = []
    for item in kind.evaluate(rule, facts, rules):
        if isinstance(item, str):
            if item not in warnings:
                warnings.append(item)
            continue
        if item.rule_index != rule.index or not item.category:
            item = replace(item, rule_index=rule.index, category=item.category or rule.category)
        out.append(item)
    return out


def _results(
    rules: ScoreRules, facts: Facts, events: list[Event], ranked: set[int], warnings: list[str] | None
) -> dict[int, UnitResult]:
    period = facts.period
    by_unit: dict[int, list[Event]] = {}
    for event in events:
        by_unit.setdefault(event.unit_id, []).append(event)
    units = sorted((facts.units[i] for i in ranked if i in facts.units), key=lambda u: (u.sort, u.id))
    results: dict[int, UnitResult] = {}
    for unit in units:
        own = _sorted_events(by_unit.get(unit.id, []))
        # keys unique per unit and period: a repeated key (two rules of one kind) gets the rule's index
        seen: set[str] = set()
        unique = []
        for event in own:
            if event.key in seen:
                event = replace(event, key=f"{event.key}@r{event.rule_index}")
            seen.add(event.key)
            unique.append(event)
        own = unique + _bound_events(rules, unit.id, period, unique)
        own = [replace(e, weighted=weighted_points(e, rules)) for e in own]
        summary = summarise(rules, period.kind, own)
        year = summary.year
        group = _group_of(unit, rules.groups)
        if group is None and warnings is not None:
            warnings.append(
                f"单位《{unit.name}》不属于任何排名分组（考核分组“{unit.rank_group or '未填'}”、单位类别 "
                f"{unit.kind}），只计分不排名"
            )
        results[unit.id] = UnitResult(
            unit_id=unit.id,
            group=str(group["key"]) if group else "",
            group_name=str(group["name"]) if group else "",
            categories=summary.categories,
            adjustments=summary.adjustments,
            total=summary.total,
            events=own,
            average=year.average if year else None,
            review=year.review if year else None,
            bonus=year.bonus if year else None,
        )
    rank(rules, period.kind, results)
    return results


def compute(rules: ScoreRules, facts: Facts) -> Result:
    """Every event of the period, the category scores, totals, ranks and places. Deterministic: units by
    (sort, id), events by (rule index, day, key). Events of units outside `facts.units` are dropped with a
    warning. Raises ValueError (Chinese) when the rule set does not compute this kind of period."""
    period = facts.period
    if period.kind not in rules.periods:
        done = "、".join(PERIODS.get(p, p) for p in rules.periods)
        raise ValueError(f"该规则集不计算{PERIODS.get(period.kind, period.kind)}考评（只计算：{done}）")
    warnings: list[str] = [str(m) for m in facts.extra.get("missing", ())]
    active = rules.rules_for(period.kind)
    events: list[Event] = []
    for rule in active:
        events += _evaluate(rule, facts, rules, warnings)
    events = _exempt(rules, facts, events)
    later = [r for r in active if _KINDS[r.kind].after_rank]
    strangers = sorted({e.unit_id for e in events if e.unit_id not in facts.units})
    if strangers:
        names = facts.extra.get("unit_names") or {}
        shown = "、".join(f"《{names[i]}》" if names.get(i) else f"编号 {i}" for i in strangers)
        warnings.append(f"计分事项涉及不在本辖区单位名单中的单位（{shown}），未计入")
        events = [e for e in events if e.unit_id in facts.units]
    everyone = set(facts.units)
    if rules.ranked == "all":
        ranked = everyone
    else:
        ranked = _involved(facts, events, helpers=rules.ranked == "involved") & everyone
    if later:
        preliminary = Result(period, _results(rules, facts, events, ranked, None))
        facts2 = replace(facts, extra={**facts.extra, "preliminary": preliminary})
        extra_events = []
        for rule in later:
            extra_events += _evaluate(rule, facts2, rules, warnings)
        extra_events = [e for e in _exempt(rules, facts, extra_events) if e.unit_id in facts.units]
        events += extra_events
        ranked |= {e.unit_id for e in extra_events}
    results = _results(rules, facts, events, ranked, warnings)
    return Result(period, results, warnings)


# ---------------------------------------------------------------------------------------------------
# Year helpers (WH19 四(四))


def year_weights(rules: ScoreRules) -> tuple[Decimal, ...]:
    """The four quarters' weights for the year average ([scoring.year].quarter_weights; default 1,1,1,1)."""
    weights = (rules.year or {}).get("quarter_weights") or [1, 1, 1, 1]
    return tuple(dec(w) for w in weights[:4])


def review_points(year_total: Decimal, rules: ScoreRules) -> Decimal:
    """The year's quarter average converted to its share of the annual performance review: WH19 四(四)
    "按 10/35 的比例进行考核" → average × 10 ÷ 100 (10 of the item's 35 points; a 100-point average gives
    10). Pass the average without the bonus: the ≤5 bonus points go to the review's 奖励项, unscaled."""
    year = rules.year or {}
    if "review_points" not in year:
        raise ValueError("规则集没有写年度考核折算分值 [scoring.year] review_points")
    full = dec(year.get("full_score", 100))
    return rounded(dec(year_total) * dec(year["review_points"]) / full, rules.decimals)


def year_summary(result: UnitResult, rules: ScoreRules) -> dict[str, Decimal]:
    """A year result split for the annual review (the figures `compute` set on it): the quarters'
    weighted average, the bonus (加分) and the review share of the average (10/35)."""
    figures = year_figures(rules, result.events)
    out = {"average": figures.average, "bonus": figures.bonus, "total": figures.total}
    if figures.review is not None:
        out["review"] = figures.review
        out["review_total"] = figures.review_total if figures.review_total is not None else Decimal(0)
    return out
