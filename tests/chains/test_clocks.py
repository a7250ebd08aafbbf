"""Approval clocks (审批计时, REQ C5, KF19 四(一)) on the real working-day calendar: 80 / 50 / 30 working
days by class, overrun, days saved, each approving unit's share, a provisional 2027, a clock still
running; the clocks page (filters, sorting, scope, no N+1).

Hand counts on the 2024 official calendar (国办发明电〔2023〕7号): from Fri 1 March, March has 20 working
days to the 29th; April 22 (清明 4–6 off, Sun 7 a working day; 劳动节 make-up Sun 28); May 21 (1–5 off,
Sat 11 a working day); June 19 to the 28th (端午 Mon 10 off). So from 2024-03-01: 03-08 → 5, 03-15 → 10,
03-29 → 20, 04-12 → 29, 04-30 → 42, 05-31 → 63, 06-28 → 82.
"""

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import unit
from tests.projects.factories import move, project
from tuijin.chains import build
from tuijin.chains.clock_selectors import (
    ClockFilters,
    clocks_page,
    limits_by_jurisdiction,
    parse_clock_filters,
    project_clock,
)
from tuijin.chains.models import Chain, ChainNode, ChainTemplate
from tuijin.core.calendar_selectors import current_calendar
from tuijin.core.models import RuleSet, RuleSetVersion
from tuijin.org.models import Role, UnitKind

D = date.fromisoformat
INDUSTRY = "产业项目开工推进计划（WH19 附件1）"
# Done before the land was delisted on 2024-03-01: no unit's share inside the clock.
BEFORE = {
    "demolition": D("2024-01-15"),
    "land_conversion": D("2024-01-20"),
    "filing": D("2024-01-10"),
    "red_line": D("2024-02-05"),
}
# The general project of the module docstring: delisted 03-01, started 06-28 (82 working days).
FULL = {
    **BEFORE,
    "land_auction": D("2024-03-01"),
    "land_contract": D("2024-03-15"),
    "eia": D("2024-03-08"),
    "land_use_permit": D("2024-03-29"),
    "site_prep": D("2024-04-30"),
    "design_review": D("2024-04-30"),
    "works_permit": D("2024-05-31"),
    "construction_permit": D("2024-06-28"),
}


@pytest.fixture
def units(world):
    """The approving departments the WH19 template's keywords match (dept = 区发改委 does 核准备案)."""
    return {
        "land": unit(world.district, "区自然资源和规划局", short_name="区资规局", kind=UnitKind.APPROVAL),
        "eco": unit(world.district, "区生态环境局", kind=UnitKind.APPROVAL),
        "levy": unit(world.district, "区房屋征收办公室", short_name="区征收办"),
        "build": world.other_dept,  # 区住房和城乡建设局
    }


def chain_for(project_, *, actual=(), clock_class="general", exempt=(), person=None) -> Chain:
    """A chain built as the service builds it (build.plan_chain over the seeded WH19 template, deadlines
    worked back from the planned start on the calendar), then the given actual dates filled in."""
    template = ChainTemplate.objects.get(jurisdiction=None, name=INDUSTRY)
    nodes = list(template.nodes.all())
    units = [(u.pk, u.name, u.short_name) for u in project_.jurisdiction.units.order_by("sort", "pk")]
    planned = build.plan_chain(
        nodes,
        anchors={
            "start": project_.planned_start,
            "completion": project_.planned_completion,
            "production": project_.planned_production,
        },
        calendar=current_calendar(),
        unit_for=build.unit_matcher(units, project_.responsible_unit_id),
    )
    chain = Chain.objects.create(project=project_, template=template, clock_class=clock_class)
    actual = dict(actual)
    ChainNode.objects.bulk_create(
        ChainNode(
            chain=chain,
            project=project_,
            key=n.key,
            name=n.name,
            phase=n.phase,
            step=n.step,
            after=list(n.after),
            duration=n.duration,
            stage=n.stage,
            starts_clock=n.starts_clock,
            deadline=n.deadline,
            baseline=n.deadline,
            responsible_unit_id=n.responsible_unit_id,
            responsible_person=person if n.stage == "started" else None,
            actual=actual.get(n.key),
            exempt_reason="本项目不涉及" if n.key in exempt else "",
            sort=n.sort,
        )
        for n in planned
    )
    return chain


