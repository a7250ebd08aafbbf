"""The life of a bulletin: draft, refresh, submit, return, sign, publish (numbered, rendered once, frozen),
then the PDF from the stored Word file and the distribution, each once."""

import hashlib
import shutil

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from tests.documents.bulletin_factories import docx_text, june, pdf_text
from tests.factories import account
from tuijin.documents import bulletin_services as svc
from tuijin.documents.models import BulletinEvent
from tuijin.notify.models import Endpoint, Message, Preference
from tuijin.org.models import Person, Role

JULY = "2024-07-03 10:00 +0800"


@pytest.fixture
def no_soffice(settings):
    settings.LIBREOFFICE_BIN = "/nonexistent/soffice"


def _signed(world, kind="monthly_notice", period="2024-06"):
    b = svc.bulletin_draft(actor=world.admin, jurisdiction=world.district, kind=kind, period=period)
    b = svc.bulletin_submit(actor=world.admin, bulletin=b)
    return svc.bulletin_sign(actor=world.leader, bulletin=b, note="同意印发")


def _read(field) -> bytes:
    with field.open("rb") as fh:
        return fh.read()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_published_notice_is_numbered_frozen_converted_and_distributed(
    world, django_capture_on_commit_callbacks
):
    june(world)
    robot = Endpoint.objects.create(
        jurisdiction=world.district, kind="wecom", name="东湖区重点项目调度群", url="http://127.0.0.1:9/hook"
    )
    with time_machine.travel(JULY, tick=False):
        b = _signed(world)
        with django_capture_on_commit_callbacks(execute=True):
            b = svc.bulletin_publish(actor=world.admin, bulletin=b, public=True)
    b.refresh_from_db()
    assert (b.status, b.number, b.public) == ("published", "通报〔2024〕1号", True)
    word = _read(b.docx)
    assert hashlib.sha256(word).hexdigest() == b.docx_sha256
    text = docx_text(word)
    assert "通报〔2024〕1号　　签发人：林志远" in text and "2024年7月3日" in text
    assert "送审稿" not in text
    assert b.pdf and not b.pdf_error
    assert "通报〔2024〕1号签发人：林志远" in pdf_text(_read(b.pdf))
    messages = Message.objects.filter(batch=f"bulletin:{b.pk}")
    mail = messages.get(person=world.leader_person, channel="email")
    assert mail.address == "linzhiyuan@example.gov.cn"
    assert mail.attachments == [{"name": f"{b.title}.pdf", "path": b.pdf.name}]
    assert "通报〔2024〕1号" in mail.subject
    assert mail.url == f"/documents/bulletins/{b.pk}/"
    assert messages.filter(endpoint=robot).count() == 1
    assert b.distributed_at is not None
    assert list(b.events.values_list("action", flat=True)) == [
        "drafted",
        "submitted",
        "signed",
        "published",
        "pdf",
        "distributed",
    ]


def test_finishing_twice_converts_and_queues_nothing_new(world, no_soffice):
    june(world)
    with time_machine.travel(JULY, tick=False):
        b = svc.bulletin_publish(actor=world.admin, bulletin=_signed(world))
    for _ in range(svc.PDF_TRIES - 1):  # the distribution waits for the PDF a few tries
        assert svc.bulletin_finish(bulletin_id=b.pk).retry_in is not None
    first = svc.bulletin_finish(bulletin_id=b.pk)
    count = Message.objects.filter(batch=f"bulletin:{b.pk}").count()
    assert first.queued == count > 0 and first.retry_in is None
    second = svc.bulletin_finish(bulletin_id=b.pk)
    assert second.queued == 0 and second.retry_in is None
    assert Message.objects.filter(batch=f"bulletin:{b.pk}").count() == count
    assert BulletinEvent.objects.filter(bulletin=b, action="distributed").count() == 1


