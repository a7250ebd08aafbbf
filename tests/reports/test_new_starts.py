"""本周新开工 (WH19 三(二)四, issue 5 part 2): the third report kind — who owes it (planned start in the week by
its precision, or a 开工 StageTransition in the week), its fields and checks, the same workflow and pages,
the to-do source, the exchange file; and the small fixes: a photo or problem attachment whose file was not
imported answers a Chinese 404, the to-do count is one query, the lights hook is imported normally."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError

from tuijin.reports import rules

MON = date(2024, 6, 24)  # week 26: Mon 24 June … Sun 30 June (June's last day)
TODAY = date(2024, 6, 26)
NOW = "2024-06-26 10:00 +0800"


# ---------------------------------------------------------------------------------------------------
# Pure rules (no database)


@pytest.mark.parametrize(
    ("planned", "precision", "week"),
    [
        (None, "day", None),
        (date(2024, 6, 26), "day", date(2024, 6, 24)),
        (date(2024, 6, 24), "day", date(2024, 6, 24)),
        (date(2024, 6, 30), "day", date(2024, 6, 24)),
        (date(2024, 7, 1), "day", date(2024, 7, 1)),
        (date(2024, 6, 27), "week", date(2024, 6, 24)),
        (date(2024, 6, 1), "month", date(2024, 6, 24)),  # June 30 is a Sunday: that week
        (date(2024, 7, 15), "month", date(2024, 7, 29)),  # July 31 is a Wednesday
        (date(2024, 2, 1), "month", date(2024, 2, 26)),  # leap year: Feb 29 (Thursday)
        (date(2024, 12, 1), "month", date(2024, 12, 30)),  # Dec 31 2024: week 1 of 2025
    ],
)
def test_new_start_week(planned, precision, week):
    assert rules.new_start_week(planned, precision) == week


@pytest.mark.parametrize(
    ("monday", "month"),
    [
        (date(2024, 6, 24), (2024, 6)),
        (date(2024, 6, 17), None),
        (date(2024, 7, 29), (2024, 7)),
        (date(2024, 12, 30), (2024, 12)),
        (date(2024, 9, 30), (2024, 9)),  # Monday is the month's last day
        (date(2024, 10, 7), None),
    ],
)
def test_month_ending_in_week(monday, month):
    assert rules.month_ending_in_week(monday) == month


def test_month_precision_week_agrees_with_month_ending_in_week():
    for month in range(1, 13):
        planned = date(2025, month, 10)
        week = rules.new_start_week(planned, "month")
        assert rules.month_ending_in_week(week) == (2025, month)


GOOD = {
    "progress": "桩基施工",
    "responsible_person": "张三",
    "ceremony_held": False,
    "ceremony_on": None,
    "not_started_reason": "",
    "expected_start": None,
}


@pytest.mark.parametrize(
    ("change", "started", "submitting", "errors"),
    [
        ({}, True, True, set()),
        ({}, False, True, {"not_started_reason", "expected_start"}),
        ({"not_started_reason": "施工许可证未办结", "expected_start": date(2024, 7, 8)}, False, True, set()),
        ({}, False, False, set()),  # a draft needs nothing
        ({"ceremony_held": None}, True, True, {"ceremony_held"}),
        ({"ceremony_held": True}, True, True, {"ceremony_on"}),
        ({"ceremony_held": True, "ceremony_on": date(2024, 6, 25)}, True, True, set()),
        ({"ceremony_held": True, "ceremony_on": date(2024, 6, 27)}, True, True, {"ceremony_on"}),  # future
        ({"ceremony_on": date(2024, 6, 27)}, True, False, {"ceremony_on"}),
        (
            {"not_started_reason": "资金未到位", "expected_start": date(2024, 6, 20)},
            False,
            True,
            {"expected_start"},  # before the week
        ),
        ({"expected_start": date(2024, 6, 20)}, True, True, set()),  # started: ignored
        ({"progress": ""}, True, True, {"progress"}),
        ({"responsible_person": " "}, True, True, {"responsible_person"}),
        ({"not_started_reason": "x" * 2001}, False, False, {"not_started_reason"}),
    ],
)
def test_check_content_new_starts(change, started, submitting, errors):
    content = {**GOOD, **change}
    found = rules.check_content(
        "new_starts", content, submitting=submitting, started=started, period_start=MON, today=TODAY
    )
    assert set(found) == errors
    assert all(isinstance(m, str) and m for m in found.values())


def test_new_start_labels_and_messages_are_chinese():
    found = rules.check_content(
        "new_starts", {"progress": ""}, submitting=True, started=False, period_start=MON, today=TODAY
    )
    assert found["progress"] == "请填写形象进度（建设内容）。"
    assert found["not_started_reason"] == "项目本周未开工，请填写未开工原因。"
    assert found["ceremony_held"] == "请选择是否举行开工仪式。"
    assert rules.labels_of("new_starts")["progress"] == "形象进度（建设内容）"
    assert rules.fields_of("new_starts") == rules.NEW_START_FIELDS


@pytest.mark.parametrize(
    ("data", "value", "basis"),
    [
        (None, 5, "fallback"),
        ({"reporting": {"weekly_progress": {"due_weekday": 4}}}, 4, "notice"),
        (
            {
                "reporting": {
                    "weekly_progress": {"due_weekday": 4},
                    "weekly_new_starts": {"due_weekday": 5, "basis": "notice", "source": "WH19 三(二)四"},
                }
            },
            5,
            "notice",
        ),
    ],
)
def test_due_rule_new_starts(data, value, basis):
    rule = rules.due_rule("new_starts", data)
    assert (rule.value, rule.basis) == (value, basis)
    assert rules.due_date("new_starts", MON, rule) == date(2024, 6, 23 + value)


@pytest.mark.parametrize(
    ("text", "value", "error"),
    [
        ("", None, False),
        ("2024-07-08", date(2024, 7, 8), False),
        ("7月8日", None, True),
        ("2024-02-30", None, True),
    ],
)
def test_parse_day(text, value, error):
    parsed, message = rules.parse_day(text, "预计开工时间")
    assert parsed == value and bool(message) == error
    if error:
        assert "预计开工时间" in message


@pytest.mark.parametrize(
    ("text", "value"), [("yes", True), ("no", False), ("", None), ("是", True), ("否", False), ("x", None)]
)
def test_parse_yes_no(text, value):
    assert rules.parse_yes_no(text) is value


def test_periods_of_new_starts_are_weeks():
    assert rules.period_start("new_starts", TODAY) == MON
    assert rules.period_label("new_starts", MON) == rules.period_label("weekly", MON)
    assert rules.parse_period("new_starts", "2024-W26", today=TODAY) == MON
    assert rules.next_period("new_starts", MON) == date(2024, 7, 1)


def test_content_changed_tells_false_from_unanswered():
    assert rules.content_changed({"ceremony_held": None}, {"ceremony_held": False}) == ["ceremony_held"]
    assert rules.content_changed({"progress": None}, {"progress": ""}) == []


# ---------------------------------------------------------------------------------------------------
# With the database


@pytest.fixture
def starts(world):
    """Projects of 区发改委 around week 26 of 2024."""
    from tests.projects.factories import project
    from tuijin.projects.models import StageTransition

    def moved(p, on, to="started", frm="preparation"):
        StageTransition.objects.create(project=p, from_stage=frm, to_stage=to, on=on)
        p.stage = to
        p.save(update_fields=["stage"])
        return p

    return {
        "day": project(world, name="计划本周开工", planned_start=date(2024, 6, 26)),
        "month": project(
            world, name="计划六月开工", planned_start=date(2024, 6, 1), planned_start_precision="month"
        ),
        "started": moved(
            project(world, name="本周已开工", planned_start=date(2024, 6, 10)), date(2024, 6, 25)
        ),
        "early": moved(project(world, name="早已开工", planned_start=date(2024, 6, 26)), date(2024, 6, 3)),
        "later": project(world, name="下周开工", planned_start=date(2024, 7, 3)),
        "building": project(world, name="在建无计划", stage="construction"),
        "straight": moved(
            project(world, name="直接在建", planned_start=date(2024, 5, 1)), date(2024, 6, 28), "construction"
        ),
    }


def _owed(world, start=MON):
    from tuijin.reports import selectors

    return set(selectors.period_projects(world.dept, "new_starts", start).values_list("name", flat=True))


def test_who_owes_the_new_start_report(world, starts):
    assert _owed(world) == {"计划本周开工", "计划六月开工", "本周已开工", "直接在建"}
    assert _owed(world, date(2024, 7, 1)) == {"下周开工"}
    assert _owed(world, date(2024, 6, 3)) == {"早已开工"}  # started that week
    # planned that week and not started by then: owes it (and reports 未开工原因); 早已开工 planned in week
    # 26 started in week 23, so it owes nothing in week 26
    assert _owed(world, date(2024, 6, 10)) == {"本周已开工"}
    assert _owed(world, date(2024, 6, 17)) == set()


def test_facts_come_from_the_stage_transitions(world, starts):
    from tuijin.reports import selectors

    ids = {p.pk: p.stage for p in starts.values()}
    facts = selectors.new_start_facts(ids, MON)
    assert facts[starts["started"].pk].started_on == date(2024, 6, 25)
    assert facts[starts["started"].pk].started_label == "已开工（6月25日）"
    assert facts[starts["straight"].pk].started_on == date(2024, 6, 28)
    assert not facts[starts["day"].pk].started and facts[starts["day"].pk].started_label == "未开工"
    assert facts[starts["month"].pk].planned == "2024年6月"
    assert facts[starts["building"].pk].started_label == "已开工（未录入开工日期）"
    # a week before it started, the project had not started
    assert not selectors.new_start_facts(ids, date(2024, 6, 17))[starts["started"].pk].started


def _rows(starts):
    return {
        starts["day"].pk: {
            "progress": "场地平整",
            "responsible_person": "张三",
            "not_started_reason": "施工许可证待核发",
            "expected_start": "2024-07-08",
            "ceremony_held": "no",
            "ceremony_on": "2024-06-20",  # dropped: no ceremony
        },
        starts["month"].pk: {
            "progress": "临设搭建",
            "responsible_person": "李四",
            "not_started_reason": "资金未到位",
            "expected_start": "2024-06-29",
            "ceremony_held": "no",
        },
        starts["started"].pk: {
            "progress": "桩基施工",
            "responsible_person": "王五",
            "not_started_reason": "不应保存",
            "expected_start": "2024-07-01",
            "ceremony_held": "yes",
            "ceremony_on": "2024-06-25",
        },
        starts["straight"].pk: {"progress": "基坑开挖", "responsible_person": "赵六", "ceremony_held": "no"},
    }


def test_submit_approve_accept(world, starts, monkeypatch):
    from tuijin.core.models import Seal
    from tuijin.reports import services
    from tuijin.reports.models import Report, ReportVersion

    calls = []
    monkeypatch.setattr(
        "tuijin.lights.services.lights_on_reports_changed", lambda **kw: calls.append(kw["kind"])
    )
    kw = {"unit": world.dept, "kind": "new_starts", "period_start": MON, "today": TODAY}
    outcome = services.report_submit(user=world.reporter, rows=_rows(starts), **kw)
    assert "本周新开工" in outcome.message and len(outcome.report_ids) == 4
    day = Report.objects.get(project=starts["day"])
    assert (day.status, day.due_on, day.expected_start, day.ceremony_held, day.ceremony_on) == (
        "submitted",
        date(2024, 6, 28),
        date(2024, 7, 8),
        False,
        None,
    )
    started = Report.objects.get(project=starts["started"])
    assert started.not_started_reason == "" and started.expected_start is None  # started: not kept
    assert started.ceremony_on == date(2024, 6, 25)
    assert not hasattr(Report, "actual_start")  # the 开工 date is never copied into the report
    version = ReportVersion.objects.get(report=day)
    assert version.content["expected_start"] == "2024-07-08" and version.content["ceremony_held"] is False
    services.report_approve(user=world.unit_head, **kw)
    services.report_accept(user=world.admin, reports=Report.objects.filter(kind="new_starts"), today=TODAY)
    assert set(Report.objects.values_list("status", flat=True)) == {"accepted"}
    assert calls == []  # the lights read 周报 and 月报 only
    assert not Seal.objects.exists()


def test_submission_refused_with_every_error_and_nothing_saved(world, starts):
    from tuijin.reports import services
    from tuijin.reports.models import Report

    rows = _rows(starts)
    rows[starts["day"].pk].update(not_started_reason="", expected_start="7月8日")
    rows[starts["started"].pk].update(ceremony_on="2024-06-27")  # after today
    with pytest.raises(ValidationError) as caught:
        services.report_submit(
            user=world.reporter, unit=world.dept, kind="new_starts", period_start=MON, rows=rows, today=TODAY
        )
    errors = caught.value.message_dict
    day, started = starts["day"].pk, starts["started"].pk
    assert "不是有效日期" in errors[f"p{day}.expected_start"][0]
    assert "《计划本周开工》" in errors[f"p{day}.expected_start"][0]
    errors.clear()
    rows[day]["expected_start"] = "2024-07-08"
    with pytest.raises(ValidationError) as caught:
        services.report_submit(
            user=world.reporter, unit=world.dept, kind="new_starts", period_start=MON, rows=rows, today=TODAY
        )
    errors = caught.value.message_dict
    assert set(errors) == {f"p{day}.not_started_reason", f"p{started}.ceremony_on"}
    assert not Report.objects.filter(status="submitted").exists()


def test_a_project_that_does_not_owe_is_refused(world, starts):
    from tuijin.core.access import AccessDenied
    from tuijin.reports import services

    with pytest.raises(AccessDenied):
        services.report_save_draft(
            user=world.reporter,
            unit=world.dept,
            kind="new_starts",
            period_start=MON,
            rows={starts["later"].pk: {"progress": "x"}},
            today=TODAY,
        )


def test_proxy_fill_of_new_starts(world, starts):
    from tuijin.reports import services
    from tuijin.reports.models import Report

    rows = {starts["started"].pk: _rows(starts)[starts["started"].pk]}
    services.report_proxy_fill(
        user=world.admin, unit=world.dept, kind="new_starts", period_start=MON, rows=rows, today=TODAY
    )
    report = Report.objects.get(project=starts["started"])
    assert report.status == "accepted" and report.is_proxy and report.first_submitted_at is not None


def test_unit_due_items_two_queries_and_count_matches_items(world, starts, django_assert_num_queries):
    from tuijin.reports import selectors, services, todo

    with django_assert_num_queries(2):
        items = selectors.unit_due_items(world.reporter, TODAY)
    assert {i["kind"]: i["missing"] for i in items} == {"new_starts": 4, "weekly": 4, "monthly": 4}
    services.report_submit(
        user=world.reporter,
        unit=world.dept,
        kind="new_starts",
        period_start=MON,
        rows={starts["started"].pk: _rows(starts)[starts["started"].pk]},
        today=TODAY,
    )
    items = selectors.unit_due_items(world.reporter, TODAY)
    assert {i["kind"]: i["missing"] for i in items} == {"new_starts": 3, "weekly": 4, "monthly": 4}
    if todo.register_todo_source is not None:
        listed = todo._due_items(world.reporter, TODAY)
        assert len(listed) == len(items)
        new = next(i for i in listed if "本周新开工" in i.title)
        assert new.url == "/reports/new-starts/?period=2024-06-24" and new.due_on == date(2024, 6, 28)


# ---------------------------------------------------------------------------------------------------
# Pages


@pytest.fixture
def at_noon():
    with time_machine.travel(NOW, tick=False):
        yield


def _token(response):
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def test_new_starts_page_fill_and_submit(world, starts, client_for, at_noon):
    from tuijin.reports.models import Report

    client = client_for(world.reporter)
    page = client.get("/reports/new-starts/?week=2024-W26")
    text = page.content.decode()
    assert page.status_code == 200
    assert "本周新开工" in text and "形象进度（建设内容）" in text
    assert f'id="row-{starts["day"].pk}"' in text and f'id="row-{starts["later"].pk}"' not in text
    assert "已开工（6月25日）" in text and "2024年6月" in text
    assert f'name="p{starts["day"].pk}-not_started_reason"' in text
    assert f'name="p{starts["started"].pk}-not_started_reason"' not in text  # started: no reason asked
    data = {"op": "submit", "token": _token(page), "period": "2024-06-24", "unit_head_name": "周文博"}
    data["pid"] = [starts["day"].pk]
    data.update({f"p{starts['day'].pk}-{k}": v for k, v in _rows(starts)[starts["day"].pk].items()})
    data[f"p{starts['day'].pk}-expected_start"] = ""
    bad = client.post("/reports/new-starts/", data)
    assert bad.status_code == 400 and "项目本周未开工，请填写预计开工时间。" in bad.content.decode()
    data[f"p{starts['day'].pk}-expected_start"] = "2024-07-08"
    data["token"] = _token(bad)
    done = client.post("/reports/new-starts/", data)
    assert done.status_code == 302 and done.url.startswith("/reports/new-starts/?week=2024-W26")
    report = Report.objects.get(project=starts["day"])
    assert (report.kind, report.status, report.unit_head_name) == ("new_starts", "submitted", "周文博")
    after = client.get(done.url).content.decode()
    assert "2024-07-08" in after and "未举行" in after


def test_head_and_office_pages_for_new_starts(world, starts, client_for, at_noon):
    from tuijin.reports import services

    services.report_submit(
        user=world.reporter,
        unit=world.dept,
        kind="new_starts",
        period_start=MON,
        rows={starts["started"].pk: _rows(starts)[starts["started"].pk]},
        today=TODAY,
    )
    head = client_for(world.unit_head).get("/reports/approvals/new_starts/?period=2024-06-24")
    assert head.status_code == 200 and "本周已开工" in head.content.decode()
    assert "已举行" in head.content.decode()
    office = client_for(world.admin)
    review = office.get("/reports/review/new-starts/?period=2024-W26").content.decode()
    assert 'id="tab-new-starts"' in review and 'id="seal-card"' not in review  # not sealed
    assert f"/reports/review/new_starts/{world.dept.pk}/" in review
    fill = office.get(f"/reports/new-starts/?week=2024-W26&unit={world.dept.pk}").content.decode()
    assert "代填并通过" in fill
    assert 'id="seal-card"' in office.get("/reports/review/weekly/").content.decode()


def test_menu_lists_new_starts(world, client_for, at_noon):
    text = client_for(world.reporter).get("/reports/weekly/").content.decode()
    assert "/reports/new-starts/" in text


# ---------------------------------------------------------------------------------------------------
# Exchange


def test_new_starts_travel_in_the_exchange_file(world, starts):
    from tuijin.core.exchange.services import exchange_export, exchange_import
    from tuijin.reports import services
    from tuijin.reports.models import Report

    services.report_submit(
        user=world.reporter,
        unit=world.dept,
        kind="new_starts",
        period_start=MON,
        rows={starts["day"].pk: _rows(starts)[starts["day"].pk]},
        today=TODAY,
    )
    data = exchange_export(actor=world.admin, jurisdiction=world.district)
    (record,) = [r for r in data["sections"]["reports"]["reports"] if r["kind"] == "new_starts"]
    assert record["expected_start"] == "2024-07-08" and record["ceremony_held"] is False
    assert record["not_started_reason"] == "施工许可证待核发" and record["investment_completed"] is None
    Report.objects.all().delete()
    result = exchange_import(actor=world.admin, data=data)
    assert not result.errors, result.errors
    report = Report.objects.get(kind="new_starts")
    assert report.expected_start == date(2024, 7, 8) and report.ceremony_held is False
    assert report.versions.count() == 1


# ---------------------------------------------------------------------------------------------------
# Files not imported: a Chinese 404


def test_photo_without_file_is_a_chinese_404(world, client_for):
    from tests.projects.factories import project
    from tuijin.reports.models import SitePhoto

    p = project(world, stage="construction")
    photo = SitePhoto.objects.create(project=p, taken_on=TODAY, content_type="image/png", size=10)
    client = client_for(world.admin)
    for url in (f"/reports/photos/{photo.pk}/", f"/reports/photos/{photo.pk}/?thumb=1"):
        response = client.get(url)
        assert response.status_code == 404
        assert "照片文件未随数据导入或已不存在" in response.content.decode()


def test_photo_whose_file_is_gone_is_a_chinese_404(world, client_for):
    from tests.projects.factories import project
    from tuijin.reports.models import SitePhoto

    p = project(world, stage="construction")
    photo = SitePhoto.objects.create(
        project=p, taken_on=TODAY, content_type="image/png", size=10, file=f"photos/{p.pk}/gone.png"
    )
    response = client_for(world.admin).get(f"/reports/photos/{photo.pk}/")
    assert response.status_code == 404 and "无法查看" in response.content.decode()


@pytest.mark.parametrize("stored", ["", "problems/gone.pdf"])
def test_attachment_without_file_is_a_chinese_404(world, client_for, stored):
    from tests.problems.factories import filed
    from tuijin.problems.models import ProblemAttachment

    problem = filed(world)
    attachment = ProblemAttachment.objects.create(
        problem=problem, file=stored, name="复函.pdf", size=10, uploaded_by=world.admin
    )
    response = client_for(world.admin).get(f"/problems/attachments/{attachment.pk}/")
    assert response.status_code == 404
    assert "附件文件未随数据导入或已不存在，无法下载。" in response.content.decode()


def test_lights_refresh_once_per_report_change():
    """The lights register their own listener (lights/apps.py); reports register none of their own, so a
    submission refreshes the lights once, not twice (the lights depend on reports, not the reverse)."""
    from tuijin.lights.services import lights_on_reports
    from tuijin.reports.services import _LISTENERS

    assert _LISTENERS.count(lights_on_reports) == 1
    assert [f for f in _LISTENERS if f.__module__.startswith("tuijin.reports")] == []