def shares(clock) -> dict[str, int]:
    return {s.unit: s.days for s in clock.shares}


# ---------------------------------------------------------------------------------------------------
# One project's clock


def test_general_project_started_two_days_over_the_80_day_limit(world, units):
    p = project(world, name="临空港智能制造基地", planned_start=D("2024-06-30"))
    chain_for(p, actual=FULL)
    move(p, "started", D("2024-06-28"))
    clock = project_clock(p, today=D("2024-07-15"))
    assert (clock.started, clock.stopped) == (D("2024-03-01"), D("2024-06-28"))
    assert (clock.limit, clock.used, clock.overrun, clock.left, clock.saved) == (80, 82, 2, 0, 0)
    assert not clock.running and not clock.provisional
    assert clock.summary == "摘牌至开工用时 82 个工作日，时限 80 个工作日，超时 2 个工作日"


def test_each_approving_units_share_counts_from_when_its_predecessors_were_done(world, units):
    p = project(world, planned_start=D("2024-06-30"))
    chain_for(p, actual=FULL)
    move(p, "started", D("2024-06-28"))
    clock = project_clock(p, today=D("2024-07-15"))
    # 资规局: 出让合同 (03-01→03-15) 10 + 用地规划 (03-15→03-29) 10 + 方案审核 (03-29→04-30) 22
    #         + 工程规划 (04-30→05-31) 21 = 63; 发改委 (七通一平 has no department: the responsible unit)
    # 03-15→04-30 = 32; 住建局 施工许可 05-31→06-28 = 19; 生态环境局 环评 from delisting 03-01→03-08 = 5
    assert shares(clock) == {"区资规局": 63, "区发改委": 32, "区住建局": 19, "区生态环境局": 5}
    assert clock.shares[0].nodes == (
        "签订土地出让合同",
        "用地规划许可证",
        "规划设计方案审核",
        "工程规划许可证",
    )


def test_ftz_project_started_within_50_days_saves_the_rest(world, units):
    p = project(world, planned_start=D("2024-05-06"))
    chain_for(p, actual={**BEFORE, "land_auction": D("2024-03-01")}, clock_class="ftz")
    move(p, "started", D("2024-04-30"))
    clock = project_clock(p, today=D("2024-06-01"))
    assert (clock.limit, clock.used, clock.saved, clock.overrun) == (50, 42, 8, 0)
    assert clock.summary.endswith("提前 8 个工作日")


def test_commitment_project_not_started_yet_is_running_to_today(world, units):
    p = project(world, planned_start=D("2024-05-06"))
    chain_for(
        p,
        actual={**BEFORE, "land_auction": D("2024-03-01"), "land_contract": D("2024-03-15")},
        clock_class="commitment",
    )
    clock = project_clock(p, today=D("2024-04-12"))
    assert clock.running and clock.stopped is None
    assert (clock.limit, clock.used, clock.left, clock.overrun, clock.saved) == (30, 29, 1, 0, 0)
    # 用地规划 and 七通一平 began at 03-15 and run to today (03-15→04-12 = 19); 环评 from 03-01 (29);
    # 方案审核, 工程规划, 施工许可 still wait for their predecessors: no share yet
    assert shares(clock) == {"区资规局": 10 + 19, "区发改委": 19, "区生态环境局": 29}
    overdue = project_clock(p, today=D("2024-04-16"))
    assert (overdue.used, overdue.overrun, overdue.left) == (31, 1, 0)
    assert "超过时限" in overdue.summary


def test_exempt_node_has_no_share_and_passes_its_predecessors_dates_on(world, units):
    p = project(world, planned_start=D("2024-06-30"))
    chain_for(p, actual={k: v for k, v in FULL.items() if k != "eia"}, exempt={"eia"})
    move(p, "started", D("2024-06-28"))
    clock = project_clock(p, today=D("2024-07-15"))
    assert "区生态环境局" not in shares(clock)
    assert shares(clock)["区住建局"] == 19


def test_clock_not_started_before_delisting(world, units):
    p = project(world, planned_start=D("2024-06-30"))
    chain_for(p, actual=BEFORE)
    clock = project_clock(p, today=D("2024-04-01"))
    assert clock.started is None and clock.used == 0 and clock.limit == 80
    assert clock.summary == "尚未土地摘牌，审批计时未开始"
    assert project_clock(project(world), today=D("2024-04-01")).started is None  # no chain at all


