"""Pure rules of reports: periods, due dates, the status machine, validation, lateness (no database)."""

from datetime import date
from decimal import Decimal

import pytest

from tuijin.reports import rules


@pytest.mark.parametrize(
    ("kind", "day", "start"),
    [
        ("weekly", date(2024, 6, 24), date(2024, 6, 24)),  # Monday
        ("weekly", date(2024, 6, 30), date(2024, 6, 24)),  # Sunday
        ("weekly", date(2024, 1, 3), date(2024, 1, 1)),
        ("monthly", date(2024, 2, 29), date(2024, 2, 1)),
        ("monthly", date(2024, 6, 1), date(2024, 6, 1)),
    ],
)
def test_period_start(kind, day, start):
    assert rules.period_start(kind, day) == start


def test_previous_and_next_periods():
    assert rules.previous_period("weekly", date(2024, 6, 24)) == date(2024, 6, 17)
    assert rules.previous_period("monthly", date(2024, 3, 1)) == date(2024, 2, 1)
    assert rules.next_period("monthly", date(2024, 12, 1)) == date(2025, 1, 1)
    assert rules.next_period("weekly", date(2024, 12, 30)) == date(2025, 1, 6)


@pytest.mark.parametrize(
    ("data", "kind", "value", "basis"),
    [
        ({"reporting": {"weekly_progress": {"due_weekday": 4, "basis": "notice"}}}, "weekly", 4, "notice"),
        ({"reporting": {"weekly_progress": {"due_weekday": 5, "basis": "default"}}}, "weekly", 5, "default"),
        ({"reporting": {"x": {"frequency": "weekly", "due_weekday": 3}}}, "weekly", 3, "notice"),
        ({"reporting": {}}, "weekly", 5, "fallback"),
        (None, "weekly", 5, "fallback"),
        ({"reporting": {"monthly_report": {"due_day": 20}}}, "monthly", 20, "notice"),
        ({"reporting": {"monthly_progress": {"due_day": 25, "basis": "default"}}}, "monthly", 25, "default"),
        ({}, "monthly", 25, "fallback"),
    ],
)
def test_due_rule(data, kind, value, basis):
    rule = rules.due_rule(kind, data)
    assert (rule.value, rule.basis) == (value, basis)


@pytest.mark.parametrize(
    ("kind", "start", "value", "due"),
    [
        ("weekly", date(2024, 6, 24), 5, date(2024, 6, 28)),
        ("weekly", date(2024, 6, 24), 1, date(2024, 6, 24)),
        ("monthly", date(2024, 6, 1), 25, date(2024, 6, 25)),
        ("monthly", date(2024, 2, 1), 31, date(2024, 2, 29)),
    ],
)
def test_due_date(kind, start, value, due):
    assert rules.due_date(kind, start, rules.DueRule(kind, value, "notice", "")) == due


@pytest.mark.parametrize(
    ("status", "event", "after"),
    [
        ("draft", "save", "draft"),
        ("draft", "submit", "submitted"),
        ("returned", "save", "returned"),
        ("returned", "submit", "submitted"),
        ("submitted", "approve", "approved"),
        ("submitted", "return", "returned"),
        ("approved", "accept", "accepted"),
        ("approved", "return", "returned"),
        ("draft", "proxy", "accepted"),
        ("returned", "proxy", "accepted"),
        ("submitted", "save", None),
        ("submitted", "submit", None),
        ("approved", "approve", None),
        ("accepted", "return", None),
        ("accepted", "proxy", None),
        ("submitted", "proxy", None),  # the office accepts or returns what the unit submitted
        ("approved", "proxy", None),
        ("accepted", "save", None),
        ("draft", "accept", None),
        ("draft", "approve", None),
    ],
)
def test_transitions(status, event, after):
    assert rules.next_status(status, event) == after


@pytest.mark.parametrize(
    ("due", "submitted", "today", "late"),
    [
        (date(2024, 6, 28), date(2024, 6, 28), None, False),
        (date(2024, 6, 28), date(2024, 6, 29), None, True),
        (date(2024, 6, 28), None, date(2024, 6, 29), True),
        (date(2024, 6, 28), None, date(2024, 6, 28), False),
    ],
)
def test_is_late(due, submitted, today, late):
    assert rules.is_late(due, submitted, today=today) is late


@pytest.mark.parametrize(
    ("status", "submitted", "today", "state"),
    [
        (None, None, date(2024, 6, 27), "pending"),
        (None, None, date(2024, 6, 29), "missing"),
        ("draft", None, date(2024, 6, 29), "missing"),
        ("submitted", date(2024, 6, 28), date(2024, 7, 5), "on_time"),
        ("accepted", date(2024, 6, 29), date(2024, 7, 5), "late"),
    ],
)
def test_report_state(status, submitted, today, state):
    assert rules.report_state(status, date(2024, 6, 28), submitted, today) == state


