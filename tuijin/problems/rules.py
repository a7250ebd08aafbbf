"""Pure rules of the problem closed loop (梳理—交办—跟踪—销号, DH24 五(三); WH19 三(二)二) and the four
slips (四单). Standard library only: no Django, no clock (`today` is an argument), the working-day calendar
is passed in (anything with `add_workdays(d, n)` and `workdays_between(a, b)`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

# ---------------------------------------------------------------------------------------------------
# Vocabularies

KINDS: dict[str, str] = {
    "land": "用地",
    "approval": "审批",
    "funding": "资金",
    "demolition": "征收拆迁",
    "utilities": "水电气等配套",
    "other": "其他",
}

# WH19 三(二)二 "实行分类分级梳理" names no grades; three grades by who can solve it is the common reading
# (一般: the responsible unit with its departments; 较大: needs the office or a leader's coordination;
# 重大: needs the leading group or the city). basis = "default".
GRADES: dict[str, str] = {"general": "一般", "major": "较大", "serious": "重大"}
GRADES_SOURCE = "WH19 三(二)二“分类分级梳理”未规定级别；默认分一般、较大、重大三级（按需协调的层级）"

STATUSES: dict[str, str] = {
    "filed": "已上报",
    "sorted": "已梳理",
    "assigned": "已交办",
    "acknowledged": "办理中",
    "replied": "已答复待复核",
    "closed": "已销号",
}
OPEN_STATUSES = frozenset(STATUSES) - {"closed"}
# states in which the problem sits with an assigned unit (the deadline runs)
WITH_UNIT = frozenset({"assigned", "acknowledged"})

SLIP_KINDS: dict[str, str] = {
    "assign": "交办单",
    "transfer": "转办单",
    "remind": "提醒单",
    "supervise": "督办单",
}
SLIP_TITLES: dict[str, str] = {
    "assign": "重大项目问题交办单",
    "transfer": "重大项目问题转办单",
    "remind": "重大项目问题提醒单",
    "supervise": "重大项目问题督办单",
}

EVENTS: dict[str, str] = {
    "filed": "上报问题",
    "sorted": "梳理",
    "assigned": "交办",
    "acknowledged": "签收",
    "progress": "办理进展",
    "transfer_requested": "申请转办",
    "transferred": "转办",
    "escalation_requested": "申请上报",
    "escalated": "上报",
    "reminded": "提醒",
    "supervised": "督办",
    "replied": "答复",
    "review_returned": "复核退回",
    "closed": "复核销号",
}

REQUESTS: dict[str, str] = {"": "无", "transfer": "申请转办", "escalation": "申请上报"}

# No notice fixes the time allowed for an assigned problem; 10 working days is the step WH19 附件3 uses
# for agreed matters ("超过时限10个工作日还未解决"). basis = "default".
DEFAULT_DEADLINE_WORKDAYS = 10
DEADLINE_SOURCE = "通知未规定问题办理时限；默认 10 个工作日（WH19 附件3“超过时限10个工作日”一档）"
MAX_DEADLINE_WORKDAYS = 250

# ---------------------------------------------------------------------------------------------------
# Who may do what, by state (the access module checks the role and the unit; this table checks the state)

OFFICE = "office"  # the office admin of the problem's jurisdiction
FILER = "filer"  # staff of the unit that filed it
ASSIGNEE = "assignee"  # staff of the unit it is assigned to


@dataclass(frozen=True)
class Step:
    """An action: who does it, the states it starts from, the state it leaves (None: unchanged)."""

    label: str
    actor: str
    from_states: frozenset[str]
    to_state: str | None


STEPS: dict[str, Step] = {
    "sort": Step("梳理", OFFICE, frozenset({"filed", "sorted"}), "sorted"),
    "assign": Step("交办", OFFICE, frozenset({"filed", "sorted"}), "assigned"),
    "acknowledge": Step("签收", ASSIGNEE, frozenset({"assigned"}), "acknowledged"),
    "progress": Step("办理进展", ASSIGNEE, frozenset({"acknowledged"}), None),
    "request_transfer": Step("申请转办", ASSIGNEE, frozenset({"assigned", "acknowledged"}), None),
    "transfer": Step("转办", OFFICE, frozenset({"assigned", "acknowledged"}), "assigned"),
    "request_escalation": Step("申请上报", ASSIGNEE, frozenset({"assigned", "acknowledged"}), None),
    "escalate": Step("上报", OFFICE, frozenset({"filed", "sorted", "assigned", "acknowledged"}), None),
    "remind": Step("提醒", OFFICE, WITH_UNIT, None),
    "supervise": Step("督办", OFFICE, WITH_UNIT, None),
    "reply": Step("答复", ASSIGNEE, frozenset({"acknowledged"}), "replied"),
    "review_close": Step("复核销号", OFFICE, frozenset({"replied"}), "closed"),
    "review_return": Step("退回", OFFICE, frozenset({"replied"}), "acknowledged"),
}


def allowed_steps(status: str, actor_roles: Iterable[str]) -> list[str]:
    """The steps open in `status` to someone acting as any of `actor_roles` (OFFICE, FILER, ASSIGNEE)."""
    roles = set(actor_roles)
    return [key for key, step in STEPS.items() if status in step.from_states and step.actor in roles]


def check_step(step: str, status: str) -> str:
    """Why `step` cannot be taken in `status`, in Chinese; "" when it can."""
    spec = STEPS[step]
    if status in spec.from_states:
        return ""
    now = STATUSES.get(status, status)
    if status == "closed":
        return f"该问题已销号，不能再{spec.label}。"
    return f"该问题当前状态为“{now}”，不能{spec.label}。"


# ---------------------------------------------------------------------------------------------------
# Deadlines


class Calendar(Protocol):
    def add_workdays(self, d: date, n: int) -> date: ...

    def workdays_between(self, a: date, b: date) -> int: ...


def check_workdays(n: Any) -> str:
    if n is None or isinstance(n, bool) or not isinstance(n, int):
        return "请填写办理时限（工作日）。"
    if n < 1:
        return "办理时限至少 1 个工作日。"
    if n > MAX_DEADLINE_WORKDAYS:
        return f"办理时限不能超过 {MAX_DEADLINE_WORKDAYS} 个工作日。"
    return ""


def due_date(calendar: Calendar, start: date, workdays: int) -> date:
    """The due date of a deadline of `workdays` working days counted from `start` (the n-th working day
    strictly after it, like every working-day deadline of the platform)."""
    return calendar.add_workdays(start, workdays)


def is_overdue(status: str, due: date | None, today: date) -> bool:
    """Assigned and not answered by the due date (a reply stops the clock; the review is the office's)."""
    return status in WITH_UNIT and due is not None and today > due


def overdue_workdays(calendar: Calendar, status: str, due: date | None, today: date) -> int:
    if not is_overdue(status, due, today):
        return 0
    assert due is not None
    return calendar.workdays_between(due, today)


# ---------------------------------------------------------------------------------------------------
# The escalation ladder (rule set `[escalation].levels`, lowest first)


@dataclass(frozen=True)
class Level:
    key: str
    name: str
    external: bool = False


def ladder(levels: Sequence[Mapping[str, Any]] | None) -> list[Level]:
    return [
        Level(
            key=str(item["key"]), name=str(item.get("name", item["key"])), external=bool(item.get("external"))
        )
        for item in (levels or [])
        if item.get("key")
    ]


def level_name(levels: Sequence[Level], key: str) -> str:
    for level in levels:
        if level.key == key:
            return level.name
    return key


def higher_levels(levels: Sequence[Level], current: str) -> list[Level]:
    """The levels above `current` ("" or unknown: the whole ladder above its first rung)."""
    keys = [level.key for level in levels]
    if current in keys:
        return list(levels[keys.index(current) + 1 :])
    return list(levels[1:])


def next_level(levels: Sequence[Level], current: str) -> Level | None:
    above = higher_levels(levels, current)
    return above[0] if above else None


def check_escalation(levels: Sequence[Level], current: str, target: str) -> str:
    if not levels:
        return "本辖区采用的规则集没有规定问题上报层级（[escalation].levels），无法上报。"
    above = higher_levels(levels, current)
    if not above:
        return f"该问题已在最高层级“{level_name(levels, current)}”，不能再上报。"
    if target not in {level.key for level in above}:
        return "请选择比当前层级更高的上报层级。"
    return ""


# ---------------------------------------------------------------------------------------------------
# Numbers


def slip_number(year: int, serial: int) -> str:
    """〔2024〕第12号"""
    return f"〔{year}〕第{serial}号"


def problem_number(year: int, serial: int) -> str:
    """WT〔2024〕第3号 is what people say; the ledger shows 2024-003."""
    return f"{year}-{serial:03d}"
