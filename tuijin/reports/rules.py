"""Pure rules of reports (issue 5 parts 1–3): periods, due dates from the rule set, the status machine,
validation of a report's content and of a photo, lateness. Standard library only; `today` is an argument.

Due dates (WH19 三(三)三 "每周五之前上报", 三(二)三 "每月 25 日前"): a rule set's `[reporting]` section names a
weekly report with `due_weekday` (1 = Monday … 7 = Sunday) and a monthly one with `due_day`; a rule set
that lacks them falls back to Friday / the 25th (basis "default", taken from WH19).

The third kind, 本周新开工 (`new_starts`, WH19 三(二)四 "每周五前向区重大项目办上报本周新开工项目情况"), is weekly
too (`[reporting.weekly_new_starts] due_weekday`, else the weekly report's day, else Friday). A project owes
it in the week its planned start falls in (`new_start_week`) or in the week it actually started.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

KINDS = {"weekly": "周报", "monthly": "月报", "new_starts": "本周新开工"}
WEEKLY_KINDS = ("weekly", "new_starts")  # periods are ISO weeks (Monday … Sunday)
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
# A period's state of one project's report (`report_state`): 代填 is a state of its own — the unit did not
# report, the office filled the report in — neither on time nor late for the unit.
STATES = {"missing": "缺报", "late": "迟报", "on_time": "按时报送", "pending": "未到截止日", "proxy": "代填"}
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
    # 代填: the office fills in (and thereby accepts) a unit's report that is missing (an empty draft is
    # created for it), a draft or returned — never one the unit submitted itself: that one the office
    # accepts or returns once the unit's head approved it.
    ("draft", "proxy"): "accepted",
    ("returned", "proxy"): "accepted",
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
# 本周新开工 (WH19 三(二)四): 是否开工 and 实际开工日期 are not stored here — they are the project's 开工
# StageTransition (one source of truth) and only shown; a project not started gives 未开工原因 and 预计开工时间.
NEW_START_FIELDS = (
    "progress",
    "not_started_reason",
    "expected_start",
    "ceremony_held",
    "ceremony_on",
    "responsible_person",
    "unit_head_name",
)
CONTENT_FIELDS = tuple(dict.fromkeys(WEEKLY_FIELDS + MONTHLY_FIELDS + NEW_START_FIELDS))
DATE_FIELDS = ("expected_start", "ceremony_on")
BOOL_FIELDS = ("ceremony_held",)
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
FIELD_LABELS.update(
    {
        "not_started_reason": "未开工原因",
        "expected_start": "预计开工时间",
        "ceremony_held": "是否举行开工仪式",
        "ceremony_on": "开工仪式日期",
    }
)
MONTHLY_LABELS = {**FIELD_LABELS, "progress": "本月工作进展", "plan_next": "下月工作计划"}
NEW_START_LABELS = {**FIELD_LABELS, "progress": "形象进度（建设内容）"}
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
    "not_started_reason": 2000,
}
REASON_LIMIT = 500

DEFAULT_DUE_WEEKDAY = 5  # WH19 三(三)三 每周五之前上报
DEFAULT_DUE_DAY = 25  # WH19 三(二)三 每月 25 日前
WEEKLY_KEYS = ("weekly_progress",)
NEW_START_KEYS = ("weekly_new_starts", "weekly_progress")
MONTHLY_KEYS = ("monthly_report", "monthly_progress")

PHOTO_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}
PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "MPO": "image/jpeg"}


def fields_of(kind: str) -> tuple[str, ...]:
    """The content fields a report of this kind has."""
    return {"weekly": WEEKLY_FIELDS, "monthly": MONTHLY_FIELDS, "new_starts": NEW_START_FIELDS}[kind]


def labels_of(kind: str) -> dict[str, str]:
    return {"monthly": MONTHLY_LABELS, "new_starts": NEW_START_LABELS}.get(kind, FIELD_LABELS)


# ---------------------------------------------------------------------------------------------------
# Periods


def period_start(kind: str, day: date) -> date:
    """The first day of the period `day` falls in: Monday of its week, or the 1st of its month."""
    if kind in WEEKLY_KINDS:
        return day - timedelta(days=day.weekday())
    if kind == "monthly":
        return day.replace(day=1)
    raise ValueError(f"unknown report kind {kind!r}")


def period_end(kind: str, start: date) -> date:
    if kind in WEEKLY_KINDS:
        return start + timedelta(days=6)
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def previous_period(kind: str, start: date) -> date:
    if kind in WEEKLY_KINDS:
        return start - timedelta(days=7)
    return (start - timedelta(days=1)).replace(day=1)


def next_period(kind: str, start: date) -> date:
    if kind in WEEKLY_KINDS:
        return start + timedelta(days=7)
    return period_end(kind, start) + timedelta(days=1)


def period_label(kind: str, start: date) -> str:
    if kind in WEEKLY_KINDS:
        end = start + timedelta(days=6)
        iso = start.isocalendar()
        return f"{iso[0]}年第{iso[1]}周（{start.month}月{start.day}日—{end.month}月{end.day}日）"
    return f"{start.year}年{start.month}月"


def parse_period(kind: str, text: str, *, today: date) -> date:
    """A period from a page's picker (`2024-W26`, `2024-06`, or any ISO date in it); today's on nonsense."""
    text = (text or "").strip()
    try:
        if kind in WEEKLY_KINDS and "-W" in text:
            year, week = text.split("-W")
            return date.fromisocalendar(int(year), int(week), 1)
        if kind == "monthly" and len(text) == 7:
            return date(int(text[:4]), int(text[5:7]), 1)
        return period_start(kind, date.fromisoformat(text))
    except (ValueError, TypeError):
        return period_start(kind, today)


def recent_periods(kind: str, today: date, count: int = 12) -> list[date]:
    """This period and the `count` before it, newest first (the pages' period picker)."""
    starts = [period_start(kind, today)]
    for _ in range(count):
        starts.append(previous_period(kind, starts[-1]))
    return starts


def period_param(kind: str, start: date) -> str:
    if kind in WEEKLY_KINDS:
        iso = start.isocalendar()
        return f"{iso[0]}-W{iso[1]:02d}"
    return f"{start.year}-{start.month:02d}"


def period_choices(kind: str, start: date, today: date, count: int = 12) -> list[dict[str, Any]]:
    """The options of a period picker (a <select>: `<input type=week>` is a plain text box in Safari and
    Firefox): this period and the `count` before it, plus the shown one when it is older."""
    starts = recent_periods(kind, today, count)
    if start not in starts:
        starts.append(start)
    return [
        {"value": period_param(kind, s), "label": period_label(kind, s), "selected": s == start}
        for s in starts
    ]


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
    if kind == "new_starts":
        item = _find(reporting, NEW_START_KEYS, "", "due_weekday")
        if item is None:
            return DueRule(
                kind, DEFAULT_DUE_WEEKDAY, "fallback", "WH19 三(二)四“每周五前…上报本周新开工项目情况”"
            )
        return DueRule(kind, int(item["due_weekday"]), item.get("basis", "notice"), item.get("source", ""))
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
    if kind in WEEKLY_KINDS:
        return start + timedelta(days=rule.value - 1)
    last = calendar.monthrange(start.year, start.month)[1]
    return start.replace(day=min(rule.value, last))


def is_late(due_on: date, submitted_on: date | None, *, today: date | None = None) -> bool:
    """Late: first submitted after the due day, or (given today) not submitted and the due day has passed."""
    if submitted_on is not None:
        return submitted_on > due_on
    return today is not None and today > due_on


def report_state(
    status: str | None, due_on: date, submitted_on: date | None, today: date, *, is_proxy: bool = False
) -> str:
    """The cycle state of one project's report: "missing" (nothing submitted and due passed), "late",
    "on_time", "pending" (not submitted yet, still before the due day), or "proxy" (代填: the office
    filled it in — the unit did not report, so it is not on time whatever the fill-in's date)."""
    if is_proxy and status not in (None, "draft"):
        return "proxy"
    if submitted_on is None or status in (None, "draft"):
        return "missing" if today > due_on else "pending"
    return "late" if submitted_on > due_on else "on_time"


# ---------------------------------------------------------------------------------------------------
# Status machine


def next_status(status: str, event: str) -> str | None:
    """The status after `event`, or None when the event is not allowed from `status`."""
    return TRANSITIONS.get((status, event))


def transition_error(status: str, event: str) -> str:
    if event == "proxy" and status in ("submitted", "approved"):
        return f"报告已由单位提交（{STATUSES[status]}），项目办不能代填；请待单位审核后在审核页通过或退回。"
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
    started: bool = False,
    period_start: date | None = None,
    today: date | None = None,
) -> dict[str, str]:
    """Field → Chinese error for one project's report content. On submission the weekly report needs its
    progress (最新工作进展) and 责任人; the monthly report its progress and investment completed. Investment
    is never negative, and with the months before it never exceeds the project's total investment.
    本周新开工: see `check_new_start` (`started`: the project has a 开工 date by the end of the week)."""
    errors: dict[str, str] = {}
    labels = labels_of(kind)
    for field, limit in TEXT_LIMITS.items():
        value = content.get(field) or ""
        if len(value) > limit:
            errors[field] = f"{labels[field]}不能超过 {limit} 字（现有 {len(value)} 字）。"
    if submitting:
        required = ("progress",) if kind == "monthly" else ("progress", "responsible_person")
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
    if kind == "new_starts":
        for field, message in check_new_start(
            content, submitting=submitting, started=started, period_start=period_start, today=today
        ).items():
            errors.setdefault(field, message)
    return errors


