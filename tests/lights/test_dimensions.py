"""Issue 5 part 4 through the engine and the page: 投资滞后 from the plan entry and the monthly investment
entries, 周报缺报 / 迟报 from the weekly reports, the reports' hook, and the 迟报缺报 page."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.projects.factories import entry, invest, plan, project
from tuijin.lights import services
from tuijin.lights.models import LightChange, ProjectLight
from tuijin.reports.models import Report

pytestmark = pytest.mark.django_db
TODAY = date(2024, 6, 14)  # a Friday: this week's report is due today, so the last due week is 23
SHANGHAI = ZoneInfo("Asia/Shanghai")
W22, W23, W24 = date(2024, 5, 27), date(2024, 6, 3), date(2024, 6, 10)
DUE = {W22: date(2024, 5, 31), W23: date(2024, 6, 7), W24: date(2024, 6, 14)}


def refresh(p, today=TODAY) -> ProjectLight:
    return services.lights_refresh_project(project_id=p.pk, today=today)


def report(p, week, *, submitted: date | None = None, status="submitted", **kw) -> Report:
    moment = datetime.combine(submitted, time(10), tzinfo=SHANGHAI) if submitted else None
    return Report.objects.create(
        project=p,
        unit=p.responsible_unit,
        kind="weekly",
        period_start=week,
        due_on=DUE[week],
        status=status,
        first_submitted_at=moment,
        submitted_at=moment,
        **kw,
    )


def building(world, **kw):
    return project(world, **{"stage": "construction", **kw})


# ---------------------------------------------------------------------------------------------------
# 投资滞后


@pytest.fixture
def planned(world):
    """A project in construction, in the 2024 plan with 400 万元 a month."""
    p = building(world, name="东湖智造产业园")
    entry(plan(world, 2024), p, plan_type="continuing", monthly_targets=[400] * 12)
    return p


def test_investment_behind_the_cumulative_target_lights_red_with_the_figures(planned):
    for month, amount in ((1, 300), (2, 300), (3, 200), (4, 200), (5, 200), (6, 900)):
        invest(planned, 2024, month, amount)  # June is not complete on 6-14: not counted
    light = refresh(planned)
    assert (light.color, light.shown, light.investment_behind) == ("red", "red", True)
    assert light.reason == "投资滞后：截至5月累计完成 1200 万元，为目标 2000 万元的 60%"
    assert light.node_id is None


def test_catching_up_turns_it_green_and_the_change_is_recorded(planned):
    invest(planned, 2024, 1, 1500)
    assert refresh(planned).color == "yellow"  # 75 %
    invest(planned, 2024, 5, 300)
    light = refresh(planned)
    assert (light.color, light.investment_behind, light.reason) == ("green", False, "按计划推进")
    change = LightChange.objects.filter(project=planned, node=None).last()
    assert (change.old, change.new) == ("yellow", "green")


def test_the_targets_of_the_most_local_plan_count(world, planned):
    city = plan(world, 2024, jurisdiction=world.city, title="2024年南昌市重大项目计划")
    entry(city, planned, plan_type="continuing", monthly_targets=[100] * 12)
    invest(planned, 2024, 3, 600)  # 30 % of the district's 2000, 120 % of the city's 500
    assert refresh(planned).color == "red"


def test_no_investment_light_without_a_plan_entry_or_after_completion(world, planned):
    loose = building(world)
    invest(loose, 2024, 2, 1)
    assert refresh(loose).color == "green"
    ProjectLight.objects.all().delete()
    planned.stage = "completed"
    planned.save(update_fields=["stage"])
    light = refresh(planned)
    assert not light.investment_behind and "投资滞后" not in light.reason


def test_a_removed_entry_has_no_targets(world):
    p = building(world)
    entry(plan(world, 2024), p, plan_type="continuing", monthly_targets=[400] * 12, removed=True)
    assert refresh(p).color == "green"


# ---------------------------------------------------------------------------------------------------
# 周报缺报 / 迟报


@pytest.fixture
def started(world):
    """东湖区 started weekly reporting in week 22: another project's report exists."""
    other = building(world, name="已报送项目")
    report(other, W22, submitted=date(2024, 5, 30))
    return other


def test_no_weekly_report_in_the_jurisdiction_means_no_staleness(world):
    p = building(world)
    light = refresh(p)
    assert (light.color, light.reports_missing) == ("green", 0)


