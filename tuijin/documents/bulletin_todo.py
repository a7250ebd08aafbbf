"""To-do sources of briefings and notices: the leader's bulletins to sign (待签发的简报通报) and the office's
signed ones to publish (已签发待发布)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from tuijin.dashboard.todo import TodoItem, TodoSource, register_todo_source
from tuijin.org.models import Role

from . import bulletin_selectors as sel


def _items(rows, detail) -> list[TodoItem]:
    return [
        TodoItem(
            title=b.title,
            url=reverse("documents:bulletin", args=[b.pk]),
            due_on=None,
            overdue=False,
            detail=detail(b),
        )
        for b in rows
    ]


def _to_sign(user: Any, today: date) -> list[TodoItem]:
    rows = sel.awaiting_signature(user).order_by("submitted_at", "id")
    return _items(rows, lambda b: f"{b.get_kind_display()}，报送于 {b.submitted_at:%Y-%m-%d %H:%M}")


def _to_publish(user: Any, today: date) -> list[TodoItem]:
    rows = sel.awaiting_publication(user).select_related("signer").order_by("signed_at", "id")
    return _items(rows, lambda b: f"{b.get_kind_display()}，已于 {b.signed_at:%Y-%m-%d %H:%M} 签发")


register_todo_source(
    TodoSource(
        key="documents.bulletins_sign",
        title="待签发的简报通报",
        icon="signature",
        roles=frozenset({Role.LEADER}),
        items=_to_sign,
        count=lambda user, today: sel.awaiting_signature(user).count(),
        url="/documents/bulletins/?status=submitted",
        order=75,
    )
)
register_todo_source(
    TodoSource(
        key="documents.bulletins_publish",
        title="已签发待发布的简报通报",
        icon="send",
        roles=frozenset({Role.OFFICE_ADMIN}),
        items=_to_publish,
        count=lambda user, today: sel.awaiting_publication(user).count(),
        url="/documents/bulletins/?status=signed",
        order=76,
    )
)
