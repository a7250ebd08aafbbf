"""Pure rules of reports (issue 5 parts 1–3): periods, due dates from the rule set, the status machine,
validation of a report's content and of a photo, lateness. Standard library only; `today` is an argument.

Due dates (WH19 三(三)三 "每周五之前上报", 三(二)三 "每月 25 日前"): a rule set's `[reporting]` section names a
weekly report with `due_weekday` (1 = Monday … 7 = Sunday) and a monthly one with `due_day`; a rule set
that lacks them falls back to Friday / the 25th (basis "default", taken from WH19).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

KINDS = {"weekly": "周报", "monthly": "月报"}
STATUSES = {
    "draft": "草稿",
    "submitted": "待单位负责人审核",
    "approved": "待项目办审核",
    "returned": "已退回",
    "accepted": "已通过",
}
STATUS_SHORT = {
    "draft": "草稿",
    "submitted": "待单位审核",
    "approved": "待项目办审核",
    "returned": "已退回",
    "accepted": "已通过",
    "missing": "未填报",
}
EVENTS = {
    "save": "保存草稿",
    "submit": "提交",
    "approve": "单位审核通过并报送",
    "return": "退回",
    "accept": "项目办审核通过",
    "proxy": "项目办代填",
}

# (status before, event) → status after. A unit edits a draft or a returned report; once submitted it
# waits for its head (who may send it back to the unit by returning it too), then for the office.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "save"): "draft",
    ("returned", "save"): "returned",
    ("draft", "submit"): "submitted",
    ("returned", "submit"): "submitted",
    ("submitted", "approve"): "approved",
    ("submitted", "return"): "returned",
    ("approved", "return"): "returned",
    ("approved", "accept"): "accepted",
    # 代填: the office fills in (and thereby accepts) a unit's report that is missing, a draft or returned
    ("draft", "proxy"): "accepted",
    ("returned", "proxy"): "accepted",
    ("submitted", "proxy"): "accepted",
    ("approved", "proxy"): "accepted",
}
EDITABLE = frozenset({"draft", "returned"})

WEEKLY_FIELDS = ("basic_facts", "needs", "progress", "plan_next", "responsible_person", "unit_head_name")
MONTHLY_FIELDS = (
    "progress",
    "plan_next",
    "new_starts",
    "problem_status",
    "difficulties",
    "responsible_person",
    "unit_head_name",
    "investment_completed",
)
CONTENT_FIELDS = tuple(dict.fromkeys(WEEKLY_FIELDS + MONTHLY_FIELDS))
FIELD_LABELS = {
    "basic_facts": "基本情况",
    "needs": "需协调解决的问题和需求",
    "progress": "最新工作进展",
    "plan_next": "未来两周工作计划",
    "responsible_person": "责任人",
    "unit_head_name": "单位主要负责人",
    "new_starts": "下月新开工项目（按周）",
    "problem_status": "问题限时解决情况",
    "difficulties": "困难和问题",
    "investment_completed": "本月完成投资（万元）",
}
MONTHLY_LABELS = {**FIELD_LABELS, "progress": "本月工作进展", "plan_next": "下月工作计划"}
TEXT_LIMITS = {
    "basic_facts": 2000,
    "needs": 2000,
    "progress": 2000,
    "plan_next": 2000,
    "new_starts": 2000,
    "problem_status": 2000,
    "difficulties": 2000,
    "responsible_person": 40,
    "unit_head_name": 40,
}
REASON_LIMIT = 500

DEFAULT_DUE_WEEKDAY = 5  # WH19 三(三)三 每周五之前上报
DEFAULT_DUE_DAY = 25  # WH19 三(二)三 每月 25 日前
WEEKLY_KEYS = ("weekly_progress",)
MONTHLY_KEYS = ("monthly_report", "monthly_progress")

PHOTO_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}
PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "MPO": "image/jpeg"}


# ---------------------------------------------------------------------------------------------------
# Periods


def period_start(kind: str, day: date) -> date:
    """The first day of the period `day` falls in: Monday of its week, or the 1st of its month."""
    if kind == "weekly":
        return day - timedelta(days=day.weekday())
    if kind == "monthly":
        return day.replace(day=1)
    raise ValueError(f"unknown report kind {kind!r}")


def period_end(kind: str, start: date) -> date:
    if kind == "weekly":
        return start + timedelta(days=6)
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def previous_period(kind: str, start: date) -> date:
    if kind == "weekly":
        return start - timedelta(days=7)
    return (start - timedelta(days=1)).replace(day=1)


def next_period(kind: str, start: date) -> date:
    if kind == "weekly":
        return start + timedelta(days=7)
    return period_end(kind, start) + timedelta(days=1)


def period_label(kind: str, start: date) -> str:
    if kind == "weekly":
        end = start + timedelta(days=6)
        iso = start.isocalendar()
        return f"{iso[0]}年第{iso[1]}周（{start.month}月{start.day}日—{end.month}月{end.day}日）"
    return f"{start.year}年{start.month}月"


def parse_period(kind: str, text: str, *, today: date) -> date:
    """A period from a page's picker (`2024-W26`, `2024-06`, or any ISO date in it); today's on nonsense."""
    text = (text or "").strip()
    try:
        if kind == "weekly" and "-W" in text:
            year, week = text.split("-W")
            return date.fromisocalendar(int(year), int(week), 1)
        if kind == "monthly" and len(text) == 7:
            return date(int(text[:4]), int(text[5:7]), 1)
        return period_start(kind, date.fromisoformat(text))
    except (ValueError, TypeError):
        return period_start(kind, today)


def period_param(kind: str, start: date) -> str:
    if kind == "weekly":
        iso = start.isocalendar()
        return f"{iso[0]}-W{iso[1]:02d}"
    return f"{start.year}-{start.month:02d}"


# ---------------------------------------------------------------------------------------------------
# Due dates from the rule set


@dataclass(frozen=True)
class DueRule:
    kind: str
    value: int  # weekday 1–7 (weekly) or day of month 1–31 (monthly)
    basis: str  # "notice", "default" (the rule set says so) or "fallback" (the rule set lacks it)
    source: str


def _find(reporting: Mapping[str, Any], keys: tuple[str, ...], frequency: str, field: str) -> Mapping | None:
    for key in keys:
        item = reporting.get(key)
        if isinstance(item, Mapping) and field in item:
            return item
    for item in reporting.values():
        if (
            isinstance(item, Mapping)
            and item.get("frequency") == frequency
            and item.get("kind", "report") == "report"
            and field in item
        ):
            return item
    return None


def due_rule(kind: str, ruleset_data: Mapping[str, Any] | None) -> DueRule:
    """The due weekday / day of a report kind from a rule set's parsed TOML (None: no rule set)."""
    reporting = (ruleset_data or {}).get("reporting") or {}
    if kind == "weekly":
        item = _find(reporting, WEEKLY_KEYS, "weekly", "due_weekday")
        if item is None:
            return DueRule(kind, DEFAULT_DUE_WEEKDAY, "fallback", "WH19 三(三)三“每周五之前上报”")
        return DueRule(kind, int(item["due_weekday"]), item.get("basis", "notice"), item.get("source", ""))
    item = _find(reporting, MONTHLY_KEYS, "monthly", "due_day")
    if item is None:
        return DueRule(kind, DEFAULT_DUE_DAY, "fallback", "WH19 三(二)三“每月 25 日前”")
    return DueRule(kind, int(item["due_day"]), item.get("basis", "notice"), item.get("source", ""))


