"""A unit's week is one POST whose queries do not grow with its projects (the Friday rush, issue 5's
benchmark): the same number of queries for 5 projects as for 50, through the page, on SQLite and
PostgreSQL; and the bulk writes store each row's own content and the shared workflow fields."""

import re
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tuijin.reports import services
from tuijin.reports.models import Report, ReportVersion, SubmissionToken

NOW = "2024-06-26 10:00 +0800"
WEEK = date(2024, 6, 24)


@pytest.fixture(autouse=True)
def _travel():
    with time_machine.travel(NOW, tick=False):
        yield


def _token(client):
    page = client.get("/reports/weekly/?week=2024-W26").content.decode()
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def _form(projects, token):
    data = {"op": "submit", "token": token, "period": WEEK.isoformat(), "unit_head_name": "周文博"}
    data["pid"] = [p.pk for p in projects]
    for p in projects:
        for name in ("basic_facts", "needs", "progress", "plan_next"):
            data[f"p{p.pk}-{name}"] = f"{p.name}的{name}：本周完成桩基施工，主体结构推进到第三层。"
        data[f"p{p.pk}-responsible_person"] = f"责任人{p.pk}"
    return data


def _submit_queries(client, projects):
    data = _form(projects, _token(client))
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/reports/weekly/", data)
    assert response.status_code == 302
    return len(queries.captured_queries)


def test_a_weeks_submission_costs_the_same_queries_for_5_and_50_projects(world, client_for):
    from tests.projects.factories import project

    projects = [project(world, stage="construction", name=f"批量项目{i}") for i in range(50)]
    client = client_for(world.reporter)
    few = _submit_queries(client, projects[:5])
    Report.objects.all().delete()
    many = _submit_queries(client, projects)
    assert many == few
    assert many <= 20

    reports = {
        r.project_id: r for r in Report.objects.filter(unit=world.dept, kind="weekly", period_start=WEEK)
    }
    assert len(reports) == 50
    for p in projects:
        r = reports[p.pk]
        assert r.progress == f"{p.name}的progress：本周完成桩基施工，主体结构推进到第三层。"
        assert r.responsible_person == f"责任人{p.pk}" and r.unit_head_name == "周文博"
        assert (r.status, r.version, r.events) == ("submitted", 1, 1)
        assert r.submitted_by == world.reporter and r.saved_by == world.reporter
        assert r.first_submitted_at == r.submitted_at is not None
    versions = ReportVersion.objects.filter(report__in=reports.values())
    assert versions.count() == 50
    assert {(v.seq, v.version, v.event, v.status) for v in versions} == {(1, 1, "submit", "submitted")}
    first = versions.get(report=reports[projects[0].pk])
    assert (
        first.content["plan_next"]
        == f"{projects[0].name}的plan_next：本周完成桩基施工，主体结构推进到第三层。"
    )
    assert first.author == world.reporter
    assert SubmissionToken.objects.count() == 2


def test_resubmission_bumps_version_keeps_first_submission_and_writes_each_row(world):
    """The shared fields go in one UPDATE (version/events + 1, first submission kept), the content per row."""
    from tests.projects.factories import project

    projects = [project(world, stage="construction", name=f"复报项目{i}") for i in range(3)]
    rows = {p.pk: {"progress": f"第一次{p.pk}", "responsible_person": "张三"} for p in projects}
    today = date(2024, 6, 26)
    kw = {"user": world.reporter, "unit": world.dept, "kind": "weekly", "period_start": WEEK, "today": today}
    services.report_save_draft(rows={projects[0].pk: {"progress": "草稿"}}, **kw)
    services.report_submit(rows=rows, **kw)
    first = {r.project_id: r.first_submitted_at for r in Report.objects.all()}
    head_reports = Report.objects.filter(project=projects[1])
    services.report_return(user=world.unit_head, report=head_reports.get(), reason="请补充进度", today=today)
    with time_machine.travel("2024-06-27 09:00 +0800", tick=False):
        services.report_submit(rows={projects[1].pk: {"progress": "第二次"}}, **kw)
    got = {r.project_id: r for r in Report.objects.all()}
    assert (got[projects[0].pk].version, got[projects[0].pk].events) == (1, 2)  # draft save, then submit
    again = got[projects[1].pk]
    assert (again.status, again.version, again.events, again.progress) == ("submitted", 2, 3, "第二次")
    assert again.responsible_person == "张三" and again.return_reason == ""
    assert again.first_submitted_at == first[projects[1].pk] < again.submitted_at
    assert [v.seq for v in again.versions.order_by("seq")] == [1, 2, 3]
    assert got[projects[2].pk].progress == f"第一次{projects[2].pk}"


def test_approve_and_accept_update_every_row_at_once(world):
    from tests.projects.factories import project

    projects = [project(world, stage="construction", name=f"审核项目{i}") for i in range(4)]
    today = date(2024, 6, 26)
    rows = {p.pk: {"progress": "进展", "responsible_person": "张三"} for p in projects}
    services.report_submit(
        user=world.reporter, unit=world.dept, kind="weekly", period_start=WEEK, rows=rows, today=today
    )
    services.report_approve(
        user=world.unit_head, unit=world.dept, kind="weekly", period_start=WEEK, today=today
    )
    reports = list(Report.objects.all())
    assert {(r.status, r.events, r.approved_by_id) for r in reports} == {("approved", 2, world.unit_head.pk)}
    services.report_accept(user=world.admin, reports=reports, today=today)
    reports = list(Report.objects.all())
    assert {(r.status, r.events, r.reviewed_by_id, r.version) for r in reports} == {
        ("accepted", 3, world.admin.pk, 1)
    }
    assert ReportVersion.objects.filter(event="accept", seq=3).count() == 4
