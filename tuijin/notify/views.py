"""Push-record pages (推送记录, NC20 四(二) “督查问责办跟踪问效”) and the office's group robots (群机器人).

Thin: reads through `selectors` (scoped), each POST calls one service — H1's `services` for the review of
结果不明 / 发送失败 messages and for a robot's test message, `page_services` for follow-ups and robots —
then redirects with a message, or shows the page again (400) with the errors beside the fields."""

from __future__ import annotations

import json
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tuijin.core.access import can, get_for_action, get_readable, require, scope
from tuijin.core.form_posts import errors_beside_fields
from tuijin.org.models import Unit

from . import forms as f
from . import page_services as ps
from . import selectors as sel
from .models import Channel, Endpoint, Message, MessageKind, MessageStatus


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _choice(value: str, choices) -> str:
    return value if value in {v for v, _ in choices} else ""


def _filters(request) -> sel.MessageFilters:
    g = request.GET
    return sel.MessageFilters(
        kind=_choice(g.get("kind", ""), MessageKind.choices),
        status=_choice(g.get("status", ""), MessageStatus.choices),
        channel=_choice(g.get("channel", ""), Channel.choices),
        who=g.get("who", "").strip()[:40],
        person=_int(g.get("person")),
        unit=_int(g.get("unit")),
        date_from=_date(g.get("from", "")),
        date_to=_date(g.get("to", "")),
        batch=g.get("batch", "").strip()[:60],
        ref=g.get("ref", "").strip()[:60],
    )


@login_required
def message_list(request):
    require(request.user, "notify.view")
    user = request.user
    filters = _filters(request)
    units = []
    if user.jurisdiction_id is not None:
        units = list(
            scope(user, Unit.objects.filter(jurisdiction_id=user.jurisdiction_id))
            .order_by("sort", "id")
            .values("id", "name", "short_name")
        )
    page = Paginator(sel.message_rows(user, filters), 50).get_page(request.GET.get("page"))
    channel_labels = dict(Channel.choices)
    page.object_list = [
        {
            **r,
            "kind_label": sel.KIND_LABELS.get(r["kind"], r["kind"]),
            "status_label": sel.STATUS_LABELS.get(r["status"], r["status"]),
            "channel_label": channel_labels.get(r["channel"], r["channel"]),
        }
        for r in page.object_list
    ]
    context = {
        "page": page,
        "f": filters,
        "counts": sel.status_counts(user, filters),
        "kinds": MessageKind.choices,
        "statuses": MessageStatus.choices,
        "channels": Channel.choices,
        "units": units,
        "batches": sel.recent_batches(user),
        "can_endpoints": can(user, "notify.manage_endpoints"),
        "query": _query_without(request, "status"),
    }
    return render(request, "notify/message_list.html", context)


def _query_without(request, *names: str) -> str:
    q = request.GET.copy()
    for name in (*names, "page"):
        q.pop(name, None)
    return q.urlencode()


def _readable_message(request, pk: int) -> Message:
    require(request.user, "notify.view")
    return get_readable(
        request.user,
        Message.objects.select_related("person", "unit", "endpoint", "jurisdiction", "resolved_by"),
        pk=pk,
    )


def _message_page(request, message: Message, *, follow_form=None, review_form=None, status: int = 200):
    user = request.user
    context = {
        "m": message,
        **sel.message_detail(user, message),
        "receipt_text": json.dumps(message.receipt, ensure_ascii=False, indent=2) if message.receipt else "",
        "can_review": message.status in sel.REVIEWABLE and can(user, "notify.review", message),
        "can_cancel": message.status in (*sel.REVIEWABLE, MessageStatus.QUEUED)
        and can(user, "notify.review", message),
        "can_follow_up": can(user, "notify.follow_up", message),
        "follow_form": follow_form or f.FollowUpForm(),
        "review_form": review_form or f.ReviewForm(),
    }
    return render(request, "notify/message_detail.html", context, status=status)


@login_required
def message_detail(request, pk: int):
    return _message_page(request, _readable_message(request, pk))


