"""Pure tests of the cadence calendar (rules.occurrences) across 2024's holidays and make-up days, and of
the small text rules of the minutes."""

from datetime import date, timedelta

import pytest

from tuijin.core.rules.holidays import schedules_for
from tuijin.core.rules.workdays import WorkCalendar
from tuijin.meetings import rules

CAL = WorkCalendar.from_schedules(
    schedules_for(range(2023, 2026)), first=date(2023, 1, 1), last=date(2025, 12, 31)
)
W = CAL.is_workday


def d(iso: str) -> date:
    return date.fromisoformat(iso)


def ds(*isos: str) -> list[date]:
    return [d(i) for i in isos]


@pytest.mark.parametrize(
    ("frequency", "start", "end", "weekday", "expected"),
    [
        # National Day 2024: Oct 1–7 off, Sep 29 (Sun) and Oct 12 (Sat) make-up working days
        (
            "weekly",
            "2024-09-23",
            "2024-10-20",
            None,
            ("2024-09-23", "2024-09-30", "2024-10-08", "2024-10-14"),
        ),
        # a Wednesday meeting: Oct 2 is off and the next working day (Oct 8) is in the next week, so the
        # meeting moves back to the last working day before it in its week (Sep 30)
        ("weekly", "2024-09-23", "2024-10-13", 3, ("2024-09-25", "2024-09-30", "2024-10-09")),
        # Sunday meetings: Sep 29 is a make-up Sunday; Oct 6 falls back to Sep 30; Oct 13 to the make-up Sat Oct 12
        ("weekly", "2024-09-23", "2024-10-13", 7, ("2024-09-29", "2024-09-30", "2024-10-12")),
        ("weekly", "2024-09-29", "2024-09-29", 7, ("2024-09-29",)),
        (
            "monthly",
            "2024-01-01",
            "2024-12-31",
            None,
            (
                "2024-01-02",
                "2024-02-01",
                "2024-03-01",
                "2024-04-01",
                "2024-05-06",
                "2024-06-03",
                "2024-07-01",
                "2024-08-01",
                "2024-09-02",
                "2024-10-08",
                "2024-11-01",
                "2024-12-02",
            ),
        ),
        # the first Monday of the month; Oct 7 is off → Oct 8
        (
            "monthly",
            "2024-06-01",
            "2024-10-31",
            1,
            ("2024-06-03", "2024-07-01", "2024-08-05", "2024-09-02", "2024-10-08"),
        ),
        # Spring Festival: Feb 10–17 off, Feb 18 (Sun) make-up: the 中旬 meeting falls on that Sunday
        ("ten_days", "2024-02-01", "2024-02-29", None, ("2024-02-01", "2024-02-18", "2024-02-21")),
        ("ten_days", "2024-10-01", "2024-10-31", None, ("2024-10-08", "2024-10-11", "2024-10-21")),
        ("biweekly", "2024-01-01", "2024-01-31", None, ("2024-01-08", "2024-01-22")),
        (
            "bimonthly",
            "2024-01-01",
            "2024-12-31",
            None,
            ("2024-01-02", "2024-03-01", "2024-05-06", "2024-07-01", "2024-09-02", "2024-11-01"),
        ),
        (
            "quarterly",
            "2024-01-01",
            "2024-12-31",
            None,
            ("2024-01-02", "2024-04-01", "2024-07-01", "2024-10-08"),
        ),
        ("half_year", "2024-01-01", "2024-12-31", None, ("2024-01-02", "2024-07-01")),
        ("yearly", "2024-01-01", "2025-12-31", None, ("2024-01-02", "2025-01-02")),
        ("daily", "2024-09-27", "2024-10-08", None, ("2024-09-27", "2024-09-29", "2024-09-30", "2024-10-08")),
        # Labour Day: May 1–5 off, Apr 28 (Sun) and May 11 (Sat) make-up
        ("daily", "2024-04-27", "2024-05-06", None, ("2024-04-28", "2024-04-29", "2024-04-30", "2024-05-06")),
        ("as_needed", "2024-01-01", "2024-12-31", None, ()),
    ],
)
def test_occurrences_2024(frequency, start, end, weekday, expected):
    assert rules.occurrences(frequency, d(start), d(end), W, weekday) == ds(*expected)