def test_missing_the_last_due_week_is_yellow_never_green(world, started):
    report(started, W23, submitted=date(2024, 6, 6))
    p = building(world)
    report(p, W22, submitted=date(2024, 5, 31))
    light = refresh(p)
    assert (light.color, light.reports_missing, light.report_late) == ("yellow", 1, False)
    assert light.reason == "周报缺报：第23周（6月7日截止）未报送"
    # the same data for the reporter that sent week 23 keeps it green
    assert refresh(started).color == "green"


def test_missing_two_weeks_in_a_row_is_red_and_a_draft_does_not_count(world, started):
    p = building(world)
    report(p, W23, status="draft")
    light = refresh(p)
    assert (light.color, light.reports_missing) == ("red", 2)
    assert light.reason == "周报缺报：连续 2 周未报送（第22周至第23周，最近一期 6月7日截止）"


def test_staleness_counts_only_from_the_first_reported_week(world):
    first = building(world)
    report(first, W23, submitted=date(2024, 6, 5))
    p = building(world)
    assert refresh(p).reports_missing == 1  # week 22 is before reporting started: not counted


def test_a_late_report_is_flagged_but_the_data_is_there(world, started):
    p = building(world)
    report(p, W22, submitted=date(2024, 5, 31))
    report(p, W23, submitted=date(2024, 6, 11), status="returned")  # returned still counts, late
    light = refresh(p)
    assert (light.color, light.reports_missing, light.report_late) == ("green", 0, True)


def test_a_proxy_fill_counts_from_the_office_s_fill_in(world, started):
    p = building(world)
    report(p, W22, submitted=date(2024, 5, 31))
    filled = datetime.combine(date(2024, 6, 7), time(18), tzinfo=SHANGHAI)
    Report.objects.create(
        project=p,
        unit=p.responsible_unit,
        kind="weekly",
        period_start=W23,
        due_on=DUE[W23],
        status="accepted",
        is_proxy=True,
        reviewed_at=filled,
    )
    light = refresh(p)
    assert (light.color, light.reports_missing, light.report_late) == ("green", 0, False)


@pytest.mark.parametrize(
    ("stage", "in_plan", "owes"),
    [
        ("construction", False, True),
        ("preparation", True, True),
        ("preparation", False, False),
        ("producing", True, False),
    ],
)
def test_only_projects_that_must_report_are_flagged(world, started, stage, in_plan, owes):
    p = project(world, stage=stage)
    if in_plan:
        entry(plan(world, 2024), p, plan_type="preparation")
    light = refresh(p)
    assert (light.reports_missing == 2) is owes
    assert ("周报缺报" in light.reason) is owes


def test_missing_reports_and_late_nodes_together_count_each_other(world, started):
    from tests.lights.test_services import chain

    p = building(world)
    chain(p, ("施工许可证", date(2024, 6, 5)))  # 6 working days late (端午 6-10 off): yellow
    report(p, W22, submitted=date(2024, 5, 31))
    light = refresh(p)
    assert light.color == "yellow"
    # between two yellows the one with more working days late names the light: the node's 6 against
    # the report's 4 (due 6-7)
    assert light.reason == "施工许可证 超期 6 个工作日（另有 1 项滞后：黄灯 1 项）"
    assert light.reports_missing == 1 and light.yellow_nodes == 1


