"""Pages of reports through the test client: the unit's week, drafts, submission, a retried POST, the
head's approval, the office's review and 代填, history, the project page block, the to-do items."""

import re
from datetime import date

import pytest
import time_machine

from tuijin.reports.models import Report, ReportVersion

NOW = "2024-06-26 10:00 +0800"
WEEK = "2024-W26"


@pytest.fixture(autouse=True)
def _travel():
    with time_machine.travel(NOW, tick=False):
        yield


def _token(response):
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def _form(projects, token, op="submit", **extra):
    data = {"op": op, "token": token, "period": "2024-06-24", "unit_head_name": "周文博"}
    for p in projects:
        data["pid"] = data.get("pid", []) + [p.pk]
        data[f"p{p.pk}-progress"] = f"{p.name}桩基完成"
        data[f"p{p.pk}-responsible_person"] = "张三"
    data.update(extra)
    return data


def test_week_page_lists_every_project(world, projects, client_for):
    client = client_for(world.reporter)
    response = client.get(f"/reports/weekly/?week={WEEK}")
    text = response.content.decode()
    assert response.status_code == 200
    for p in projects:
        assert f'id="row-{p.pk}"' in text and f"p{p.pk}-progress" in text
    assert "2024年6月28日" in text  # due Friday
    assert "保存草稿" in text and "沿用上周内容" in text


def test_submit_and_double_click(world, projects, client_for):
    client = client_for(world.reporter)
    token = _token(client.get(f"/reports/weekly/?week={WEEK}"))
    data = _form(projects, token)
    first = client.post("/reports/weekly/", data)
    second = client.post("/reports/weekly/", data)
    assert first.status_code == second.status_code == 302
    assert Report.objects.filter(status="submitted").count() == 3
    assert ReportVersion.objects.count() == 3
    assert client.get(first.url).status_code == 200


