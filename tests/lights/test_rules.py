"""The one light rule (REQ D): node and project lights with their reasons, counted in working days on
the real calendar (2024's 清明: Thu 4-4 to Sat 4-6 off, Sun 4-7 worked; a provisional 2027), and the
[lights] / [approval_clock] rule-set sections. No database: the calendar is built directly."""

from datetime import date

import pytest

from tuijin.chains.rules import ClockLimits
from tuijin.chains.ruleset_clock import clock_limits
from tuijin.core.rules import ruleset_schema as schema
from tuijin.core.rules.holidays import schedules_for
from tuijin.core.rules.workdays import WorkCalendar
from tuijin.lights import rules
from tuijin.lights.rules import Light, LightRules, NodeFacts, ProjectFacts
from tuijin.lights.ruleset_lights import light_rules
from tuijin.presets import preset_files

CAL = WorkCalendar.from_schedules(
    schedules_for(range(2020, 2031)), first=date(2020, 1, 1), last=date(2030, 12, 31)
)
D = date.fromisoformat
DEFAULT = LightRules()
DUE = "2024-04-03"  # a Wednesday, the day before 清明


def light(deadline=DUE, today="2024-04-03", actual=None, exempt="", light_rules=DEFAULT) -> Light:
    facts = NodeFacts(
        7, "施工许可证", D(deadline) if deadline else None, D(actual) if actual else None, exempt
    )
    return rules.node_light(facts, today=D(today), calendar=CAL, rules=light_rules)


# ---------------------------------------------------------------------------------------------------
# Node lights


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        pytest.param(
            {"exempt": "项目不涉及"},
            Light("exempt", "施工许可证 免办：项目不涉及", node_id=7),
            id="exempt-wins-over-everything",
        ),
        pytest.param(
            {"actual": "2024-04-01", "today": "2024-05-01"},
            Light("done", "施工许可证 已于 2024-04-01 完成", node_id=7),
            id="done-early",
        ),
        pytest.param(
            {"actual": DUE},
            Light("done", "施工许可证 已于 2024-04-03 完成", node_id=7),
            id="done-on-the-day",
        ),
        pytest.param(
            {"actual": "2024-04-08", "today": "2024-05-01"},
            Light("done", "施工许可证 已于 2024-04-08 完成，超期 2 个工作日", 2, node_id=7),
            id="done-late-with-working-days",
        ),
        pytest.param(
            {"actual": "2024-04-05", "today": "2024-05-01"},
            Light("done", "施工许可证 已于 2024-04-05 完成", node_id=7),
            id="done-after-the-date-but-no-working-day-late",
        ),
        pytest.param(
            {"deadline": None},
            Light("green", "施工许可证 未排定完成时限", node_id=7),
            id="no-deadline",
        ),
        pytest.param(
            {"today": "2024-03-26"},
            Light("green", "施工许可证 按期推进，2024-04-03 到期", node_id=7),
            id="green-far-6-days",
        ),
        pytest.param(
            {"today": "2024-03-27"},
            Light("green", "施工许可证 临期：5 个工作日后到期（2024-04-03）", node_id=7, due_soon=True),
            id="due-soon-at-the-reminder-window",
        ),
        pytest.param(
            {"today": "2024-03-29"},
            Light("green", "施工许可证 临期：3 个工作日后到期（2024-04-03）", node_id=7, due_soon=True),
            id="due-soon",
        ),
        pytest.param(
            {},
            Light("green", "施工许可证 今日到期（2024-04-03）", node_id=7, due_soon=True),
            id="due-today",
        ),
        pytest.param(
            {"deadline": "2024-03-31", "today": "2024-03-30"},
            Light("green", "施工许可证 临期：0 个工作日后到期（2024-03-31）", node_id=7, due_soon=True),
            id="due-tomorrow-a-sunday-is-not-today",
        ),
        pytest.param(
            {"today": "2024-04-05"},
            Light("green", "施工许可证 已到期（2024-04-03），尚在宽限内", node_id=7),
            id="grace-past-the-date-over-holidays",
        ),
        pytest.param(
            {"today": "2024-04-08", "light_rules": LightRules(yellow_from=3)},
            Light("green", "施工许可证 已到期（2024-04-03），尚在宽限内", node_id=7),
            id="grace-band-below-yellow-from",
        ),
        pytest.param(
            {"today": "2024-04-07"},
            Light("yellow", "施工许可证 超期 1 个工作日", 1, node_id=7),
            id="yellow-at-1-on-a-worked-sunday",
        ),
        pytest.param(
            {"today": "2024-04-18"},
            Light("yellow", "施工许可证 超期 10 个工作日", 10, node_id=7),
            id="yellow-at-red-over",
        ),
        pytest.param(
            {"today": "2024-04-19"},
            Light("red", "施工许可证 超期 11 个工作日", 11, node_id=7),
            id="red-above-red-over",
        ),
        pytest.param(
            {"today": "2024-04-19", "light_rules": LightRules(yellow_from=5, red_over=20)},
            Light("yellow", "施工许可证 超期 11 个工作日", 11, node_id=7),
            id="thresholds-from-the-rule-set",
        ),
        pytest.param(
            {"deadline": "2027-03-01", "today": "2027-03-05"},
            Light("yellow", "施工许可证 超期 4 个工作日", 4, True, node_id=7),
            id="provisional-2027",
        ),
        pytest.param(
            {"deadline": "2027-03-10", "today": "2027-03-05"},
            Light("green", "施工许可证 临期：3 个工作日后到期（2027-03-10）", 0, True, 7, due_soon=True),
            id="provisional-due-soon",
        ),
        pytest.param(
            {"deadline": "2026-12-30", "today": "2027-01-05"},
            Light("yellow", "施工许可证 超期 3 个工作日", 3, True, node_id=7),  # 元旦 off, 01-04 a Monday
            id="provisional-across-new-year",
        ),
    ],
)
def test_node_light(kw, expected) -> None:
    assert light(**kw) == expected


