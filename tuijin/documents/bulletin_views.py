"""Pages of briefings and notices (简报通报): the list, a new draft, the detail with the data summary, the
Word and PDF downloads, the timeline, the leader's sign/return panel, the office's publish button and its
重新生成 PDF button (a published bulletin whose PDF failed or is missing). Thin:
each POST calls one service and comes back to the detail page with a message."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tuijin.core.access import can, get_for_action, get_readable, require
from tuijin.core.form_posts import errors_beside_fields

from . import bulletin_docx as docx
from . import bulletin_rules as rules
from . import bulletin_selectors as sel
from . import bulletin_services as svc
from .bulletin_forms import BulletinDraftForm, ReturnForm, SignForm
from .models import Bulletin, BulletinStatus

STEP_ACTIONS = {
    "refresh": "bulletins.draft",
    "submit": "bulletins.draft",
    "return": "bulletins.sign",
    "sign": "bulletins.sign",
    "publish": "bulletins.publish",
}


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


@login_required
def bulletin_list(request):
    require(request.user, "bulletins.view")
    kind = request.GET.get("kind", "")
    kind = kind if kind in rules.KIND_LABELS else ""
    status = request.GET.get("status", "")
    status = status if status in BulletinStatus.values else ""
    year = _int(request.GET.get("year"))
    qs = sel.bulletins_for(request.user, kind=kind, status=status, year=year)
    context = {
        "page": Paginator(qs, 50).get_page(request.GET.get("page")),
        "kind": kind,
        "status": status,
        "year": year,
        "kinds": rules.KIND_LABELS,
        "statuses": dict(BulletinStatus.choices),
        "can_draft": can(request.user, "bulletins.draft"),
    }
    return render(request, "documents/bulletin_list.html", context)


@login_required
def bulletin_new(request):
    require(request.user, "bulletins.draft")
    jurisdiction = request.user.jurisdiction
    if jurisdiction is None:
        raise Http404("账号未设置辖区")
    kind = request.GET.get("kind") if request.GET.get("kind") in rules.KIND_LABELS else rules.MONTHLY
    initial = {"kind": kind, "period": rules.period_for(kind, timezone.localdate())}
    form = BulletinDraftForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                bulletin = svc.bulletin_draft(
                    actor=request.user,
                    jurisdiction=jurisdiction,
                    kind=form.cleaned_data["kind"],
                    period=form.cleaned_data["period"],
                )
            except ValidationError as exc:
                errors_beside_fields(form, exc)
            else:
                messages.success(request, f"已起草《{bulletin.title}》，请核对数据后报送领导签发。")
                return redirect("documents:bulletin", pk=bulletin.pk)
    hints = {k: rules.period_for(k, timezone.localdate()) for k in rules.KIND_LABELS}
    return render(request, "documents/bulletin_new.html", {"form": form, "hints": hints}, status=status)


def _readable(request, pk: int) -> Bulletin:
    require(request.user, "bulletins.view")
    bulletin = get_readable(
        request.user,
        Bulletin.objects.select_related("jurisdiction", "signer", "drafted_by", "published_by"),
        pk=pk,
    )
    require(request.user, "bulletins.view", bulletin)
    return bulletin


@login_required
def bulletin_detail(request, pk: int):
    bulletin = _readable(request, pk)
    user = request.user
    status = bulletin.status
    word = docx.bulletin_context(bulletin.kind, bulletin.content, title=bulletin.title)  # what Word says
    context = {
        "b": bulletin,
        "c": bulletin.content,
        "word": word,
        "summary": word["summary"],
        "events": [(svc.EVENT_LABELS.get(e.action, e.action), e) for e in sel.timeline(bulletin)],
        "can_edit": status == BulletinStatus.DRAFT and can(user, "bulletins.draft", bulletin),
        "can_sign": status == BulletinStatus.SUBMITTED and can(user, "bulletins.sign", bulletin),
        "can_publish": status == BulletinStatus.SIGNED and can(user, "bulletins.publish", bulletin),
        "can_redo_pdf": status == BulletinStatus.PUBLISHED
        and (bool(bulletin.pdf_error) or not bulletin.pdf)
        and can(user, "bulletins.publish", bulletin),
        "publish_blocked": status in (BulletinStatus.DRAFT, BulletinStatus.SUBMITTED)
        and can(user, "bulletins.publish", bulletin),
        "public_default": bulletin.kind == rules.MONTHLY and svc.public_default(bulletin.jurisdiction),
        "return_form": ReturnForm(),
        "sign_form": SignForm(),
    }
    return render(request, "documents/bulletin_detail.html", context)


def _download(field, filename: str, content_type: str) -> HttpResponse:
    if not field:
        raise Http404("文件尚未生成")
    try:
        with field.open("rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise Http404("文件不存在") from exc
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _filename(bulletin: Bulletin, suffix: str) -> str:
    tail = f"（{bulletin.number}）" if bulletin.number else "（送审稿）"
    return f"{bulletin.title}{tail}{suffix}"


@login_required
def bulletin_word(request, pk: int):
    bulletin = _readable(request, pk)
    return _download(
        bulletin.docx,
        _filename(bulletin, ".docx"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


@login_required
def bulletin_pdf(request, pk: int):
    bulletin = _readable(request, pk)
    return _download(bulletin.pdf, _filename(bulletin, ".pdf"), "application/pdf")


@login_required
@require_POST
def bulletin_pdf_retry(request, pk: int):
    """重新生成 PDF: the office converts a published bulletin's frozen Word file again."""
    bulletin = get_for_action(
        request.user, Bulletin.objects.select_related("jurisdiction"), "bulletins.publish", pk=pk
    )
    try:
        made = svc.bulletin_pdf_retry(actor=request.user, bulletin=bulletin)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        bulletin.refresh_from_db(fields=["pdf_error"])
        if made:
            messages.success(request, "已重新生成 PDF。")
        else:
            messages.error(request, f"PDF 仍未生成：{bulletin.pdf_error}")
    return redirect("documents:bulletin", pk=bulletin.pk)


def _step(request, bulletin: Bulletin, step: str) -> str:
    user = request.user
    if step == "refresh":
        svc.bulletin_refresh(actor=user, bulletin=bulletin)
        return "已按最新数据重新生成草稿。"
    if step == "submit":
        svc.bulletin_submit(actor=user, bulletin=bulletin)
        return "已报送领导签发。"
    if step == "return":
        svc.bulletin_return(actor=user, bulletin=bulletin, reason=request.POST.get("reason", ""))
        return "已退回项目办修改。"
    if step == "sign":
        svc.bulletin_sign(actor=user, bulletin=bulletin, note=request.POST.get("note", ""))
        return "已签发，等待项目办发布。"
    public = request.POST.get("public") == "1" if "public_choice" in request.POST else None
    published = svc.bulletin_publish(actor=user, bulletin=bulletin, public=public)
    return f"已发布（{published.number}），正在生成 PDF 并分发。"


@login_required
@require_POST
def bulletin_step(request, pk: int, step: str):
    if step not in STEP_ACTIONS:
        raise Http404("没有这个操作")
    bulletin = get_for_action(
        request.user, Bulletin.objects.select_related("jurisdiction"), STEP_ACTIONS[step], pk=pk
    )
    try:
        messages.success(request, _step(request, bulletin, step))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("documents:bulletin", pk=bulletin.pk)
