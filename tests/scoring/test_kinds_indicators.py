"""The NC20 / KF19 indicator kinds worked by hand: rates times points (`indicator_share`) and indicators
scaled within a group (`indicator_normalised`). Pure: no database."""

from datetime import date
from decimal import Decimal

import pytest

from tuijin.scoring.rules import NodeFact

from .kinds_facts import facts, points_by_unit, project, rule, run, unit

UNITS = [unit(1, "区发改委"), unit(2, "区住建局"), unit(3, "区商务局"), unit(11, "公园街道", "street")]


def new_start(pid: int, unit_id: int, planned: date, precision: str = "day", started: date | None = None):
    return project(
        pid,
        unit_id,
        plan_type="new_start",
        planned_start=planned,
        planned_start_precision=precision,
        started_on=started,
    )


START_PROJECTS = [
    # period 2024-06 (as of 2024-06-30), unit 1:
    new_start(1, 1, date(2024, 3, 10), started=date(2024, 3, 8)),  # due, started
    new_start(2, 1, date(2024, 5, 1), "month"),  # due (May ended), not started
    new_start(3, 1, date(2024, 6, 1), "month", started=date(2024, 7, 2)),  # due 06-30, started after
    new_start(4, 1, date(2024, 9, 1), started=date(2024, 6, 15)),  # not due, but started: counts
    new_start(5, 1, date(2024, 7, 1), "month"),  # not due, not started: left out
    project(6, 1, plan_type="continuing", started_on=date(2023, 5, 1)),  # not a new start
]


def test_start_rate_counts_due_or_started_new_starts() -> None:
    # due or started: projects 1, 2, 3, 4 → 4; started by 06-30: 1 and 4 → 2; 2 ÷ 4 = 50.00%
    # 40 × 50.00% = 20.00
    r = rule("indicator_share", "start_rate", 40, indicator="start_rate")
    events, _ = run(r, facts("2024-06", UNITS, START_PROJECTS))
    assert points_by_unit(events) == {1: Decimal("20.0000")}
    (e,) = events
    assert e.key == "indicator_share:start_rate"
    assert e.category == "start_rate"
    assert e.person_id == 1001
    assert e.on == date(2024, 6, 30)
    assert e.sentence == (
        "截至 2024-06-30 应开工（或已开工）的计划新开工项目 4 个，已开工 2 个，开工率 2 ÷ 4 = 50.00%，"
        "开工率得分 40 × 50.00% = 20.00 分（测试）"
    )


def test_a_month_precision_plan_is_due_only_after_its_month() -> None:
    # In May 2024 the June plan (project 3) is not due: due or started by 05-31 are 1 and 2 → 1 ÷ 2 = 50 %
    # (project 4 started 06-15, after the period) → 100 × 50.00% = 50.00
    r = rule("indicator_share", "start_rate", 100, indicator="start_rate")
    events, _ = run(r, facts("2024-05", UNITS, START_PROJECTS))
    assert points_by_unit(events) == {1: Decimal("50.0000")}


def test_investment_rate_uses_the_plan_to_date_and_is_capped() -> None:
    projects = [
        # unit 1: done 300 of 400 planned to date (the annual 1200 is ignored) → 75.00%
        project(
            1,
            1,
            plan_type="continuing",
            planned_investment=Decimal(1200),
            planned_investment_to_date=Decimal(400),
            completed_investment=Decimal(300),
        ),
        # unit 2: no monthly targets: annual plan 800, done 1000 → 125.00% → held at 100%
        project(
            2, 2, plan_type="new_start", planned_investment=Decimal(800), completed_investment=Decimal(1000)
        ),
        # unit 3: 2 of 3 → 66.67% (rounded to 2 places before multiplying)
        project(3, 3, plan_type="continuing", planned_investment=Decimal(3), completed_investment=Decimal(2)),
    ]
    r = rule("indicator_share", "investment_rate", 40, indicator="investment_rate", rate_cap=100)
    events, _ = run(r, facts("2024-06", UNITS, projects))
    # 40 × 75.00% = 30.00; 40 × 100% = 40.00; 40 × 66.67% = 26.668 → 26.67
    assert points_by_unit(events) == {1: Decimal("30.0000"), 2: Decimal("40.0000"), 3: Decimal("26.6700")}
    held = next(e for e in events if e.unit_id == 2)
    assert (
        "投资完成率 1000 ÷ 800 = 125.00%（超过 100% 按 100% 计），投资完成率得分 40 × 100% = 40.00 分"
        in held.sentence
    )