def test_the_distribution_waits_for_the_pdf_then_goes_out_with_the_word_file(
    world, no_soffice, django_capture_on_commit_callbacks
):
    june(world)
    with time_machine.travel(JULY, tick=False):
        b = _signed(world)
        first = svc.bulletin_finish(bulletin_id=b.pk)  # not published yet: nothing
        assert (first.pdf, first.queued, first.retry_in) == (False, 0, None)
        with django_capture_on_commit_callbacks(execute=True):  # the task (immediate backend) runs now
            b = svc.bulletin_publish(actor=world.admin, bulletin=b)
    b.refresh_from_db()
    assert not b.pdf and "没有安装 LibreOffice" in b.pdf_error
    # tried PDF_TRIES times (after 2 and 10 minutes with a real worker), then sent with the Word file
    assert BulletinEvent.objects.filter(bulletin=b, action="pdf_failed").count() == svc.PDF_TRIES
    mail = Message.objects.get(batch=f"bulletin:{b.pk}", person=world.leader_person, channel="email")
    assert mail.attachments == [{"name": f"{b.title}.docx", "path": b.docx.name}]
    assert b.distributed_at is not None


def _group_with_three_robot_leaders(world):
    """The district's two robots; three leaders (e-mail each) chose the first robot among their channels."""
    wecom = Endpoint.objects.create(
        jurisdiction=world.district, kind="wecom", name="东湖区重点项目调度群", url="http://127.0.0.1:9/a"
    )
    dingtalk = Endpoint.objects.create(
        jurisdiction=world.district, kind="dingtalk", name="东湖区项目办群", url="http://127.0.0.1:9/b"
    )
    leaders = [world.leader_person] + [
        Person.objects.create(jurisdiction=world.district, name=name, post="副区长", is_leader=True)
        for name in ("钱立群", "孙慧敏")
    ]
    for i, person in enumerate(leaders):
        person.email = person.email or f"leader{i}@example.gov.cn"
        person.save()
        Preference.objects.create(person=person, channels=["email", f"robot:{wecom.pk}"])
    return (wecom, dingtalk), leaders


def _distributed(world):
    with time_machine.travel(JULY, tick=False):
        b = svc.bulletin_publish(actor=world.admin, bulletin=_signed(world))
    svc.bulletin_distribute(bulletin=b)
    return Message.objects.filter(batch=f"bulletin:{b.pk}")


def test_leaders_who_chose_the_group_robot_still_get_their_own_email(world, no_soffice):
    june(world)
    _, leaders = _group_with_three_robot_leaders(world)
    messages = _distributed(world)
    for person in leaders:
        mail = messages.get(person=person, channel="email")
        assert mail.address == person.email and mail.attachments


def test_a_group_robot_gets_the_bulletin_once_whoever_chose_it(world, no_soffice):
    june(world)
    robots, leaders = _group_with_three_robot_leaders(world)
    messages = _distributed(world)
    for robot in robots:
        assert messages.filter(endpoint=robot).count() == 1, robot.name
        assert messages.get(endpoint=robot).person is None  # the group post, not a person's copy
    assert messages.filter(person__in=leaders, channel="email").count() == 3


def test_a_first_failure_asks_for_a_later_try_and_sends_nothing(world, no_soffice):
    with time_machine.travel(JULY, tick=False):
        b = svc.bulletin_publish(actor=world.admin, bulletin=_signed(world))
    result = svc.bulletin_finish(bulletin_id=b.pk)
    assert result.retry_in == svc.PDF_RETRY_DELAYS[0] and result.queued == 0
    assert svc.bulletin_finish(bulletin_id=b.pk).retry_in == svc.PDF_RETRY_DELAYS[1]
    assert not Message.objects.filter(batch=f"bulletin:{b.pk}").exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_the_office_redoes_a_failed_pdf_and_the_waiting_notice_goes_out_with_it(world, settings):
    june(world)
    with time_machine.travel(JULY, tick=False):
        b = svc.bulletin_publish(actor=world.admin, bulletin=_signed(world))
    real = settings.LIBREOFFICE_BIN
    settings.LIBREOFFICE_BIN = "/nonexistent/soffice"
    assert svc.bulletin_finish(bulletin_id=b.pk).retry_in is not None  # broken: waits
    with pytest.raises(PermissionDenied):
        svc.bulletin_pdf_retry(actor=world.leader, bulletin=b)
    assert svc.bulletin_pdf_retry(actor=world.admin, bulletin=b) is False  # still broken
    settings.LIBREOFFICE_BIN = real
    assert svc.bulletin_pdf_retry(actor=world.admin, bulletin=b) is True  # repaired
    b.refresh_from_db()
    assert b.pdf and not b.pdf_error and b.distributed_at is not None
    mail = Message.objects.get(batch=f"bulletin:{b.pk}", person=world.leader_person, channel="email")
    assert mail.attachments == [{"name": f"{b.title}.pdf", "path": b.pdf.name}]
    events = list(b.events.values_list("action", "actor_id"))
    assert events[-4:] == [
        ("pdf_failed", None),
        ("pdf_failed", world.admin.pk),
        ("pdf", world.admin.pk),
        ("distributed", None),
    ]
    with pytest.raises(ValidationError, match="PDF 已经生成"):
        svc.bulletin_pdf_retry(actor=world.admin, bulletin=b)
    assert svc.bulletin_finish(bulletin_id=b.pk).queued == 0  # the waiting task then finds it done