def check_new_start(
    content: Mapping[str, Any],
    *,
    submitting: bool,
    started: bool,
    period_start: date | None = None,
    today: date | None = None,
) -> dict[str, str]:
    """The 本周新开工 fields (WH19 三(二)四). A project not started by the end of the week gives 未开工原因 and
    预计开工时间 (not before the week); whether a 开工仪式 was held is always answered, and when held its date
    (not after today). A started project's 开工 date is its StageTransition, never typed here."""
    errors: dict[str, str] = {}
    labels = NEW_START_LABELS
    held = content.get("ceremony_held")
    ceremony_on = content.get("ceremony_on")
    expected = content.get("expected_start")
    if submitting:
        if held is None:
            errors["ceremony_held"] = "请选择是否举行开工仪式。"
        elif held and ceremony_on is None:
            errors["ceremony_on"] = "已举行开工仪式的，请填写开工仪式日期。"
        if not started:
            if not (content.get("not_started_reason") or "").strip():
                errors["not_started_reason"] = f"项目本周未开工，请填写{labels['not_started_reason']}。"
            if expected is None:
                errors["expected_start"] = f"项目本周未开工，请填写{labels['expected_start']}。"
    if isinstance(ceremony_on, date) and today is not None and ceremony_on > today:
        errors.setdefault("ceremony_on", f"开工仪式日期 {ceremony_on} 晚于今天，尚未举行的请选“未举行”。")
    if not started and isinstance(expected, date) and period_start is not None and expected < period_start:
        errors.setdefault(
            "expected_start", f"预计开工时间 {expected} 早于本周（{period_start} 起），请填写今后的日期。"
        )
    return errors