@login_required
@require_POST
def message_follow_up(request, pk: int):
    message = _readable_message(request, pk)
    require(request.user, "notify.follow_up", message)
    form = f.FollowUpForm(request.POST)
    if form.is_valid():
        try:
            ps.followup_record(
                actor=request.user,
                message=message,
                result=form.cleaned_data["result"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            errors_beside_fields(form, exc)
        else:
            messages.success(request, "已记录跟进情况。")
            return redirect("notify:message", pk=message.pk)
    return _message_page(request, message, follow_form=form, status=400)


def _service(name: str):
    """H1's delivery service by name (None while `services.py` is not there yet)."""
    try:
        from . import services
    except ImportError:
        return None
    return getattr(services, name, None)


REVIEW_STEPS = {
    "resend": ("message_resend", "已重新排队发送。"),
    "delivered": ("message_mark_delivered", "已标记为已送达。"),
    "cancel": ("message_cancel", "已取消该消息，不再发送。"),
}


@login_required
@require_POST
def message_review(request, pk: int, step: str):
    if step not in REVIEW_STEPS:
        raise Http404("没有这个操作")
    message = _readable_message(request, pk)
    require(request.user, "notify.review", message)
    form = f.ReviewForm(request.POST)
    form.is_valid()
    note = form.cleaned_data.get("note", "")
    service_name, done = REVIEW_STEPS[step]
    service = _service(service_name)
    if service is None:
        messages.error(request, "发送服务尚未就绪，暂不能处理。")
        return redirect("notify:message", pk=message.pk)
    try:
        if step == "resend":
            service(actor=request.user, message=message)
        else:
            service(actor=request.user, message=message, note=note)
    except ValidationError as exc:
        errors_beside_fields(form, exc)
        message.refresh_from_db()
        return _message_page(request, message, review_form=form, status=400)
    messages.success(request, done)
    return redirect("notify:message", pk=message.pk)


# ---------------------------------------------------------------------------------------------------
# Group robots (群机器人)


@login_required
def endpoint_list(request):
    require(request.user, "notify.manage_endpoints")
    return render(request, "notify/endpoint_list.html", {"rows": sel.endpoints_for(request.user)})


def _endpoint_page(request, form, endpoint=None, status=200):
    return render(request, "notify/endpoint_form.html", {"form": form, "endpoint": endpoint}, status=status)


@login_required
def endpoint_create(request):
    require(request.user, "notify.manage_endpoints")
    jurisdiction = request.user.jurisdiction
    if jurisdiction is None:
        raise Http404("账号未设置辖区")
    if request.method != "POST":
        return _endpoint_page(request, f.EndpointForm(initial={"is_active": True}))
    form = f.EndpointForm(request.POST)
    if form.is_valid():
        try:
            endpoint = ps.endpoint_create(
                actor=request.user, jurisdiction=jurisdiction, data=form.cleaned_data
            )
        except ValidationError as exc:
            errors_beside_fields(form, exc)
        else:
            messages.success(request, f"已添加群机器人“{endpoint.name}”。可点击“发送测试”检查是否连通。")
            return redirect("notify:endpoints")
    return _endpoint_page(request, form, status=400)


@login_required
def endpoint_edit(request, pk: int):
    endpoint = get_for_action(
        request.user, Endpoint.objects.select_related("jurisdiction"), "notify.manage_endpoints", pk=pk
    )
    if request.method != "POST":
        initial = {k: getattr(endpoint, k) for k in ("kind", "name", "url", "is_active")}
        return _endpoint_page(request, f.EndpointForm(initial=initial), endpoint)
    form = f.EndpointForm(request.POST)
    if form.is_valid():
        try:
            endpoint = ps.endpoint_update(actor=request.user, endpoint=endpoint, data=form.cleaned_data)
        except ValidationError as exc:
            errors_beside_fields(form, exc)
        else:
            messages.success(request, f"已保存群机器人“{endpoint.name}”。")
            return redirect("notify:endpoints")
    return _endpoint_page(request, form, endpoint, status=400)


@login_required
@require_POST
def endpoint_toggle(request, pk: int):
    endpoint = get_for_action(
        request.user, Endpoint.objects.select_related("jurisdiction"), "notify.manage_endpoints", pk=pk
    )
    endpoint = ps.endpoint_toggle(actor=request.user, endpoint=endpoint)
    messages.success(request, f"已{'启用' if endpoint.is_active else '停用'}群机器人“{endpoint.name}”。")
    return redirect("notify:endpoints")


@login_required
@require_POST
def endpoint_send_test(request, pk: int):
    endpoint = get_for_action(
        request.user, Endpoint.objects.select_related("jurisdiction"), "notify.manage_endpoints", pk=pk
    )
    endpoint_test = _service("endpoint_test")
    if endpoint_test is None:
        messages.error(request, "发送服务尚未就绪，暂不能发送测试消息。")
        return redirect("notify:endpoints")
    try:
        message = endpoint_test(actor=request.user, endpoint=endpoint)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("notify:endpoints")
    messages.success(request, f"已向“{endpoint.name}”发出测试消息，发送结果见推送记录。")
    return redirect("notify:message", pk=message.pk)
