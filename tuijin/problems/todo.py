"""The problems' to-do sources (待办): slips to sign for and problems assigned to my unit (unit staff);
problems to sort or assign, replies to review and transfer/escalation requests (the office)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from tuijin.core.access import scope
from tuijin.dashboard.todo import TodoItem, TodoSource, register_todo_source
from tuijin.org.models import Role

from . import rules
from .models import Problem
from .selectors import slips_to_acknowledge

UNIT_STAFF = frozenset({Role.UNIT_HEAD, Role.UNIT_REPORTER})
OFFICE = frozenset({Role.OFFICE_ADMIN})


def _name(unit) -> str:
    """Units by their full name, as the reports' to-do shows them."""
    return unit.name if unit is not None else ""


def _url(problem_id: int) -> str:
    return reverse("problems:detail", args=[problem_id])


# --- slips to acknowledge -------------------------------------------------------------------------


def _slip_items(user: Any, today: date) -> list[TodoItem]:
    rows = (
        slips_to_acknowledge(user)
        .select_related("problem", "issued_unit", "issued_by")
        .order_by("deadline", "issued_at", "pk")
    )
    return [
        TodoItem(
            title=f"{s.get_kind_display()}{s.number_text}：{s.subject}",
            url=_url(s.problem_id) + "#slips" if s.problem_id else reverse("problems:slips") + "?pending=1",
            due_on=s.deadline,
            overdue=bool(s.deadline and s.deadline < today),
            detail=f"签发：{s.issued_unit.name if s.issued_unit else s.issued_by}",
        )
        for s in rows
    ]


register_todo_source(
    TodoSource(
        key="problems.slips_to_ack",
        title="待签收的四单",
        icon="file-certificate",
        roles=UNIT_STAFF,
        items=_slip_items,
        count=lambda user, today: slips_to_acknowledge(user).count(),
        url="/problems/slips/?pending=1",
        order=20,
    )
)


# --- problems assigned to my unit ------------------------------------------------------------------


def _assigned(user: Any) -> QuerySet:
    if getattr(user, "unit_id", None) is None:
        return Problem.objects.none()
    return scope(user, Problem.objects.filter(assigned_unit_id=user.unit_id, status__in=rules.WITH_UNIT))


def _assigned_items(user: Any, today: date) -> list[TodoItem]:
    rows = _assigned(user).select_related("project").order_by("due_date", "pk")
    items = [
        TodoItem(
            title=f"{p.project.name}：{p.title}",
            url=_url(p.pk),
            due_on=p.due_date,
            overdue=rules.is_overdue(p.status, p.due_date, today),
            detail=f"{p.get_status_display()}（{p.code}）",
        )
        for p in rows
    ]
    return sorted(items, key=lambda i: (not i.overdue, i.due_on or date.max))


register_todo_source(
    TodoSource(
        key="problems.assigned",
        title="交办本单位的问题",
        icon="alert-triangle",
        roles=UNIT_STAFF,
        items=_assigned_items,
        count=lambda user, today: _assigned(user).count(),
        url="/problems/?mine=1",
        order=25,
    )
)


# --- the office --------------------------------------------------------------------------------------


def _office_waiting(user: Any) -> QuerySet:
    return scope(
        user,
        Problem.objects.filter(
            Q(status__in=("filed", "sorted", "replied"))
            | (Q(status__in=rules.WITH_UNIT) & ~Q(pending_request=""))
        ),
    )


def _office_detail(p: Problem) -> str:
    if p.status == "replied":
        return f"待复核销号：{_name(p.assigned_unit)}已答复"
    if p.pending_request:
        return f"{_name(p.assigned_unit)}{rules.REQUESTS[p.pending_request]}：{p.request_note}"
    how = "项目办代报" if p.filed_by_office else "上报"
    return f"待梳理交办：{p.filed_unit.name}{how}（{p.get_kind_display()}）"


def _office_items(user: Any, today: date) -> list[TodoItem]:
    rows = (
        _office_waiting(user)
        .select_related("project", "filed_unit", "assigned_unit")
        .order_by("updated_at", "pk")
    )
    return [
        TodoItem(
            title=f"{p.project.name}：{p.title}",
            url=_url(p.pk),
            due_on=None,
            overdue=False,
            detail=_office_detail(p),
        )
        for p in rows
    ]


register_todo_source(
    TodoSource(
        key="problems.office",
        title="待梳理、复核和审批的问题",
        icon="clipboard-check",
        roles=OFFICE,
        items=_office_items,
        count=lambda user, today: _office_waiting(user).count(),
        url="/problems/?waiting=1",
        order=22,
    )
)


def _office_overdue(user: Any, today: date) -> QuerySet:
    return scope(user, Problem.objects.filter(status__in=rules.WITH_UNIT, due_date__lt=today))


def _overdue_items(user: Any, today: date) -> list[TodoItem]:
    rows = _office_overdue(user, today).select_related("project", "assigned_unit").order_by("due_date", "pk")
    return [
        TodoItem(
            title=f"{p.project.name}：{p.title}",
            url=_url(p.pk),
            due_on=p.due_date,
            overdue=True,
            detail=f"承办：{_name(p.assigned_unit)}，可提醒或督办",
        )
        for p in rows
    ]


register_todo_source(
    TodoSource(
        key="problems.overdue",
        title="超期未办结的问题",
        icon="clock-exclamation",
        roles=OFFICE,
        items=_overdue_items,
        count=lambda user, today: _office_overdue(user, today).count(),
        url="/problems/?overdue=1",
        order=23,
    )
)
