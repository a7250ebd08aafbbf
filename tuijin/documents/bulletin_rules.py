"""Pure rules of briefings and notices (REQ J1; NC20 三(四)4 每周一简报、每月一通报, 四(三) 每月向社会公布排名;
ETDZ19 三(六) 每季度向区工委会汇报): what a period key means, the title, the number 〔2024〕N号, and which
status a step may start from. No Django here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

WEEKLY, MONTHLY, QUARTERLY = "weekly_briefing", "monthly_notice", "quarterly_report"
KIND_LABELS = {WEEKLY: "每周一简报", MONTHLY: "月通报", QUARTERLY: "季度工作汇报"}
# the word before the number: 简报〔2024〕12号, 通报〔2024〕6号, 汇报〔2024〕2号
NUMBER_WORDS = {WEEKLY: "简报", MONTHLY: "通报", QUARTERLY: "汇报"}
TITLE_WORDS = {
    WEEKLY: "重大重点项目推进工作简报",
    MONTHLY: "重大重点项目推进情况通报",
    QUARTERLY: "重大重点项目推进工作季度汇报",
}

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
PERIOD_HINTS = {WEEKLY: "2024-W23", MONTHLY: "2024-06", QUARTERLY: "2024Q2"}


@dataclass(frozen=True)
class Period:
    kind: str
    key: str
    year: int
    start: date
    end: date  # inclusive
    label: str  # 2024年第23周（6月3日至6月9日）, 2024年6月, 2024年第2季度


def _week(match: re.Match) -> Period:
    year, week = int(match[1]), int(match[2])
    start = date.fromisocalendar(year, week, 1)
    end = start + timedelta(days=6)
    label = f"{year}年第{week}周（{start.month}月{start.day}日至{end.month}月{end.day}日）"
    return Period(WEEKLY, match[0], year, start, end, label)


def _month(match: re.Match) -> Period:
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise ValueError(month)
    start = date(year, month, 1)
    end = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
    return Period(MONTHLY, match[0], year, start, end, f"{year}年{month}月")


def _quarter(match: re.Match) -> Period:
    year, quarter = int(match[1]), int(match[2])
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + quarter // 4, (3 * quarter) % 12 + 1, 1) - timedelta(days=1)
    return Period(QUARTERLY, match[0], year, start, end, f"{year}年第{quarter}季度")


_PARSERS = {WEEKLY: (_WEEK, _week), MONTHLY: (_MONTH, _month), QUARTERLY: (_QUARTER, _quarter)}


def period_parse(kind: str, key: str) -> Period:
    """The dates of a period key: week "2024-W23", month "2024-06", quarter "2024Q2". ValueError (Chinese)
    when the key does not fit the kind."""
    pattern, build = _PARSERS[kind]
    match = pattern.match((key or "").strip())
    if match is None:
        raise ValueError(f"{KIND_LABELS[kind]}的期次格式应如 {PERIOD_HINTS[kind]}。")
    try:
        return build(match)
    except ValueError as exc:
        raise ValueError(f"期次“{key}”不存在，格式应如 {PERIOD_HINTS[kind]}。") from exc


def period_for(kind: str, today: date) -> str:
    """The period a new draft is usually about: last week (the Monday briefing), last month, last quarter."""
    if kind == WEEKLY:
        year, week, _ = (today - timedelta(days=7)).isocalendar()
        return f"{year}-W{week:02d}"
    if kind == MONTHLY:
        last = today.replace(day=1) - timedelta(days=1)
        return f"{last.year}-{last.month:02d}"
    quarter = (today.month - 1) // 3  # the previous quarter; 0 means the last one of the year before
    return f"{today.year}Q{quarter}" if quarter else f"{today.year - 1}Q4"


def bulletin_title(jurisdiction: str, period: Period) -> str:
    """东湖区重大重点项目推进情况通报（2024年6月）."""
    return f"{jurisdiction}{TITLE_WORDS[period.kind]}（{period.label}）"


def number_text(kind: str, year: int | None, seq: int | None) -> str:
    """通报〔2024〕6号; "" before publication."""
    if not year or not seq:
        return ""
    return f"{NUMBER_WORDS[kind]}〔{year}〕{seq}号"


# Which status each step starts from, and the refusal otherwise.
STEPS = {
    "refresh": ("draft", "只有草稿可以刷新数据；已报送签发的请先由领导退回。"),
    "submit": ("draft", "只有草稿可以报送领导签发。"),
    "return": ("submitted", "只有待签发的简报通报可以退回。"),
    "sign": ("submitted", "只有待签发的简报通报可以签发。"),
    "publish": ("signed", "通报尚未经领导签发，不能发布"),
}
FROZEN = "已发布的简报通报不能再修改。"


def step_refusal(step: str, status: str) -> str:
    """Why `step` may not be taken from `status`, "" when it may. A published one never changes."""
    if status == "published":
        return FROZEN
    allowed, refusal = STEPS[step]
    return "" if status == allowed else refusal


def date_text(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""