def test_a_light_counted_across_a_provisional_year_between_official_ones_says_so() -> None:
    calendar = WorkCalendar(
        days_off={},
        make_up_days={},
        provisional_years=[2025],
        first=date(2024, 1, 1),
        last=date(2026, 12, 31),
    )
    facts = NodeFacts(1, "环评", D("2024-12-02"), None)
    result = rules.node_light(facts, today=D("2026-01-05"), calendar=calendar, rules=DEFAULT)
    assert (result.color, result.provisional) == ("red", True)


def test_light_labels() -> None:
    assert [Light(c, "").label for c in ("red", "yellow", "green", "done", "exempt")] == [
        "红灯",
        "黄灯",
        "绿灯",
        "已完成",
        "免办",
    ]


# ---------------------------------------------------------------------------------------------------
# Bands and roll-ups


@pytest.mark.parametrize(
    ("light_rules", "overdue", "color"),
    [
        (DEFAULT, -3, "green"),
        (DEFAULT, 0, "green"),
        (DEFAULT, 1, "yellow"),
        (DEFAULT, 10, "yellow"),
        (DEFAULT, 11, "red"),
        (LightRules(yellow_from=3, red_over=5), 2, "green"),
        (LightRules(yellow_from=3, red_over=5), 3, "yellow"),
        (LightRules(yellow_from=3, red_over=5), 5, "yellow"),
        (LightRules(yellow_from=3, red_over=5), 6, "red"),
        (LightRules(yellow_from=4, red_over=4), 4, "yellow"),
        (LightRules(yellow_from=4, red_over=4), 5, "red"),
    ],
)
def test_band(light_rules, overdue, color) -> None:
    assert light_rules.band(overdue) == color


def test_default_rules_say_where_they_come_from() -> None:
    assert (DEFAULT.remind_days, DEFAULT.yellow_from, DEFAULT.red_over) == (5, 1, 10)
    assert DEFAULT.source.startswith("默认值：通知未规定亮灯阈值")
    assert DEFAULT.describe() == "5 个工作日内到期为临期；超期 1 个工作日起黄灯，超期超过 10 个工作日红灯"


@pytest.mark.parametrize(
    ("colors", "expected"),
    [
        ([], "green"),
        (["done", "exempt"], "green"),
        (["green", "done"], "green"),
        (["green", "yellow", "done"], "yellow"),
        (["yellow", "red", "green"], "red"),
        (iter(["red"]), "red"),
    ],
)
def test_worst(colors, expected) -> None:
    assert rules.worst(colors) == expected


# ---------------------------------------------------------------------------------------------------
# Project lights


def facts(**kw) -> ProjectFacts:
    base = {
        "id": 1,
        "stage": "preparation",
        "planned_start": None,
        "planned_start_precision": "day",
        "planned_completion": None,
        "planned_completion_precision": "month",
        "started": None,
        "completed": None,
    }
    return ProjectFacts(**(base | kw))