@pytest.mark.parametrize("submitted", [date(2024, 6, 27), date(2024, 6, 29)])
def test_proxy_report_state(submitted):
    """代填 is neither on time nor late for the unit, whenever the office filled it in."""
    assert (
        rules.report_state("accepted", date(2024, 6, 28), submitted, date(2024, 7, 5), is_proxy=True)
        == "proxy"
    )
    assert rules.report_state(None, date(2024, 6, 28), None, date(2024, 7, 5), is_proxy=True) == "missing"
    assert rules.STATES["proxy"] == "代填"


def test_future_period_refused():
    today = date(2024, 6, 26)
    assert rules.check_period("weekly", date(2024, 6, 24), today=today) == ""
    assert rules.check_period("weekly", date(2024, 6, 17), today=today) == ""
    assert "还没到" in rules.check_period("weekly", date(2024, 7, 1), today=today)
    assert "还没到" in rules.check_period("monthly", date(2024, 7, 1), today=today)


@pytest.mark.parametrize(
    ("content", "submitting", "field", "fragment"),
    [
        ({"progress": ""}, True, "progress", "请填写最新工作进展"),
        ({"progress": "开工", "responsible_person": ""}, True, "responsible_person", "请填写责任人"),
        ({"progress": "x" * 2001}, False, "progress", "不能超过 2000 字"),
        ({"responsible_person": "张" * 41}, False, "responsible_person", "不能超过 40 字"),
    ],
)
def test_weekly_content_errors(content, submitting, field, fragment):
    errors = rules.check_content("weekly", content, submitting=submitting)
    assert fragment in errors[field]


def test_weekly_draft_may_be_empty():
    assert rules.check_content("weekly", {}, submitting=False) == {}


@pytest.mark.parametrize(
    ("amount", "before", "total", "fragment"),
    [
        (Decimal("-1"), Decimal(0), Decimal(100), "不能为负数"),
        (Decimal("60"), Decimal("50"), Decimal("100"), "超过项目总投资"),
        (None, Decimal(0), Decimal(100), "没有完成投资填 0"),
    ],
)
def test_monthly_investment_errors(amount, before, total, fragment):
    errors = rules.check_content(
        "monthly",
        {"progress": "进展", "investment_completed": amount},
        submitting=True,
        cumulative_before=before,
        total_investment=total,
    )
    assert fragment in errors["investment_completed"]


def test_monthly_investment_up_to_total_is_fine():
    errors = rules.check_content(
        "monthly",
        {"progress": "进展", "investment_completed": Decimal("50")},
        submitting=True,
        cumulative_before=Decimal("50"),
        total_investment=Decimal("100"),
    )
    assert errors == {}


@pytest.mark.parametrize(
    ("text", "value", "error"),
    [
        ("", None, ""),
        ("1,200.5", Decimal("1200.5"), ""),
        ("abc", None, "不是数字"),
        ("1.234", None, "两位小数"),
        ("NaN", None, "不是数字"),
    ],
)
def test_parse_amount(text, value, error):
    parsed, message = rules.parse_amount(text)
    assert parsed == value
    assert error in message if error else message == ""


@pytest.mark.parametrize(
    ("size", "fmt", "fragment"),
    [
        (100, "JPEG", ""),
        (100, "PNG", ""),
        (100, "WEBP", ""),
        (100, None, "不是 JPEG、PNG 或 WebP 图片"),
        (100, "GIF", "不是 JPEG、PNG 或 WebP 图片"),
        (11 * 1024 * 1024, "JPEG", "超过 10 MB"),
        (0, None, "空文件"),
    ],
)
def test_check_photo(size, fmt, fragment):
    message = rules.check_photo(name="a.jpg", size=size, image_format=fmt, max_bytes=10 * 1024 * 1024)
    assert (fragment in message and "a.jpg" in message) if fragment else message == ""


def test_reason_required():
    assert rules.check_reason("  ") == "退回须写明原因。"
    assert rules.check_reason("请补充") == ""


def test_labels():
    assert rules.period_label("weekly", date(2024, 6, 24)) == "2024年第26周（6月24日—6月30日）"
    assert rules.period_label("monthly", date(2024, 6, 1)) == "2024年6月"
    assert rules.parse_period("weekly", "2024-W26", today=date(2024, 7, 1)) == date(2024, 6, 24)
    assert rules.parse_period("monthly", "2024-06", today=date(2024, 7, 1)) == date(2024, 6, 1)
    assert rules.parse_period("weekly", "junk", today=date(2024, 7, 3)) == date(2024, 7, 1)


def test_period_choices_offer_this_week_and_twelve_before_plus_an_older_shown_one():
    today = date(2024, 6, 26)
    choices = rules.period_choices("weekly", date(2024, 6, 24), today)
    assert len(choices) == 13
    assert choices[0] == {
        "value": "2024-W26",
        "label": rules.period_label("weekly", date(2024, 6, 24)),
        "selected": True,
    }
    assert choices[-1]["value"] == "2024-W14"
    older = rules.period_choices("weekly", date(2024, 1, 1), today)
    assert len(older) == 14 and older[-1] == {
        "value": "2024-W01",
        "label": rules.period_label("weekly", date(2024, 1, 1)),
        "selected": True,
    }
    months = rules.period_choices("monthly", date(2024, 6, 1), today, count=2)
    assert [c["value"] for c in months] == ["2024-06", "2024-05", "2024-04"]
