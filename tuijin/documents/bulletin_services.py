"""Writes of briefings and notices (简报通报; REQ J1, NC20 三(四)4 and 四(三), ETDZ19 三(六)).

draft → (refresh)* → submit → the leader signs (签发) or returns it (back to draft, with the reason) →
the office publishes a signed one: it takes its number 通报〔2024〕N号 (per jurisdiction, kind and year of
publication), its Word file is rendered once more with the number and the signer and frozen with its
sha256; on commit `bulletin_tasks.finish` converts the PDF from that stored Word file and distributes it
through `tuijin.notify.services.messages_queue`. A published bulletin never changes again.

What the leader signed is what is published: each draft (and refresh) keeps the exact bytes of the Word
template it was rendered from in `signed_template`; a submitted draft cannot be re-rendered, so at 签发 that
file is the template of the document the leader read, and publication renders from it, not from the
office's current template on 文书模板 (edited meanwhile or not). Only the number, the signer line and the
date of the document change between the signed draft and the published file.

The PDF and the distribution (decided for the office, who want the notice as PDF, but must never be left
without the notice because LibreOffice is broken): the distribution waits for the PDF. When a conversion
fails, `bulletin_finish` records the error and asks the task to run again later (`PDF_RETRY_DELAYS`: after
2 minutes, then 10 minutes); after `PDF_TRIES` failed conversions (counted on the timeline, so the
office's own attempts count too) the notice goes out with the Word file attached and the error kept on
the page. The office can redo a failed or missing PDF at any time (`bulletin_pdf_retry`, button 重新生成
PDF on the detail page): it converts the frozen Word file again (idempotent), and, if the notice has not
gone out yet, distributes it at once with the PDF. A notice already sent with the Word file is not sent
again; the PDF is then on its page.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from tuijin.core.access import require
from tuijin.org.models import Jurisdiction, Person, Unit

from . import bulletin_docx as docx
from . import bulletin_rules as rules
from .bulletin_facts import bulletin_facts
from .models import Bulletin, BulletinEvent, BulletinStatus
from .services import template_bytes

log = logging.getLogger("tuijin.documents")

EVENT_LABELS = {
    "drafted": "起草",
    "refreshed": "刷新数据",
    "submitted": "报送签发",
    "returned": "退回修改",
    "signed": "领导签发",
    "published": "发布",
    "pdf": "生成 PDF",
    "pdf_failed": "PDF 转换失败",
    "distributed": "分发",
}


def _event(bulletin: Bulletin, action: str, actor: Any, note: str = "") -> None:
    BulletinEvent.objects.create(bulletin=bulletin, action=action, actor=actor, note=note[:300])


def _locked(bulletin: Bulletin) -> Bulletin:
    return Bulletin.objects.select_for_update().select_related("jurisdiction").get(pk=bulletin.pk)


def _refuse_unless(step: str, bulletin: Bulletin) -> None:
    if refusal := rules.step_refusal(step, bulletin.status):
        raise ValidationError(refusal)


def _signer_name(bulletin: Bulletin) -> str:
    signer = bulletin.signer
    if signer is None:
        return ""
    person = getattr(signer, "person", None)
    return person.name if person is not None else (signer.display_name or signer.username)


def _render(bulletin: Bulletin, source: bytes, *, on: date | None = None) -> bytes:
    """The Word file of the bulletin from the template bytes `source` (strict: a ValidationError in Chinese
    when the template does not fit)."""
    context = docx.bulletin_context(
        bulletin.kind,
        bulletin.content,
        title=bulletin.title,
        number=bulletin.number,
        signer=_signer_name(bulletin) if bulletin.number else "",
        on=on,
    )
    return docx.render_strict(source, context)


def _current_template(bulletin: Bulletin) -> bytes:
    """The office's template on 文书模板 now (or the default)."""
    return template_bytes(docx.KEYS[bulletin.kind], bulletin.jurisdiction)


def _signed_template(bulletin: Bulletin) -> bytes:
    with bulletin.signed_template.open("rb") as handle:
        return handle.read()


def _store_template(bulletin: Bulletin, source: bytes) -> None:
    if bulletin.signed_template:
        bulletin.signed_template.delete(save=False)
    name = f"{bulletin.kind}-{bulletin.period}-template.docx"
    bulletin.signed_template.save(name, ContentFile(source), save=False)


def _store_docx(bulletin: Bulletin, data: bytes, name: str) -> None:
    if bulletin.docx:
        bulletin.docx.delete(save=False)
    bulletin.docx.save(name, ContentFile(data), save=False)
    bulletin.docx_sha256 = hashlib.sha256(data).hexdigest()


def _draft_name(bulletin: Bulletin) -> str:
    return f"{bulletin.kind}-{bulletin.period}-draft.docx"


