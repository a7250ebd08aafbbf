"""Issue 5 part 4: the lights' new dimensions, pure — 投资滞后 (investment behind the plan's cumulative
monthly targets, bands from the rule set) and 周报缺报 / 迟报 (stale data never shown green), and how they
join a project's light. No database: the real calendar is built directly."""

from datetime import date
from decimal import Decimal

import pytest

from tuijin.core.rules import ruleset_schema as schema
from tuijin.core.rules.holidays import schedules_for
from tuijin.core.rules.workdays import WorkCalendar
from tuijin.lights import rules
from tuijin.lights.rules import InvestmentFacts, Light, LightRules, ProjectFacts, ReportCycle
from tuijin.lights.ruleset_lights import light_rules
from tuijin.presets import preset_files

CAL = WorkCalendar.from_schedules(
    schedules_for(range(2020, 2031)), first=date(2020, 1, 1), last=date(2030, 12, 31)
)
D = date.fromisoformat
DEFAULT = LightRules()
# 400 万元 a month from January: cumulative 2000 by May
EVEN = tuple(Decimal(400) for _ in range(12))


def invest(invested, *, month=5, targets=EVEN, stage="construction", light_rules=DEFAULT) -> Light | None:
    facts = InvestmentFacts(stage, 2024, month, tuple(targets), Decimal(invested))
    return rules.investment_light(facts, rules=light_rules)


# ---------------------------------------------------------------------------------------------------
# 投资滞后


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ("2024-06-30", (2024, 5)),
        ("2024-06-01", (2024, 5)),
        ("2024-12-31", (2024, 11)),
        ("2025-01-15", (2024, 12)),
        ("2024-02-29", (2024, 1)),
    ],
)
def test_last_complete_month(today, expected) -> None:
    assert rules.last_complete_month(D(today)) == expected


@pytest.mark.parametrize(
    ("invested", "expected"),
    [
        pytest.param("2000", None, id="on-target"),
        pytest.param("2500", None, id="ahead"),
        pytest.param("1800", None, id="exactly-90-is-not-behind"),
        # 89.95 % shows as 90.0 % (one decimal, as the plan page's rates); the band reads the shown figure
        pytest.param("1799", None, id="89.95-shows-as-90-and-is-not-behind"),
        pytest.param(
            "1790",
            Light("yellow", "投资滞后：截至5月累计完成 1790 万元，为目标 2000 万元的 89.5%"),
            id="yellow",
        ),
        pytest.param(
            "1400",
            Light("yellow", "投资滞后：截至5月累计完成 1400 万元，为目标 2000 万元的 70%"),
            id="70-is-yellow",
        ),
        pytest.param(
            "1200",
            Light("red", "投资滞后：截至5月累计完成 1200 万元，为目标 2000 万元的 60%"),
            id="the-brief-s-example",
        ),
        pytest.param(
            "0", Light("red", "投资滞后：截至5月累计完成 0 万元，为目标 2000 万元的 0%"), id="nothing-done"
        ),
        pytest.param(
            "1234.56",
            Light("red", "投资滞后：截至5月累计完成 1234.56 万元，为目标 2000 万元的 61.7%"),
            id="cents",
        ),
    ],
)
def test_investment_light_bands(invested, expected) -> None:
    assert invest(invested) == expected


def test_investment_counts_only_the_months_up_to_the_last_complete_one() -> None:
    targets = (None, None, Decimal(100), Decimal(100), Decimal(300), *[Decimal(500)] * 7)
    assert invest("150", month=4, targets=targets) == Light(
        "yellow", "投资滞后：截至4月累计完成 150 万元，为目标 200 万元的 75%"
    )
    assert invest("100", month=5, targets=targets).color == "red"  # 100 of 500: 20 %


@pytest.mark.parametrize(
    ("kw", "why"),
    [
        ({"targets": ()}, "no monthly targets"),
        ({"targets": (Decimal(0),) * 5 + (Decimal(100),) * 7}, "nothing planned up to May"),
        ({"stage": "completed"}, "a done project never lights"),
        ({"stage": "producing"}, "a done project never lights"),
    ],
)
def test_no_investment_light(kw, why) -> None:
    assert invest("0", **kw) is None, why