def test_completion_rate() -> None:
    projects = [
        project(
            1, 1, plan_type="completion", planned_completion=date(2024, 3, 1), completed_on=date(2024, 2, 20)
        ),
        project(
            2,
            1,
            plan_type="completion",
            planned_completion=date(2024, 6, 1),
            planned_completion_precision="month",
        ),  # due at 06-30, not completed
        project(3, 1, plan_type="completion", planned_completion=date(2024, 11, 1)),  # not due
    ]
    # due: 1 and 2 → completed 1 → 50.00% → 20 × 50.00% = 10.00
    r = rule("indicator_share", "completion_rate", 20, indicator="completion_rate")
    events, _ = run(r, facts("2024-06", UNITS, projects))
    assert points_by_unit(events) == {1: Decimal("10.0000")}


def node(
    nid: int, deadline: date | None, actual: date | None, unit_id: int = 1, exempt: bool = False
) -> NodeFact:
    return NodeFact(nid, f"节点{nid}", "approval", "", deadline, actual, unit_id, exempt=exempt)


CHAIN = [
    project(
        1,
        1,
        plan_type="new_start",
        nodes=(
            node(1, date(2024, 2, 1), date(2024, 1, 30)),  # on time
            node(2, date(2024, 3, 1), date(2024, 3, 5)),  # late
            node(3, date(2024, 4, 1), None),  # overdue
            node(4, date(2024, 5, 1), date(2024, 5, 1), unit_id=2),  # on time, approval dept 2
            node(5, date(2024, 5, 2), None, unit_id=2, exempt=True),  # 免办: left out
            node(6, date(2024, 9, 1), date(2024, 4, 1)),  # not yet due: left out
            node(7, date(2023, 12, 1), None),  # last year's: left out
        ),
    )
]


def test_chain_progress_counts_nodes_due_this_year_done_on_time() -> None:
    # due 2024-01-01..06-30, not exempt: 1, 2, 3, 4 → on time 1 and 4 → 2 ÷ 4 = 50.00% → 100 × 50% = 50.00
    r = rule("indicator_share", "chain", 100, indicator="chain_progress")
    events, _ = run(r, facts("2024Q2", UNITS, CHAIN))
    assert points_by_unit(events) == {1: Decimal("50.0000")}
    assert "2024年1—6月到期的推进链条节点 4 个，按时完成 2 个" in events[0].sentence


def test_chain_progress_by_node_unit() -> None:
    # by = "node": unit 1 owns 1, 2, 3 → 1 of 3 = 33.33%; unit 2 owns 4 → 100%
    r = rule("indicator_share", "chain", 100, indicator="chain_progress", by="node")
    events, _ = run(r, facts("2024Q2", UNITS, CHAIN))
    assert points_by_unit(events) == {1: Decimal("33.3300"), 2: Decimal("100.0000")}


@pytest.mark.parametrize(
    ("when_none", "expected"),
    [("full", {1: Decimal("40.0000")}), ("zero", {1: Decimal("0.0000")}), ("skip", {})],
)
def test_a_unit_with_nothing_due(when_none: str, expected: dict) -> None:
    projects = [project(1, 1, plan_type="new_start", planned_start=date(2024, 10, 1))]
    r = rule("indicator_share", "start_rate", 40, indicator="start_rate", when_none=when_none)
    events, _ = run(r, facts("2024-06", UNITS, projects))
    assert points_by_unit(events) == expected
    if when_none == "full":
        assert (
            "没有截至 2024-06-30 应开工（或已开工）的计划新开工项目，开工率不适用，开工率按满分计 40.00 分"
            in (events[0].sentence)
        )


