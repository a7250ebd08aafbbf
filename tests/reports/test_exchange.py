"""The exchange format's reports section, format 1.3 (issue 5 part 10, docs/exchange.md): reports with all
versions and proxy marks, photos' metadata, camera links; report-sourced investment entries round-trip."""

import copy
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.projects.test_exchange_library import comparable, empty_installation
from tuijin.core.access import AccessDenied
from tuijin.core.exchange.registry import envelope_model
from tuijin.core.exchange.services import exchange_dumps, exchange_export, exchange_import
from tuijin.core.exchange.version import version_text
from tuijin.org.models import Jurisdiction
from tuijin.projects.models import InvestmentEntry
from tuijin.reports import services
from tuijin.reports.models import CameraLink, Report, ReportVersion, SitePhoto

TODAY = date(2024, 6, 26)
WEEK = date(2024, 6, 24)
MONTH = date(2024, 6, 1)


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def section(data):
    return data["sections"]["reports"]


def state():
    """Everything the section writes, as comparable rows."""
    return (
        list(
            Report.objects.order_by("project_id", "kind", "period_start").values_list(
                "project_id", "kind", "period_start", "status", "progress", "version", "is_proxy", "events"
            )
        ),
        list(
            ReportVersion.objects.order_by("report_id", "seq").values_list(
                "report_id", "seq", "event", "status"
            )
        ),
        list(SitePhoto.objects.order_by("id").values_list("project_id", "caption", "size")),
        list(CameraLink.objects.order_by("id").values_list("project_id", "name", "url")),
        list(
            InvestmentEntry.objects.order_by("id").values_list(
                "project_id", "year", "month", "amount", "source"
            )
        ),
    )


@pytest.fixture
def reported(world, projects):
    """A week: submitted, approved, one returned and fixed, all accepted; one project filled in by the
    office (代填) the week before; a monthly report accepted (its investment → the library); a photo on the
    weekly report and a camera link."""
    rows = {p.pk: {"progress": f"{p.name}桩基施工", "responsible_person": "张三"} for p in projects[:2]}
    kw = {"unit": world.dept, "kind": "weekly", "period_start": WEEK, "today": TODAY}
    services.report_submit(user=world.reporter, rows=rows, **kw)
    services.report_approve(user=world.unit_head, **kw)
    first = Report.objects.get(project=projects[0], kind="weekly")
    services.report_return(user=world.admin, report=first, reason="进展写得太笼统", today=TODAY)
    services.report_submit(
        user=world.reporter,
        rows={projects[0].pk: {"progress": "桩基完成 80%", "responsible_person": "张三"}},
        **kw,
    )
    services.report_approve(user=world.unit_head, **kw)
    # the photo goes on before acceptance: an accepted report is final and takes no more photos
    services.photo_upload(
        user=world.reporter,
        project=projects[0],
        file=SimpleUploadedFile("site.png", _png()),
        taken_on=TODAY,
        caption="桩基施工",
        report=Report.objects.get(project=projects[0], kind="weekly"),
        today=TODAY,
    )
    services.report_accept(user=world.admin, reports=Report.objects.filter(kind="weekly"), today=TODAY)
    services.report_proxy_fill(
        user=world.admin,
        unit=world.dept,
        kind="weekly",
        period_start=date(2024, 6, 17),
        rows={projects[2].pk: {"progress": "项目办代填：主体施工", "responsible_person": "李四"}},
        today=TODAY,
    )
    month = {"unit": world.dept, "kind": "monthly", "period_start": MONTH, "today": TODAY}
    services.report_submit(
        user=world.reporter,
        rows={projects[1].pk: {"progress": "主体施工", "investment_completed": "1200.50"}},
        **month,
    )
    services.report_approve(user=world.unit_head, **month)
    services.report_accept(user=world.admin, reports=Report.objects.filter(kind="monthly"), today=TODAY)
    services.camera_add(user=world.admin, project=projects[0], name="东门", url="https://cam.example/1")
    return exchange_export(actor=world.admin, jurisdiction=world.district)


def _report(data, name, kind="weekly"):
    return next(r for r in section(data)["reports"] if r["project"].endswith(name) and r["kind"] == kind)


