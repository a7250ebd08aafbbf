"""Reads of briefings and notices for the pages and the to-do lists."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tuijin.core.access import scope

from .models import Bulletin, BulletinEvent, BulletinStatus


def bulletins_for(user: Any, *, kind: str = "", status: str = "", year: int | None = None) -> QuerySet:
    qs = scope(user, Bulletin.objects.select_related("jurisdiction", "signer"))
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-period", "kind", "-id")


def awaiting_signature(user: Any) -> QuerySet:
    """A leader's: submitted bulletins of his own jurisdiction (待签发)."""
    if getattr(user, "jurisdiction_id", None) is None:
        return Bulletin.objects.none()
    return scope(
        user, Bulletin.objects.filter(status=BulletinStatus.SUBMITTED, jurisdiction_id=user.jurisdiction_id)
    )


def awaiting_publication(user: Any) -> QuerySet:
    """The office's: signed bulletins of its subtree not yet published (已签发待发布)."""
    return scope(user, Bulletin.objects.filter(status=BulletinStatus.SIGNED))


def timeline(bulletin: Bulletin) -> list[BulletinEvent]:
    return list(bulletin.events.select_related("actor").order_by("at", "id"))
