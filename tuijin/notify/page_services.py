"""Writes of the push-record pages: the supervision office's follow-ups (跟踪问效, NC20 四(二)) and the
office's group robots (群机器人). Messages themselves are written only by `services.py` (H1)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from tuijin.core.access import require

from .models import ROBOT_CHANNELS, Endpoint, FollowUp, FollowUpResult, Message

ENDPOINT_FIELDS = ("kind", "name", "url", "secret", "is_active")


@transaction.atomic
def followup_record(*, actor: Any, message: Message, result: str, note: str) -> FollowUp:
    """Record how a push was followed up (已阅知 / 正在落实 / 已落实 / 未回应) with what was found."""
    require(actor, "notify.follow_up", message)
    if result not in FollowUpResult.values:
        raise ValidationError({"result": "请选择跟进结果。"})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "请填写跟进情况，例如电话核实的结果。"})
    return FollowUp.objects.create(message=message, result=result, note=note[:2000], by=actor)


def _clean_endpoint(endpoint: Endpoint) -> None:
    if endpoint.kind not in {c.value for c in ROBOT_CHANNELS}:
        raise ValidationError({"kind": "请选择群机器人类型（企业微信、钉钉或飞书）。"})
    endpoint.name = (endpoint.name or "").strip()
    endpoint.url = (endpoint.url or "").strip()
    if not endpoint.name:
        raise ValidationError({"name": "请填写群机器人名称。"})
    if not endpoint.url.startswith(("https://", "http://")):
        raise ValidationError({"url": "Webhook 地址须以 https:// 开头。"})
    clash = Endpoint.objects.filter(jurisdiction_id=endpoint.jurisdiction_id, name=endpoint.name)
    if endpoint.pk is not None:
        clash = clash.exclude(pk=endpoint.pk)
    if clash.exists():
        raise ValidationError({"name": f"本辖区已有名为“{endpoint.name}”的群机器人。"})


@transaction.atomic
def endpoint_create(*, actor: Any, jurisdiction: Any, data: dict) -> Endpoint:
    """Add a group robot to the jurisdiction (the office's 调度群)."""
    require(actor, "notify.manage_endpoints", jurisdiction)
    endpoint = Endpoint(jurisdiction=jurisdiction, created_by=actor)
    for name in ENDPOINT_FIELDS:
        if name in data:
            setattr(endpoint, name, data[name])
    _clean_endpoint(endpoint)
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_update(*, actor: Any, endpoint: Endpoint, data: dict) -> Endpoint:
    """Change a robot. An empty `secret` keeps the stored one unless `clear_secret` is set."""
    require(actor, "notify.manage_endpoints", endpoint)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    for name in ("kind", "name", "url", "is_active"):
        if name in data:
            setattr(endpoint, name, data[name])
    if data.get("clear_secret"):
        endpoint.secret = ""
    elif data.get("secret"):
        endpoint.secret = data["secret"]
    _clean_endpoint(endpoint)
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_toggle(*, actor: Any, endpoint: Endpoint) -> Endpoint:
    """Disable an active robot (nothing more goes to it) or enable it again."""
    require(actor, "notify.manage_endpoints", endpoint)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.is_active = not endpoint.is_active
    endpoint.save(update_fields=["is_active"])
    return endpoint
