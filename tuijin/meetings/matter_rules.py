"""Pure rules of decided matters (议定事项): working-day lateness, its bands, repeat raises, the steps of
a matter and the `[matters]` rule-set section (WH19 附件3 第3行). Standard library only: no Django.

WH19 附件3 第3行 “会议议定事项限期办结”: a matter with a deadline done early earns 2 points; one still
unresolved more than 5 working days after the deadline loses 4, more than 10 loses 8, more than 20 loses
15. A matter without a deadline raised again and again at one level (“同一层级上会研究三次及以上的”)
costs its units 10 points “each time”.

Lateness (`late_workdays`) is counted on the working-day calendar: working days in (deadline, done_on]
when late, minus those in (done_on, deadline] when early. A deadline that falls on a day off moves to the
next working day first (民法典第二百零三条：期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的
最后一日), so a matter due on 2024-10-03 and done on 2024-10-08 is on time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from tuijin.core.rules.ruleset_schema import Key, Table, register_section
from tuijin.core.rules.ruleset_sections import noted

from .rules import BANDS, MATTER_STATUSES

__all__ = [
    "BANDS",
    "DEFAULT",
    "MatterRules",
    "band",
    "band_label",
    "check_step",
    "late_workdays",
    "matter_rules",
    "open_late_workdays",
    "penalised_raises",
    "repeat_flagged",
]


class Calendar(Protocol):
    def workdays_between(self, a: date, b: date) -> int: ...

    def workday_on_or_after(self, d: date) -> date: ...


# ---------------------------------------------------------------------------------------------------
# The rule-set section


COUNTS_FROM = {
    "first": "达到次数后，从第一次上会起每次都计",
    "threshold": "只计达到次数起的各次（第三次起）",
}
UNRESOLVED = {
    "carry": "转入本层级下次会议",
    "escalate": "提请上一层级会议",
}


def _check(table: dict, data: dict) -> list[tuple[str, str]]:
    bands = table.get("late_bands")
    if isinstance(bands, list) and bands:
        if any(not isinstance(b, int) or isinstance(b, bool) or b < 1 for b in bands):
            return [("late_bands", "超期档次应为正整数（工作日）")]
        if sorted(set(bands)) != bands:
            return [("late_bands", "超期档次应从小到大排列且不重复，如 [5, 10, 20]")]
        if len(bands) > 3:
            return [("late_bands", "超期档次最多三档（超过第一档、第二档、第三档）")]
    return []


MATTERS = Table(
    "议定事项",
    keys=noted(
        {
            "late_bands": Key(
                "超期档次（工作日）",
                "ints",
                required=True,
                lo=1,
                hi=250,
                min_items=1,
                help="从小到大；超过第一档、第二档、第三档各为一档，如 [5, 10, 20]",
            ),
            "repeat_threshold": Key(
                "无时限事项同层级上会几次起标记“反复上会”", "int", required=True, lo=2, hi=20
            ),
            "repeat_counts_from": Key("反复上会从第几次起计", choices=COUNTS_FROM, required=True),
            "unresolved": Key("未办结事项的去向", choices=UNRESOLVED, required=True),
        }
    ),
    check=_check,
    help="议定事项按工作日计算超期并分档；无时限事项在同一层级反复上会的次数与计次方式",
)

register_section("matters", MATTERS)


@dataclass(frozen=True)
class MatterRules:
    late_bands: tuple[int, ...] = (5, 10, 20)
    repeat_threshold: int = 3
    repeat_counts_from: str = "first"
    unresolved: str = "carry"
    source: str = "WH19 附件3 第3行"
    reading: str = ""


DEFAULT = MatterRules()


def matter_rules(data: Mapping[str, Any] | None) -> MatterRules:
    """The `[matters]` section of a rule set's data (its whole parsed TOML); the defaults without one."""
    section = (data or {}).get("matters")
    if not section:
        return DEFAULT
    return MatterRules(
        late_bands=tuple(int(b) for b in section.get("late_bands", DEFAULT.late_bands)),
        repeat_threshold=int(section.get("repeat_threshold", DEFAULT.repeat_threshold)),
        repeat_counts_from=str(section.get("repeat_counts_from", DEFAULT.repeat_counts_from)),
        unresolved=str(section.get("unresolved", DEFAULT.unresolved)),
        source=str(section.get("source", "")),
        reading=str(section.get("reading", "")),
    )


