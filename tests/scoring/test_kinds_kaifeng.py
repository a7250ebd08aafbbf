"""KF19 六(一) kinds worked by hand: reserve pipeline stages (`pipeline`), Fortune-500 / ≥ 10 亿元 / 省重点 /
8+1 projects (`tagged`) and approval days against 80/50/30 (`approval_days`). Pure: no database."""

from datetime import date
from decimal import Decimal

from .kinds_facts import facts, points_by_unit, project, rule, run, unit

UNITS = [unit(1, "兰考县", "government"), unit(2, "市发改委"), unit(3, "市商务局")]
STAGES = {"planning": 0.5, "negotiating": 1, "signed": 1.5, "landed": 2}


def staged(pid: int, unit_id: int, **dates: str):
    return project(
        pid,
        unit_id,
        person_id=500 + pid,
        unit_person_id=1000 + unit_id,
        stage_dates={k: date.fromisoformat(v) for k, v in dates.items()},
    )


PIPELINE = [
    staged(1, 1, planning="2024-01-10", negotiating="2024-02-01", signed="2024-05-20"),
    staged(2, 1, planning="2023-11-01", landed="2024-06-03"),  # planned last year; skipped 在谈、签约
    staged(3, 2, negotiating="2024-07-01"),  # after June
]


def test_pipeline_points_per_stage_reached_this_year() -> None:
    # 2024-06, year to date: project 1: 0.5 + 1 + 1.5 = 3; project 2: landed 2 (planning was 2023) → unit 1: 5
    events, _ = run(rule("pipeline", stages=STAGES), facts("2024-06", UNITS, PIPELINE))
    assert points_by_unit(events) == {1: Decimal("5.0000")}
    assert sorted(e.key for e in events) == [
        "pipeline:p1:negotiating",
        "pipeline:p1:planning",
        "pipeline:p1:signed",
        "pipeline:p2:landed",
    ]
    landed = next(e for e in events if e.key == "pipeline:p2:landed")
    assert landed.sentence == "项目《项目2》于 2024-06-03 进入“落地”阶段，储备项目推进加 2 分（测试）"
    # 责任人: the responsible unit's principal (1001, [scoring] person = unit_head); the lead leader (502)
    # kept as evidence
    assert landed.evidence == {"project": 2, "leader": 502}
    assert landed.person_id == 1001
    assert landed.on == date(2024, 6, 3)


def test_pipeline_window_period_counts_the_month_only() -> None:
    # June only: project 2 landed 06-03 → 2
    events, _ = run(rule("pipeline", stages=STAGES, window="period"), facts("2024-06", UNITS, PIPELINE))
    assert points_by_unit(events) == {1: Decimal("2.0000")}


def test_pipeline_cap_takes_the_excess_back_in_one_entry() -> None:
    # cap 4: unit 1 earned 5 → one entry −1 keeps the score the sum of the ledger
    events, _ = run(rule("pipeline", stages=STAGES, cap=4), facts("2024-06", UNITS, PIPELINE))
    assert points_by_unit(events) == {1: Decimal("4.0000")}
    cap = next(e for e in events if e.key == "pipeline:cap")
    assert cap.points == Decimal("-1.0000")
    assert cap.sentence == "储备项目推进加分合计 5 分，超过本项上限 4 分，按 4 分计，减 1 分（测试）"


BIG = {
    "code": "big",
    "label": "500强企业或单个投资10亿元以上大项目",
    "tags": ["500强"],
    "min_investment": 100000,
}


def test_tagged_big_projects_signed_this_year() -> None:
    projects = [
        project(1, 1, tags=("500强",), total_investment=Decimal(30000), signed_on=date(2024, 3, 1)),
        project(2, 1, total_investment=Decimal(100000), signed_on=date(2024, 4, 1)),  # exactly 10 亿
        project(3, 2, total_investment=Decimal(99999), signed_on=date(2024, 4, 1)),  # below
        project(4, 2, tags=("500强",), signed_on=date(2023, 12, 30)),  # signed last year
        project(5, 3, total_investment=Decimal(200000), stage_dates={"signed": date(2024, 6, 30)}),
    ]
    events, _ = run(rule("tagged", points=2, when="signed", **BIG), facts("2024-06", UNITS, projects))
    # unit 1: 2 + 2; unit 3: 2 (its signing day from the stage changes)
    assert points_by_unit(events) == {1: Decimal("4.0000"), 3: Decimal("2.0000")}
    one = next(e for e in events if e.key == "tagged:big:p1")
    assert one.sentence == (
        "项目《项目1》为500强项目，于 2024-03-01 签约，500强企业或单个投资10亿元以上大项目加 2 分（测试）"
    )
    two = next(e for e in events if e.key == "tagged:big:p2")
    assert "总投资 100000 万元（不低于 100000 万元）" in two.sentence