def _fill(bulletin: Bulletin, today: date) -> None:
    period = rules.period_parse(bulletin.kind, bulletin.period)
    bulletin.content = bulletin_facts(bulletin.jurisdiction, period, today=today)
    bulletin.refreshed_at = timezone.now()
    source = _current_template(bulletin)
    _store_docx(bulletin, _render(bulletin, source), _draft_name(bulletin))
    _store_template(bulletin, source)  # the template of this very draft: the one the leader will sign


@transaction.atomic
def bulletin_draft(
    *, actor: Any, jurisdiction: Jurisdiction, kind: str, period: str, today: date | None = None
) -> Bulletin:
    """A new draft of `kind` for `period`, its facts gathered and its Word file rendered."""
    draft = Bulletin(jurisdiction=jurisdiction, kind=kind, drafted_by=actor)
    require(actor, "bulletins.draft", draft)
    if kind not in rules.KIND_LABELS:
        raise ValidationError({"kind": "请选择文书类别。"})
    try:
        parsed = rules.period_parse(kind, period)
    except ValueError as exc:
        raise ValidationError({"period": str(exc)}) from exc
    if Bulletin.objects.filter(jurisdiction=jurisdiction, kind=kind, period=parsed.key).exists():
        raise ValidationError(
            {"period": f"{parsed.label}的{rules.KIND_LABELS[kind]}已经起草，请在列表中打开它。"}
        )
    draft.period, draft.year = parsed.key, parsed.year
    draft.title = rules.bulletin_title(jurisdiction.name, parsed)
    _fill(draft, today or timezone.localdate())
    try:
        with transaction.atomic():
            draft.save()
    except IntegrityError as exc:  # drafted at the same moment by another office clerk
        raise ValidationError({"period": f"{parsed.label}的{rules.KIND_LABELS[kind]}已经起草。"}) from exc
    _event(draft, "drafted", actor, parsed.label)
    return draft


@transaction.atomic
def bulletin_refresh(*, actor: Any, bulletin: Bulletin, today: date | None = None) -> Bulletin:
    """Gather the facts again and render the draft again (drafts only; never a published one)."""
    require(actor, "bulletins.draft", bulletin)
    bulletin = _locked(bulletin)
    _refuse_unless("refresh", bulletin)
    _fill(bulletin, today or timezone.localdate())
    bulletin.save()
    _event(bulletin, "refreshed", actor, f"数据截至 {bulletin.content['as_of']}")
    return bulletin


@transaction.atomic
def bulletin_submit(*, actor: Any, bulletin: Bulletin) -> Bulletin:
    require(actor, "bulletins.draft", bulletin)
    bulletin = _locked(bulletin)
    _refuse_unless("submit", bulletin)
    bulletin.status = BulletinStatus.SUBMITTED
    bulletin.submitted_at = timezone.now()
    bulletin.save(update_fields=["status", "submitted_at"])
    _event(bulletin, "submitted", actor)
    return bulletin


@transaction.atomic
def bulletin_return(*, actor: Any, bulletin: Bulletin, reason: str) -> Bulletin:
    """The leader sends it back to the office as a draft, saying why."""
    require(actor, "bulletins.sign", bulletin)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写退回理由。"})
    bulletin = _locked(bulletin)
    _refuse_unless("return", bulletin)
    bulletin.status = BulletinStatus.DRAFT
    bulletin.returned_reason = reason[:300]
    bulletin.save(update_fields=["status", "returned_reason"])
    _event(bulletin, "returned", actor, reason)
    return bulletin


@transaction.atomic
def bulletin_sign(*, actor: Any, bulletin: Bulletin, note: str = "") -> Bulletin:
    """A leader of the bulletin's jurisdiction signs it off (签发)."""
    require(actor, "bulletins.sign", bulletin)
    bulletin = _locked(bulletin)
    _refuse_unless("sign", bulletin)
    bulletin.status = BulletinStatus.SIGNED
    bulletin.signer = actor
    bulletin.signed_at = timezone.now()
    bulletin.sign_note = (note or "").strip()[:300]
    fields = ["status", "signer", "signed_at", "sign_note"]
    if not bulletin.signed_template:  # a draft made before templates were kept: keep today's one now
        _store_template(bulletin, _current_template(bulletin))
        fields.append("signed_template")
    bulletin.save(update_fields=fields)
    _event(bulletin, "signed", actor, bulletin.sign_note)
    return bulletin


def public_default(jurisdiction: Jurisdiction) -> bool:
    """Whether a monthly notice is public unless the office says otherwise ([notify.publicity]
    monthly_public: NC20 四(三) true)."""
    from tuijin.core.ruleset_selectors import ruleset_version_for_jurisdiction
    from tuijin.notify.rules import notify_rules

    version = ruleset_version_for_jurisdiction(jurisdiction)
    return notify_rules(version.data if version is not None else None).monthly_public


