"""WH19 四(三) rectification reports (整改报告): the unit head submits (text and an optional file), the
office accepts or returns with a note, a returned report is submitted again; overdue in working days."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import account
from tests.scoring.exemption_factories import rectification
from tuijin.core.access import AccessDenied
from tuijin.org.models import Role
from tuijin.scoring import exemption_selectors as sel
from tuijin.scoring import exemption_services as svc

REPORT = "一、排名靠后的原因：……\n二、整改措施：……"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_unit_head_submits_with_a_file(world):
    r = rectification(world)
    pdf = SimpleUploadedFile("整改报告.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    out = svc.rectification_submit(by=world.unit_head, rectification=r, report=REPORT, file=pdf)
    assert (out.status, out.report, out.submitted_by) == ("submitted", REPORT, world.unit_head)
    assert out.file.name.endswith(".pdf")
    assert out.file.read() == b"%PDF-1.4 test"


@pytest.mark.parametrize("who", ["reporter", "admin", "leader", "supervisor"])
def test_only_the_unit_head_submits(world, who):
    with pytest.raises(AccessDenied):
        svc.rectification_submit(by=getattr(world, who), rectification=rectification(world), report=REPORT)


def test_head_of_another_unit_cannot_submit(world):
    other = account("otherhead", Role.UNIT_HEAD, world.district, world.other_dept)
    with pytest.raises(AccessDenied):
        svc.rectification_submit(by=other, rectification=rectification(world), report=REPORT)


def test_empty_report_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        svc.rectification_submit(by=world.unit_head, rectification=rectification(world), report=" ")
    assert "report" in exc.value.message_dict


def test_file_type_is_checked(world):
    r = rectification(world)
    exe = SimpleUploadedFile("report.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationError) as exc:
        svc.rectification_submit(by=world.unit_head, rectification=r, report=REPORT, file=exe)
    assert "文件“report.exe”的类型不支持" in exc.value.message_dict["file"][0]
    r.refresh_from_db()
    assert r.status == "due"


def test_empty_file_is_refused(world):
    empty = SimpleUploadedFile("a.pdf", b"", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        svc.rectification_submit(
            by=world.unit_head, rectification=rectification(world), report=REPORT, file=empty
        )
    assert exc.value.message_dict["file"] == ["文件“a.pdf”是空文件。"]


def test_office_accepts(world):
    r = svc.rectification_submit(by=world.unit_head, rectification=rectification(world), report=REPORT)
    out = svc.rectification_review(by=world.admin, rectification=r, accept=True)
    assert (out.status, out.reviewed_by) == ("accepted", world.admin)


def test_returned_report_is_submitted_again(world):
    r = svc.rectification_submit(by=world.unit_head, rectification=rectification(world), report=REPORT)
    with pytest.raises(ValidationError) as exc:
        svc.rectification_review(by=world.admin, rectification=r, accept=False)
    assert "note" in exc.value.message_dict
    out = svc.rectification_review(by=world.admin, rectification=r, accept=False, note="缺少整改时限")
    assert (out.status, out.review_note) == ("returned", "缺少整改时限")
    again = svc.rectification_submit(
        by=world.unit_head, rectification=r, report=REPORT + "\n三、时限：9月底前"
    )
    assert again.status == "submitted"


def test_submitting_an_accepted_report_is_refused(world):
    r = rectification(world, status="accepted")
    with pytest.raises(ValidationError) as exc:
        svc.rectification_submit(by=world.unit_head, rectification=r, report=REPORT)
    assert exc.value.messages == ["该整改报告已审核通过，不能再提交。"]


def test_reviewing_a_due_report_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        svc.rectification_review(by=world.admin, rectification=rectification(world), accept=True)
    assert exc.value.messages == ["该整改报告待提交，不能审核。"]


@pytest.mark.parametrize("who", ["unit_head", "leader", "supervisor"])
def test_only_the_office_reviews(world, who):
    r = rectification(world, status="submitted")
    with pytest.raises(AccessDenied):
        svc.rectification_review(by=getattr(world, who), rectification=r, accept=True)


def test_overdue_counts_working_days(world):
    r = rectification(world, due=date(2024, 9, 27))  # a Friday before the National Day holiday
    assert sel.overdue_workdays(r, date(2024, 9, 27)) == 0
    assert sel.overdue_workdays(r, date(2024, 9, 28)) == 0  # Saturday
    assert sel.overdue_workdays(r, date(2024, 9, 30)) == 2  # Sunday 9-29 was a make-up working day
    assert sel.overdue_workdays(r, date(2024, 10, 8)) == 3  # 10-01..10-07 off; 10-08 works
    r.status = "submitted"
    assert sel.overdue_workdays(r, date(2024, 10, 8)) == 0
