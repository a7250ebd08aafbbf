"""Reads of the annual plan: the facts for `rules.plan_progress`, in a constant number of queries, scoped
to what the user reads; the must-list warnings (REQ B7)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import account
from tests.projects.factories import invest, move, project
from tuijin.org.models import Role
from tuijin.projects import plan_selectors
from tuijin.projects.models import (
    AnnualPlan,
    PlanChange,
    PlanEntry,
    Project,
    ProjectTag,
)

pytestmark = pytest.mark.django_db
TODAY = date(2024, 6, 30)


def plan(world, *, year=2024, jur=None):
    jur = jur or world.district
    return AnnualPlan.objects.create(
        jurisdiction=jur, year=year, title=f"{year}年{jur.name}计划", document="文1号"
    )


def entry(the_plan, p, plan_type, planned, *, removed=False, monthly=()):
    return PlanEntry.objects.create(
        plan=the_plan,
        project=p,
        plan_type=plan_type,
        planned_investment=Decimal(planned),
        removed=removed,
        monthly_targets=[str(m) for m in monthly],
    )


def filled_plan(world, the_plan, n: int, *, prefix="项目"):
    """n entries at every stage of interest, with transitions and investment."""
    for i in range(n):
        p = project(world, name=f"{prefix}{i}", responsible_unit=world.dept if i % 2 else world.other_dept)
        kind = ("new_start", "continuing", "completion")[i % 3]
        if i % 3 != 0 or i % 2:
            move(p, "started", date(2024, 2, 1 + i % 20))
        if kind == "completion" and i % 2:
            move(p, "completed", date(2024, 5, 1))
        invest(p, 2024, 1 + i % 6, 100 + i)
        invest(p, 2023, 12, 50)
        entry(the_plan, p, kind, 1000 + i, monthly=[100] * 10)


def test_progress_counts_started_completed_and_this_years_investment(world):
    the_plan = plan(world)
    started = project(world, name="已开工")
    move(started, "started", date(2024, 3, 5))
    late = project(world, name="未开工")
    straight = project(world, name="直接在建")  # 开工 not recorded: the move into 在建 is the start
    move(straight, "construction", date(2024, 4, 1))
    done = project(world, name="已竣工")
    move(done, "started", date(2023, 1, 1))
    move(done, "completed", date(2024, 6, 1))
    pending = project(world, name="未竣工", stage="construction")
    gone = project(world, name="已调出")
    move(gone, "started", date(2024, 2, 2))
    for p, kind in (
        (started, "new_start"),
        (late, "new_start"),
        (straight, "new_start"),
        (done, "completion"),
    ):
        entry(the_plan, p, kind, 1000)
    entry(the_plan, pending, "completion", 2000)
    entry(the_plan, gone, "new_start", 9999, removed=True)
    invest(started, 2024, 3, 300)
    invest(started, 2023, 12, 777)  # last year: not counted
    invest(done, 2024, 5, 700)
    invest(gone, 2024, 5, 5000)  # removed: not counted

    fetched = plan_selectors.fetch_entries(world.admin, [the_plan.pk], year=2024)
    progress = plan_selectors.progress_of(fetched, the_plan, today=TODAY)

    assert (progress.start.done, progress.start.of) == (2, 3)
    assert (progress.completion.done, progress.completion.of) == (1, 2)
    assert (progress.investment.done, progress.investment.of) == (Decimal(1000), Decimal(6000))
    assert progress.by_stage == {"started": 1, "preparation": 1, "construction": 2, "completed": 1}


def test_plan_page_reads_in_a_constant_number_of_queries(world):
    the_plan = plan(world)
    filled_plan(world, the_plan, 3)
    PlanChange.objects.create(
        plan=the_plan, project=Project.objects.first(), kind="replan", decided_by="会", decided_on=TODAY,
        reason="因", details={"old": {"plan_type": "new_start", "planned_investment": "1"}, "new": {}},
    )  # fmt: skip
    tag = ProjectTag.objects.create(name="测试必列", must_be_listed=True)
    project(world, name="漏列").tags.add(tag)
    with CaptureQueriesContext(connection) as small:
        plan_selectors.plan_page(world.admin, the_plan, today=TODAY)
    filled_plan(world, the_plan, 30, prefix="更多")
    for i in range(5):
        project(world, name=f"漏列{i}").tags.add(tag)
    with CaptureQueriesContext(connection) as large:
        page = plan_selectors.plan_page(world.admin, the_plan, today=TODAY)
    assert len(page.rows) == 33 and len(page.warnings) == 6
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert len(large) <= 10


def test_home_panel_reads_in_a_constant_number_of_queries(world):
    the_plan = plan(world)
    filled_plan(world, the_plan, 2)
    with CaptureQueriesContext(connection) as small:
        plan_selectors.home_plan_for(world.leader, today=TODAY)
    filled_plan(world, the_plan, 25, prefix="更多")
    with CaptureQueriesContext(connection) as large:
        panel = plan_selectors.home_plan_for(world.leader, today=TODAY)
    assert panel.entry_count == 27
    assert len(large) == len(small)


def test_unit_staff_read_only_their_units_entries_and_rates(world):
    the_plan = plan(world)
    ours = project(world, name="本单位项目", responsible_unit=world.dept)
    move(ours, "started", date(2024, 3, 1))
    theirs = project(world, name="他单位项目", responsible_unit=world.other_dept)
    entry(the_plan, ours, "new_start", 100)
    entry(the_plan, theirs, "new_start", 900)
    invest(theirs, 2024, 2, 900)

    page = plan_selectors.plan_page(world.reporter, the_plan, today=TODAY)

    assert [r.name for r in page.rows] == ["本单位项目"]
    assert page.rates[0].percent == "100.0%" and page.rates[1].percent == "0.0%"
    assert page.unit_only and not page.can_manage
    admin_page = plan_selectors.plan_page(world.admin, the_plan, today=TODAY)
    assert admin_page.rates[0].percent == "50.0%" and admin_page.rates[1].percent == "90.0%"


def test_must_be_listed_projects_missing_or_removed_are_warned(world):
    must = ProjectTag.objects.create(name="测试必列", must_be_listed=True)
    other = ProjectTag.objects.create(name="测试普通", must_be_listed=False)
    the_plan = plan(world)
    listed = project(world, name="已列入")
    missing = project(world, name="未列入")
    removed = project(world, name="被调出")
    plain = project(world, name="无须列入")
    finished = project(world, name="早已竣工")
    move(finished, "started", date(2021, 1, 1))
    move(finished, "completed", date(2023, 6, 1))
    for p in (listed, missing, removed, finished):
        p.tags.add(must, other)
    plain.tags.add(other)
    entry(the_plan, listed, "continuing", 1)
    entry(the_plan, removed, "continuing", 1, removed=True)
    PlanChange.objects.create(
        plan=the_plan, project=removed, kind="remove", decided_by="领导小组会议", decided_on=date(2024, 4, 2),
        reason="暂缓实施",
    )  # fmt: skip

    warnings = {w.name: w for w in plan_selectors.plan_page(world.admin, the_plan, today=TODAY).warnings}

    assert set(warnings) == {"未列入", "被调出"}
    assert warnings["未列入"].tags == "测试必列" and "未列入 2024 年度计划" in warnings["未列入"].text
    assert "2024-04-02 经领导小组会议调出计划" in warnings["被调出"].text


def test_home_panel_takes_this_years_plan_else_the_latest(world):
    plan(world, year=2023)
    assert plan_selectors.home_plan_for(world.admin, today=TODAY).year == 2023
    plan(world, year=2025)
    assert plan_selectors.home_plan_for(world.admin, today=TODAY).year == 2025
    plan(world, year=2024)
    assert plan_selectors.home_plan_for(world.admin, today=TODAY).year == 2024
    assert plan_selectors.home_plan_for(world.discipline, today=TODAY) is None


def test_a_city_leader_sees_the_districts_plans_combined(world):
    city_leader = account("city_leader", Role.LEADER, world.city)
    ours, theirs = plan(world), plan(world, jur=world.other_district)
    a = project(world, name="东湖项目")
    b = project(
        world, name="青山湖项目", responsible_unit=world.foreign_unit, jurisdiction=world.other_district
    )
    entry(ours, a, "new_start", 100)
    entry(theirs, b, "new_start", 300)
    move(b, "started", date(2024, 1, 9))

    panel = plan_selectors.home_plan_for(city_leader, today=TODAY)

    assert panel.entry_count == 2 and len(panel.plans) == 2
    assert panel.rates[0].percent == "50.0%" and panel.rates[0].done == "1"
    assert plan_selectors.home_plan_for(world.leader, today=TODAY).entry_count == 1
