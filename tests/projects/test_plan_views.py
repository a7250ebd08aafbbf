"""The annual plan pages as people use them: the office builds, issues and changes a plan; errors show
beside the fields; unit staff see their own projects; another district's office is refused."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from tests.projects.factories import move, project
from tuijin.org.models import AccessDenial
from tuijin.projects.models import AnnualPlan, PlanChange, PlanEntry, Project, ProjectTag, StageTransition

pytestmark = pytest.mark.django_db
TODAY = "2024-06-30 10:00 +0800"
DECISION = {
    "decided_by": "区重大重点项目推进工作领导小组第3次会议",
    "decided_on": "2024-05-10",
    "document_number": "东重组〔2024〕3号",
    "reason": "项目已签约落地",
}


def plan(world, *, issued=True, year=2024):
    return AnnualPlan.objects.create(
        jurisdiction=world.district,
        year=year,
        title=f"{year}年东湖区重大重点项目计划",
        document="东重组〔2024〕1号" if issued else "",
    )


def entry(the_plan, p, plan_type="new_start", planned="5000"):
    return PlanEntry.objects.create(plan=the_plan, project=p, plan_type=plan_type, planned_investment=planned)


@time_machine.travel(TODAY)
def test_office_creates_compiles_and_issues_a_plan(world, client_for):
    client = client_for(world.admin)
    form = client.get("/projects/plans/new/").content.decode()
    assert "2024年东湖区重大重点项目计划" in form
    response = client.post(
        "/projects/plans/new/",
        {
            "jurisdiction": world.district.pk,
            "year": "2024",
            "title": "2024年东湖区重大重点项目计划",
            "start_rate_target": "100",
            "investment_rate_target": "100",
            "completion_rate_target": "100",
            "early_planning_target": "134",
        },
    )
    the_plan = AnnualPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/projects/plans/{the_plan.pk}/"
    p = project(world, name="东湖数字经济产业园")
    response = client.post(
        f"/projects/plans/{the_plan.pk}/add/",
        {"project": p.pk, "plan_type": "new_start", "planned_investment": "12000", "m6": "2000"},
    )
    assert response.status_code == 302 and not PlanChange.objects.exists()  # the initial list
    page = client.get(f"/projects/plans/{the_plan.pk}/").content.decode()
    assert "编制中" in page and "东湖数字经济产业园" in page and "12,000.00" in page and "6月2,000" in page

    response = client.post(
        f"/projects/plans/{the_plan.pk}/edit/",
        {
            "title": the_plan.title,
            "document": "东重组〔2024〕1号",
            "start_rate_target": "100",
            "investment_rate_target": "100",
            "completion_rate_target": "100",
        },
    )
    assert response.status_code == 302
    assert "已印发 东重组〔2024〕1号" in client.get(f"/projects/plans/{the_plan.pk}/").content.decode()


@time_machine.travel(TODAY)
def test_create_errors_show_beside_the_fields(world, client_for):
    plan(world)
    response = client_for(world.admin).post(
        "/projects/plans/new/",
        {
            "jurisdiction": world.district.pk,
            "year": "2024",
            "title": "x",
            "start_rate_target": "150",
            "investment_rate_target": "abc",
            "completion_rate_target": "100",
        },
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "is-invalid" in text and "输入一个数字" in text
    response = client_for(world.admin).post(
        "/projects/plans/new/",
        {
            "jurisdiction": world.district.pk,
            "year": "2024",
            "title": "x",
            "start_rate_target": "150",
            "investment_rate_target": "100",
            "completion_rate_target": "100",
        },
    )
    text = response.content.decode()
    assert "目标应在 0～100 之间（填写的是 150）" in text and "东湖区已有 2024 年度计划" in text


@time_machine.travel(TODAY)
def test_adding_to_an_issued_plan_without_a_decision_shows_the_missing_fields(world, client_for):
    the_plan = plan(world)
    p = project(world, name="智能制造产业园")
    url = f"/projects/plans/{the_plan.pk}/add/"
    response = client_for(world.admin).post(
        url, {"project": p.pk, "plan_type": "new_start", "planned_investment": "10"}
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "调整须写明决定机构或会议" in text and "请填写决定日期" in text and "请写明调整理由" in text
    assert not PlanEntry.objects.exists()


@time_machine.travel(TODAY)
def test_monthly_targets_error_shows_under_the_months(world, client_for):
    the_plan = plan(world)
    p = project(world, name="甲")
    data = {"project": p.pk, "plan_type": "new_start", "planned_investment": "100", **DECISION}
    data |= {f"m{m}": "50" for m in range(1, 13)}
    response = client_for(world.admin).post(f"/projects/plans/{the_plan.pk}/add/", data)
    assert response.status_code == 400
    assert 'id="monthly-error">月度目标合计 600 万元超过年度计划投资 100 万元' in response.content.decode()


@time_machine.travel(TODAY)
def test_office_adds_replans_and_removes_with_the_change_log_on_the_page(world, client_for):
    the_plan = plan(world)
    p = project(world, name="智能制造产业园")
    client = client_for(world.admin)
    response = client.post(
        f"/projects/plans/{the_plan.pk}/add/",
        {"project": p.pk, "plan_type": "new_start", "planned_investment": "8000", **DECISION},
    )
    assert response.status_code == 302
    added = PlanEntry.objects.get()
    response = client.post(
        f"/projects/plans/{the_plan.pk}/entries/{added.pk}/replan/",
        {"plan_type": "preparation", "planned_investment": "2000", **DECISION, "reason": "征地未完成"},
    )
    assert response.status_code == 302
    page = client.get(f"/projects/plans/{the_plan.pk}/").content.decode()
    assert "原计划：计划新开工，年度计划投资 8,000.00 万元" in page
    assert "计划类型 计划新开工 → 前期；年度计划投资 8,000.00 → 2,000.00 万元" in page
    assert (
        "东重组〔2024〕3号" in page
        and "征地未完成" in page
        and "2024-05-10 经区重大重点项目推进工作领导小组第3次会议增补" in page
    )

    response = client.post(f"/projects/plans/{the_plan.pk}/entries/{added.pk}/remove/", DECISION)
    assert response.status_code == 302
    page = client.get(f"/projects/plans/{the_plan.pk}/").content.decode()
    assert 'id="plan-removed"' in page and "调出前：前期，年度计划投资 2,000.00 万元" in page
    assert list(PlanChange.objects.values_list("kind", flat=True)) == ["add", "replan", "remove"]


@time_machine.travel(TODAY)
def test_remove_without_a_reason_is_refused_beside_the_field(world, client_for):
    the_plan = plan(world)
    e = entry(the_plan, project(world, name="甲"))
    response = client_for(world.admin).post(
        f"/projects/plans/{the_plan.pk}/entries/{e.pk}/remove/", {**DECISION, "reason": ""}
    )
    assert response.status_code == 400 and "请写明调整理由" in response.content.decode()
    assert not PlanEntry.objects.get().removed


@time_machine.travel(TODAY)
def test_plan_page_shows_rates_counts_and_must_list_warnings(world, client_for):
    the_plan = plan(world)
    started, waiting = (
        project(world, name="已开工项目"),
        project(world, name="未开工项目", category="livelihood"),
    )
    StageTransition.objects.create(
        project=started, from_stage="planning", to_stage="started", on=date(2024, 3, 1)
    )
    Project.objects.filter(pk=started.pk).update(stage="started")
    entry(the_plan, started)
    entry(the_plan, waiting)
    tag = ProjectTag.objects.create(name="测试必列", must_be_listed=True)
    project(world, name="漏列的省重点项目").tags.add(tag)

    text = client_for(world.leader).get(f"/projects/plans/{the_plan.pk}/").content.decode()

    assert 'id="rate-start"' in text and "50.0%" in text and "1 / 2 个" in text
    assert 'href="?stage=started#plan-entries"' in text and "民生社会事业项目" in text
    assert "漏列的省重点项目" in text and "按规定必须列入" in text
    assert "增补项目" not in text  # leaders read, the office acts


@time_machine.travel(TODAY)
def test_plan_page_filters_its_table_by_the_count_clicked(world, client_for):
    the_plan = plan(world)
    entry(the_plan, project(world, name="产业甲"))
    entry(the_plan, project(world, name="民生乙", category="livelihood"))
    text = client_for(world.admin).get(f"/projects/plans/{the_plan.pk}/?category=livelihood").content.decode()
    table = text.split('id="plan-entries"')[1].split("</table>")[0]
    assert "民生乙" in table and "产业甲" not in table and "筛选：民生社会事业项目" in text


@time_machine.travel(TODAY)
def test_unit_staff_see_only_their_projects_and_no_actions(world, client_for):
    the_plan = plan(world)
    entry(the_plan, project(world, name="发改委项目", responsible_unit=world.dept))
    other = entry(the_plan, project(world, name="住建局项目", responsible_unit=world.other_dept))
    client = client_for(world.reporter)
    text = client.get(f"/projects/plans/{the_plan.pk}/").content.decode()
    assert "发改委项目" in text and "住建局项目" not in text and "仅显示本单位" in text
    assert "增补项目" not in text and "结转下一年" not in text
    assert client.get(f"/projects/plans/{the_plan.pk}/entries/{other.pk}/").status_code == 404


@time_machine.travel(TODAY)
def test_another_districts_office_cannot_read_or_change_the_plan(world, client_for):
    the_plan = plan(world)
    e = entry(the_plan, project(world, name="甲"))
    client = client_for(world.foreign_admin)
    assert client.get(f"/projects/plans/{the_plan.pk}/").status_code == 404
    for url, data in (
        (f"/projects/plans/{the_plan.pk}/entries/{e.pk}/remove/", DECISION),
        (
            f"/projects/plans/{the_plan.pk}/entries/{e.pk}/replan/",
            {"plan_type": "continuing", "planned_investment": "1", **DECISION},
        ),
        (f"/projects/plans/{the_plan.pk}/rollover/", {"year": "2025", "title": "x"}),
        (f"/projects/plans/{the_plan.pk}/edit/", {"title": "x"}),
    ):
        assert client.post(url, data).status_code == 403
        assert AccessDenial.objects.filter(user=world.foreign_admin, path=url).exists()
    assert not PlanEntry.objects.get().removed and AnnualPlan.objects.count() == 1


@time_machine.travel(TODAY)
def test_a_district_office_cannot_open_the_city_plans_entry_of_its_own_project(world, client_for):
    city_plan = AnnualPlan.objects.create(
        jurisdiction=world.city, year=2024, title="2024年南昌市重大项目计划"
    )
    e = entry(city_plan, project(world, name="东湖区的市重点项目"))
    client = client_for(world.admin)
    assert client.get(f"/projects/plans/{city_plan.pk}/").status_code == 404
    assert client.get(f"/projects/plans/{city_plan.pk}/entries/{e.pk}/").status_code == 404
    url = f"/projects/plans/{city_plan.pk}/entries/{e.pk}/replan/"
    response = client.post(url, {"plan_type": "continuing", "planned_investment": "1", **DECISION})
    assert response.status_code == 403
    assert AccessDenial.objects.filter(user=world.admin, path=url).exists()
    assert PlanEntry.objects.get().plan_type == "new_start" and not PlanChange.objects.exists()
    # its own plan's entry of the same project opens with the forms
    own = entry(plan(world), e.project)
    text = client.get(f"/projects/plans/{own.plan_id}/entries/{own.pk}/").content.decode()
    assert "调整计划" in text and 'name="reason"' in text


@time_machine.travel(TODAY)
def test_a_start_undone_by_a_move_back_does_not_count_in_the_plans_start_rate(world, client_for):
    the_plan = plan(world)
    p = project(world, name="开工后退回前期")
    StageTransition.objects.create(
        project=p, from_stage="preparation", to_stage="started", on=date(2024, 3, 1)
    )
    StageTransition.objects.create(
        project=p, from_stage="started", to_stage="preparation", on=date(2024, 4, 1)
    )
    entry(the_plan, p)
    backfilled = project(world, name="补录开工", stage="construction")
    StageTransition.objects.create(
        project=backfilled, from_stage="started", to_stage="started", on=date(2024, 2, 1), backfill=True
    )
    entry(the_plan, backfilled)
    text = client_for(world.admin).get(f"/projects/plans/{the_plan.pk}/").content.decode()
    rate = text[text.index('id="rate-start"') : text.index('id="rate-investment"')]
    assert "1 / 2 个" in rate and "50.0%" in rate


@time_machine.travel("2024-12-20 10:00 +0800")
def test_rollover_page_previews_and_creates_next_years_plan(world, client_for):
    the_plan = plan(world)
    started = project(world, name="在建项目", total_investment=Decimal("9000"))
    move(started, "started", date(2024, 3, 1))
    entry(the_plan, started)
    entry(the_plan, project(world, name="一拖再拖"))
    client = client_for(world.admin)
    preview = client.get(f"/projects/plans/{the_plan.pk}/rollover/").content.decode()
    assert "在建项目" in preview and "续建" in preview and "9,000.00" in preview
    response = client.post(
        f"/projects/plans/{the_plan.pk}/rollover/", {"year": "2025", "title": "2025年东湖区计划"}
    )
    new = AnnualPlan.objects.get(year=2025)
    assert response.status_code == 302 and response["Location"] == f"/projects/plans/{new.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "上年：计划新开工" in page and "上年已列计划新开工，未开工" in page  # the slip stays visible
    again = client.post(f"/projects/plans/{the_plan.pk}/rollover/", {"year": "2025", "title": "x"})
    assert again.status_code == 400 and "不能重复结转" in again.content.decode()


def test_plans_page_lists_years(world, client_for):
    plan(world)
    plan(world, year=2025, issued=False)
    text = client_for(world.supervisor).get("/projects/plans/").content.decode()
    assert 'id="year-2025"' in text and 'id="year-2024"' in text and "编制中" in text and "已印发" in text
    assert "新建年度计划" not in text
