"""Fixes from the issue 5 review (review.md #3, #6, #9, #10, #11) and the done-when flow (fixes.md R1–R3):
代填 only fills what the unit has not submitted and is its own state; approval and acceptance act only on
the rows shown; no open redirect; the to-do keeps earlier missing periods; a double-clicked 退回 replays;
the week page's error summary, the history page's current content and the period picker."""

import re
from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.projects.factories import project as project_factory
from tuijin.reports import rules, selectors, services
from tuijin.reports.models import Report, ReportVersion

TODAY = date(2024, 6, 26)  # a Wednesday; the week starts 2024-06-24, due Friday 06-28
WEEK = date(2024, 6, 24)
NOW = "2024-06-26 10:00 +0800"


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def _rows(projects, text="桩基施工"):
    return {p.pk: {"progress": f"{p.name}{text}", "responsible_person": "张三"} for p in projects}


def _submit(world, projects, today=TODAY, week=WEEK):
    return services.report_submit(
        user=world.reporter,
        unit=world.dept,
        kind="weekly",
        period_start=week,
        rows=_rows(projects),
        today=today,
    )


def _approve(world, week=WEEK, **kw):
    return services.report_approve(
        user=world.unit_head, unit=world.dept, kind="weekly", period_start=week, today=TODAY, **kw
    )


def _seen(reports):
    return {r.pk: r.events for r in reports}


def _token(response):
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


# ---------------------------------------------------------------------------------------------------
# #3 代填


@pytest.mark.parametrize("status", ["submitted", "approved"])
def test_proxy_refuses_rows_the_unit_submitted(world, projects, status):
    _submit(world, projects[:1])
    if status == "approved":
        _approve(world)
    with pytest.raises(ValidationError) as refused:
        services.report_proxy_fill(
            user=world.admin,
            unit=world.dept,
            kind="weekly",
            period_start=WEEK,
            rows=_rows(projects[:2], "项目办代填"),
            today=TODAY,
        )
    message = refused.value.message_dict[f"p{projects[0].pk}.status"][0]
    assert "项目办不能代填" in message and projects[0].name in message
    mine = Report.objects.get(project=projects[0])
    assert mine.status == status and not mine.is_proxy and mine.proxy_by is None
    assert not Report.objects.filter(project=projects[1]).exclude(status="draft").exists()  # nothing saved


def test_proxy_fills_missing_draft_and_returned(world, projects):
    services.report_save_draft(
        user=world.reporter,
        unit=world.dept,
        kind="weekly",
        period_start=WEEK,
        rows=_rows(projects[1:2]),
        today=TODAY,
    )
    _submit(world, projects[2:3])
    services.report_return(
        user=world.unit_head,
        report=Report.objects.get(project=projects[2]),
        reason="写明完成比例",
        today=TODAY,
    )
    services.report_proxy_fill(
        user=world.admin, unit=world.dept, kind="weekly", period_start=WEEK, rows=_rows(projects), today=TODAY
    )
    assert {(r.status, r.is_proxy) for r in Report.objects.all()} == {("accepted", True)}


def test_proxy_is_its_own_state_not_on_time(world, projects, at_now):
    # the office fills in before the due day: the unit did not report, so not "on time" for it
    services.report_proxy_fill(
        user=world.admin,
        unit=world.dept,
        kind="weekly",
        period_start=WEEK,
        rows=_rows(projects[:1]),
        today=TODAY,
    )
    _submit(world, projects[1:2])
    states = selectors.period_states(
        jurisdiction=world.district, kind="weekly", period_start=WEEK, today=TODAY
    )
    assert states[projects[0].pk] == "proxy" and states[projects[1].pk] == "on_time"
    report = Report.objects.get(project=projects[0])
    assert not report.is_late
    overview = selectors.period_overview(
        world.admin, "weekly", WEEK, today=date(2024, 7, 1), due_on=date(2024, 6, 28)
    )
    row = next(r for r in overview if r["unit"] == world.dept)
    assert (row["proxy"], row["accepted"], row["late"], row["missing"]) == (1, 0, 0, 1)