def test_errors_shown_beside_the_row(world, projects, client_for):
    client = client_for(world.reporter)
    token = _token(client.get(f"/reports/weekly/?week={WEEK}"))
    data = _form(projects, token)
    data[f"p{projects[1].pk}-progress"] = ""
    response = client.post("/reports/weekly/", data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "请填写最新工作进展" in text and projects[1].name in text
    assert not Report.objects.exclude(status="draft").exists()
    # what the user typed is kept
    assert f"{projects[0].name}桩基完成" in text


def test_future_week_refused(world, projects, client_for):
    client = client_for(world.reporter)
    data = _form(projects, "t1", period="2024-07-08")
    response = client.post("/reports/weekly/", data)
    assert response.status_code == 400
    assert "还没到" in response.content.decode()


def test_another_units_project_is_403(world, projects, client_for):
    from tests.projects.factories import project
    from tuijin.org.models import AccessDenial

    foreign = project(world, stage="construction", name="住建局项目", responsible_unit=world.other_dept)
    client = client_for(world.reporter)
    response = client.post("/reports/weekly/", _form([foreign], "t2"))
    assert response.status_code == 403
    assert AccessDenial.objects.filter(user=world.reporter).exists()


def test_copy_last_week(world, projects, client_for):
    from tuijin.reports import services

    services.report_submit(
        user=world.reporter,
        unit=world.dept,
        kind="weekly",
        period_start=date(2024, 6, 17),
        rows={projects[0].pk: {"progress": "上周的进展文字", "responsible_person": "李四"}},
        today=date(2024, 6, 21),
    )
    client = client_for(world.reporter)
    text = client.get(f"/reports/weekly/?week={WEEK}&copy=1").content.decode()
    assert "上周的进展文字" in text and "已沿用上期内容" in text


def _approve_form():
    """The head's approval as the page posts it: the submitted reports shown, with their counters."""
    seen = [f"{r.pk}:{r.events}" for r in Report.objects.filter(status="submitted")]
    return {"op": "approve", "period": "2024-06-24", "seen": seen}


def test_full_loop_through_pages(world, projects, client_for):
    reporter = client_for(world.reporter)
    reporter.post("/reports/weekly/", _form(projects, _token(reporter.get(f"/reports/weekly/?week={WEEK}"))))
    head = client_for(world.unit_head)
    page = head.get("/reports/approvals/")
    assert "审核通过并报送" in page.content.decode()
    assert head.post("/reports/approvals/weekly/", _approve_form()).status_code == 302
    admin = client_for(world.admin)
    overview = admin.get("/reports/review/weekly/?period=2024-W26").content.decode()
    assert "区发改委" in overview
    one = Report.objects.get(project=projects[0])
    url = f"/reports/review/weekly/{world.dept.pk}/?period=2024-06-24"
    refused = admin.post(url, {"op": "return", "report": one.pk, "reason": ""})
    assert refused.status_code == 400 and "退回须写明原因" in refused.content.decode()
    assert admin.post(url, {"op": "return", "report": one.pk, "reason": "请写明完成比例"}).status_code == 302
    # the reporter sees the reason highlighted and resubmits that row
    reporter = client_for(world.reporter)
    text = reporter.get(f"/reports/weekly/?week={WEEK}").content.decode()
    assert "请写明完成比例" in text and "is-returned" in text
    reporter.post(
        "/reports/weekly/", _form([projects[0]], _token(reporter.get(f"/reports/weekly/?week={WEEK}")))
    )
    head = client_for(world.unit_head)
    head.post("/reports/approvals/weekly/", _approve_form())
    admin = client_for(world.admin)
    seen = [f"{r.pk}:{r.events}" for r in Report.objects.filter(status="approved")]
    assert admin.post(url, {"op": "accept_all", "seen": seen}).status_code == 302
    assert set(Report.objects.values_list("status", flat=True)) == {"accepted"}
    history = admin.get(f"/reports/{one.pk}/").content.decode()
    assert history.count('class="list-group-item version"') == 6
    assert "请写明完成比例" in history
    # the project page shows the report
    detail = admin.get(f"/projects/{projects[0].pk}/").content.decode()
    assert 'id="project-reports"' in detail and "已通过" in detail


def test_office_proxy_fill(world, projects, client_for):
    admin = client_for(world.admin)
    page = admin.get(f"/reports/weekly/?week={WEEK}&unit={world.dept.pk}")
    assert "代填并通过" in page.content.decode()
    data = _form(projects[:1], _token(page), op="proxy", unit=world.dept.pk)
    assert admin.post("/reports/weekly/", data).status_code == 302
    report = Report.objects.get(project=projects[0])
    assert report.is_proxy and report.status == "accepted"
    assert "代填" in admin.get(f"/reports/{report.pk}/").content.decode()


def test_monthly_page(world, projects, client_for):
    client = client_for(world.reporter)
    page = client.get("/reports/monthly/?month=2024-06")
    assert "本月完成投资（万元）" in page.content.decode()
    data = {
        "op": "submit",
        "token": _token(page),
        "period": "2024-06-01",
        "pid": [projects[0].pk],
        f"p{projects[0].pk}-progress": "主体施工",
        f"p{projects[0].pk}-investment_completed": "-3",
    }
    response = client.post("/reports/monthly/", data)
    assert response.status_code == 400 and "不能为负数" in response.content.decode()


def test_todo_items(world, projects, client_for):
    from tuijin.dashboard.todo import todo_for

    keys = {g.key for g in todo_for(world.reporter, date(2024, 6, 26))}
    assert "reports.due" in keys
    reporter = client_for(world.reporter)
    reporter.post("/reports/weekly/", _form(projects, "tok-todo"))
    keys = {g.key for g in todo_for(world.unit_head, date(2024, 6, 26))}
    assert "reports.to_approve" in keys
    from tuijin.reports import services

    services.report_approve(
        user=world.unit_head, unit=world.dept, kind="weekly", period_start=date(2024, 6, 24)
    )
    assert "reports.to_review" in {g.key for g in todo_for(world.admin, date(2024, 6, 26))}