def test_a_move_straight_into_construction_stops_the_clock(world, units):
    p = project(world, planned_start=D("2024-06-30"))
    chain_for(p, actual=FULL)
    move(p, "construction", D("2024-04-30"))
    assert project_clock(p, today=D("2024-07-15")).used == 42


def test_provisional_2027_clock_says_so(world, units):
    # 2027 has no official schedule yet: weekends and the 2025 law's holidays only; March has none.
    # Mon 2027-03-01 → Wed 03-31: 4 + 5 + 5 + 5 + 3 = 22 working days.
    p = project(world, planned_start=D("2027-06-30"))
    chain_for(p, actual={"land_auction": D("2027-03-01")})
    clock = project_clock(p, today=D("2027-03-31"))
    assert clock.used == 22 and clock.provisional and clock.running
    assert clock.summary.endswith("（含暂定日历）")


def test_limits_come_from_the_rule_set_the_nearest_ancestor_picked(world, units):
    rule_set = RuleSet.objects.create(slug="test-clock", name="测试规则")
    for number, general in ((1, 70), (2, 60)):
        RuleSetVersion.objects.create(
            rule_set=rule_set,
            number=number,
            sha256=str(number),
            data={"approval_clock": {"general": general, "ftz": 40, "commitment": 20, "source": "测试"}},
        )
    world.city.rule_set = rule_set
    world.city.save()
    limits = limits_by_jurisdiction(
        [(world.district.pk, world.district.path), (world.city.pk, world.city.path)]
    )
    assert limits[world.district.pk].limit("general") == 60  # the current (highest) version
    assert limits[world.district.pk].limit("commitment") == 20
    p = project(world, planned_start=D("2024-06-30"))
    chain_for(p, actual=FULL)
    move(p, "started", D("2024-06-28"))
    assert project_clock(p, today=D("2024-07-15")).overrun == 22


# ---------------------------------------------------------------------------------------------------
# The clocks page


@pytest.fixture
def three(world, units):
    over = project(world, name="甲 超时项目", planned_start=D("2024-06-30"))
    chain_for(over, actual=FULL)
    move(over, "started", D("2024-06-28"))
    saved = project(
        world, name="乙 提前项目", planned_start=D("2024-05-06"), responsible_unit=world.other_dept
    )
    chain_for(saved, actual={**BEFORE, "land_auction": D("2024-03-01")}, clock_class="ftz")
    move(saved, "started", D("2024-04-30"))
    # 丙: delisted Mon 06-03, running on 07-15: June 4 + 4 + 5 + 5, July 5 + 5 + 1 = 29 of 30
    running = project(world, name="丙 计时中项目", planned_start=D("2024-09-30"))
    chain_for(running, actual={**BEFORE, "land_auction": D("2024-06-03")}, clock_class="commitment")
    not_yet = project(world, name="丁 未摘牌项目", planned_start=D("2024-09-30"))
    chain_for(not_yet, actual=BEFORE)
    return over, saved, running


TODAY = D("2024-07-15")


def test_page_lists_projects_whose_clock_started_sorted_by_share_of_the_limit(world, three):
    page = clocks_page(world.admin, ClockFilters(), today=TODAY)
    assert [r.name for r in page.rows] == ["甲 超时项目", "丙 计时中项目", "乙 提前项目"]
    over, saved, running = (next(r for r in page.rows if r.pk == p.pk) for p in three)
    assert (over.used, over.overrun, over.percent, over.bar_css) == (82, 2, 100, "bg-red")
    assert (saved.used, saved.saved, saved.state_label) == (42, 8, "提前 8 个工作日")
    assert (running.used, running.left, running.running, running.state_label) == (29, 1, True, "计时中")
    assert (page.count, page.running, page.over, page.saved_days) == (3, 1, 1, 8)
    # 资规局 over the three: 甲 63; 乙 出让合同 pending from 03-01 to the start 04-30, 42; 丙 from 06-03, 29
    land = next(u for u in page.units if u.unit == "区资规局")
    assert (land.projects, land.days, land.average) == (3, 63 + 42 + 29, "44.7")


