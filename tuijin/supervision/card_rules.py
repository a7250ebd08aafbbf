"""The yellow/red card ladder (WH19 四(二), 五, 附件3 第4行) and the rule set's `[cards]` section. Standard
library only (import-linter forbids Django here); every input is plain data, `today` is an argument.

WH19: "对督办1次的项目责任单位和相关审批部门给予‘黄牌’预警" (四(二)); "对‘黄牌’预警2次的…进行‘红牌’
警告；对‘红牌’警告2次的…在每月最后一次开发区管委会主任办公会上进行通报，并经…分管负责人同意后提交区纪委
（监察委）问责" (五; 附件3 第4行). The ladder, per unit and counting period:

- every `supervisions_per_yellow` 督办单 the unit received propose one yellow card (resting on the last
  of them); a slip that already holds a card (even a revoked one) never proposes again;
- every `yellows_per_red` issued, unrevoked yellow cards that are not yet part of an issued or proposed
  red card make one red card due; a yellow under a pending appeal waits until the appeal is decided;
- every `reds_per_referral` issued, unrevoked red cards put the unit on the month's notice list and make
  one referral due (3 reds: still one referral; 4: a second);
- a proposed red card resting on a yellow that is no longer issued is withdrawn.

Counting periods: "year" (the calendar year, default: WH19's notices are yearly), "quarter", or
"rolling_12_months" (a card counts for twelve months from its month). A card's `period` is
`period_key(day)`; for the rolling period that is its month and `period` arguments name the last month of
the window.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tuijin.core.rules.ruleset_schema import Key, Table, register_section
from tuijin.core.rules.ruleset_sections import noted

PERIODS = {"year": "自然年", "quarter": "季度", "rolling_12_months": "滚动12个月"}
ISSUERS = {"office": "项目办（重大项目办）", "supervisor": "督查室"}
CONSENTS = {"leader_in_charge": "分管该单位的领导", "none": "无需同意"}

DEFAULT_SOURCE = "WH19 四(二); 五; 附件3 第4行"


@dataclass(frozen=True)
class CardRules:
    supervisions_per_yellow: int = 1
    yellows_per_red: int = 2
    reds_per_referral: int = 2
    period: str = "year"
    yellow_issuer: str = "office"
    red_issuer: str = "supervisor"
    referral_consent: str = "leader_in_charge"
    notice: str = "每月最后一次主任办公会通报"
    source: str = DEFAULT_SOURCE
    basis: str = "default"
    reading: str = ""

    @property
    def yellow_rule(self) -> str:
        return f"督办{self.supervisions_per_yellow}次给予“黄牌”预警（{self.cite('四(二)')}）"

    @property
    def red_rule(self) -> str:
        return f"“黄牌”预警{self.yellows_per_red}次给予“红牌”警告（{self.cite('五')}）"

    @property
    def referral_rule(self) -> str:
        return (
            f"“红牌”警告{self.reds_per_referral}次的，{self.notice}，经分管领导同意后提交纪委（监察委）问责"
            f"（{self.cite('五')}）"
        )

    @property
    def period_label(self) -> str:
        return PERIODS.get(self.period, self.period)

    def cite(self, clause: str) -> str:
        """ "WH19 五" when the rule set carries the notice's numbers; "默认取 WH19 五" when it took WH19's
        numbers as its default; else the rule set's own source."""
        if "WH19" not in self.source:
            return self.source
        return f"WH19 {clause}" if self.basis == "notice" else f"默认取 WH19 {clause}"


def card_rules(data: Mapping[str, Any] | None) -> CardRules:
    """The ladder of a rule set's data (its whole parsed TOML); WH19's numbers when it has no [cards]."""
    section = (data or {}).get("cards")
    if not section:
        return CardRules()
    defaults = CardRules()
    return CardRules(
        supervisions_per_yellow=int(section.get("supervisions_per_yellow", defaults.supervisions_per_yellow)),
        yellows_per_red=int(section.get("yellows_per_red", defaults.yellows_per_red)),
        reds_per_referral=int(section.get("reds_per_referral", defaults.reds_per_referral)),
        period=str(section.get("period", defaults.period)),
        yellow_issuer=str(section.get("yellow_issuer", defaults.yellow_issuer)),
        red_issuer=str(section.get("red_issuer", defaults.red_issuer)),
        referral_consent=str(section.get("referral_consent", defaults.referral_consent)),
        notice=str(section.get("notice", defaults.notice)),
        source=str(section.get("source", defaults.source)),
        basis=str(section.get("basis", "notice")),
        reading=str(section.get("reading", "")),
    )


# ---------------------------------------------------------------------------------------------------
# Periods


def period_key(day: date, cfg: CardRules) -> str:
    """The counting period a card of `day` belongs to: "2024", "2024Q1", or (rolling) its month "2024-03"."""
    if cfg.period == "quarter":
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    if cfg.period == "rolling_12_months":
        return f"{day.year}-{day.month:02d}"
    return str(day.year)