def _next_seq(bulletin: Bulletin, year: int) -> int:
    Jurisdiction.objects.select_for_update().filter(pk=bulletin.jurisdiction_id).first()  # numbering in turn
    last = Bulletin.objects.filter(
        jurisdiction_id=bulletin.jurisdiction_id, kind=bulletin.kind, year=year
    ).aggregate(m=Max("seq"))["m"]
    return (last or 0) + 1


@transaction.atomic
def bulletin_publish(
    *, actor: Any, bulletin: Bulletin, public: bool | None = None, today: date | None = None
) -> Bulletin:
    """Number, render once with the number, freeze and (on commit) convert and distribute. `today` (the
    demo's day; default the real one) dates the number's year and the document."""
    require(actor, "bulletins.publish", bulletin)
    bulletin = _locked(bulletin)
    _refuse_unless("publish", bulletin)
    today = today or timezone.localdate()
    bulletin.year = today.year
    bulletin.seq = _next_seq(bulletin, today.year)
    bulletin.number = rules.number_text(bulletin.kind, bulletin.year, bulletin.seq)
    if bulletin.kind == rules.MONTHLY:
        bulletin.public = public_default(bulletin.jurisdiction) if public is None else bool(public)
    else:
        bulletin.public = False
    # from the template the leader signed, whatever the office's template is now
    source = _signed_template(bulletin) if bulletin.signed_template else _current_template(bulletin)
    _store_docx(
        bulletin, _render(bulletin, source, on=today), f"{bulletin.kind}-{bulletin.year}-{bulletin.seq}.docx"
    )
    bulletin.status = BulletinStatus.PUBLISHED
    bulletin.published_by = actor
    bulletin.published_at = timezone.now()
    bulletin.save()
    _event(bulletin, "published", actor, bulletin.number + ("，向社会公布" if bulletin.public else ""))
    pk = bulletin.pk
    transaction.on_commit(lambda: _enqueue_finish(pk))
    return bulletin


def _enqueue_finish(pk: int) -> None:
    from .bulletin_tasks import finish

    finish.enqueue(pk)


# --- after publication: PDF and distribution ------------------------------------------------------


PDF_TRIES = 3  # failed conversions before the notice goes out with the Word file
PDF_RETRY_DELAYS = (timedelta(minutes=2), timedelta(minutes=10))  # after the 1st and 2nd failure


@dataclass(frozen=True)
class FinishResult:
    pdf: bool  # a PDF is stored
    queued: int  # messages created by this call
    skipped: tuple[str, ...] = ()
    retry_in: timedelta | None = None  # the PDF failed: run the task again after this, then distribute


def _read_docx(bulletin: Bulletin) -> bytes:
    with bulletin.docx.open("rb") as handle:
        return handle.read()


def bulletin_convert_pdf(*, bulletin: Bulletin, actor: Any = None) -> bool:
    """Convert the stored (frozen) Word file to PDF once; a failure is kept in `pdf_error` and the timeline.
    The conversion runs outside any transaction (it takes seconds). `actor`: who asked (None: the task)."""
    from .pdf import PdfError, docx_to_pdf

    if bulletin.pdf:
        return True
    try:
        data, error = docx_to_pdf(_read_docx(bulletin)), ""
    except (PdfError, OSError) as exc:
        data, error = b"", str(exc)
    with transaction.atomic():
        locked = _locked(bulletin)
        if locked.pdf:  # converted meanwhile by another run
            return True
        if data:
            locked.pdf.save(f"{locked.kind}-{locked.year}-{locked.seq}.pdf", ContentFile(data), save=False)
            locked.pdf_error = ""
            locked.save(update_fields=["pdf", "pdf_error"])
            _event(locked, "pdf", actor)
        else:
            locked.pdf_error = error
            locked.save(update_fields=["pdf_error"])
            _event(locked, "pdf_failed", actor, error)
        bulletin.pdf, bulletin.pdf_error = locked.pdf, locked.pdf_error
    return bool(data)


def _message_text(bulletin: Bulletin) -> str:
    summary = docx.bulletin_context(bulletin.kind, bulletin.content, title=bulletin.title)["summary"]
    return "\n".join([f"{bulletin.title}（{bulletin.number}）已发布。", *summary])