def test_proxy_filled_late_is_not_late_either(world, projects):
    services.report_proxy_fill(
        user=world.admin,
        unit=world.dept,
        kind="weekly",
        period_start=WEEK,
        rows=_rows(projects[:1]),
        today=date(2024, 7, 3),
    )
    report = Report.objects.get(project=projects[0])
    assert rules.report_state(
        report.status, report.due_on, date(2024, 7, 3), date(2024, 7, 3), is_proxy=True
    ) == ("proxy")
    assert not report.is_late


def test_office_fill_page_shows_submitted_rows_read_only_and_no_draft_button(
    world, projects, client_for, at_now
):
    _submit(world, projects[:1], today=timezone.localdate())
    admin = client_for(world.admin)
    page = admin.get(f"/reports/weekly/?week=2024-W26&unit={world.dept.pk}")
    text = page.content.decode()
    assert 'id="btn-proxy"' in text and 'id="btn-save"' not in text
    assert f'name="pid" value="{projects[0].pk}"' not in text
    assert f'name="p{projects[0].pk}-progress"' not in text
    assert f'name="pid" value="{projects[1].pk}"' in text
    card = text[text.index(f'id="row-{projects[0].pk}"') :].split('class="card mb-3 report-card')[0]
    assert "项目办不能代填" in card and f"{projects[0].name}桩基施工" in card
    # the unit's own week page still has its draft button
    assert (
        'id="btn-save"' in client_for(world.reporter).get("/reports/weekly/?week=2024-W26").content.decode()
    )


def test_office_posting_a_submitted_row_is_refused_in_chinese(world, projects, client_for, at_now):
    _submit(world, projects[:1], today=timezone.localdate())
    admin = client_for(world.admin)
    token = _token(admin.get(f"/reports/weekly/?week=2024-W26&unit={world.dept.pk}"))
    data = {
        "op": "proxy",
        "token": token,
        "period": "2024-06-24",
        "unit": world.dept.pk,
        "pid": [projects[0].pk],
    }
    data[f"p{projects[0].pk}-progress"] = "覆盖"
    data[f"p{projects[0].pk}-responsible_person"] = "李四"
    response = admin.post("/reports/weekly/", data)
    assert response.status_code == 400 and "项目办不能代填" in response.content.decode()
    assert Report.objects.get(project=projects[0]).status == "submitted"


# ---------------------------------------------------------------------------------------------------
# #6 only the rows shown


def test_head_approves_only_what_was_shown(world, projects):
    _submit(world, projects[:2])
    shown = _seen(Report.objects.filter(status="submitted"))
    _submit(world, projects[2:3])  # arrives after the head opened the page
    with pytest.raises(ValidationError) as refused:
        _approve(world, seen=shown)
    assert "报告已有新版本，请刷新后再审核" in refused.value.messages[0]
    assert not Report.objects.filter(status="approved").exists()
    _approve(world, seen=_seen(Report.objects.filter(status="submitted")))
    assert Report.objects.filter(status="approved").count() == 3


def test_head_approval_refused_when_a_shown_row_changed(world, projects):
    _submit(world, projects[:1])
    shown = _seen(Report.objects.all())
    one = Report.objects.get()
    services.report_return(user=world.unit_head, report=one, reason="补充", today=TODAY)
    _submit(world, projects[:1])  # resubmitted with new content: same id, new events counter
    with pytest.raises(ValidationError, match="报告已有新版本"):
        _approve(world, seen=shown)