def period_bounds(period: str, cfg: CardRules) -> tuple[date, date]:
    """First and last day of a period key (for the rolling period: the twelve months ending with it)."""
    if cfg.period == "quarter" and "Q" in period:
        year, quarter = int(period[:4]), int(period[-1])
        start = date(year, 3 * quarter - 2, 1)
        end = _month_end(date(year, 3 * quarter, 1))
        return start, end
    if cfg.period == "rolling_12_months" and "-" in period:
        year, month = int(period[:4]), int(period[5:7])
        end = _month_end(date(year, month, 1))
        first = _add_months(date(year, month, 1), -11)
        return first, end
    year = int(period[:4])
    return date(year, 1, 1), date(year, 12, 31)


def in_period(key: str, period: str, cfg: CardRules) -> bool:
    """Does a card of period key `key` count in `period`?"""
    if cfg.period == "rolling_12_months":
        start, end = period_bounds(period, cfg)
        try:
            month = date(int(key[:4]), int(key[5:7]), 1)
        except (ValueError, IndexError):
            return False
        return start <= month <= end
    return key == period


def period_label(period: str, cfg: CardRules) -> str:
    if cfg.period == "quarter" and "Q" in period:
        return f"{period[:4]}年第{period[-1]}季度"
    if cfg.period == "rolling_12_months" and "-" in period:
        start, end = period_bounds(period, cfg)
        return f"{start:%Y年%m月}至{end:%Y年%m月}（滚动12个月）"
    return f"{period[:4]}年"


def recent_periods(today: date, cfg: CardRules, count: int = 6) -> list[str]:
    """The current period and the ones before it, newest first (the period filter of the pages)."""
    if cfg.period == "quarter":
        index = today.year * 4 + (today.month - 1) // 3
        return [f"{(index - i) // 4}Q{(index - i) % 4 + 1}" for i in range(count)]
    if cfg.period == "rolling_12_months":
        first = today.replace(day=1)
        return [period_key(_add_months(first, -i), cfg) for i in range(count)]
    return [str(today.year - i) for i in range(count)]


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(first: date) -> date:
    nxt = _add_months(first, 1)
    return date.fromordinal(nxt.toordinal() - 1)


# ---------------------------------------------------------------------------------------------------
# The ladder


@dataclass(frozen=True)
class SlipFact:
    """A 督办单 a unit received. `label` names it ("督办单〔2024〕第3号"), `about` what it came from."""

    id: int
    unit_id: int
    day: date
    label: str = ""
    about: str = ""


@dataclass(frozen=True)
class CardFact:
    id: int
    unit_id: int
    color: str  # "yellow" | "red"
    status: str  # "proposed" | "issued" | "revoked"
    period: str
    day: date
    slip_id: int | None = None
    from_ids: tuple[int, ...] = ()
    appeal_pending: bool = False
    label: str = ""


@dataclass(frozen=True)
class YellowDue:
    slip: SlipFact
    slips: tuple[SlipFact, ...]
    reason: str


@dataclass(frozen=True)
class RedDue:
    unit_id: int
    yellows: tuple[CardFact, ...]
    reason: str


@dataclass(frozen=True)
class Withdraw:
    card: CardFact
    reason: str


@dataclass(frozen=True)
class ReferralDue:
    unit_id: int
    reds: tuple[CardFact, ...]
    reason: str


@dataclass
class Ladder:
    yellow_due: list[YellowDue] = field(default_factory=list)
    red_due: list[RedDue] = field(default_factory=list)
    withdraw: list[Withdraw] = field(default_factory=list)
    referral_due: list[ReferralDue] = field(default_factory=list)
    waiting: dict[int, str] = field(default_factory=dict)  # unit → why a yellow is held back

    @property
    def notice_units(self) -> list[int]:
        return sorted({r.unit_id for r in self.referral_due})


def _order(item: Any) -> tuple:
    return (item.day, item.id)


def _labels(items: Iterable[Any]) -> str:
    return "、".join(item.label or "（未编号）" for item in items)


def yellow_reason(slips: Iterable[SlipFact], cfg: CardRules) -> str:
    slips = list(slips)
    last = slips[-1]
    about = f"（来源：{last.about}）" if last.about else ""
    head = _labels(slips) if len(slips) > 1 else (last.label or "督办单")
    return f"{head}{about}，按{cfg.yellow_rule}，拟发黄牌"


def red_reason(yellows: Iterable[CardFact], cfg: CardRules) -> str:
    yellows = list(yellows)
    return f"已发黄牌 {len(yellows)} 张（{_labels(yellows)}），按{cfg.red_rule}，拟发红牌"


def referral_reason(reds: Iterable[CardFact], cfg: CardRules) -> str:
    reds = list(reds)
    return f"已发红牌 {len(reds)} 张（{_labels(reds)}），按{cfg.referral_rule}"


