"""The pure rules, table-driven, without a database."""

from datetime import date, timedelta

import pytest

from tuijin.problems import rules


class Weekdays:
    """Monday to Friday are working days."""

    def add_workdays(self, d, n):
        while n:
            d += timedelta(days=1)
            if d.weekday() < 5:
                n -= 1
        return d

    def workdays_between(self, a, b):
        return sum(1 for i in range(1, (b - a).days + 1) if (a + timedelta(days=i)).weekday() < 5)


@pytest.mark.parametrize(
    ("status", "roles", "expected"),
    [
        ("filed", {rules.OFFICE}, ["sort", "assign", "escalate"]),
        ("filed", {rules.ASSIGNEE}, []),
        ("assigned", {rules.ASSIGNEE}, ["acknowledge", "request_transfer", "request_escalation"]),
        ("acknowledged", {rules.ASSIGNEE}, ["progress", "request_transfer", "request_escalation", "reply"]),
        ("acknowledged", {rules.OFFICE}, ["transfer", "escalate", "remind", "supervise"]),
        ("replied", {rules.OFFICE}, ["review_close", "review_return"]),
        ("replied", {rules.ASSIGNEE}, []),
        ("closed", {rules.OFFICE, rules.ASSIGNEE}, []),
    ],
)
def test_allowed_steps(status, roles, expected):
    assert rules.allowed_steps(status, roles) == expected


@pytest.mark.parametrize(
    ("step", "status", "fragment"),
    [
        ("review_close", "closed", "已销号"),
        ("acknowledge", "acknowledged", "办理中"),
        ("assign", "filed", ""),
        ("review_return", "replied", ""),
    ],
)
def test_check_step(step, status, fragment):
    message = rules.check_step(step, status)
    assert (fragment in message) if fragment else message == ""


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [(date(2024, 6, 3), 5, date(2024, 6, 10)), (date(2024, 6, 7), 1, date(2024, 6, 10))],
)
def test_due_date(start, n, due):
    assert rules.due_date(Weekdays(), start, n) == due


@pytest.mark.parametrize(
    ("status", "due", "today", "overdue", "days"),
    [
        ("assigned", date(2024, 6, 10), date(2024, 6, 10), False, 0),
        ("acknowledged", date(2024, 6, 10), date(2024, 6, 12), True, 2),
        ("replied", date(2024, 6, 10), date(2024, 6, 12), False, 0),
        ("closed", date(2024, 6, 10), date(2024, 6, 12), False, 0),
        ("assigned", None, date(2024, 6, 12), False, 0),
    ],
)
def test_overdue(status, due, today, overdue, days):
    assert rules.is_overdue(status, due, today) is overdue
    assert rules.overdue_workdays(Weekdays(), status, due, today) == days


@pytest.mark.parametrize(("n", "ok"), [(1, True), (0, False), (251, False), (None, False), (True, False)])
def test_check_workdays(n, ok):
    assert (rules.check_workdays(n) == "") is ok


LEVELS = rules.ladder(
    [{"key": "unit", "name": "单位"}, {"key": "office", "name": "项目办"}, {"key": "leader"}]
)


@pytest.mark.parametrize(
    ("current", "target", "ok"),
    [("", "office", True), ("", "leader", True), ("office", "office", False), ("leader", "leader", False)],
)
def test_escalation(current, target, ok):
    assert (rules.check_escalation(LEVELS, current, target) == "") is ok


def test_next_level_and_numbers():
    assert rules.next_level(LEVELS, "").key == "office"
    assert rules.next_level(LEVELS, "office").key == "leader"
    assert rules.next_level(LEVELS, "leader") is None
    assert "没有规定" in rules.check_escalation([], "", "x")
    assert rules.slip_number(2024, 12) == "〔2024〕第12号"
    assert rules.problem_number(2024, 3) == "2024-003"
