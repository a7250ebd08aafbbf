"""Pure table tests of decided matters' lateness bands (WH19 附件3 第3行) across 2024's holidays and make-up
days, repeat raises, steps and the [matters] rule-set section. No database."""

from datetime import date

import pytest

from tuijin.core.rules import ruleset_schema
from tuijin.core.rules.holidays import schedules_for
from tuijin.core.rules.workdays import WorkCalendar
from tuijin.meetings import matter_rules as mr

CAL = WorkCalendar.from_schedules(
    schedules_for(range(2023, 2026)), first=date(2023, 1, 1), last=date(2025, 12, 31)
)
BANDS = (5, 10, 20)
D = date.fromisoformat


@pytest.mark.parametrize(
    ("deadline", "done", "late", "band"),
    [
        # National Day 2024: 10-01..10-07 off; 09-29 (Sun) and 10-12 (Sat) are make-up working days
        ("2024-09-30", "2024-10-08", 1, "late"),  # the holiday week does not count
        ("2024-09-30", "2024-10-07", 0, "on_time"),  # done on a holiday: nothing after the deadline yet
        ("2024-09-30", "2024-09-30", 0, "on_time"),
        ("2024-09-30", "2024-09-29", -1, "early"),  # Sunday 09-29 is a make-up working day
        ("2024-09-30", "2024-09-28", -2, "early"),  # Saturday: (09-28, 09-30] holds 09-29 and 09-30
        ("2024-10-08", "2024-09-30", -1, "early"),  # early by 1 across the holiday
        ("2024-10-03", "2024-10-08", 0, "on_time"),  # a deadline on a holiday moves to 10-08
        ("2024-10-03", "2024-10-09", 1, "late"),
        ("2024-10-12", "2024-10-14", 1, "late"),  # Saturday make-up deadline; Sunday 10-13 is off
        ("2024-10-11", "2024-10-12", 1, "late"),  # the make-up Saturday counts
        # bands from the Friday before the holiday: 09-29, 09-30, 10-08, 10-09, 10-10 are the first five
        ("2024-09-27", "2024-10-10", 5, "late"),  # exactly 5: still the first band
        ("2024-09-27", "2024-10-11", 6, "late_1"),  # more than 5
        ("2024-09-27", "2024-10-16", 10, "late_1"),
        ("2024-09-27", "2024-10-17", 11, "late_2"),  # more than 10
        ("2024-09-27", "2024-10-30", 20, "late_2"),
        ("2024-09-27", "2024-10-31", 21, "late_3"),  # more than 20
        # Spring Festival 2024: 02-10..02-17 off; 02-04 (Sun) and 02-18 (Sun) are make-up working days
        ("2024-02-09", "2024-02-18", 1, "late"),
        ("2024-02-08", "2024-02-21", 5, "late"),
        ("2024-02-08", "2024-02-22", 6, "late_1"),
        ("2024-02-02", "2024-02-04", 1, "late"),
        ("2024-02-12", "2024-02-18", 0, "on_time"),  # deadline in the holiday → the make-up Sunday 02-18
        ("2024-02-19", "2024-02-18", -1, "early"),
        # an ordinary week
        ("2024-06-03", "2024-05-31", -1, "early"),
        ("2024-06-03", "2024-05-27", -5, "early"),
        ("2024-06-07", "2024-06-10", 0, "on_time"),  # 06-10 is 端午 (off): nothing counted yet
        ("2024-06-07", "2024-06-11", 1, "late"),
    ],
)
def test_lateness_and_band_across_2024_holidays(deadline, done, late, band):
    got = mr.late_workdays(D(deadline), D(done), CAL)
    assert got == late
    assert mr.band(got, BANDS) == band


@pytest.mark.parametrize(
    ("late", "band"),
    [
        (-3, "early"),
        (-1, "early"),
        (0, "on_time"),
        (1, "late"),
        (5, "late"),
        (6, "late_1"),
        (10, "late_1"),
        (11, "late_2"),
        (20, "late_2"),
        (21, "late_3"),
        (200, "late_3"),
    ],
)
def test_band_edges(late, band):
    assert mr.band(late, BANDS) == band
    assert band in mr.BANDS


