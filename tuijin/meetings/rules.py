"""Pure rules of scheduling meetings and decided matters (REQ E; WH19 四(一), 附件3 第3行; ETDZ19 三(二);
KF19 二; NC20 三(一); DH24 五(三)). Standard library only: no Django, no database.

The constants below are the vocabulary the models, pages and exchange share. The functions that follow are
the cadence calendar (`occurrences`, `slots`, `period_of`), reading a rule set's meeting cadences
(`cadence_series`) and the texts of the minutes (number, title, ordinals); the decided matters' lateness
bands, repeat raises and the `[matters]` section are `matter_rules`.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

# Meeting kinds of the rule set's [cadences] entries that are meetings (the others are supervision,
# assessment: see docs/rulesets.md). A series the office defines itself picks one of these too.
SERIES_KINDS = {
    "meeting": "调度会议",
    "coordination": "协调会",
    "consultation": "会商会",
    "notice": "通报会",
    "review": "点评会",
    "visit": "观摩/现场办公",
}

FREQUENCIES = {
    "daily": "每日",
    "weekly": "每周",
    "ten_days": "每旬",
    "biweekly": "每两周",
    "monthly": "每月",
    "bimonthly": "每两月",
    "quarterly": "每季度",
    "half_year": "每半年",
    "yearly": "每年",
    "as_needed": "适时（按需）",
}

MEETING_STATUSES = {
    "planned": "计划",
    "preparing": "筹备中",
    "held": "已召开",
    "issued": "纪要已印发",
    "cancelled": "已取消",
}

AGENDA_KINDS = {
    "problem": "上报问题",
    "red_project": "红灯项目",
    "overdue_matter": "逾期议定事项",
    "carried_matter": "未办结议定事项",
    "card_unit": "拟黄牌/红牌单位",
    "other": "其他议题",
}

ATTENDANCE = {
    "present": "出席",
    "substitute": "委托参会",
    "leave": "请假",
    "absent": "缺席",
}

MATTER_STATUSES = {
    "open": "办理中",
    "replied": "已报办结",
    "closed": "已销号",
    "carried": "已转下次会议",
    "escalated": "已提请上级",
    "cancelled": "已撤销",
}

# Lateness bands of a decided matter with a deadline (WH19 附件3 第3行): the thresholds are working days
# and come from the rule set's [matters] section; these are the keys and labels.
BANDS = {
    "early": "提前完成",
    "on_time": "按期完成",
    "late": "超期",  # late by at most the first threshold
    "late_1": "超期超过第一档",  # e.g. > 5 working days
    "late_2": "超期超过第二档",  # e.g. > 10
    "late_3": "超期超过第三档",  # e.g. > 20
}

MATTER_EVENTS = {
    "decided": "会议议定",
    "progress": "办理进展",
    "reply": "报办结",
    "close": "销号",
    "return": "退回",
    "remind": "提醒",
    "supervise": "督办",
    "carry": "转下次会议",
    "escalate": "提请上级",
    "raised_again": "再次上会",
    "cancel": "撤销",
}


# ---------------------------------------------------------------------------------------------------
# The cadence calendar: which day each period's meeting is planned for.


# Two-week periods are counted from this Monday (so every jurisdiction's fortnights line up).
BIWEEKLY_ANCHOR = date(2018, 1, 1)
MONTHS_PER_PERIOD = {"monthly": 1, "bimonthly": 2, "quarterly": 3, "half_year": 6, "yearly": 12}


@dataclass(frozen=True)
class Slot:
    """One period of a cadence and the day its meeting is planned for."""

    start: date
    end: date
    date: date


def _month_start(d: date, months: int) -> date:
    first_month = (d.month - 1) // months * months + 1
    return date(d.year, first_month, 1)


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_of(frequency: str, d: date, ten_day_starts: tuple[int, ...] = (1, 11, 21)) -> tuple[date, date]:
    """The period of a cadence that contains `d`: (first day, last day). Daily and as-needed: the day."""
    if frequency == "weekly":
        start = d - timedelta(days=d.weekday())
        return start, start + timedelta(days=6)
    if frequency == "biweekly":
        start = d - timedelta(days=(d - BIWEEKLY_ANCHOR).days % 14)
        return start, start + timedelta(days=13)
    if frequency == "ten_days":
        starts = sorted(s for s in ten_day_starts if 1 <= s <= 28) or [1]
        if starts[0] != 1:
            starts = [1, *starts]
        day = max(s for s in starts if s <= d.day)
        later = [s for s in starts if s > day]
        last = later[0] - 1 if later else monthrange(d.year, d.month)[1]
        return d.replace(day=day), d.replace(day=last)
    if frequency in MONTHS_PER_PERIOD:
        months = MONTHS_PER_PERIOD[frequency]
        start = _month_start(d, months)
        return start, _add_months(start, months) - timedelta(days=1)
    return d, d


def _planned_day(
    start: date, end: date, is_workday: Callable[[date], bool], weekday: int | None
) -> date | None:
    """The first working day of the period, or the series' weekday in it (its first such day); a day
    that is not a working day moves to the next working day; if that leaves the period, to the last
    working day before it in the period; a period without any working day has no meeting."""
    day = start
    if weekday is not None and 1 <= weekday <= 7:
        day = start + timedelta(days=(weekday - 1 - start.weekday()) % 7)
        if day > end:
            day = start
    planned = day
    while planned <= end and not is_workday(planned):
        planned += timedelta(days=1)
    if planned <= end:
        return planned
    planned = day - timedelta(days=1)
    while planned >= start and not is_workday(planned):
        planned -= timedelta(days=1)
    return planned if planned >= start else None


def slots(
    frequency: str,
    start: date,
    end: date,
    is_workday: Callable[[date], bool],
    weekday: int | None = None,
    ten_day_starts: tuple[int, ...] = (1, 11, 21),
) -> list[Slot]:
    """The periods of a cadence overlapping [start, end] whose planned day lies in [start, end]."""
    if frequency == "as_needed" or frequency not in FREQUENCIES or start > end:
        return []
    found: list[Slot] = []
    if frequency == "daily":
        day = start
        while day <= end:
            if is_workday(day):
                found.append(Slot(day, day, day))
            day += timedelta(days=1)
        return found
    period_start, period_end = period_of(frequency, start, ten_day_starts)
    while period_start <= end:
        planned = _planned_day(period_start, period_end, is_workday, weekday)
        if planned is not None and start <= planned <= end:
            found.append(Slot(period_start, period_end, planned))
        period_start, period_end = period_of(frequency, period_end + timedelta(days=1), ten_day_starts)
    return found


def occurrences(
    frequency: str,
    start: date,
    end: date,
    is_workday: Callable[[date], bool],
    weekday: int | None = None,
    ten_day_starts: tuple[int, ...] = (1, 11, 21),
) -> list[date]:
    """Planned meeting days of a cadence in [start, end], one per period (see `_planned_day`);
    `as_needed` → none; daily → every working day."""
    return [slot.date for slot in slots(frequency, start, end, is_workday, weekday, ten_day_starts)]


# ---------------------------------------------------------------------------------------------------
# Minutes


def minutes_number_text(year: int | None, number: int | None) -> str:
    """〔2024〕第3期"""
    if not year or not number:
        return ""
    return f"〔{year}〕第{number}期"


def default_title(series_name: str, day: date) -> str:
    """区重大重点项目月度调度会（2024年6月）"""
    return f"{series_name}（{day.year}年{day.month}月）"


def ten_day_starts_of(data: dict) -> tuple[int, ...]:
    """The rule set's [calendar].ten_day_starts, else 1, 11, 21."""
    starts = ((data or {}).get("calendar") or {}).get("ten_day_starts") or (1, 11, 21)
    return tuple(int(s) for s in starts)