def test_export_carries_reports_versions_proxy_photos_and_cameras(world, projects, reported):
    assert reported["version"] == version_text() == "1.5"
    first = _report(reported, "周报项目0")
    assert first["status"] == "accepted" and first["progress"] == "桩基完成 80%"
    assert first["unit"] == "360102/区发展和改革委员会" and first["version"] == 2
    assert [v["event"] for v in first["versions"]] == [
        "submit",
        "approve",
        "return",
        "submit",
        "approve",
        "accept",
    ]
    assert first["versions"][2]["reason"] == "进展写得太笼统" and first["versions"][0]["author"] == "reporter"
    proxy = _report(reported, "周报项目2")
    assert proxy["is_proxy"] and proxy["proxy_by"] == "admin" and proxy["versions"][-1]["is_proxy"]
    monthly = _report(reported, "周报项目1", "monthly")
    assert monthly["investment_completed"] == "1200.50"
    (photo,) = section(reported)["photos"]
    assert photo["report"] == {"kind": "weekly", "period_start": "2024-06-24"}
    assert photo["caption"] == "桩基施工" and photo["content_type"] == "image/png" and photo["size"] > 0
    assert "file" not in photo and "thumbnail" not in photo  # images are not exchanged
    assert section(reported)["cameras"][0]["url"] == "https://cam.example/1"
    # the monthly report's investment travels as the library's entry, source "report"
    library = next(p for p in reported["sections"]["library"]["projects"] if p["name"] == "周报项目1")
    (entry,) = library["investment_entries"]
    assert (entry["year"], entry["month"], entry["amount"], entry["source"]) == (2024, 6, "1200.50", "report")


def test_reports_go_into_an_empty_installation_and_come_back_the_same(world, projects, reported):
    versions = ReportVersion.objects.count()
    empty_installation()
    assert not Report.objects.exists() and not InvestmentEntry.objects.exists()
    report = exchange_import(actor=None, data=exchange_dumps(reported).encode())
    assert report.ok, report.summary()
    assert report.counts["reports"].created == 4 and report.counts["site_photos"].created == 1
    assert report.counts["report_versions"].created == ReportVersion.objects.count() == versions
    again = exchange_export(actor=None, jurisdiction=Jurisdiction.objects.get(code="360102"))
    assert comparable(again) == comparable(reported)
    entry = InvestmentEntry.objects.get()
    assert entry.source == "report" and str(entry.amount) == "1200.50"
    photo = SitePhoto.objects.get()
    assert not photo.file  # metadata only
    assert Report.objects.get(is_proxy=True).proxy_by.username == "admin"


def test_importing_the_same_file_twice_changes_nothing(world, projects, reported):
    before = state()
    report = exchange_import(actor=world.admin, data=reported)
    assert report.ok, report.summary()
    for kind in ("reports", "report_versions", "site_photos", "camera_links"):
        counts = report.counts[kind]
        assert (counts.created, counts.updated, counts.removed) == (0, 0, 0), kind
        assert counts.unchanged > 0, kind
    assert state() == before


def test_import_appends_new_versions_of_a_report_in_progress(world, projects, reported):
    services.report_save_draft(
        user=world.reporter,
        unit=world.dept,
        kind="weekly",
        period_start=date(2024, 6, 17),
        rows={projects[0].pk: {"progress": "草稿"}},
        today=TODAY,
    )
    older = exchange_export(actor=world.admin, jurisdiction=world.district)
    services.report_submit(
        user=world.reporter,
        unit=world.dept,
        kind="weekly",
        period_start=date(2024, 6, 17),
        rows={projects[0].pk: {"progress": "已提交", "responsible_person": "张三"}},
        today=TODAY,
    )
    newer = exchange_export(actor=world.admin, jurisdiction=world.district)
    # the system is ahead of the old file: refused (versions are never dropped)
    report = exchange_import(actor=world.admin, data=older)
    assert not report.ok and "文件比系统旧" in report.summary()
    ReportVersion.objects.filter(report__status="submitted", seq=2).delete()
    Report.objects.filter(status="submitted").update(status="draft", progress="草稿", version=0, events=1)
    report = exchange_import(actor=world.admin, data=newer)
    assert report.ok, report.summary()
    assert report.counts["reports"].updated == 1 and report.counts["report_versions"].created == 1
    assert Report.objects.get(project=projects[0], period_start=date(2024, 6, 17)).status == "submitted"