def test_investment_bands_from_the_rule_set() -> None:
    strict = LightRules(investment_yellow_below=100, investment_red_below=95)
    assert invest("1990", light_rules=strict).color == "yellow"  # 99.5 %
    assert invest("1880", light_rules=strict).color == "red"  # 94 %
    off = LightRules(investment_yellow_below=0, investment_red_below=0)
    assert invest("0", light_rules=off) is None


# ---------------------------------------------------------------------------------------------------
# 周报缺报 / 迟报

# Weeks 21–23 of 2024, due Fridays 5-24, 5-31, 6-7
W21 = (D("2024-05-20"), D("2024-05-24"))
W22 = (D("2024-05-27"), D("2024-05-31"))
W23 = (D("2024-06-03"), D("2024-06-07"))


def cycle(week, submitted=None) -> ReportCycle:
    return ReportCycle(week[0], week[1], D(submitted) if submitted else None)


def state(*cycles, today="2024-06-11", light_rules=DEFAULT) -> rules.ReportState:
    return rules.report_state(list(cycles), today=D(today), calendar=CAL, rules=light_rules)


def test_cycle_labels_are_iso_weeks() -> None:
    assert cycle(W23).label == "第23周"
    assert cycle(W23).missing and not cycle(W23).late
    assert cycle(W23, "2024-06-07").late is False
    assert cycle(W23, "2024-06-08").late is True


@pytest.mark.parametrize(
    ("cycles", "expected"),
    [
        pytest.param((), rules.ReportState(), id="no-due-cycle-yet"),
        pytest.param((cycle(W23, "2024-06-06"), cycle(W22)), rules.ReportState(), id="reported-on-time"),
        pytest.param(
            (cycle(W23, "2024-06-11"), cycle(W22, "2024-05-30")),
            rules.ReportState(late=True),
            id="late-is-flagged-not-coloured",
        ),
        pytest.param(
            (cycle(W23), cycle(W22, "2024-05-31")),
            rules.ReportState(missing=1, light=Light("yellow", "周报缺报：第23周（6月7日截止）未报送", 1)),
            id="missing-once-yellow",
        ),
        pytest.param(
            (cycle(W23), cycle(W22)),
            rules.ReportState(
                missing=2,
                light=Light("red", "周报缺报：连续 2 周未报送（第22周至第23周，最近一期 6月7日截止）", 1),
            ),
            id="missing-twice-red",
        ),
        pytest.param(
            (cycle(W23, "2024-06-03"), cycle(W22)),
            rules.ReportState(),
            id="only-the-run-back-from-the-newest-counts",
        ),
    ],
)
def test_report_state(cycles, expected) -> None:
    assert state(*cycles) == expected


def test_days_are_working_days_since_the_due_date() -> None:
    # 端午 2024: Mon 6-10 off. Due Fri 6-7: on Tue 6-11 one working day late, on Wed 6-12 two
    assert state(cycle(W23), today="2024-06-11").light.days == 1
    assert state(cycle(W23), today="2024-06-12").light.days == 2
    assert state(cycle(W23), today="2024-06-08").light.days == 0


def test_stale_red_cycles_from_the_rule_set() -> None:
    three = LightRules(stale_red_cycles=3)
    assert state(cycle(W23), cycle(W22), cycle(W21), light_rules=three).light.color == "red"
    assert state(cycle(W23), cycle(W22), light_rules=three).light.color == "yellow"
    assert LightRules(stale_red_cycles=1).stale_band(1) == "red"


@pytest.mark.parametrize(
    ("stage", "in_plan", "expected"),
    [
        ("construction", False, True),
        ("started", False, True),
        ("preparation", True, True),
        ("preparation", False, False),
        ("planning", False, False),
        ("completed", True, False),
        ("producing", False, False),
    ],
)
def test_must_report(stage, in_plan, expected) -> None:
    assert rules.must_report(stage, in_plan) is expected