def _outgoings(bulletin: Bulletin) -> dict[str, Any]:
    from tuijin.notify.services import Outgoing

    url = reverse("documents:bulletin", args=[bulletin.pk])
    attachment = bulletin.pdf or bulletin.docx
    suffix = ".pdf" if bulletin.pdf else ".docx"
    base = {
        "kind": "bulletin",
        "subject": f"{bulletin.title}（{bulletin.number}）",
        "body": _message_text(bulletin),
        "url": url,
        "ref": f"bulletin:{bulletin.pk}",
        "batch": f"bulletin:{bulletin.pk}",
    }
    mail = {**base, "attachments": ((f"{bulletin.title}{suffix}", attachment.name),)}
    return {
        "person": lambda p: Outgoing(key=f"bulletin:{bulletin.pk}:person:{p.pk}", **mail),
        "unit": lambda u: Outgoing(key=f"bulletin:{bulletin.pk}:unit:{u.pk}", **mail),
        "robot": Outgoing(key=f"bulletin:{bulletin.pk}:robot", **base),
    }


def bulletin_distribute(*, bulletin: Bulletin, now: datetime | None = None) -> FinishResult:
    """Queue the messages of a published bulletin to the jurisdiction's leaders, units and group robots,
    once: a bulletin already distributed queues nothing (and the keys are idempotent anyway). Each group
    robot gets the bulletin once (the group post), whoever chose that robot among their own channels."""
    from tuijin.notify.models import Endpoint
    from tuijin.notify.services import messages_queue

    with transaction.atomic():
        bulletin = _locked(bulletin)
        if bulletin.status != BulletinStatus.PUBLISHED or bulletin.distributed_at is not None:
            return FinishResult(pdf=bool(bulletin.pdf), queued=0)
        jurisdiction = bulletin.jurisdiction
        out = _outgoings(bulletin)
        leaders = Person.objects.filter(jurisdiction=jurisdiction, is_leader=True, is_active=True).order_by(
            "id"
        )
        units = Unit.objects.filter(jurisdiction=jurisdiction, is_active=True).order_by("sort", "id")
        robots = list(Endpoint.objects.filter(jurisdiction=jurisdiction, is_active=True).order_by("id"))
        result = messages_queue(
            jurisdiction=jurisdiction,
            to_people=[(p, out["person"](p)) for p in leaders],
            to_units=[(u, out["unit"](u)) for u in units],
            to_endpoints=[(e, out["robot"]) for e in robots],
            now=now,
            exclude_robots={e.pk for e in robots},  # each group gets the bulletin once (the group post)
        )
        bulletin.distributed_at = timezone.now()
        bulletin.save(update_fields=["distributed_at"])
        note = f"新排队 {result.created} 条消息" + (
            f"；{len(result.skipped)} 个对象未发送：{result.skipped[0]}等" if result.skipped else ""
        )
        _event(bulletin, "distributed", None, note)
    return FinishResult(pdf=bool(bulletin.pdf), queued=result.created, skipped=tuple(result.skipped))


def _pdf_failures(bulletin: Bulletin) -> int:
    return BulletinEvent.objects.filter(bulletin=bulletin, action="pdf_failed").count()


def bulletin_finish(*, bulletin_id: int, now: datetime | None = None) -> FinishResult:
    """The task after publication: PDF from the stored Word file (once), then the distribution (once).
    The distribution waits for the PDF: after a failed conversion the result says when to run again
    (`retry_in`), until `PDF_TRIES` conversions have failed; then it goes out with the Word file."""
    bulletin = Bulletin.objects.select_related("jurisdiction").get(pk=bulletin_id)
    if bulletin.status != BulletinStatus.PUBLISHED:
        return FinishResult(pdf=False, queued=0)
    if not bulletin_convert_pdf(bulletin=bulletin) and bulletin.distributed_at is None:
        failures = _pdf_failures(bulletin)
        if failures < PDF_TRIES:
            delay = PDF_RETRY_DELAYS[min(failures, len(PDF_RETRY_DELAYS)) - 1]
            return FinishResult(pdf=False, queued=0, retry_in=delay)
    return bulletin_distribute(bulletin=bulletin, now=now)


def bulletin_pdf_retry(*, actor: Any, bulletin: Bulletin, now: datetime | None = None) -> bool:
    """The office redoes the PDF of a published bulletin whose conversion failed or has not happened
    (重新生成 PDF): the frozen Word file is converted again (idempotent: a PDF made meanwhile is kept).
    If the bulletin has not gone out yet, it is distributed at once, with the PDF. True: a PDF is stored."""
    require(actor, "bulletins.publish", bulletin)
    bulletin = Bulletin.objects.select_related("jurisdiction").get(pk=bulletin.pk)
    if bulletin.status != BulletinStatus.PUBLISHED:
        raise ValidationError("只有已发布的简报通报才生成 PDF。")
    if bulletin.pdf:
        raise ValidationError("PDF 已经生成，无需重新生成。")
    made = bulletin_convert_pdf(bulletin=bulletin, actor=actor)
    if made and bulletin.distributed_at is None:
        bulletin_distribute(bulletin=bulletin, now=now)
    return made
