"""Building a chain from a preset template (chains.build): deadlines worked backward from the project's
planned dates on the real calendar, responsible units matched by keyword. No database: template nodes
are plain objects shaped like `TemplateNode`, made from the presets the way migration 0002 seeds them."""

from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

import pytest

from tuijin.chains import build, rules
from tuijin.chains.presets import INDUSTRY, PUBLIC, TemplatePreset
from tuijin.core.rules.holidays import schedules_for
from tuijin.core.rules.workdays import WorkCalendar

CAL = WorkCalendar.from_schedules(
    schedules_for(range(2020, 2031)), first=date(2020, 1, 1), last=date(2030, 12, 31)
)
D = date.fromisoformat

UNITS = [
    (11, "东湖区发展和改革委员会", "区发改委"),
    (12, "东湖区自然资源局", "区资规局"),
    (13, "东湖区住房和城乡建设局", "区住建局"),
    (14, "南昌市生态环境局东湖分局", ""),
    (15, "东湖区房屋征收与补偿办公室", "区征收办"),
]
PROJECT_UNIT = 99


@dataclass(frozen=True)
class TemplateNodeLike:
    key: str
    name: str
    phase: str
    step: int
    after: list[str]
    duration: int
    stage: str
    anchor: str
    department: str
    starts_clock: bool


def template_nodes(preset: TemplatePreset) -> list[TemplateNodeLike]:
    """As migration 0002 seeds a preset."""
    return [
        TemplateNodeLike(
            key=n.key,
            name=n.name,
            phase="construction" if n.stage or n.key == "structure" else "approval",
            step=n.step,
            after=list(n.after),
            duration=n.duration,
            stage=n.stage,
            anchor=n.anchor,
            department=preset.departments.get(n.key, ""),
            starts_clock=n.key == preset.clock_start,
        )
        for n in preset.nodes
    ]


def project(start="2024-06-10", start_precision="day", completion="2025-12-01", production="2026-03-01"):
    return SimpleNamespace(
        planned_start=D(start) if start else None,
        planned_start_precision=start_precision,
        planned_completion=D(completion) if completion else None,
        planned_completion_precision="month",
        planned_production=D(production) if production else None,
        planned_production_precision="month",
    )


def plan(preset: TemplatePreset, anchors) -> dict[str, build.PlannedNode]:
    planned = build.plan_chain(
        template_nodes(preset),
        anchors=anchors,
        calendar=CAL,
        unit_for=build.unit_matcher(UNITS, PROJECT_UNIT),
    )
    return {p.key: p for p in planned}


# ---------------------------------------------------------------------------------------------------
# Anchors from the project's planned dates


@pytest.mark.parametrize(
    ("kw", "target", "expected"),
    [
        pytest.param({}, None, ("2024-06-10", "2025-12-31", "2026-03-31"), id="day-start-month-completion"),
        # 2024-06-10 is a Monday: the week's end is Sunday 06-16
        pytest.param(
            {"start_precision": "week"}, None, ("2024-06-16", "2025-12-31", "2026-03-31"), id="week"
        ),
        pytest.param(
            {"start": "2024-03-01", "start_precision": "month"},
            None,
            ("2024-03-31", "2025-12-31", "2026-03-31"),
        ),
        pytest.param(
            {}, D("2024-05-20"), ("2024-05-20", "2025-12-31", "2026-03-31"), id="target-replaces-start"
        ),
        pytest.param(
            {"start": None, "production": None}, None, (None, "2025-12-31", None), id="missing-dates"
        ),
    ],
)
def test_anchor_dates_are_the_end_of_each_planned_period(kw, target, expected) -> None:
    anchors = build.anchor_dates(project(**kw), target=target)
    assert anchors == dict(zip(("start", "completion", "production"), map(_date, expected), strict=True))


def _date(value: str | None) -> date | None:
    return D(value) if value else None


# ---------------------------------------------------------------------------------------------------
# The industry preset (WH19 附件1)


def industry() -> dict[str, build.PlannedNode]:
    return plan(INDUSTRY, build.anchor_dates(project()))


def test_industry_start_is_due_on_the_planned_starts_working_day() -> None:
    nodes = industry()
    # planned 2024-06-10 is 端午 (off): 开工 is due the Friday before
    assert (nodes["start"].deadline, nodes["start"].how) == (D("2024-06-07"), "锚定")
    assert (nodes["completion"].deadline, nodes["completion"].how) == (D("2025-12-31"), "锚定")
    assert (nodes["production"].deadline, nodes["production"].how) == (D("2026-03-31"), "锚定")


@pytest.mark.parametrize(
    ("key", "due"),
    [
        ("construction_permit", "2024-06-07"),  # 开工 takes no working days: the permit is due that day
        ("works_permit", "2024-05-31"),  # 施工许可证's 5 working days before
        ("eia", "2024-05-31"),
        ("site_prep", "2024-05-31"),
        ("design_review", "2024-05-24"),
        ("land_use_permit", "2024-05-11"),  # a Saturday worked (劳动节 补班)
        ("land_contract", "2024-05-06"),  # 劳动节 1–5 off
        ("filing", "2024-05-06"),
        ("land_auction", "2024-04-25"),
        ("red_line", "2024-03-27"),
        ("demolition", "2024-03-13"),
        ("land_conversion", "2024-03-13"),
        ("structure", "2025-10-09"),  # 竣工's 60 working days before, over 国庆
    ],
)
def test_industry_deadlines_worked_backward(key, due) -> None:
    assert industry()[key].deadline == D(due)
    assert industry()[key].how == "倒排"