def test_recompute_gives_what_refresh_gives_in_a_fixed_number_of_queries(world, started, planned):
    ps = [building(world) for _ in range(6)]
    for p in ps[:3]:
        report(p, W23, submitted=date(2024, 6, 6))
    invest(planned, 2024, 5, 100)
    summary = services.lights_recompute(today=TODAY)
    assert summary.projects == 8
    stored = {pl.project_id: (pl.color, pl.reason) for pl in ProjectLight.objects.all()}
    ProjectLight.objects.all().delete()
    for p in [*ps, planned, started]:
        refresh(p)
    assert {pl.project_id: (pl.color, pl.reason) for pl in ProjectLight.objects.all()} == stored
    with CaptureQueriesContext(connection) as few:
        services.lights_recompute(today=date(2024, 6, 18))
    more = [building(world) for _ in range(20)]
    for p in more[:10]:
        report(p, W23, submitted=date(2024, 6, 6))
    with CaptureQueriesContext(connection) as many:
        services.lights_recompute(today=date(2024, 6, 19))
    reads = [q for q in few.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    reads_many = [q for q in many.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(reads) == len(reads_many)


# ---------------------------------------------------------------------------------------------------
# The reports' hook


def test_the_hook_ignores_a_week_not_yet_due_and_refreshes_a_late_one(world, started):
    p = building(world)
    report(p, W22, submitted=date(2024, 5, 31))
    assert refresh(p).color == "yellow"
    report(p, W24, submitted=TODAY)
    services.lights_on_reports_changed(project_ids=[p.pk], kind="weekly", due_on=DUE[W24], today=TODAY)
    assert ProjectLight.objects.get(pk=p.pk).color == "yellow"  # week 24 is not due: nothing to do
    report(p, W23, submitted=TODAY)
    services.lights_on_reports_changed(project_ids=[p.pk], kind="weekly", due_on=DUE[W23], today=TODAY)
    light = ProjectLight.objects.get(pk=p.pk)
    assert (light.color, light.report_late) == ("green", True)


def test_the_hook_refreshes_after_a_monthly_investment(world, planned):
    invest(planned, 2024, 5, Decimal(2000))
    assert refresh(planned).color == "green"
    planned.investment_entries.update(amount=Decimal(100))
    services.lights_on_reports_changed(
        project_ids=[planned.pk], kind="monthly", due_on=date(2024, 5, 25), today=TODAY
    )
    assert ProjectLight.objects.get(pk=planned.pk).color == "red"


def test_accepting_a_monthly_report_refreshes_the_investment_light(world, planned):
    """The report's investment becomes the library's entry only on acceptance, so that is when the light
    must move (through the lights' report listener, not a call from the reports app)."""
    from tuijin.reports import services as reports

    for month in (1, 2, 3, 4):
        invest(planned, 2024, month, 400)
    assert refresh(planned).color == "yellow"  # May missing: 1600 of 2000 万元, 80 %
    may = date(2024, 5, 1)
    rows = {planned.pk: {"progress": "主体施工", "investment_completed": "400"}}
    reports.report_submit(
        user=world.reporter, unit=world.dept, kind="monthly", period_start=may, rows=rows, today=TODAY
    )
    reports.report_approve(
        user=world.unit_head, unit=world.dept, kind="monthly", period_start=may, today=TODAY
    )
    assert ProjectLight.objects.get(pk=planned.pk).color == "yellow"  # not yet the library's fact
    reports.report_accept(user=world.admin, reports=Report.objects.filter(kind="monthly"), today=TODAY)
    light = ProjectLight.objects.get(pk=planned.pk)
    assert (light.color, light.investment_behind) == ("green", False)


# ---------------------------------------------------------------------------------------------------
# The 迟报缺报 page


@pytest.fixture
def week23(world, started):
    """Week 23 of 区发改委 (world.dept): one on time, one late, two missing (one a draft); 区住建局: one missing."""
    report(started, W23, submitted=date(2024, 6, 7))
    late = building(world, name="迟报项目")
    report(late, W23, submitted=date(2024, 6, 9))
    gone = building(world, name="缺报项目")
    draft = building(world, name="草稿项目")
    report(draft, W23, status="draft")
    other = building(world, name="住建缺报项目", responsible_unit=world.other_dept)
    building(world, name="已投产项目", stage="producing")  # owes nothing
    project(world, name="储备项目", stage="planning")  # owes nothing
    return {"late": late, "gone": gone, "draft": draft, "other": other}


@pytest.fixture
def on_today():
    with time_machine.travel("2024-06-14 12:00 +0800", tick=False):
        yield


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_counts_per_unit_and_drills_down(world, client_for, week23, on_today):
    client = client_for(world.admin)
    page = _get(client, "/lights/reports/?week=2024-W23")
    assert "2024年第23周（6月3日—6月9日）" in page and "6月7日" in page
    dept_row = page[page.index(f'id="unit-{world.dept.pk}"') :].split("</tr>")[0]
    assert [int(n) for n in _numbers(dept_row)] == [4, 2, 1, 1, 0]  # owed, missing, late, on time, pending
    other_row = page[page.index(f'id="unit-{world.other_dept.pk}"') :].split("</tr>")[0]
    assert [int(n) for n in _numbers(other_row)] == [1, 1, 0, 0, 0]
    assert 'id="owed-total">5<' in page
    assert page.index(f'id="unit-{world.dept.pk}"') < page.index(f'id="unit-{world.other_dept.pk}"')
    drill = _get(client, f"/lights/reports/?week=2024-W23&unit={world.dept.pk}&state=missing")
    assert 'id="drill-count">2<' in drill
    assert "缺报项目" in drill and "草稿项目" in drill and "迟报项目" not in drill
    assert "住建缺报项目" not in drill
    late = _get(client, "/lights/reports/?week=2024-W23&state=late")
    assert "迟报项目" in late and "6月9日" in late and 'id="drill-count">1<' in late
    for word in ("缺报", "迟报", "按时报送", "未到截止日", "应报"):
        assert word in page


def _numbers(row: str) -> list[str]:
    import re

    return re.findall(r'<td class="n[^"]*"><a [^>]*>(\d+)</a>', row)


def test_a_unit_reporter_sees_only_the_unit_s_projects(world, client_for, week23, on_today):
    page = _get(client_for(world.reporter), "/lights/reports/?week=2024-W23&state=missing")
    assert "缺报项目" in page and "住建缺报项目" not in page
    assert f'id="unit-{world.other_dept.pk}"' not in page


def test_the_default_week_is_the_last_one_due_and_no_future_week(world, client_for, week23, on_today):
    client = client_for(world.admin)
    assert "第23周" in _get(client, "/lights/reports/")
    future = _get(client, "/lights/reports/?week=2024-W30")
    assert "第24周" in future and 'id="week-next"' not in future
    current = _get(client, "/lights/reports/?week=2024-W24")
    assert 'id="unit-' in current and "未到截止日" in current
    assert "第24周" in _get(client, "/lights/reports/?week=nonsense")  # this week, as the picker does


def test_a_week_without_any_report_says_so(world, client_for, on_today):
    building(world)
    page = _get(client_for(world.admin), "/lights/reports/?week=2024-W23")
    assert 'id="no-reports"' in page


def test_the_page_reads_in_a_fixed_number_of_queries(world, week23):
    from tuijin.lights import report_selectors

    with CaptureQueriesContext(connection) as few:
        report_selectors.reports_page(world.admin, week=W23, today=TODAY, state="missing")
    for _ in range(15):
        report(building(world), W23, submitted=date(2024, 6, 8))
    with CaptureQueriesContext(connection) as many:
        result = report_selectors.reports_page(world.admin, week=W23, today=TODAY, state="late")
    assert len(many) == len(few)
    assert result.totals["late"] == 16


def test_the_reports_listener_refreshes_late_weeks_only_after_a_submission(world, started):
    from tuijin.reports.services import _LISTENERS

    assert services.lights_on_reports in _LISTENERS  # registered by the lights app
    p = building(world)
    report(p, W22, submitted=date(2024, 5, 31))
    assert refresh(p).color == "yellow"
    late = report(p, W23, submitted=TODAY)
    services.lights_on_reports(reports=[late], event="accept", today=TODAY)
    assert ProjectLight.objects.get(pk=p.pk).color == "yellow"  # accepting changes nothing
    this_week = report(p, W24, submitted=TODAY)
    with CaptureQueriesContext(connection) as none:
        services.lights_on_reports(reports=[this_week], event="submit", today=TODAY)
    assert len(none) == 0  # the Friday rush: this week is not due yet
    services.lights_on_reports(reports=[late, this_week], event="submit", today=TODAY)
    assert ProjectLight.objects.get(pk=p.pk).report_late is True


def test_owing_q_is_must_report(world):
    from tuijin.lights.report_selectors import owing_q
    from tuijin.lights.selectors import weekly_reporting_projects
    from tuijin.projects.models import Project

    owes = [building(world), project(world, stage="started")]
    in_plan = project(world, stage="preparation")
    entry(plan(world, 2024), in_plan, plan_type="new_start")
    owes.append(in_plan)
    project(world, stage="preparation")
    done = project(world, stage="completed")
    entry(plan(world, 2024, jurisdiction=world.city), done, plan_type="completion")
    expected = {p.pk for p in owes}
    assert set(Project.objects.filter(owing_q(2024)).values_list("pk", flat=True)) == expected
    assert set(weekly_reporting_projects(world.admin, W23).values_list("pk", flat=True)) == expected
    assert not Project.objects.filter(owing_q(2025)).filter(pk=in_plan.pk).exists()


def test_the_week_picker_is_a_select_of_recent_weeks(world, client_for, week23, on_today):
    page = _get(client_for(world.admin), "/lights/reports/?week=2024-W23")
    assert 'type="week"' not in page
    assert '<option value="2024-W23" selected>' in page and '<option value="2024-W24"' in page