def test_office_accept_all_refused_when_another_was_approved_meanwhile(world, projects, client_for, at_now):
    today = timezone.localdate()
    services.report_submit(
        user=world.reporter,
        unit=world.dept,
        kind="weekly",
        period_start=WEEK,
        rows=_rows(projects[:2]),
        today=today,
    )
    services.report_approve(
        user=world.unit_head, unit=world.dept, kind="weekly", period_start=WEEK, today=today
    )
    admin = client_for(world.admin)
    url = f"/reports/review/weekly/{world.dept.pk}/?period=2024-06-24"
    page = admin.get(url)
    seen = re.findall(
        r'name="seen" value="(\d+:\d+)"',
        page.content.decode().split('id="accept-all-form"')[1].split("</form>")[0],
    )
    assert len(seen) == 2
    services.report_submit(
        user=world.reporter,
        unit=world.dept,
        kind="weekly",
        period_start=WEEK,
        rows=_rows(projects[2:]),
        today=today,
    )
    services.report_approve(
        user=world.unit_head, unit=world.dept, kind="weekly", period_start=WEEK, today=today
    )
    data = {"op": "accept_all", "token": _token(page), "period": "2024-06-24", "seen": seen}
    refused = admin.post(url, data)
    assert refused.status_code == 400 and "报告已有新版本，请刷新后再审核" in refused.content.decode()
    assert not Report.objects.filter(status="accepted").exists()
    page = admin.get(url)
    seen = re.findall(
        r'name="seen" value="(\d+:\d+)"',
        page.content.decode().split('id="accept-all-form"')[1].split("</form>")[0],
    )
    data = {"op": "accept_all", "token": _token(page), "period": "2024-06-24", "seen": seen}
    assert admin.post(url, data).status_code == 302
    assert admin.post(url, data).status_code == 302  # a double click replays
    assert Report.objects.filter(status="accepted").count() == 3
    assert ReportVersion.objects.filter(event="accept").count() == 3


def test_head_page_posts_what_it_shows(world, projects, client_for, at_now):
    services.report_submit(
        user=world.reporter,
        unit=world.dept,
        kind="weekly",
        period_start=WEEK,
        rows=_rows(projects[:2]),
        today=timezone.localdate(),
    )
    head = client_for(world.unit_head)
    page = head.get("/reports/approvals/weekly/?period=2024-06-24")
    form = page.content.decode().split('id="approve-form"')[1].split("</form>")[0]
    seen = re.findall(r'name="seen" value="(\d+:\d+)"', form)
    assert sorted(seen) == sorted(f"{r.pk}:{r.events}" for r in Report.objects.all())
    stale = head.post(
        "/reports/approvals/weekly/", {"op": "approve", "period": "2024-06-24", "token": _token(page)}
    )
    assert stale.status_code == 400 and "报告已有新版本" in stale.content.decode()
    data = {"op": "approve", "period": "2024-06-24", "token": _token(page), "seen": seen}
    assert head.post("/reports/approvals/weekly/", data).status_code == 302
    assert set(Report.objects.values_list("status", flat=True)) == {"approved"}


# ---------------------------------------------------------------------------------------------------
# #9 open redirect


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_photo_upload_never_redirects_off_site(world, projects, client_for, target):
    response = client_for(world.admin).post(
        f"/reports/photos/upload/{projects[0].pk}/", {"taken_on": "2024-06-01", "next": target}
    )
    assert response.status_code in (302, 303)
    assert response.url == f"/projects/{projects[0].pk}/"


def test_photo_upload_keeps_a_local_next(world, projects, client_for):
    response = client_for(world.admin).post(
        f"/reports/photos/upload/{projects[0].pk}/", {"taken_on": "2024-06-01", "next": "/reports/1/"}
    )
    assert response.url == "/reports/1/"


# ---------------------------------------------------------------------------------------------------
# #10 the to-do keeps earlier periods; a double-clicked 退回


def _backdate(projects, moment=datetime(2024, 5, 1, 9, 0)):
    from tuijin.projects.models import Project

    Project.objects.filter(pk__in=[p.pk for p in projects]).update(created_at=timezone.make_aware(moment))