CADENCE_META_KEYS = frozenset({"summary", "levels", "source", "reading", "basis"})


@dataclass(frozen=True)
class CadenceSeries:
    """What a rule set's cadence says about a meeting series."""

    key: str
    name: str
    kind: str
    frequency: str
    times: int
    chair: str
    source: str
    level_key: str


def cadence_series(data: dict) -> list[CadenceSeries]:
    """The rule set's cadences that are meetings (kind in SERIES_KINDS), each with the escalation level
    whose `cadence` names it (the level its agenda reads)."""
    cadences = (data or {}).get("cadences") or {}
    levels = ((data or {}).get("escalation") or {}).get("levels") or []
    level_of = {str(lv.get("cadence")): str(lv.get("key", "")) for lv in levels if lv.get("cadence")}
    found = []
    for key, entry in cadences.items():
        if key in CADENCE_META_KEYS or not isinstance(entry, dict):
            continue
        if entry.get("kind", "meeting") not in SERIES_KINDS:
            continue
        frequency = entry.get("frequency", "as_needed")
        found.append(
            CadenceSeries(
                key=key,
                name=str(entry.get("name", key))[:80],
                kind=entry.get("kind", "meeting"),
                frequency=frequency if frequency in FREQUENCIES else "as_needed",
                times=int(entry.get("times", 1) or 1),
                chair=str(entry.get("chair", ""))[:120],
                source=str(entry.get("source", ""))[:120],
                level_key=level_of.get(key, ""),
            )
        )
    return found


def minutes_title(jurisdiction_name: str, series_name: str) -> str:
    """“<辖区>重大重点项目<会议>会议纪要”; a series whose name already says 重大重点项目 (区重大重点项目
    月度调度会) is not said twice."""
    name = series_name.strip()
    if "重大重点项目" in name:
        name = name.split("重大重点项目", 1)[1]
    return f"{jurisdiction_name}重大重点项目{name}会议纪要"


CHINESE_NUMERALS = "一二三四五六七八九十"


def chinese_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (agenda items of the minutes, up to 99)."""
    if n <= 0 or n >= 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CHINESE_NUMERALS[tens - 1] + "十")
    return head + (CHINESE_NUMERALS[ones - 1] if ones else "")


# What goes on which series' agenda besides the problems escalated to its level (review item 12).
# Red projects: a leader's own series (chair_person) → that leader's projects; a series of the ladder's
# lowest level (the units' own meetings, e.g. NC20 每日调度) → projects of its member units only; any
# other series → every red project of the jurisdiction. Units due for yellow/red cards: only on a
# monthly series that is not one leader's own (the cards are reviewed monthly and "在每月最后一次主任
# 办公会上通报", WH19 五; DH24 区重大重点项目月度调度会, NC20 常务副市长综合调度, WH19 月通报).
CARD_NOTICE_FREQUENCIES = frozenset({"monthly"})


def red_project_scope(level_key: str, ladder_keys: list[str], leader_series: bool) -> str:
    """ "leader" (the chair's projects), "units" (the member units' projects) or "all"."""
    if leader_series:
        return "leader"
    if level_key and ladder_keys and level_key == ladder_keys[0]:
        return "units"
    return "all"


def proposes_card_units(frequency: str, leader_series: bool) -> bool:
    return frequency in CARD_NOTICE_FREQUENCIES and not leader_series