def due_date(kind: str, start: date, rule: DueRule) -> date:
    """The day a period's report is due (inclusive): the rule's weekday of the week, or its day of the
    month (the month's last day when the month is shorter)."""
    if kind == "weekly":
        return start + timedelta(days=rule.value - 1)
    last = calendar.monthrange(start.year, start.month)[1]
    return start.replace(day=min(rule.value, last))


def is_late(due_on: date, submitted_on: date | None, *, today: date | None = None) -> bool:
    """Late: first submitted after the due day, or (given today) not submitted and the due day has passed."""
    if submitted_on is not None:
        return submitted_on > due_on
    return today is not None and today > due_on


def report_state(status: str | None, due_on: date, submitted_on: date | None, today: date) -> str:
    """The cycle state of one project's report: "missing" (nothing submitted and due passed), "late",
    "on_time", or "pending" (not submitted yet, still before the due day)."""
    if submitted_on is None or status in (None, "draft"):
        return "missing" if today > due_on else "pending"
    return "late" if submitted_on > due_on else "on_time"


# ---------------------------------------------------------------------------------------------------
# Status machine


def next_status(status: str, event: str) -> str | None:
    """The status after `event`, or None when the event is not allowed from `status`."""
    return TRANSITIONS.get((status, event))


def transition_error(status: str, event: str) -> str:
    return f"报告当前状态为“{STATUSES.get(status, status)}”，不能{EVENTS.get(event, event)}。"