NC20_SCALE = {"max_points": 100, "min_points": 60, "decimals": 2}


def test_project_count_normalised_within_the_group() -> None:
    # 区直单位 listed projects: 8, 3, 5 (unlisted ones do not count); min 3, max 8
    #   5: (5 − 3) ÷ (8 − 3) × 40 + 60 = 76.00;  街道 alone with 2 → 100.00
    projects = [project(i, 1, plan_type="continuing") for i in range(1, 9)]
    projects += [project(i, 2, plan_type="new_start") for i in range(10, 13)] + [project(13, 2)]
    projects += [project(i, 3, plan_type="reserve") for i in range(20, 25)]
    projects += [project(30, 11, plan_type="new_start"), project(31, 11, plan_type="new_start")]
    r = rule("indicator_normalised", "project_count", indicator="project_count", **NC20_SCALE)
    events, _ = run(r, facts("2024", UNITS, projects))
    assert points_by_unit(events) == {
        1: Decimal("100.0000"),
        2: Decimal("60.0000"),
        3: Decimal("76.0000"),
        11: Decimal("100.0000"),
    }
    mid = next(e for e in events if e.unit_id == 3)
    assert (
        "列入2024年计划的项目 5 个，区直单位组 3 个单位中最多 8、最少 3，项目数量得分（5 − 3）÷（8 − 3）× 40 + 60 = 76.00 分"
        in (mid.sentence)
    )


def test_investment_growth_normalised_skips_units_without_last_year() -> None:
    def invested(pid, uid, now, before):
        return project(
            pid,
            uid,
            plan_type="continuing",
            completed_investment=Decimal(now),
            previous_investment=Decimal(before),
        )

    projects = [
        invested(1, 1, 1200, 1000),  # +20.00%
        invested(2, 2, 900, 1000),  # −10.00%
        invested(3, 3, 1100, 1000),  # +10.00%
        invested(4, 11, 500, 0),  # no base: growth not computable
    ]
    # min −10, max 20: 10 → (10 − (−10)) ÷ (20 − (−10)) × 20 + 30 = 20/30 × 20 + 30 = 43.33
    r = rule(
        "indicator_normalised", "investment", indicator="investment_growth", max_points=50, min_points=30
    )
    events, _ = run(r, facts("2024-06", UNITS, projects))
    assert points_by_unit(events) == {1: Decimal("50.0000"), 2: Decimal("30.0000"), 3: Decimal("43.3300")}
    three = next(e for e in events if e.unit_id == 3)
    assert "增速（1100 − 1000）÷ 1000 = 10.00%" in three.sentence
    assert "（10 − (-10)）÷（20 − (-10)）× 20 + 30 = 43.33 分" in three.sentence
    # when_none = "min": the unit without a base gets the lowest score instead
    r = rule(
        "indicator_normalised",
        "investment",
        indicator="investment_growth",
        max_points=50,
        min_points=30,
        when_none="min",
    )
    events, _ = run(r, facts("2024-06", UNITS, projects))
    assert points_by_unit(events)[11] == Decimal("30.0000")


def test_plan_types_limit_the_projects() -> None:
    projects = [
        project(1, 1, plan_type="new_start", total_investment=Decimal(5000)),
        project(2, 1, plan_type="reserve", total_investment=Decimal(90000)),
        project(3, 2, plan_type="new_start", total_investment=Decimal(1000)),
    ]
    r = rule(
        "indicator_normalised",
        "investment",
        indicator="total_investment",
        max_points=10,
        min_points=6,
        plan_types=["new_start"],
    )
    events, _ = run(r, facts("2024", UNITS, projects))
    assert points_by_unit(events) == {1: Decimal("10.0000"), 2: Decimal("6.0000")}
    assert "列入2024年计划的项目总投资 5000 万元" in events[0].sentence
