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


@pytest.fixture(autouse=True)
def heads_log(settings, tmp_path):
    settings.LEDGER_KEY = "test-ledger-key"
    settings.LEDGER_HEADS_LOG = str(tmp_path / "ledger" / "heads.log")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "ledger" / "heads.log"


def _seal_week(world):
    return reports_seal_period(
        user=world.admin, jurisdiction=world.district, kind="weekly", period_start=MONDAY, today=AFTER
    )


# ---------------------------------------------------------------------------------------------------
# Review finding 4a: every seal deleted, then a report changed


def test_deleting_the_seals_and_changing_a_report_is_reported(
    world, week, django_capture_on_commit_callbacks
):
    a, _ = week
    with django_capture_on_commit_callbacks(execute=True):
        _seal_week(world)
    Seal.objects.all().delete()
    Report.objects.filter(project=a).update(progress="改过")
    code, text = _verify()
    assert code == 1 and "周报 东湖区 2024-W23：第 1 次封存已记入封存日志，但封存表中没有" in text


# ---------------------------------------------------------------------------------------------------
# Review finding 4e: every field of the report is sealed


@pytest.mark.parametrize(
    "change",
    [
        {"return_reason": "悄悄写上的退回原因"},
        {"saved_at": None},
        {"saved_by": None},
        {"events": 99},
        {"first_submitted_at": None},
        {"due_on": date(2024, 6, 30)},
    ],
)
def test_every_field_of_a_sealed_report_is_sealed(world, week, change):
    a, _ = week
    _seal_week(world)
    Report.objects.filter(project=a).update(**change)
    code, text = _verify()
    assert code == 1 and "项目《东湖路改造》的周报在封存后被修改" in text


# ---------------------------------------------------------------------------------------------------
# Review finding 4c: site photos


def _png(colour=(10, 120, 200)):
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (20, 20), colour).save(out, "PNG")
    return out.getvalue()


def _upload(world, report, colour=(10, 120, 200)):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return services.photo_upload(
        user=world.reporter,
        project=report.project,
        file=SimpleUploadedFile("site.png", _png(colour)),
        taken_on=date(2024, 6, 5),
        report=report,
        today=date(2024, 6, 6),
    )


def test_no_photo_is_added_to_an_accepted_report(world, week):
    a, _ = week
    report = Report.objects.get(project=a)
    with pytest.raises(ValidationError) as exc:
        _upload(world, report)
    assert "已审核通过" in exc.value.message_dict["report"][0]
    assert "请把照片添加到项目或建设节点" in exc.value.message_dict["report"][0]
    from tuijin.reports.models import SitePhoto

    assert not SitePhoto.objects.exists()


@pytest.fixture
def photographed(world):
    """A week whose report carries a photo uploaded before acceptance, accepted and sealed."""
    p = project(world, name="东湖路改造", stage="construction")
    kw = {"unit": world.dept, "kind": "weekly", "period_start": MONDAY}
    services.report_submit(user=world.reporter, rows={p.pk: _row("甲")}, today=date(2024, 6, 6), **kw)
    report = Report.objects.get(project=p)
    photo = _upload(world, report)
    services.report_approve(user=world.unit_head, today=date(2024, 6, 6), **kw)
    services.report_accept(user=world.admin, reports=[report], today=date(2024, 6, 7))
    seal = _seal_week(world)
    assert _verify()[0] == 0
    return seal, photo


def test_a_sealed_reports_photo_file_replaced_is_reported(world, photographed):
    _, photo = photographed
    from django.core.files.storage import default_storage

    name = photo.file.name
    default_storage.delete(name)
    default_storage.save(name, __import__("io").BytesIO(_png((200, 0, 0))))
    code, text = _verify()
    assert code == 1 and "项目《东湖路改造》的周报在封存后被修改" in text


@pytest.mark.parametrize("change", [{"report": None}, {"taken_on": date(2024, 6, 1)}])
def test_a_sealed_reports_photo_unlinked_or_redated_is_reported(world, photographed, change):
    from tuijin.reports.models import SitePhoto

    _, photo = photographed
    SitePhoto.objects.filter(pk=photo.pk).update(**change)
    assert _verify()[0] == 1


def test_a_photo_without_a_readable_file_is_sealed_by_name_and_size(world, photographed):
    from tuijin.reports.ledger import photo_digest
    from tuijin.reports.models import SitePhoto

    _, photo = photographed
    photo.file.storage.delete(photo.file.name)  # the file lost: the seal no longer matches
    assert _verify()[0] == 1
    photo = SitePhoto.objects.get(pk=photo.pk)
    import hashlib

    assert photo_digest(photo) == hashlib.sha256(f"{photo.file.name}|{photo.size}".encode()).hexdigest()


# ---------------------------------------------------------------------------------------------------
# Review finding 4d: the month's investment in the library


JUNE = date(2024, 6, 1)


@pytest.fixture
def month(world):
    """A monthly report of 100 万元 for June 2024, accepted (→ InvestmentEntry source 月报) and sealed."""
    p = project(world, name="东湖路改造", stage="construction")
    kw = {"unit": world.dept, "kind": "monthly", "period_start": JUNE}
    services.report_submit(
        user=world.reporter,
        rows={p.pk: {"progress": "主体施工", "investment_completed": "100"}},
        today=date(2024, 6, 24),
        **kw,
    )
    services.report_approve(user=world.unit_head, today=date(2024, 6, 24), **kw)
    services.report_accept(
        user=world.admin, reports=Report.objects.filter(kind="monthly"), today=date(2024, 6, 25)
    )
    seal = reports_seal_period(
        user=world.admin,
        jurisdiction=world.district,
        kind="monthly",
        period_start=JUNE,
        today=date(2024, 7, 1),
    )
    assert seal.record_count == 1 and _verify()[0] == 0
    return p