def test_tagged_listed_projects_count_in_every_period_of_the_year() -> None:
    projects = [
        project(1, 1, plan_type="continuing", tags=("省重点", "市重点")),
        project(2, 1, plan_type="new_start", tags=("省重点",)),
        project(3, 2, tags=("省重点",)),  # not in this year's plan
        project(4, 3, plan_type="reserve", tags=("8+1产业链",)),
    ]
    r = rule("tagged", points=1, code="provincial", label="省重点项目", tags=["省重点"], when="listed")
    events, _ = run(r, facts("2024-02", UNITS, projects))
    assert points_by_unit(events) == {1: Decimal("2.0000")}
    assert events[0].sentence == "项目《项目1》为省重点项目，列入2024年计划，省重点项目加 1 分（测试）"
    assert events[0].on == date(2024, 2, 29)
    # being listed is a state, not a flow: it counts in a later month even when the window is the period
    r = rule("tagged", points=1, code="provincial", label="省重点项目", tags=["省重点"], window="period")
    events, _ = run(r, facts("2024-06", UNITS, projects))
    assert points_by_unit(events) == {1: Decimal("2.0000")}


def clocked(pid: int, unit_id: int, days: int | None, limit: int, started: str | None, done: bool = True):
    clock = {"limit": limit, "done": done} | ({"days": days} if days is not None else {})
    return project(
        pid, unit_id, approval_clock=clock, started_on=date.fromisoformat(started) if started else None
    )


APPROVAL = {"under_points": 0.1, "over_points": -0.1, "project_cap": 2}


def test_approval_days_against_the_limit() -> None:
    projects = [
        clocked(1, 1, 62, 80, "2024-05-10"),  # 18 days early: 18 × 0.1 = +1.8
        clocked(2, 1, 85, 80, "2024-06-20"),  # 5 days over: −0.5
        clocked(3, 2, 20, 50, "2024-04-01"),  # 30 days early: +3 → capped at +2
        clocked(4, 2, 30, 30, "2024-04-01"),  # exactly the limit: nothing
        clocked(5, 3, 90, 80, None, done=False),  # still running: nothing yet
        clocked(6, 3, 70, 80, "2023-12-01"),  # started last year: not this year's
    ]
    events, _ = run(rule("approval_days", **APPROVAL), facts("2024-06", UNITS, projects))
    assert {e.key: e.points for e in events} == {
        "approval_days:p1": Decimal("1.8000"),
        "approval_days:p2": Decimal("-0.5000"),
        "approval_days:p3": Decimal("2.0000"),
    }
    assert points_by_unit(events) == {1: Decimal("1.3000"), 2: Decimal("2.0000")}
    early = next(e for e in events if e.key == "approval_days:p1")
    assert early.sentence == (
        "项目《项目1》土地摘牌至 2024-05-10 开工用时 62 个工作日，时限 80 个工作日，提前 18 个工作日，"
        "审批时限加分 18 × 0.1 = 1.8 分（测试）"
    )
    late = next(e for e in events if e.key == "approval_days:p2")
    assert "超时 5 个工作日，审批时限扣分 5 × 0.1 = 0.5 分" in late.sentence
    capped = next(e for e in events if e.key == "approval_days:p3")
    assert "30 × 0.1 = 3 分，超过单个项目上限，按 2 分计" in capped.sentence


def test_approval_days_without_a_clock_are_skipped() -> None:
    projects = [project(1, 1, started_on=date(2024, 3, 1)), clocked(2, 1, None, 80, "2024-03-01")]
    events, _ = run(rule("approval_days", **APPROVAL), facts("2024", UNITS, projects))
    assert events == []