def test_page_sorts_by_any_column_both_ways(world, three):
    by_saved = clocks_page(world.admin, parse_clock_filters({"sort": "-saved"}), today=TODAY)
    assert by_saved.rows[0].name == "乙 提前项目"
    by_used = clocks_page(world.admin, parse_clock_filters({"sort": "used"}), today=TODAY)
    assert [r.used for r in by_used.rows] == [29, 42, 82]


def test_page_filters_by_unit_responsible_or_approving_and_shows_its_share(world, units, three):
    mine = clocks_page(world.admin, ClockFilters(unit=world.other_dept.pk), today=TODAY)
    # 乙 is 住建局's own project; 甲's 施工许可证 is 住建局's; 丙's 施工许可证 waits (no share but listed)
    assert {r.name for r in mine.rows} == {"甲 超时项目", "乙 提前项目", "丙 计时中项目"}
    assert {r.name: r.unit_days for r in mine.rows}["甲 超时项目"] == 19
    levy = clocks_page(world.admin, ClockFilters(unit=units["levy"].pk), today=TODAY)
    assert levy.count == 3  # 征收拆迁 is the 征收办's in every chain, done before delisting: 0 days
    assert all(r.unit_days == 0 for r in levy.rows)


def test_page_filters_by_state_and_district(world, three):
    over = clocks_page(world.admin, ClockFilters(state="over"), today=TODAY)
    assert [r.name for r in over.rows] == ["甲 超时项目"]
    here = clocks_page(world.admin, ClockFilters(district=world.district.pk), today=TODAY)
    assert here.count == 3
    foreign = clocks_page(world.admin, ClockFilters(district=world.other_district.pk), today=TODAY)
    assert foreign.count == 3 and "所选辖区" in foreign.problems[0]


def test_bad_query_values_are_named_and_ignored():
    filters = parse_clock_filters({"unit": "x", "state": "done", "sort": "colour"})
    assert filters == ClockFilters()
    assert filters.problems == (
        "单位“x”无效，已忽略。",
        "计时状态“done”不存在，已忽略。",
        "排序“colour”不存在，已按用时占比排序。",
    )


def test_unit_staff_see_only_projects_their_unit_reads(world, units, three):
    other = world.other_dept
    from tests.factories import account

    builder = account("builder", Role.UNIT_REPORTER, world.district, other)
    rows = clocks_page(builder, ClockFilters(), today=TODAY).rows
    assert {r.name for r in rows} == {"甲 超时项目", "乙 提前项目", "丙 计时中项目"}  # a node in each
    foreign = clocks_page(world.foreign_admin, ClockFilters(), today=TODAY)
    assert foreign.count == 0


def test_page_reads_in_a_constant_number_of_queries(world, units):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            clocks_page(world.admin, ClockFilters(unit=units["land"].pk), today=D("2024-07-15"))
        return len(ctx.captured_queries)

    for _ in range(2):
        p = project(world, planned_start=D("2024-06-30"))
        chain_for(p, actual=FULL)
        move(p, "started", D("2024-06-28"))
    few = count_queries()
    for _ in range(5):
        p = project(world, planned_start=D("2024-06-30"))
        chain_for(p, actual=FULL)
    assert count_queries() == few


@time_machine.travel("2024-07-15 10:00 +0800", tick=False)
def test_clocks_page_renders_bars_and_unit_shares(world, three, client_for):
    response = client_for(world.admin).get("/chains/clocks/?sort=-overrun")
    assert response.status_code == 200
    text = response.content.decode()
    assert "甲 超时项目" in text and "超时 2 个工作日" in text
    assert 'class="progress-bar bg-red" style="width: 100%"' in text
    assert "区资规局" in text and "各审批部门用时" in text
    bad = client_for(world.admin).get("/chains/clocks/?state=done")
    assert "计时状态“done”不存在" in bad.content.decode()


@time_machine.travel("2027-03-31 10:00 +0800", tick=False)
def test_clocks_page_marks_provisional_results(world, units, client_for):
    p = project(world, name="二〇二七年项目", planned_start=D("2027-06-30"))
    chain_for(p, actual={"land_auction": D("2027-03-01")})
    response = client_for(world.admin).get("/chains/clocks/")
    assert "含暂定日历" in response.content.decode()