def project(nodes=(), today="2024-04-08", light_rules=DEFAULT, **kw) -> Light:
    return rules.project_light(facts(**kw), list(nodes), today=D(today), calendar=CAL, rules=light_rules)


RED_12 = Light("red", "环评 超期 12 个工作日", 12, node_id=1)
RED_15 = Light("red", "施工许可证 超期 15 个工作日", 15, node_id=3)
YELLOW_3 = Light("yellow", "七通一平 超期 3 个工作日", 3, node_id=2)
GREEN = Light("green", "立项 按期推进，2024-06-03 到期", node_id=4)
SOON = Light("green", "可研 临期：2 个工作日后到期（2024-04-10）", node_id=5, due_soon=True)
DONE = Light("done", "核准备案 已于 2024-03-01 完成，超期 9 个工作日", 9, node_id=6)
MARCH = {"planned_start": D("2024-03-01"), "planned_start_precision": "month"}


def test_the_worst_node_wins_and_the_reason_counts_the_others() -> None:
    result = project([YELLOW_3, RED_12, GREEN, RED_15, DONE])
    assert result == Light(
        "red", "施工许可证 超期 15 个工作日（另有 2 项滞后：红灯 1 项、黄灯 1 项）", 15, node_id=3
    )


def test_one_late_node_is_the_reason_alone() -> None:
    assert project([GREEN, YELLOW_3]) == Light("yellow", "七通一平 超期 3 个工作日", 3, node_id=2)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ("2024-03-29", Light("green", "按计划推进")),
        ("2024-03-31", Light("green", "按计划推进")),  # the month is not over yet
        ("2024-04-01", Light("yellow", "应开未开：计划 2024年3月 开工，已逾期 1 个工作日", 1)),
        ("2024-04-08", Light("yellow", "应开未开：计划 2024年3月 开工，已逾期 5 个工作日", 5)),
        ("2024-04-15", Light("yellow", "应开未开：计划 2024年3月 开工，已逾期 10 个工作日", 10)),
        ("2024-04-16", Light("red", "应开未开：计划 2024年3月 开工，已逾期 11 个工作日", 11)),
    ],
)
def test_should_have_started_by_month_is_late_only_after_the_month(today, expected) -> None:
    assert project(today=today, **MARCH) == expected


@pytest.mark.parametrize(
    ("planned", "precision", "today", "reason"),
    [
        ("2024-03-15", "day", "2024-03-18", "应开未开：计划 2024-03-15 开工，已逾期 1 个工作日"),
        ("2024-03-11", "week", "2024-03-18", "应开未开：计划 2024年第11周 开工，已逾期 1 个工作日"),
    ],
)
def test_should_have_started_by_day_and_by_week(planned, precision, today, reason) -> None:
    result = project(today=today, planned_start=D(planned), planned_start_precision=precision)
    assert (result.color, result.reason) == ("yellow", reason)


@pytest.mark.parametrize(
    ("stage", "started"),
    [
        ("started", D("2024-04-02")),
        ("construction", D("2024-04-02")),
        ("completed", None),
        ("producing", None),
    ],
)
def test_a_started_project_is_not_should_have_started(stage, started) -> None:
    assert project(stage=stage, started=started, **MARCH).color != "yellow"
    assert (
        rules.should_have_started(
            facts(stage=stage, started=started, **MARCH), today=D("2024-04-08"), calendar=CAL, rules=DEFAULT
        )
        is None
    )


def test_should_have_finished() -> None:
    kw = {"stage": "construction", "started": D("2023-05-04"), "planned_completion": D("2024-03-01")}
    assert project(**kw) == Light("yellow", "应竣未竣：计划 2024年3月 竣工，已逾期 5 个工作日", 5)
    assert project(**{**kw, "stage": "completed", "completed": D("2024-04-01")}).color == "done"
    assert project(**kw, today="2024-03-31").color == "green"


def test_late_start_and_late_nodes_together() -> None:
    result = project([YELLOW_3, RED_12], today="2024-04-16", **MARCH)
    assert result == Light(
        "red", "环评 超期 12 个工作日（另有 2 项滞后：红灯 1 项、黄灯 1 项）", 12, node_id=1
    )
    result = project([YELLOW_3], today="2024-04-16", **MARCH)
    assert result == Light(
        "red", "应开未开：计划 2024年3月 开工，已逾期 11 个工作日（另有 1 项滞后：黄灯 1 项）", 11
    )