def ladder(
    supervisions: Iterable[SlipFact], cards: Iterable[CardFact], cfg: CardRules, period: str
) -> Ladder:
    """What the rules call for in `period`, given the 督办单 and the cards that exist (any status)."""
    result = Ladder()
    cards = list(cards)
    counted = [c for c in cards if in_period(c.period, period, cfg)]
    carded_slips = {c.slip_id for c in cards if c.slip_id is not None}

    # 督办单 → proposed yellow cards
    by_unit: dict[int, list[SlipFact]] = defaultdict(list)
    for slip in supervisions:
        if in_period(period_key(slip.day, cfg), period, cfg):
            by_unit[slip.unit_id].append(slip)
    for unit_slips in by_unit.values():
        unit_slips.sort(key=_order)
        step = max(cfg.supervisions_per_yellow, 1)
        for start in range(0, len(unit_slips) - step + 1, step):
            group = tuple(unit_slips[start : start + step])
            if any(s.id in carded_slips for s in group):
                continue
            result.yellow_due.append(YellowDue(group[-1], group, yellow_reason(group, cfg)))

    by_id = {c.id: c for c in cards}
    # a proposed red resting on a yellow that is no longer issued is withdrawn and frees its other
    # yellows; any other red (proposed, issued, or revoked on its own merits) keeps its yellows
    used: set[int] = set()
    for red in (c for c in counted if c.color == "red"):
        gone = [by_id[i] for i in red.from_ids if i in by_id and by_id[i].status != "issued"]
        if red.status == "proposed" and gone:
            result.withdraw.append(Withdraw(red, f"所依据的黄牌已撤销（{_labels(gone)}），拟发红牌撤回"))
            continue
        if red.status == "revoked" and gone:
            continue
        used.update(red.from_ids)

    # issued yellows → red cards due
    yellows: dict[int, list[CardFact]] = defaultdict(list)
    for card in counted:
        if card.color == "yellow" and card.status == "issued" and card.id not in used:
            if card.appeal_pending:
                result.waiting[card.unit_id] = f"{card.label or '黄牌'}申诉待处理，暂不计入红牌"
                continue
            yellows[card.unit_id].append(card)
    for unit_id, unit_yellows in yellows.items():
        unit_yellows.sort(key=_order)
        step = max(cfg.yellows_per_red, 1)
        for start in range(0, len(unit_yellows) - step + 1, step):
            group = tuple(unit_yellows[start : start + step])
            result.red_due.append(RedDue(unit_id, group, red_reason(group, cfg)))

    # issued reds → notice list and referral
    reds: dict[int, list[CardFact]] = defaultdict(list)
    for card in counted:
        if card.color == "red" and card.status == "issued":
            reds[card.unit_id].append(card)
    for unit_id, unit_reds in reds.items():
        unit_reds.sort(key=_order)
        step = max(cfg.reds_per_referral, 1)
        for start in range(0, len(unit_reds) - step + 1, step):
            group = tuple(unit_reds[start : start + step])
            result.referral_due.append(ReferralDue(unit_id, group, referral_reason(group, cfg)))
    return result


def red_issue_problem(yellows: Iterable[CardFact], cfg: CardRules) -> str:
    """Why a red card resting on `yellows` may not be issued ("" when it may)."""
    yellows = list(yellows)
    if len(yellows) < cfg.yellows_per_red:
        return f"红牌须依据 {cfg.yellows_per_red} 张已发黄牌，现只有 {len(yellows)} 张"
    bad = [y for y in yellows if y.color != "yellow" or y.status != "issued"]
    if bad:
        return f"所依据的黄牌（{_labels(bad)}）未签发或已撤销"
    if len({y.unit_id for y in yellows}) != 1:
        return "所依据的黄牌不属于同一单位"
    return ""


# ---------------------------------------------------------------------------------------------------
# The [cards] rule-set section


CARDS = Table(
    "黄牌红牌",
    keys=noted(
        {
            "supervisions_per_yellow": Key("督办几次给予黄牌预警", "int", required=True, lo=1, hi=10),
            "yellows_per_red": Key("黄牌预警几次给予红牌警告", "int", required=True, lo=1, hi=10),
            "reds_per_referral": Key("红牌警告几次通报并提交问责", "int", required=True, lo=1, hi=10),
            "period": Key("计数周期", choices=PERIODS, help='缺省 "year" 自然年'),
            "yellow_issuer": Key("黄牌由谁签发", choices=ISSUERS),
            "red_issuer": Key("红牌由谁签发", choices=ISSUERS),
            "referral_consent": Key("提交问责须谁同意", choices=CONSENTS),
            "notice": Key("通报场合"),
        }
    ),
    help="督办单→黄牌→红牌→通报并经分管领导同意后提交纪委（监察委）问责；黄牌在月度审定中签发，红牌由督查室签发",
)

register_section("cards", CARDS)
