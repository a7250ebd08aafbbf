"""The supervision acts' to-do sources (待办): required actions waiting for the unit's reply (unit staff,
整改要求待回复) and replies waiting for the check (the supervision office and the project office,
整改待复查)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from tuijin.dashboard.todo import TodoItem, TodoSource, register_todo_source
from tuijin.org.models import Role

from .selectors import actions_to_check, actions_to_reply, is_overdue

UNIT_STAFF = frozenset({Role.UNIT_HEAD, Role.UNIT_REPORTER})
RECORDERS = frozenset({Role.SUPERVISOR, Role.OFFICE_ADMIN})


def _url(action) -> str:
    return reverse("supervision:act", args=[action.act_id]) + f"#action-{action.pk}"


def _reply_items(user: Any, today: date) -> list[TodoItem]:
    rows = actions_to_reply(user).select_related("act", "project").order_by("deadline", "pk")
    items = [
        TodoItem(
            title=f"{a.act.get_kind_display()}：{a.content[:40]}",
            url=_url(a),
            due_on=a.deadline,
            overdue=is_overdue(a, today),
            detail="；".join(
                x for x in (a.project.name if a.project else "", "已签发督办单" if a.slip_id else "") if x
            ),
        )
        for a in rows
    ]
    return sorted(items, key=lambda i: (not i.overdue, i.due_on or date.max))


register_todo_source(
    TodoSource(
        key="supervision.actions_to_reply",
        title="整改要求待回复",
        icon="checklist",
        roles=UNIT_STAFF,
        items=_reply_items,
        count=lambda user, today: actions_to_reply(user).count(),
        url="/supervision/actions/?status=open",
        order=26,
    )
)


def _check_items(user: Any, today: date) -> list[TodoItem]:
    rows = actions_to_check(user).select_related("act", "unit", "replied_by").order_by("replied_at", "pk")
    return [
        TodoItem(
            title=f"{a.unit.name}：{a.content[:40]}",
            url=_url(a),
            due_on=a.deadline,
            overdue=False,
            detail=f"{a.replied_by or '整改单位'} {a.replied_at:%m-%d} 报送整改情况"
            if a.replied_at
            else "已报整改",
        )
        for a in rows
    ]


register_todo_source(
    TodoSource(
        key="supervision.actions_to_check",
        title="整改待复查",
        icon="eye-check",
        roles=RECORDERS,
        items=_check_items,
        count=lambda user, today: actions_to_check(user).count(),
        url="/supervision/actions/?status=replied",
        order=27,
    )
)