def test_each_node_is_due_when_its_earliest_successor_must_begin() -> None:
    nodes = industry()
    after = rules.successors(INDUSTRY.nodes)
    for key, planned in nodes.items():
        if planned.how != "倒排":
            continue
        begins = [CAL.add_workdays(nodes[s].deadline, -nodes[s].duration) for s in after[key]]
        assert planned.deadline == min(begins), key
    assert CAL.workdays_between(nodes["works_permit"].deadline, nodes["construction_permit"].deadline) == 5
    assert CAL.workdays_between(nodes["structure"].deadline, nodes["completion"].deadline) == 60


def test_industry_plan_is_in_order_and_consistent() -> None:
    planned = build.plan_chain(
        template_nodes(INDUSTRY),
        anchors=build.anchor_dates(project()),
        calendar=CAL,
        unit_for=build.unit_matcher(UNITS, PROJECT_UNIT),
    )
    assert [p.key for p in planned] == [n.key for n in INDUSTRY.nodes]
    assert [p.sort for p in planned] == list(range(10, 170, 10))
    specs = build.template_specs(template_nodes(INDUSTRY))
    assert rules.check_deadlines(specs, {p.key: p.deadline for p in planned}) == []
    assert not any(p.provisional for p in planned)
    assert [p.key for p in planned if p.starts_clock] == ["land_auction"]
    assert {p.key for p in planned if p.phase == "construction"} == {
        "start",
        "structure",
        "completion",
        "production",
    }
    assert {p.key: p.stage for p in planned if p.stage} == {
        "start": "started",
        "completion": "completed",
        "production": "producing",
    }


def test_industry_units_come_from_the_department_keywords() -> None:
    units = {key: p.responsible_unit_id for key, p in industry().items()}
    assert units["filing"] == 11  # 发展和改革
    assert units["red_line"] == units["land_auction"] == units["works_permit"] == 12  # 自然资源
    assert units["construction_permit"] == 13  # 住房和城乡建设
    assert units["eia"] == 14  # 生态环境
    assert units["demolition"] == 15  # 征收
    assert units["site_prep"] == units["start"] == units["structure"] == PROJECT_UNIT  # no keyword


def test_without_a_planned_production_date_it_is_scheduled_forward() -> None:
    nodes = plan(INDUSTRY, build.anchor_dates(project(production=None)))
    assert nodes["production"].how == "顺排"
    assert nodes["production"].deadline == CAL.add_workdays(D("2025-12-31"), 20)


def test_a_target_date_replaces_the_planned_start() -> None:
    nodes = plan(INDUSTRY, build.anchor_dates(project(), target=D("2024-09-30")))
    assert nodes["start"].deadline == D("2024-09-30")
    assert nodes["construction_permit"].deadline == D("2024-09-30")
    assert nodes["works_permit"].deadline == CAL.add_workdays(D("2024-09-30"), -5)


# ---------------------------------------------------------------------------------------------------
# The government-investment preset (DH24), on the provisional 2027 calendar


def test_public_preset_in_2027_is_computed_on_the_provisional_calendar_and_marked_so() -> None:
    nodes = plan(
        PUBLIC,
        build.anchor_dates(project(start="2027-03-01", start_precision="month", completion="2028-12-01")),
    )
    assert "production" not in nodes
    assert nodes["start"].deadline == D("2027-03-31")
    assert nodes["completion"].deadline == D("2028-12-29")  # 12-30, 12-31 fall on a weekend
    assert nodes["construction_permit"].deadline == D("2027-03-31")
    assert nodes["works_permit"].deadline == CAL.add_workdays(D("2027-03-31"), -5)
    # 立项 → 可研 (20) and 能评 (15) in parallel → 初设概算 (20) → 工程规划许可证 (10)
    assert nodes["preliminary"].deadline == CAL.add_workdays(nodes["works_permit"].deadline, -10)
    assert nodes["feasibility"].deadline == CAL.add_workdays(nodes["preliminary"].deadline, -20)
    assert nodes["approval"].deadline == CAL.add_workdays(nodes["feasibility"].deadline, -20)
    assert all(p.provisional for p in nodes.values())
    assert nodes["preliminary"].responsible_unit_id == PROJECT_UNIT  # 财政: no such unit given


def test_public_preset_in_2026_is_not_provisional() -> None:
    nodes = plan(
        PUBLIC, build.anchor_dates(project(start="2026-06-15", completion="2026-12-01", production=None))
    )
    assert nodes["start"].deadline == D("2026-06-15")
    assert not any(p.provisional for p in nodes.values())


# ---------------------------------------------------------------------------------------------------
# Matching a department keyword to a unit


@pytest.mark.parametrize(
    ("keyword", "unit"),
    [
        ("发展和改革", 11),
        ("发改", 11),  # in the short name only
        ("自然资源", 12),
        ("资规", 12),
        ("生态环境", 14),  # no short name
        ("财政", PROJECT_UNIT),  # no such unit
        ("", PROJECT_UNIT),  # no keyword
        ("东湖区", 11),  # the first unit that matches wins: list the jurisdiction's own units first
    ],
)
def test_unit_matcher(keyword, unit) -> None:
    assert build.unit_matcher(UNITS, PROJECT_UNIT)(keyword) == unit


def test_unit_matcher_with_no_units_falls_back() -> None:
    assert build.unit_matcher([], 7)("自然资源") == 7
