"""Reads of the push-record pages (推送记录, NC20 四(二) 督查问责办跟踪问效): rows as `values()` dicts in a
fixed number of queries whatever the page size, counts per status, and one message with its attempts and
follow-ups. Every read goes through `scope()`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from tuijin.core.access import scope

from .models import Attempt, Endpoint, FollowUp, Message, MessageKind, MessageStatus

ROW_FIELDS = (
    "id",
    "created_at",
    "kind",
    "channel",
    "status",
    "address",
    "subject",
    "batch",
    "attempts",
    "sent_at",
    "last_error",
    "person__name",
    "unit__name",
    "unit__short_name",
    "endpoint__name",
)

KIND_LABELS = dict(MessageKind.choices)
STATUS_LABELS = dict(MessageStatus.choices)
REVIEWABLE = (MessageStatus.FAILED, MessageStatus.UNKNOWN)


@dataclass(frozen=True)
class MessageFilters:
    kind: str = ""
    status: str = ""
    channel: str = ""
    who: str = ""  # a person's or unit's name, or the address
    person: int | None = None
    unit: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    batch: str = ""
    ref: str = ""


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _filtered(user: Any, f: MessageFilters, *, with_status: bool = True) -> QuerySet:
    qs = scope(user, Message.objects.all())
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.person is not None:
        qs = qs.filter(person_id=f.person)
    if f.unit is not None:
        qs = qs.filter(Q(unit_id=f.unit) | Q(person__unit_id=f.unit))
    if f.who:
        qs = qs.filter(
            Q(person__name__icontains=f.who)
            | Q(unit__name__icontains=f.who)
            | Q(unit__short_name__icontains=f.who)
            | Q(address__icontains=f.who)
        )
    if f.date_from is not None:
        qs = qs.filter(created_at__gte=_day_start(f.date_from))
    if f.date_to is not None:
        qs = qs.filter(created_at__lt=_day_start(f.date_to + timedelta(days=1)))
    if f.batch:
        qs = qs.filter(batch=f.batch)
    if f.ref:
        qs = qs.filter(ref=f.ref)
    if with_status and f.status:
        qs = qs.filter(status=f.status)
    return qs


def message_rows(user: Any, f: MessageFilters) -> QuerySet:
    """The list's rows (dicts), newest first: one query per page, joins instead of N+1."""
    return _filtered(user, f).order_by("-created_at", "-id").values(*ROW_FIELDS)


def status_counts(user: Any, f: MessageFilters) -> list[dict]:
    """Each status with its count under the other filters (the status tabs), in the choices' order."""
    counts = dict(
        _filtered(user, f, with_status=False).order_by().values_list("status").annotate(n=Count("id"))
    )
    return [{"value": v, "label": label, "count": counts.get(v, 0)} for v, label in MessageStatus.choices]


def recent_batches(user: Any, limit: int = 30) -> list[str]:
    """The latest batches (for the batch filter's suggestions)."""
    rows = (
        scope(user, Message.objects.exclude(batch=""))
        .order_by()
        .values("batch")
        .annotate(last=Max("created_at"))
        .order_by("-last")[:limit]
    )
    return [r["batch"] for r in rows]


def message_detail(user: Any, message: Message) -> dict:
    """A message's attempts (every channel answer) and, for subtree readers, the follow-ups."""
    attempts = list(Attempt.objects.filter(message=message).order_by("number"))
    follow_ups = list(
        scope(user, FollowUp.objects.filter(message=message)).select_related("by").order_by("at")
    )
    return {"attempts": attempts, "follow_ups": follow_ups}


def endpoints_for(user: Any) -> list[dict]:
    """The robots of the user's subtree, each with its message count and its latest test message."""
    endpoints = list(
        scope(user, Endpoint.objects.all())
        .select_related("jurisdiction")
        .order_by("jurisdiction__path", "name")
    )
    ids = [e.pk for e in endpoints]
    counts = dict(
        Message.objects.filter(endpoint_id__in=ids)
        .order_by()
        .values_list("endpoint_id")
        .annotate(n=Count("id"))
    )
    tests: dict[int, dict] = {}
    for row in (
        Message.objects.filter(endpoint_id__in=ids, kind=MessageKind.TEST)
        .order_by("endpoint_id", "-created_at", "-id")
        .values("id", "endpoint_id", "status", "created_at", "last_error")
    ):
        tests.setdefault(row["endpoint_id"], row)
    return [{"endpoint": e, "messages": counts.get(e.pk, 0), "last_test": tests.get(e.pk)} for e in endpoints]