def test_a_range_inside_a_period_keeps_only_planned_days_inside_it():
    # the June meeting is planned for June 3: a range starting June 4 has none
    assert rules.occurrences("monthly", d("2024-06-04"), d("2024-06-30"), W) == []
    assert rules.occurrences("monthly", d("2024-06-01"), d("2024-06-03"), W) == ds("2024-06-03")


def test_a_period_without_working_day_has_no_meeting():
    off = {d("2024-10-07") + timedelta(days=i) for i in range(7)}
    assert rules.occurrences("weekly", d("2024-10-07"), d("2024-10-13"), lambda x: x not in off) == []


def test_ten_day_starts_from_the_rule_set():
    # a rule set whose 旬 start on 1, 10 and 20
    assert rules.occurrences(
        "ten_days", d("2024-06-01"), d("2024-06-30"), W, ten_day_starts=(1, 10, 20)
    ) == ds("2024-06-03", "2024-06-11", "2024-06-20")
    assert rules.period_of("ten_days", d("2024-02-25")) == (d("2024-02-21"), d("2024-02-29"))
    assert rules.period_of("quarterly", d("2024-05-06")) == (d("2024-04-01"), d("2024-06-30"))
    assert rules.period_of("half_year", d("2024-12-31")) == (d("2024-07-01"), d("2024-12-31"))


def test_slots_carry_their_period():
    (slot,) = rules.slots("monthly", d("2024-10-01"), d("2024-10-31"), W)
    assert (slot.start, slot.end, slot.date) == (d("2024-10-01"), d("2024-10-31"), d("2024-10-08"))


def test_text_rules():
    assert rules.minutes_number_text(2024, 3) == "〔2024〕第3期"
    assert rules.minutes_number_text(None, None) == ""
    assert rules.default_title("旬会商", d("2024-06-11")) == "旬会商（2024年6月）"
    assert rules.minutes_title("东湖区", "旬会商") == "东湖区重大重点项目旬会商会议纪要"
    assert rules.minutes_title("东湖区", "区重大重点项目月度调度会") == "东湖区重大重点项目月度调度会会议纪要"
    assert [rules.chinese_ordinal(n) for n in (1, 9, 10, 11, 20, 21, 99)] == [
        "一",
        "九",
        "十",
        "十一",
        "二十",
        "二十一",
        "九十九",
    ]


def test_cadence_series_reads_meeting_kinds_and_levels():
    data = {
        "cadences": {
            "summary": "…",
            "levels": 4,
            "weekly_supervision": {
                "name": "周督查",
                "kind": "supervision",
                "chair": "督查室",
                "frequency": "weekly",
                "source": "X",
            },
            "monthly_vice": {
                "name": "副市长调度",
                "kind": "meeting",
                "chair": "副市长",
                "frequency": "monthly",
                "source": "NC20",
            },
            "ten": {
                "name": "旬会商",
                "kind": "consultation",
                "chair": "办公室",
                "frequency": "ten_days",
                "source": "DH24",
            },
        },
        "escalation": {"levels": [{"key": "unit"}, {"key": "vice", "cadence": "monthly_vice"}]},
    }
    found = {c.key: c for c in rules.cadence_series(data)}
    assert set(found) == {"monthly_vice", "ten"}
    assert found["monthly_vice"].level_key == "vice"
    assert found["ten"].level_key == ""
    assert rules.ten_day_starts_of({"calendar": {"ten_day_starts": [1, 11, 21]}}) == (1, 11, 21)
    assert rules.ten_day_starts_of({}) == (1, 11, 21)