def test_band_with_other_thresholds_and_fewer_bands():
    assert mr.band(4, (3, 8)) == "late_1"
    assert mr.band(9, (3, 8)) == "late_2"
    assert mr.band(100, (3,)) == "late_1"


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("early", "提前完成"),
        ("on_time", "按期完成"),
        ("late", "超期5个工作日以内"),
        ("late_1", "超期超过5个工作日"),
        ("late_2", "超期超过10个工作日"),
        ("late_3", "超期超过20个工作日"),
    ],
)
def test_band_labels(key, label):
    assert mr.band_label(key, BANDS) == label


@pytest.mark.parametrize(
    ("deadline", "today", "late"),
    [
        (None, "2024-12-31", 0),
        ("2024-09-30", "2024-09-30", 0),
        ("2024-09-30", "2024-10-07", 0),  # the holiday: not yet overdue
        ("2024-09-30", "2024-10-08", 1),
        ("2024-09-27", "2024-10-12", 7),
        ("2024-09-27", "2024-10-13", 7),  # Sunday adds nothing
        ("2024-10-20", "2024-10-19", 0),  # before the deadline: not overdue (never negative)
    ],
)
def test_open_matter_lateness_as_of_a_day(deadline, today, late):
    assert mr.open_late_workdays(D(deadline) if deadline else None, D(today), CAL) == late


@pytest.mark.parametrize(
    ("count", "threshold", "flagged", "first", "from_threshold"),
    [
        (1, 3, False, 0, 0),
        (2, 3, False, 0, 0),
        (3, 3, True, 3, 1),
        (4, 3, True, 4, 2),
        (6, 3, True, 6, 4),
        (2, 2, True, 2, 1),
    ],
)
def test_repeat_raises(count, threshold, flagged, first, from_threshold):
    assert mr.repeat_flagged(count, threshold) is flagged
    assert mr.penalised_raises(count, threshold, "first") == first
    assert mr.penalised_raises(count, threshold, "threshold") == from_threshold


def test_lateness_text():
    assert mr.lateness_text(-2) == "提前 2 个工作日"
    assert mr.lateness_text(0).startswith("按期")
    assert mr.lateness_text(7) == "超期 7 个工作日"
    assert mr.raise_text(3) == "本层级第3次上会"


@pytest.mark.parametrize(
    ("step", "status", "ok"),
    [
        ("reply", "open", True),
        ("reply", "replied", False),
        ("close", "replied", True),
        ("close", "open", False),
        ("return", "replied", True),
        ("carry", "open", True),
        ("carry", "closed", False),
        ("remind", "replied", True),
        ("progress", "carried", False),
        ("cancel", "cancelled", False),
    ],
)
def test_steps(step, status, ok):
    assert (mr.check_step(step, status) == "") is ok


def test_close_before_reply_says_why():
    assert "尚未报办结" in mr.check_step("close", "open")


SECTION = {
    "late_bands": [5, 10, 20],
    "repeat_threshold": 3,
    "repeat_counts_from": "first",
    "unresolved": "carry",
    "source": "WH19 附件3 第3行",
}


def _problems(section):
    return [p for p in ruleset_schema.validate({"matters": section}) if p.path.startswith("matters")]


def test_section_valid_and_read():
    assert _problems(SECTION) == []
    rules = mr.matter_rules({"matters": {**SECTION, "late_bands": [3, 8], "repeat_counts_from": "threshold"}})
    assert rules.late_bands == (3, 8)
    assert rules.repeat_counts_from == "threshold"
    assert mr.matter_rules(None) == mr.DEFAULT
    assert mr.DEFAULT.late_bands == (5, 10, 20)


@pytest.mark.parametrize(
    ("change", "word"),
    [
        ({"late_bands": [10, 5]}, "从小到大"),
        ({"late_bands": [5, 5]}, "从小到大"),
        ({"late_bands": [5, 10, 20, 30]}, "最多三档"),
        ({"repeat_counts_from": "second"}, ""),
        ({"unresolved": "drop"}, ""),
        ({"repeat_threshold": 1}, ""),
        ({"source": None}, ""),
    ],
)
def test_section_refuses_bad_values(change, word):
    section = {**SECTION, **change}
    section = {k: v for k, v in section.items() if v is not None}
    problems = _problems(section)
    assert problems, change
    if word:
        assert any(word in p.message for p in problems)