def _future(data):
    section(data)["reports"][0]["period_start"] = "2099-01-05"
    section(data)["reports"][0]["due_on"] = "2099-01-09"
    return "还没到"


def _not_monday(data):
    section(data)["reports"][0]["period_start"] = "2024-06-25"
    return "应为星期一"


def _weekly_investment(data):
    section(data)["reports"][-1]["investment_completed"] = "10.00"
    return "周报没有“本月完成投资”"


def _too_much(data):
    _report(data, "周报项目1", "monthly")["investment_completed"] = "99999999.00"
    return "超过项目总投资"


def _negative(data):
    _report(data, "周报项目1", "monthly")["investment_completed"] = "-5"
    return "不能小于 0"


def _unknown_project(data):
    section(data)["reports"][0]["project"] = "360102/不存在的项目"
    return "在文件和系统中都不存在"


def _other_unit(data):
    section(data)["reports"][0]["unit"] = "360111/区不存在局"
    return "在文件和系统中都不存在"


def _rewrite_accepted(data):
    _report(data, "周报项目0")["progress"] = "改写已通过的周报"
    return "不能由导入修改"


def _rewrite_version(data):
    _report(data, "周报项目0")["versions"][0]["content"]["progress"] = "改写历史"
    return "版本记录只能追加"


def _bad_node(data):
    section(data)["photos"][0]["node"] = "nope"
    return "没有节点"


def _bad_seq(data):
    versions = _report(data, "周报项目0")["versions"]
    versions[1]["seq"] = versions[0]["seq"]
    return "依次递增"


@pytest.mark.parametrize(
    "case",
    [
        _future,
        _not_monday,
        _weekly_investment,
        _too_much,
        _negative,
        _unknown_project,
        _other_unit,
        _rewrite_accepted,
        _rewrite_version,
        _bad_node,
        _bad_seq,
    ],
)
def test_bad_input_is_refused_in_chinese_naming_the_path_and_nothing_is_written(
    world, projects, reported, case
):
    data = copy.deepcopy(reported)
    expected = case(data)
    before = state()
    report = exchange_import(actor=world.admin, data=data)
    assert not report.ok
    assert any(expected in issue.message for issue in report.errors), report.summary()
    assert all(str(issue).startswith("sections.reports.") for issue in report.errors), report.summary()
    assert state() == before


def test_a_sealed_period_is_not_changed_by_an_import(world, projects, reported):
    from tuijin.reports.ledger import reports_seal_period

    data = copy.deepcopy(reported)
    reports_seal_period(
        user=world.admin,
        jurisdiction=world.district,
        kind="weekly",
        period_start=WEEK,
        today=date(2024, 7, 20),
    )
    Report.objects.filter(kind="weekly", period_start=WEEK, project=projects[0]).delete()  # gone since
    report = exchange_import(actor=world.admin, data=data)
    assert not report.ok and "已封存" in report.summary()


def test_files_of_format_1_2_still_import_and_cannot_carry_reports(world, projects, reported):
    old = copy.deepcopy(reported)
    old["version"] = "1.2"
    reports = old["sections"].pop("reports")
    old["sections"].pop("problems", None)
    report = exchange_import(actor=world.admin, data=old)
    assert report.ok, report.summary()
    old["sections"]["reports"] = reports
    report = exchange_import(actor=world.admin, data=old)
    assert [str(issue) for issue in report.errors] == [
        "sections.reports: 数据段 reports 自格式 1.3 起才有，1.2 版本的文件不应包含它"
    ]


def test_an_admin_of_another_district_cannot_import_these_reports(world, projects, reported):
    with pytest.raises(AccessDenied):
        exchange_import(actor=world.foreign_admin, data=reported)


def test_the_section_is_in_the_json_schema():
    schema = envelope_model().model_json_schema()
    assert "ReportsSection" in schema["$defs"] and "VersionRecord" in schema["$defs"]