def test_todo_lists_earlier_missing_weeks_overdue(world, projects):
    from tuijin.reports import todo

    _backdate(projects)
    _submit(world, projects[:1], today=date(2024, 5, 31), week=date(2024, 5, 27))  # reporting starts
    _submit(world, projects, today=date(2024, 6, 21), week=date(2024, 6, 17))  # last week all reported
    _submit(world, projects[:1], today=date(2024, 6, 14), week=date(2024, 6, 10))  # one of three
    services.report_submit(
        user=world.reporter,
        unit=world.dept,
        kind="monthly",
        period_start=date(2024, 5, 1),
        rows={projects[0].pk: {"progress": "五月进展", "investment_completed": "10"}},
        today=date(2024, 5, 24),
    )
    items = selectors.unit_due_items(world.reporter, TODAY)
    weekly = {i["start"]: i for i in items if i["kind"] == "weekly"}
    assert set(weekly) == {date(2024, 5, 27), date(2024, 6, 3), date(2024, 6, 10), WEEK}
    assert weekly[date(2024, 6, 10)]["missing"] == 2 and weekly[date(2024, 6, 10)]["earlier"]
    assert weekly[date(2024, 6, 3)]["missing"] == 3 and not weekly[WEEK]["earlier"]
    monthly = {i["start"]: i["missing"] for i in items if i["kind"] == "monthly"}
    # April: the projects were entered on May 1 (and nobody reported monthly before May)
    assert monthly == {date(2024, 5, 1): 2, date(2024, 6, 1): 3}
    if todo.register_todo_source is not None:
        listed = todo._due_items(world.reporter, TODAY)
        assert len(listed) == len(items)
        old = next(i for i in listed if "第24周" in i.title)
        assert old.overdue and "缺报" in old.detail and old.due_on == date(2024, 6, 14)
        assert not next(i for i in listed if "第26周" in i.title).overdue


def test_todo_ignores_periods_before_the_jurisdiction_reports_that_kind(world, projects):
    _backdate(projects)
    weekly = {i["start"] for i in selectors.unit_due_items(world.reporter, TODAY) if i["kind"] == "weekly"}
    assert weekly == {WEEK}
    _submit(world, projects[:1], today=date(2024, 6, 14), week=date(2024, 6, 10))
    weekly = {i["start"] for i in selectors.unit_due_items(world.reporter, TODAY) if i["kind"] == "weekly"}
    assert weekly == {date(2024, 6, 10), date(2024, 6, 17), WEEK}


def test_todo_skips_weeks_before_the_project_was_entered(world, projects):
    _backdate(projects, datetime(2024, 6, 19, 9, 0))  # entered on Wednesday of week 25
    other = project_factory(world, stage="construction")
    _backdate([other])
    _submit(world, [other], today=date(2024, 5, 31), week=date(2024, 5, 27))
    weekly = {
        i["start"]: i["missing"]
        for i in selectors.unit_due_items(world.reporter, TODAY)
        if i["kind"] == "weekly"
    }
    assert weekly == {date(2024, 6, 3): 1, date(2024, 6, 10): 1, date(2024, 6, 17): 4, WEEK: 4}


def test_due_count_is_at_most_two_queries(world, projects, django_assert_max_num_queries):
    from tuijin.dashboard.todo import todo_sources

    _backdate(projects)
    _submit(world, projects[:1], today=date(2024, 5, 31), week=date(2024, 5, 27))
    source = next(s for s in todo_sources() if s.key == "reports.due")
    with django_assert_max_num_queries(2):
        count = source.count(world.reporter, TODAY)
    assert count == len(source.items(world.reporter, TODAY)) > 4


def test_double_clicked_return_replays(world, projects):
    _submit(world, projects[:1])
    report = Report.objects.get()
    first = services.report_return(
        user=world.unit_head, report=report, reason="补充", token="tok-ret", today=TODAY
    )
    again = services.report_return(
        user=world.unit_head, report=report, reason="补充", token="tok-ret", today=TODAY
    )
    assert again.replayed and again.report_ids == first.report_ids
    assert ReportVersion.objects.filter(event="return").count() == 1


def test_double_clicked_return_through_the_page(world, projects, client_for, at_now):
    services.report_submit(
        user=world.reporter,
        unit=world.dept,
        kind="weekly",
        period_start=WEEK,
        rows=_rows(projects[:1]),
        today=timezone.localdate(),
    )
    head = client_for(world.unit_head)
    report = Report.objects.get()
    data = {
        "op": "return",
        "report": report.pk,
        "reason": "补充",
        "token": "tok-page-ret",
        "period": "2024-06-24",
    }
    assert head.post("/reports/approvals/weekly/", data).status_code == 302
    assert head.post("/reports/approvals/weekly/", data).status_code == 302
    assert ReportVersion.objects.filter(event="return").count() == 1