# ---------------------------------------------------------------------------------------------------
# Lateness


def effective_deadline(deadline: date, calendar: Calendar) -> date:
    """A deadline on a day off moves to the next working day (民法典第二百零三条)."""
    return calendar.workday_on_or_after(deadline)


def late_workdays(deadline: date, done_on: date, calendar: Calendar) -> int:
    """Working days late (positive), early (negative) or 0 when done on the (effective) deadline day."""
    return calendar.workdays_between(effective_deadline(deadline, calendar), done_on)


def open_late_workdays(deadline: date | None, today: date, calendar: Calendar) -> int:
    """How many working days an open matter is past its deadline as of `today` (0: not overdue; a
    matter without a deadline is never overdue)."""
    if deadline is None:
        return 0
    return max(0, calendar.workdays_between(effective_deadline(deadline, calendar), today))


def band(late: int, bands: Sequence[int]) -> str:
    """The key of `rules.BANDS` for a lateness: early / on_time / late (≤ first threshold) / late_1 …"""
    if late < 0:
        return "early"
    if late == 0:
        return "on_time"
    key = "late"
    for index, threshold in enumerate(sorted(bands)[:3], start=1):
        if late > threshold:
            key = f"late_{index}"
    return key


def band_label(key: str, bands: Sequence[int]) -> str:
    """The Chinese label of a band with the rule set's numbers: “超期超过5个工作日”."""
    ordered = sorted(bands)[:3]
    if key in ("late_1", "late_2", "late_3"):
        index = int(key[-1]) - 1
        if index < len(ordered):
            return f"超期超过{ordered[index]}个工作日"
        return BANDS[key]
    if key == "late":
        return f"超期{ordered[0]}个工作日以内" if ordered else "超期"
    return BANDS.get(key, "")


def lateness_text(late: int | None) -> str:
    """“提前 2 个工作日” / “按期” / “超期 3 个工作日”."""
    if late is None:
        return ""
    if late < 0:
        return f"提前 {-late} 个工作日"
    if late == 0:
        return "按期（时限当日）"
    return f"超期 {late} 个工作日"


# ---------------------------------------------------------------------------------------------------
# Repeat raises (WH19: 同一层级上会研究三次及以上的…每次扣10分)


def repeat_flagged(raise_count: int, threshold: int) -> bool:
    """A matter without a deadline at its `threshold`-th raise (or later) at one level is flagged."""
    return threshold > 0 and raise_count >= threshold


def penalised_raises(count: int, threshold: int, counts_from: str) -> int:
    """How many raises count for the penalty once a chain has been raised `count` times: none below the
    threshold; then every raise ("first") or only those from the threshold on ("threshold")."""
    if not repeat_flagged(count, threshold):
        return 0
    if counts_from == "threshold":
        return count - threshold + 1
    return count


def raise_text(raise_count: int) -> str:
    return f"本层级第{raise_count}次上会"


# ---------------------------------------------------------------------------------------------------
# Steps


OPEN = frozenset({"open"})
LIVE = frozenset({"open", "replied"})
ENDED = frozenset({"closed", "carried", "escalated", "cancelled"})


@dataclass(frozen=True)
class Step:
    label: str
    allowed: frozenset[str]


STEPS: dict[str, Step] = {
    "progress": Step("报进展", OPEN),
    "reply": Step("报办结", OPEN),
    "close": Step("销号", frozenset({"replied"})),
    "return": Step("退回", frozenset({"replied"})),
    "remind": Step("提醒", LIVE),
    "supervise": Step("督办", LIVE),
    "carry": Step("转下次会议", LIVE),
    "escalate": Step("提请上级", LIVE),
    "cancel": Step("撤销", LIVE),
}


def check_step(step: str, status: str) -> str:
    """ "" when `step` may be taken in `status`, else the Chinese refusal."""
    spec = STEPS.get(step)
    if spec is None:
        return "不支持的办理环节。"
    if status in spec.allowed:
        return ""
    state = MATTER_STATUSES.get(status, status)
    if step == "close" and status == "open":
        return "牵头单位尚未报办结，不能销号。"
    return f"该事项当前为“{state}”，不能{spec.label}。"