# ---------------------------------------------------------------------------------------------------
# Joined into the project's light

PROJECT = ProjectFacts(1, "construction", None, "day", None, "month", D("2023-03-01"), None)
YELLOW_3 = Light("yellow", "七通一平 超期 3 个工作日", 3, node_id=2)
STALE = Light("yellow", "周报缺报：第23周（6月7日截止）未报送", 2)
STALE_RED = Light("red", "周报缺报：连续 2 周未报送（第22周至第23周，最近一期 6月7日截止）", 2)
BEHIND = Light("red", "投资滞后：截至5月累计完成 1200 万元，为目标 2000 万元的 60%")


def project(nodes=(), extra=(), facts=PROJECT) -> Light:
    return rules.project_light(
        facts, list(nodes), today=D("2024-06-11"), calendar=CAL, rules=DEFAULT, extra=extra
    )


def test_stale_data_is_never_green() -> None:
    assert project(extra=(None, STALE)) == STALE
    assert project(extra=(None, None)) == Light("green", "按计划推进")


def test_the_worst_of_nodes_and_dimensions_wins_and_the_others_are_counted() -> None:
    assert project([YELLOW_3], (BEHIND, STALE)) == Light(
        "red", "投资滞后：截至5月累计完成 1200 万元，为目标 2000 万元的 60%（另有 2 项滞后：黄灯 2 项）"
    )
    assert project([YELLOW_3], (None, STALE)).reason == (
        "七通一平 超期 3 个工作日（另有 1 项滞后：黄灯 1 项）"
    )
    assert project([], (BEHIND, STALE_RED)).reason.startswith("周报缺报：连续 2 周")  # red, more days


def test_a_done_project_with_no_dimension_is_done() -> None:
    done = ProjectFacts(1, "producing", None, "day", None, "month", D("2023-03-01"), D("2024-01-01"))
    assert project(facts=done, extra=(None, None)).color == "done"


# ---------------------------------------------------------------------------------------------------
# The rule set's keys


@pytest.mark.parametrize("path", preset_files(), ids=lambda p: p.stem)
def test_every_preset_has_the_new_bands_and_cites_them(path) -> None:
    parsed = schema.parse(path.read_text(encoding="utf-8"), file=path.name, expected_slug=path.stem)
    assert parsed.problems == []
    read = light_rules(parsed.data)
    assert (read.investment_yellow_below, read.investment_red_below, read.stale_red_cycles) == (90, 70, 2)
    assert "银川" in read.source and parsed.data["lights"]["basis"] == "default"


def test_the_new_keys_default_when_left_out() -> None:
    data = {"lights": {"remind_days": 3, "yellow_from": 2, "red_over": 6, "source": "x"}}
    read = light_rules(data)
    assert (read.investment_yellow_below, read.investment_red_below, read.stale_red_cycles) == (90, 70, 2)


def test_an_investment_red_line_above_the_yellow_one_is_refused_in_chinese() -> None:
    path = next(p for p in preset_files() if p.stem == "kaifeng-2019")
    text = path.read_text(encoding="utf-8").replace("investment_red_below = 70", "investment_red_below = 95")
    parsed = schema.parse(text, file=path.name)
    line = text.splitlines().index("investment_red_below = 95") + 1
    assert parsed.problems == [
        f"kaifeng-2019.toml: 键 lights.investment_red_below 投资红灯线应不高于黄灯线 "
        f"investment_yellow_below（90）（第 {line} 行）"
    ]


def test_stale_red_cycles_must_be_at_least_one() -> None:
    path = next(p for p in preset_files() if p.stem == "kaifeng-2019")
    text = path.read_text(encoding="utf-8").replace("stale_red_cycles = 2", "stale_red_cycles = 0")
    parsed = schema.parse(text, file=path.name)
    assert len(parsed.problems) == 1 and "stale_red_cycles" in parsed.problems[0]