def new_start_week(planned: date | None, precision: str) -> date | None:
    """The Monday of the week a planned start is reported in (本周新开工): the week of a day- or
    week-precision date; for a month-precision date ("2024年6月") the week holding the month's last day —
    the last week the project can still start on time (basis = "default": WH19 gives no rule; a
    month-precision date is late only after its month, projects.rules.is_late)."""
    if planned is None:
        return None
    if precision == "month":
        planned = planned.replace(day=calendar.monthrange(planned.year, planned.month)[1])
    return planned - timedelta(days=planned.weekday())


def month_ending_in_week(week_start: date) -> tuple[int, int] | None:
    """(year, month) of the month whose last day falls in the week starting on `week_start`, or None."""
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        if (day + timedelta(days=1)).day == 1:
            return day.year, day.month
    return None


def parse_day(text: Any, label: str) -> tuple[date | None, str]:
    """A date from a form field (YYYY-MM-DD): (value, '') or (None, Chinese error); blank is (None, '')."""
    if isinstance(text, date) or text is None:
        return text, ""
    text = str(text).strip()
    if not text:
        return None, ""
    try:
        return date.fromisoformat(text), ""
    except ValueError:
        return None, f"{label}“{text}”不是有效日期，请按 2024-06-28 的格式填写。"


def parse_yes_no(text: Any) -> bool | None:
    """是/否 from a form field ("yes"/"no", "1"/"0", "是"/"否"); anything else is unanswered (None)."""
    if isinstance(text, bool) or text is None:
        return text
    value = str(text).strip().lower()
    if value in ("yes", "1", "true", "是"):
        return True
    if value in ("no", "0", "false", "否"):
        return False
    return None


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
    return [f for f in CONTENT_FIELDS if _blank(before.get(f)) != _blank(after.get(f))]


def _blank(value: Any) -> Any:
    return "" if value is None or value == "" else value