# ---------------------------------------------------------------------------------------------------
# Validation


def check_period(kind: str, start: date, *, today: date) -> str:
    """'' or the Chinese error for a period: a future week or month is refused."""
    if start > period_start(kind, today):
        return f"{period_label(kind, start)}还没到，不能填报未来的{KINDS[kind]}。"
    return ""


def check_content(
    kind: str,
    content: Mapping[str, Any],
    *,
    submitting: bool,
    cumulative_before: Decimal = Decimal(0),
    total_investment: Decimal | None = None,
) -> dict[str, str]:
    """Field → Chinese error for one project's report content. On submission the weekly report needs its
    progress (最新工作进展) and 责任人; the monthly report its progress and investment completed. Investment
    is never negative, and with the months before it never exceeds the project's total investment."""
    errors: dict[str, str] = {}
    labels = MONTHLY_LABELS if kind == "monthly" else FIELD_LABELS
    for field, limit in TEXT_LIMITS.items():
        value = content.get(field) or ""
        if len(value) > limit:
            errors[field] = f"{labels[field]}不能超过 {limit} 字（现有 {len(value)} 字）。"
    if submitting:
        required = ("progress", "responsible_person") if kind == "weekly" else ("progress",)
        for field in required:
            if not (content.get(field) or "").strip() and field not in errors:
                errors[field] = f"请填写{labels[field]}。"
    if kind == "monthly":
        amount = content.get("investment_completed")
        if amount is None:
            if submitting:
                errors["investment_completed"] = "请填写本月完成投资（万元），没有完成投资填 0。"
        elif amount < 0:
            errors["investment_completed"] = f"本月完成投资不能为负数（填写的是 {amount} 万元）。"
        elif total_investment is not None and cumulative_before + amount > total_investment:
            errors["investment_completed"] = (
                f"累计完成投资将达 {cumulative_before + amount} 万元，超过项目总投资 {total_investment} 万元"
                f"（此前累计 {cumulative_before} 万元，本月填写 {amount} 万元）。"
            )
    return errors


def parse_amount(text: str | None) -> tuple[Decimal | None, str]:
    """An amount in 万元 from a form field: (value, '') or (None, Chinese error); blank is (None, '')."""
    text = (text or "").strip().replace(",", "").replace("，", "")
    if not text:
        return None, ""
    try:
        value = Decimal(text)
    except ArithmeticError:
        return None, f"“{text}”不是数字，请填写万元数。"
    if not value.is_finite():
        return None, f"“{text}”不是数字，请填写万元数。"
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        return None, "完成投资最多保留两位小数（万元）。"
    if abs(value) >= Decimal("1e12"):
        return None, f"“{text}”过大，请填写万元数。"
    return value, ""


def check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        return "退回须写明原因。"
    if len(reason) > REASON_LIMIT:
        return f"退回原因不能超过 {REASON_LIMIT} 字。"
    return ""


def check_photo(*, name: str, size: int, image_format: str | None, max_bytes: int) -> str:
    """'' or the Chinese error naming the file: only JPEG, PNG or WebP images within the size limit."""
    if size > max_bytes:
        return f"“{name}”有 {size / 1024 / 1024:.1f} MB，超过 {max_bytes // (1024 * 1024)} MB 的上限。"
    if size == 0:
        return f"“{name}”是空文件。"
    if image_format not in PHOTO_FORMATS:
        return f"“{name}”不是 JPEG、PNG 或 WebP 图片，不能作为现场照片上传。"
    return ""


def check_taken_on(taken_on: date | None, *, today: date) -> str:
    if taken_on is None:
        return "请填写拍摄日期。"
    if taken_on > today:
        return f"拍摄日期 {taken_on} 晚于今天。"
    return ""


def content_changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The content fields whose values differ (for the history page's diff)."""
    return [f for f in CONTENT_FIELDS if (before.get(f) or "") != (after.get(f) or "")]
