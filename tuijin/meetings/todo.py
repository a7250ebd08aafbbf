"""The decided matters' to-do sources (待办): open matters of my unit, overdue first (unit staff, "议定事项
待办理"); matters the lead unit reported done, waiting for the office to close them ("议定事项待销号")."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from tuijin.core.access import scope
from tuijin.dashboard.todo import TodoItem, TodoSource, register_todo_source
from tuijin.org.models import Role

from .matter_permissions import matter_unit_q
from .matter_selectors import overdue_cutoff
from .models import Matter

UNIT_STAFF = frozenset({Role.UNIT_HEAD, Role.UNIT_REPORTER})
OFFICE = frozenset({Role.OFFICE_ADMIN})


def _url(pk: int) -> str:
    return reverse("meetings:matter", args=[pk])


def _my_open(user: Any) -> QuerySet:
    if getattr(user, "unit_id", None) is None:
        return Matter.objects.none()
    return scope(user, Matter.objects.filter(matter_unit_q(user), status="open"))


def _open_items(user: Any, today: date) -> list[TodoItem]:
    cutoff = overdue_cutoff(today)
    rows = _my_open(user).select_related("meeting", "lead_unit").order_by("deadline", "pk")
    items = [
        TodoItem(
            title=m.title,
            url=_url(m.pk),
            due_on=m.deadline,
            overdue=bool(m.deadline and m.deadline <= cutoff),
            detail=f"{m.meeting.title}第{m.number}项"
            + ("（牵头）" if m.lead_unit_id == user.unit_id else f"（配合，牵头：{m.lead_unit.name}）")
            + ("" if m.deadline else "，无时限"),
        )
        for m in rows
    ]
    return sorted(items, key=lambda i: (not i.overdue, i.due_on or date.max))


register_todo_source(
    TodoSource(
        key="meetings.matters_open",
        title="议定事项待办理",
        icon="list-check",
        roles=UNIT_STAFF,
        items=_open_items,
        count=lambda user, today: _my_open(user).count(),
        url="/meetings/matters/?mine=1&status=open",
        order=27,
    )
)


def _replied(user: Any) -> QuerySet:
    return scope(user, Matter.objects.filter(status="replied"))


def _replied_items(user: Any, today: date) -> list[TodoItem]:
    rows = _replied(user).select_related("meeting", "lead_unit").order_by("updated_at", "pk")
    return [
        TodoItem(
            title=m.title,
            url=_url(m.pk),
            due_on=m.deadline,
            overdue=False,
            detail=f"{m.lead_unit.name}已报办结，待复核销号（{m.meeting.title}第{m.number}项）",
        )
        for m in rows
    ]


register_todo_source(
    TodoSource(
        key="meetings.matters_replied",
        title="议定事项待销号",
        icon="checks",
        roles=OFFICE,
        items=_replied_items,
        count=lambda user, today: _replied(user).count(),
        url="/meetings/matters/?status=replied",
        order=28,
    )
)