# ---------------------------------------------------------------------------------------------------
# R1–R3


def test_failed_submit_lists_the_cards_with_errors_at_the_top(world, projects, client_for, at_now):
    client = client_for(world.reporter)
    token = _token(client.get("/reports/weekly/?week=2024-W26"))
    data = {"op": "submit", "token": token, "period": "2024-06-24", "pid": [p.pk for p in projects]}
    for p in projects:
        data[f"p{p.pk}-progress"] = "进展" if p != projects[1] else ""
        data[f"p{p.pk}-responsible_person"] = "张三" if p != projects[2] else ""
    response = client.post("/reports/weekly/", data)
    text = response.content.decode()
    assert response.status_code == 400
    alert = text[text.index('id="row-errors"') :].split("</ul>")[0]
    assert "2 个项目填写有误" in alert
    assert f'href="#row-{projects[1].pk}"' in alert and projects[1].name in alert
    assert f'href="#row-{projects[2].pk}"' in alert and f'href="#row-{projects[0].pk}"' not in alert
    assert text.index('id="row-errors"') < text.index(f'id="row-{projects[0].pk}"')


def test_history_page_shows_the_current_content(world, projects, client_for):
    services.report_submit(
        user=world.reporter,
        unit=world.dept,
        kind="weekly",
        period_start=WEEK,
        rows={
            projects[0].pk: {
                "progress": "主体结构封顶",
                "responsible_person": "王五",
                "needs": "协调电力接入",
                "unit_head_name": "周文博",
            }
        },
        today=TODAY,
    )
    report = Report.objects.get()
    text = client_for(world.admin).get(f"/reports/{report.pk}/").content.decode()
    current = text[text.index('id="current-content"') :].split("</dl>")[0]
    for value in ("主体结构封顶", "王五", "协调电力接入", "周文博", "最新工作进展", "需协调解决的问题和需求"):
        assert value in current


def test_period_picker_is_a_select_of_recent_weeks(world, projects, client_for, at_now):
    text = client_for(world.reporter).get("/reports/weekly/?week=2024-W26").content.decode()
    assert 'type="week"' not in text
    picker = text[text.index('id="period-select"') :].split("</select>")[0]
    options = re.findall(r'<option value="([^"]+)"( selected)?>([^<]+)</option>', picker)
    assert len(options) == 13
    assert options[0] == ("2024-W26", " selected", "2024年第26周（6月24日—6月30日）")
    assert options[-1][0] == "2024-W14"
    assert 'id="period-prev"' in text
    older = client_for(world.reporter).get("/reports/weekly/?week=2024-W02").content.decode()
    picker = older[older.index('id="period-select"') :].split("</select>")[0]
    assert '<option value="2024-W02" selected>' in picker  # an older week stays selectable
    monthly = client_for(world.reporter).get("/reports/monthly/?month=2024-06").content.decode()
    assert 'type="month"' not in monthly and '<option value="2024-05">2024年5月</option>' in monthly
    review = client_for(world.admin).get("/reports/review/weekly/?period=2024-W25").content.decode()
    assert 'type="week"' not in review and '<option value="2024-W25" selected>' in review


def test_recent_periods():
    assert rules.recent_periods("weekly", date(2024, 1, 3), 2) == [
        date(2024, 1, 1),
        date(2023, 12, 25),
        date(2023, 12, 18),
    ]
    assert rules.recent_periods("monthly", date(2024, 1, 31), 2) == [
        date(2024, 1, 1),
        date(2023, 12, 1),
        date(2023, 11, 1),
    ]


def test_due_count_query_count_is_fixed(world, projects):
    from tests.projects.factories import project

    _backdate(projects)
    with CaptureQueriesContext(connection) as few:
        selectors.unit_due_items(world.reporter, TODAY)
    _backdate([project(world, stage="construction") for _ in range(5)])
    with CaptureQueriesContext(connection) as many:
        selectors.unit_due_items(world.reporter, TODAY)
    assert len(few.captured_queries) == len(many.captured_queries) == 2