def test_only_a_published_bulletin_has_its_pdf_redone(world):
    b = _signed(world)
    with pytest.raises(ValidationError, match="只有已发布的简报通报"):
        svc.bulletin_pdf_retry(actor=world.admin, bulletin=b)


def _office_template(world, text: str) -> None:
    """The office's own monthly notice template on 文书模板: one paragraph `text` (with tags)."""
    import io

    from django.core.files.base import ContentFile
    from docx import Document

    from tuijin.documents.models import DocumentTemplate

    document = Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    found = DocumentTemplate.objects.filter(
        jurisdiction=world.district, key="bulletin_monthly_notice"
    ).first()
    if found is not None:
        found.file.delete(save=False)
        found.delete()
    template = DocumentTemplate(
        jurisdiction=world.district, key="bulletin_monthly_notice", uploaded_by=world.admin
    )
    template.file.save("t.docx", ContentFile(out.getvalue()), save=True)


def test_what_the_leader_signed_is_published_even_if_the_template_changes(world):
    _office_template(world, "甲式样 {{ title }} {{ number }} 签发人：{{ signer }}")
    b = _signed(world)
    assert "甲式样" in docx_text(_read(b.docx))
    _office_template(world, "乙式样 {{ title }} {{ number }}")  # edited on 文书模板 after 签发
    with time_machine.travel(JULY, tick=False):
        b = svc.bulletin_publish(actor=world.admin, bulletin=b)
    text = docx_text(_read(b.docx))
    assert "甲式样" in text and "乙式样" not in text
    assert "通报〔2024〕1号 签发人：林志远" in text
    # a new draft takes the office's template of the day
    other = svc.bulletin_draft(
        actor=world.admin, jurisdiction=world.district, kind="monthly_notice", period="2024-07"
    )
    assert "乙式样" in docx_text(_read(other.docx))


def test_a_broken_template_is_refused_in_chinese_when_drafting(world):
    for text, problem in (
        ("{{ title }", "标签写法有误"),
        ("{% if draft %}未完", "标签写法有误"),
        ("{{ title.__class__ }}", "不允许的写法"),
        ("{{ missing_field }}", "字段“missing_field”"),
    ):
        _office_template(world, text)
        with pytest.raises(ValidationError, match=problem):
            svc.bulletin_draft(
                actor=world.admin, jurisdiction=world.district, kind="monthly_notice", period="2024-06"
            )


def test_an_unsigned_notice_cannot_be_published(world):
    b = svc.bulletin_draft(
        actor=world.admin, jurisdiction=world.district, kind="monthly_notice", period="2024-06"
    )
    with pytest.raises(ValidationError, match="通报尚未经领导签发，不能发布"):
        svc.bulletin_publish(actor=world.admin, bulletin=b)
    b = svc.bulletin_submit(actor=world.admin, bulletin=b)
    with pytest.raises(ValidationError, match="通报尚未经领导签发，不能发布"):
        svc.bulletin_publish(actor=world.admin, bulletin=b)
    b.refresh_from_db()
    assert (b.status, b.number, b.seq) == ("submitted", "", None)


