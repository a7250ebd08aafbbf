"""Entering or changing the calendar recomputes what depends on it: registered hooks are called, once
the change is committed, with the changed range (DESIGN.md "Working days")."""

from datetime import date

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from tuijin.core.calendar_hooks import (
    calendar_dependents,
    register_calendar_dependent,
    unregister_calendar_dependent,
)
from tuijin.core.calendar_services import calendar_day_set, calendar_import_xlsx, calendar_seed
from tuijin.core.calendar_tasks import CalendarRecomputeError, recompute_after_calendar_change

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
D = date.fromisoformat


# Each test starts from an empty calendar table, whether or not the migration seeded it.
pytestmark = pytest.mark.usefixtures("empty_calendar")


@pytest.fixture
def calls():
    """A registered dependent that records every range it is asked to recompute."""
    seen: list[tuple[date, date]] = []

    def recompute(first: date, last: date) -> int:
        seen.append((first, last))
        return 3

    register_calendar_dependent("test_lights", "测试亮灯", recompute)
    yield seen
    unregister_calendar_dependent("test_lights")


@override_settings(TASKS=IMMEDIATE)
def test_an_emergency_change_recomputes_that_day(world, calls, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        calendar_day_set(
            actor=world.admin, date=D("2027-03-01"), kind="off", name="临时休息", reason="紧急通知"
        )
    assert calls == [(D("2027-03-01"), D("2027-03-01"))]


@override_settings(TASKS=IMMEDIATE)
def test_an_import_recomputes_the_whole_year(world, calls, tmp_path, django_capture_on_commit_callbacks):
    book = openpyxl.Workbook()
    book.active.append(["日期", "类型", "名称"])
    book.active.append([date(2027, 2, 5), "休息", "春节"])
    path = tmp_path / "2027.xlsx"
    book.save(path)
    with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as handle:
        calendar_import_xlsx(actor=world.admin, year=2027, file=handle, document="通知")
    assert calls == [(D("2027-01-01"), D("2027-12-31"))]


@override_settings(TASKS=IMMEDIATE)
def test_seeding_recomputes_once_for_the_seeded_years(db, calls, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        calendar_seed()
    assert calls == [(D("2004-01-01"), D("2026-12-31"))]


@override_settings(TASKS=IMMEDIATE)
def test_nothing_is_recomputed_when_the_change_is_refused(world, calls, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        calendar_day_set(actor=world.admin, date=D("2027-03-01"), kind="off", name="临时休息", reason="")
    assert calls == []


def test_the_task_reports_what_each_dependent_changed(db, calls):
    outcome = recompute_after_calendar_change.call("2027-01-01", "2027-12-31")
    assert outcome["dependents"]["test_lights"] == {"label": "测试亮灯", "changed": 3}
    assert outcome["failed"] == []


def test_a_failing_dependent_does_not_stop_the_others_and_fails_the_task(db, calls):
    def broken(first, last):
        raise RuntimeError("boom")

    register_calendar_dependent("test_broken", "测试故障", broken)
    try:
        with pytest.raises(CalendarRecomputeError) as excinfo:
            recompute_after_calendar_change.call("2027-01-01", "2027-12-31")
    finally:
        unregister_calendar_dependent("test_broken")
    assert "test_broken" in str(excinfo.value)
    assert calls == [(D("2027-01-01"), D("2027-12-31"))]


def test_registering_twice_keeps_one_dependent(calls):
    register_calendar_dependent("test_lights", "测试亮灯", lambda a, b: 0)
    assert [d.name for d in calendar_dependents()].count("test_lights") == 1