def test_rule_set_flags_turn_should_start_and_should_finish_off() -> None:
    off = LightRules(should_start=False, should_finish=False)
    late = {**MARCH, "planned_completion": D("2024-03-01")}
    assert project(light_rules=off, **late) == Light("green", "按计划推进")
    assert project(light_rules=LightRules(should_start=False), **late).reason.startswith("应竣未竣")


@pytest.mark.parametrize(
    ("stage", "nodes", "expected"),
    [
        ("producing", [DONE], Light("done", "项目已投产")),
        ("producing", [DONE, GREEN], Light("done", "项目已投产")),
        ("completed", [DONE], Light("done", "项目已竣工")),
        ("completed", [], Light("done", "项目已竣工")),
        ("completed", [DONE, GREEN], Light("green", "按计划推进")),  # 投产 still open
        ("completed", [RED_12], RED_12),
        ("construction", [DONE], Light("green", "按计划推进")),
    ],
)
def test_done_when_producing_or_completed_with_nothing_open(stage, nodes, expected) -> None:
    assert project(nodes, stage=stage, started=D("2023-05-04")) == expected


def test_nodes_due_soon_are_counted_on_a_green_project() -> None:
    assert project([GREEN, SOON, SOON]) == Light("green", "按计划推进；2 个节点临期", due_soon=True)


def test_a_provisional_node_makes_the_project_provisional() -> None:
    provisional_green = Light("green", "竣工 按期推进，2027-06-30 到期", provisional=True, node_id=9)
    assert project([GREEN, provisional_green]).provisional
    late = project(today="2027-04-06", planned_start=D("2027-03-01"), planned_start_precision="month")
    assert (late.color, late.provisional) == ("yellow", True)
    assert not project([GREEN]).provisional


# ---------------------------------------------------------------------------------------------------
# The [lights] and [approval_clock] sections of the shipped rule sets


@pytest.mark.parametrize("path", preset_files(), ids=lambda p: p.stem)
def test_every_preset_parses_and_its_thresholds_and_limits_are_read(path) -> None:
    parsed = schema.parse(path.read_text(encoding="utf-8"), file=path.name, expected_slug=path.stem)
    assert parsed.problems == []
    thresholds = light_rules(parsed.data)
    assert (thresholds.remind_days, thresholds.yellow_from, thresholds.red_over) == (5, 1, 10)
    assert thresholds.should_start and thresholds.should_finish
    assert thresholds.source == parsed.data["lights"]["source"] != ""
    limits = clock_limits(parsed.data)
    assert (limits.general, limits.ftz, limits.commitment) == (80, 50, 30)
    assert "KF19 四(一)" in limits.source


def test_a_rule_set_without_the_sections_uses_the_defaults() -> None:
    assert light_rules(None) == LightRules()
    assert light_rules({"meta": {}}) == LightRules()
    assert clock_limits(None) == ClockLimits(source="未设置，取 KF19 四(一) 的时限")


def test_flags_default_on_when_left_out() -> None:
    data = {"lights": {"remind_days": 3, "yellow_from": 2, "red_over": 6, "source": "x"}}
    assert light_rules(data) == LightRules(3, 2, 6, True, True, "x")


def kaifeng_with(old: str, new: str) -> tuple[str, schema.Parsed]:
    path = next(p for p in preset_files() if p.stem == "kaifeng-2019")
    text = path.read_text(encoding="utf-8")
    lights_at = text.index("[lights]")
    assert old in text[lights_at:]
    text = text[:lights_at] + text[lights_at:].replace(old, new, 1)
    return text, schema.parse(text, file=path.name)


def test_red_below_yellow_is_refused_in_chinese() -> None:
    text, parsed = kaifeng_with("yellow_from = 1", "yellow_from = 12")
    line = text.splitlines().index("red_over = 10") + 1
    assert parsed.data is None
    assert parsed.problems == [
        f"kaifeng-2019.toml: 键 lights.red_over 红灯阈值应不小于黄灯起点 yellow_from（12）（第 {line} 行）"
    ]


def test_red_equal_to_yellow_is_accepted() -> None:
    _, parsed = kaifeng_with("yellow_from = 1", "yellow_from = 10")
    assert parsed.problems == []
    assert light_rules(parsed.data).band(10) == "yellow"


def test_a_missing_threshold_is_named() -> None:
    _, parsed = kaifeng_with("remind_days = 5\n", "")
    assert len(parsed.problems) == 1
    assert '[lights] 缺少必填项 "remind_days"（临期提醒（工作日））' in parsed.problems[0]