def test_a_returned_draft_goes_back_to_the_office_with_the_reason(world):
    june(world)
    b = svc.bulletin_draft(
        actor=world.admin, jurisdiction=world.district, kind="monthly_notice", period="2024-06"
    )
    b = svc.bulletin_submit(actor=world.admin, bulletin=b)
    with pytest.raises(ValidationError, match="请填写退回理由"):
        svc.bulletin_return(actor=world.leader, bulletin=b, reason=" ")
    b = svc.bulletin_return(actor=world.leader, bulletin=b, reason="请补充区住建局红牌的整改要求")
    assert (b.status, b.returned_reason) == ("draft", "请补充区住建局红牌的整改要求")
    with pytest.raises(ValidationError, match="只有待签发"):
        svc.bulletin_sign(actor=world.leader, bulletin=b)
    b = svc.bulletin_refresh(actor=world.admin, bulletin=b)
    b = svc.bulletin_submit(actor=world.admin, bulletin=b)
    assert b.status == "submitted"
    assert [e.action for e in b.events.all()] == [
        "drafted",
        "submitted",
        "returned",
        "refreshed",
        "submitted",
    ]


def test_numbers_run_per_kind_and_year_of_publication(world):
    with time_machine.travel("2024-07-03 10:00 +0800", tick=False):
        may = svc.bulletin_publish(actor=world.admin, bulletin=_signed(world, period="2024-05"))
        june_ = svc.bulletin_publish(actor=world.admin, bulletin=_signed(world, period="2024-06"))
        week = svc.bulletin_publish(actor=world.admin, bulletin=_signed(world, "weekly_briefing", "2024-W26"))
    with time_machine.travel("2025-01-06 10:00 +0800", tick=False):
        december = svc.bulletin_publish(actor=world.admin, bulletin=_signed(world, period="2024-12"))
    assert [b.number for b in (may, june_, week, december)] == [
        "通报〔2024〕1号",
        "通报〔2024〕2号",
        "简报〔2024〕1号",
        "通报〔2025〕1号",
    ]
    assert week.public is False


def test_a_published_bulletin_never_changes(world):
    with time_machine.travel(JULY, tick=False):
        b = svc.bulletin_publish(actor=world.admin, bulletin=_signed(world))
    sha, content = b.docx_sha256, b.content
    june(world)  # new facts after publication
    for step in (
        lambda: svc.bulletin_refresh(actor=world.admin, bulletin=b),
        lambda: svc.bulletin_submit(actor=world.admin, bulletin=b),
        lambda: svc.bulletin_sign(actor=world.leader, bulletin=b),
        lambda: svc.bulletin_return(actor=world.leader, bulletin=b, reason="再改改"),
        lambda: svc.bulletin_publish(actor=world.admin, bulletin=b),
    ):
        with pytest.raises(ValidationError, match="已发布的简报通报不能再修改"):
            step()
    b.refresh_from_db()
    assert (b.docx_sha256, b.content, b.number) == (sha, content, "通报〔2024〕1号")
    assert hashlib.sha256(_read(b.docx)).hexdigest() == sha


def test_one_draft_per_period(world):
    svc.bulletin_draft(
        actor=world.admin, jurisdiction=world.district, kind="monthly_notice", period="2024-06"
    )
    with pytest.raises(ValidationError, match="已经起草"):
        svc.bulletin_draft(
            actor=world.admin, jurisdiction=world.district, kind="monthly_notice", period="2024-06"
        )
    with pytest.raises(ValidationError, match="2024Q2"):
        svc.bulletin_draft(
            actor=world.admin, jurisdiction=world.district, kind="quarterly_report", period="2024-06"
        )


def test_only_a_leader_of_the_jurisdiction_signs_and_only_the_office_publishes(world):
    b = svc.bulletin_draft(
        actor=world.admin, jurisdiction=world.district, kind="monthly_notice", period="2024-06"
    )
    b = svc.bulletin_submit(actor=world.admin, bulletin=b)
    city_person = Person.objects.create(jurisdiction=world.city, name="市领导", is_leader=True)
    city_leader = account("cityleader", Role.LEADER, world.city, person=city_person)
    for actor in (city_leader, world.admin, world.unit_head, world.supervisor):
        with pytest.raises(PermissionDenied):
            svc.bulletin_sign(actor=actor, bulletin=b)
    b = svc.bulletin_sign(actor=world.leader, bulletin=b)
    for actor in (world.leader, world.unit_head, world.foreign_admin):
        with pytest.raises(PermissionDenied):
            svc.bulletin_publish(actor=actor, bulletin=b)