def test_the_library_refuses_to_overwrite_a_month_from_an_accepted_report(world, month):
    from decimal import Decimal

    from tuijin.projects import services as project_services
    from tuijin.projects.models import InvestmentEntry

    with pytest.raises(ValidationError) as exc:
        project_services.investment_record(
            user=world.admin, project=month, year=2024, month=6, amount=Decimal("999"), today=date(2024, 7, 2)
        )
    assert "2024年6月的完成投资来自已审核通过的月报" in exc.value.message_dict["month"][0]
    entry = InvestmentEntry.objects.get(project=month, year=2024, month=6)
    assert (entry.amount, entry.source) == (Decimal("100"), "report")
    # other months stay the office's to record
    project_services.investment_record(
        user=world.admin, project=month, year=2024, month=5, amount=Decimal("80"), today=date(2024, 7, 2)
    )


def test_the_project_page_shows_the_refusal(world, month, client_for):
    response = client_for(world.admin).post(
        f"/projects/{month.pk}/investment/", {"year": 2024, "month": 6, "amount": "999", "note": ""}
    )
    assert "来自已审核通过的月报" in response.content.decode()


def test_the_months_investment_changed_in_the_library_is_reported(world, month):
    from decimal import Decimal

    from tuijin.projects.models import InvestmentEntry

    InvestmentEntry.objects.filter(project=month).update(amount=Decimal("999"), source="office")
    code, text = _verify()
    assert code == 1 and "月报 东湖区 2024-06：项目《东湖路改造》的月报在封存后被修改" in text


# ---------------------------------------------------------------------------------------------------
# The daily job waits for reports under review; late acceptances are 待重新封存, not failures


@pytest.fixture
def waiting(world):
    """2024-W23: one report accepted, one approved by the head and still waiting for the office."""
    a = project(world, name="东湖路改造", stage="construction")
    b = project(world, name="体育中心", stage="construction")
    kw = {"unit": world.dept, "kind": "weekly", "period_start": MONDAY}
    services.report_submit(
        user=world.reporter, rows={a.pk: _row("甲"), b.pk: _row("乙")}, today=date(2024, 6, 6), **kw
    )
    services.report_approve(user=world.unit_head, today=date(2024, 6, 6), **kw)
    services.report_accept(user=world.admin, reports=[Report.objects.get(project=a)], today=date(2024, 6, 7))
    return a, b


def test_the_daily_job_waits_while_reports_are_under_review(world, waiting):
    assert ledger_seal_due(today=date(2024, 6, 24)).sealed == []  # 14 days after the week: one waits
    assert ledger_verify(today=date(2024, 6, 30)).ok  # and verify does not call that a gap
    assert ledger_seal_due(today=date(2024, 8, 8)).sealed == []  # 60 days after 6月9日 is 8月8日
    run = ledger_seal_due(today=date(2024, 8, 9))
    assert [(s.period_key, s.record_count) for s in run.sealed] == [("2024-W23", 1)]


def test_the_daily_job_seals_once_the_review_is_done(world, waiting):
    _, b = waiting
    services.report_accept(user=world.admin, reports=[Report.objects.get(project=b)], today=date(2024, 6, 20))
    run = ledger_seal_due(today=date(2024, 6, 24))
    assert [(s.period_key, s.record_count) for s in run.sealed] == [("2024-W23", 2)]


def test_a_report_accepted_after_sealing_waits_for_resealing_without_failing(world, waiting):
    _, b = waiting
    _seal_week(world)
    services.report_accept(user=world.admin, reports=[Report.objects.get(project=b)], today=date(2024, 6, 13))
    code, text = _verify()
    assert code == 0
    assert "待重新封存（1 条" in text
    assert "周报 东湖区 2024-W23：项目《体育中心》的周报在封存后才审核通过，待重新封存" in text
    assert "全部 1 个封存记录校验通过（1 个期间，1 次封存）；另有 1 条记录待重新封存" in text
    reports_seal_period(
        user=world.admin,
        jurisdiction=world.district,
        kind="weekly",
        period_start=MONDAY,
        today=AFTER,
        reason="体育中心周报补审",
    )
    assert _verify() == (0, "全部 2 个封存记录校验通过（1 个期间，2 次封存）\n")


def test_a_report_slipped_in_as_accepted_before_the_seal_fails(world, waiting):
    _, b = waiting
    seal = _seal_week(world)
    Report.objects.filter(project=b).update(status="accepted", reviewed_at=seal.created_at)
    code, text = _verify()
    assert code == 1 and "项目《体育中心》的周报在封存后新增（未经封存）" in text


def test_the_page_lists_what_waits_for_resealing(world, waiting, client_for):
    _, b = waiting
    _seal_week(world)
    services.report_accept(user=world.admin, reports=[Report.objects.get(project=b)], today=date(2024, 6, 13))
    text = client_for(world.admin).post("/ledger/verify/").content.decode()
    assert 'id="ledger-reseal"' in text and "项目《体育中心》的周报在封存后才审核通过，待重新封存" in text
    assert "ledger-problem" not in text


def test_an_accepted_week_left_unsealed_is_reported(world, week):
    assert ledger_verify(today=date(2024, 6, 25)).ok  # due 6月24日; the job's grace
    result = ledger_verify(today=date(2024, 6, 26))
    assert [(p.what, p.period_key) for p in result.problems] == [("unsealed", "2024-W23")]
