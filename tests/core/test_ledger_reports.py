"""Sealing accepted reports (issue 5 part 8): the weekly and monthly kinds of tuijin/reports/ledger.py.
"Changing a sealed report in the database directly is reported by `tuijin ledger verify`"."""

from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

import tuijin.reports.ledger as report_ledger  # noqa: F401  (registers the kinds, as ReportsConfig.ready does)
from tests.projects.factories import project
from tuijin.core import ledger
from tuijin.core.access import AccessDenied
from tuijin.core.ledger_selectors import ledger_verify
from tuijin.core.ledger_services import ledger_seal_due
from tuijin.core.models import Seal
from tuijin.reports import services
from tuijin.reports.ledger import period_key, reports_seal_period
from tuijin.reports.models import Report, ReportVersion

MONDAY = date(2024, 6, 3)  # 2024-W23, due Friday 6月7日
AFTER = date(2024, 6, 12)


def _row(text):
    return {
        "basic_facts": f"{text}基本情况",
        "needs": "",
        "progress": f"{text}本周完成桩基",
        "plan_next": "主体施工",
        "responsible_person": "张工",
        "unit_head_name": "李主任",
    }


@pytest.fixture
def week(world):
    """Two projects of 区发改委 reported, approved and accepted for 2024-W23."""
    a = project(world, name="东湖路改造", stage="construction")
    b = project(world, name="体育中心", stage="construction")
    rows = {a.pk: _row("甲"), b.pk: _row("乙")}
    kw = {"unit": world.dept, "kind": "weekly", "period_start": MONDAY}
    services.report_submit(user=world.reporter, rows=rows, today=date(2024, 6, 6), **kw)
    services.report_approve(user=world.unit_head, today=date(2024, 6, 6), **kw)
    reports = list(Report.objects.filter(period_start=MONDAY).order_by("pk"))
    services.report_accept(user=world.admin, reports=reports, today=date(2024, 6, 7))
    assert set(Report.objects.values_list("status", flat=True)) == {"accepted"}
    return a, b


def _verify():
    out = StringIO()
    try:
        call_command("ledger", "verify", stdout=out, stderr=out)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def test_kinds_are_registered():
    assert ledger.kind_label("weekly_report") == "周报" and ledger.kind_label("monthly_report") == "月报"
    assert period_key("weekly", MONDAY) == "2024-W23" and period_key("monthly", date(2024, 6, 1)) == "2024-06"


def test_office_seals_the_week_and_verify_passes(world, week):
    seal = reports_seal_period(
        user=world.admin, jurisdiction=world.district, kind="weekly", period_start=MONDAY, today=AFTER
    )
    assert (seal.kind, seal.period_key, seal.record_count) == ("weekly_report", "2024-W23", 2)
    assert _verify() == (0, "全部 2 个封存记录校验通过（1 个期间，1 次封存）\n")
    again = reports_seal_period(
        user=world.admin, jurisdiction=world.district, kind="weekly", period_start=MONDAY, today=AFTER
    )
    assert again.pk == seal.pk


def test_changing_a_sealed_report_in_the_database_is_reported(world, week):
    a, _ = week
    reports_seal_period(
        user=world.admin, jurisdiction=world.district, kind="weekly", period_start=MONDAY, today=AFTER
    )
    Report.objects.filter(project=a).update(progress="本周完成主体封顶")  # behind the services' back
    code, text = _verify()
    assert code == 1
    assert "周报 东湖区 2024-W23：项目《东湖路改造》的周报在封存后被修改" in text


def test_changing_a_sealed_version_row_is_reported(world, week):
    _, b = week
    reports_seal_period(
        user=world.admin, jurisdiction=world.district, kind="weekly", period_start=MONDAY, today=AFTER
    )
    ReportVersion.objects.filter(report__project=b, event="submit").update(reason="改过")
    code, text = _verify()
    assert code == 1 and "项目《体育中心》的周报在封存后被修改" in text


def test_deleting_a_sealed_report_is_reported(world, week):
    _, b = week
    reports_seal_period(
        user=world.admin, jurisdiction=world.district, kind="weekly", period_start=MONDAY, today=AFTER
    )
    report_id = Report.objects.get(project=b).pk
    Report.objects.filter(pk=report_id).delete()
    code, text = _verify()
    assert code == 1 and f"周报 东湖区 2024-W23：记录 #{report_id}在封存后被删除" in text


def test_sealing_waits_for_pending_reports_until_the_due_date(world):
    p = project(world, name="东湖路改造", stage="construction")
    services.report_submit(
        user=world.reporter,
        unit=world.dept,
        kind="weekly",
        period_start=MONDAY,
        rows={p.pk: _row("甲")},
        today=date(2024, 6, 5),
    )
    with pytest.raises(ValidationError) as exc:
        reports_seal_period(
            user=world.admin,
            jurisdiction=world.district,
            kind="weekly",
            period_start=MONDAY,
            today=date(2024, 6, 6),
        )
    assert "本期尚有 1 份周报未审核通过，截止日（6月7日）前不能封存" in exc.value.message_dict["period"][0]
    with pytest.raises(ValidationError) as exc:  # after the due date: nothing accepted, nothing to seal
        reports_seal_period(
            user=world.admin, jurisdiction=world.district, kind="weekly", period_start=MONDAY, today=AFTER
        )
    assert "没有可封存的周报" in exc.value.message_dict["period"][0]


def test_only_the_office_seals(world, week):
    for user in (world.unit_head, world.reporter, world.leader, world.foreign_admin):
        with pytest.raises(AccessDenied):
            reports_seal_period(
                user=user, jurisdiction=world.district, kind="weekly", period_start=MONDAY, today=AFTER
            )
    assert not Seal.objects.exists()


def test_daily_job_seals_the_week_two_weeks_after_it_ends(world, week):
    assert ledger_seal_due(today=date(2024, 6, 23)).sealed == []  # the week ended 6月9日
    run = ledger_seal_due(today=date(2024, 6, 24))
    assert [(s.kind, s.period_key, s.record_count) for s in run.sealed] == [("weekly_report", "2024-W23", 2)]
    assert ledger_verify().ok
