"""The reports' to-do sources (dashboard.todo): reports due (unit staff), returns to fix (unit staff),
approvals to sign (unit head), reviews waiting (office)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from tuijin.core.access import scope
from tuijin.org.models import Role

from . import rules, selectors
from .models import Report

try:
    from tuijin.dashboard.todo import TodoItem, TodoSource, register_todo_source
except ImportError:  # the to-do framework is not there yet
    register_todo_source = None  # type: ignore[assignment]

UNIT_STAFF = frozenset({Role.UNIT_REPORTER, Role.UNIT_HEAD})
PAGE = {"weekly": "reports:weekly", "monthly": "reports:monthly", "new_starts": "reports:new_starts"}


def _due_items(user: Any, today: date) -> list:
    """This period's reports still to submit and the earlier periods still missing (overdue); the due
    rules are read once (the jurisdiction's rule set), not per item."""
    from .services import _ruleset_data

    rows = selectors.unit_due_items(user, today)
    if not rows or user.unit is None:
        return []
    data = _ruleset_data(user.unit.jurisdiction_id)
    due_rules = {kind: rules.due_rule(kind, data) for kind in {row["kind"] for row in rows}}
    items = []
    for row in rows:
        kind, start = row["kind"], row["start"]
        due_on = rules.due_date(kind, start, due_rules[kind])
        detail = f"还有 {row['missing']} 个项目未提交"
        if row.get("earlier"):
            detail = f"已逾期：{row['missing']} 个项目未报送（缺报），请尽快补报"
        items.append(
            TodoItem(
                title=f"{rules.period_label(kind, start)}{rules.KINDS[kind]}",
                url=f"{reverse(PAGE[kind])}?period={start.isoformat()}",
                due_on=due_on,
                overdue=today > due_on,
                detail=detail,
            )
        )
    return items


def _returned(user: Any):
    if user.unit_id is None:
        return Report.objects.none()
    return scope(user, Report.objects.filter(unit_id=user.unit_id, status="returned"))


def _returned_items(user: Any, today: date) -> list:
    return [
        TodoItem(
            title=f"《{r.project.name}》{rules.period_label(r.kind, r.period_start)}{rules.KINDS[r.kind]}",
            url=f"{reverse(PAGE[r.kind])}?period={r.period_start.isoformat()}#row-{r.project_id}",
            due_on=r.due_on,
            overdue=today > r.due_on,
            detail=f"退回原因：{r.return_reason}",
        )
        for r in _returned(user).select_related("project").order_by("period_start", "pk")
    ]


def _approval_items(user: Any, today: date) -> list:
    return [
        TodoItem(
            title=f"{p['label']}{p['kind_label']}（{p['n']} 个项目）",
            url=f"{reverse('reports:approvals', args=[p['kind']])}?period={p['period_start'].isoformat()}",
            due_on=None,
            overdue=False,
            detail="待审核通过并报送项目办",
        )
        for p in selectors.head_pending(user)
    ]


def _review_items(user: Any, today: date) -> list:
    return [
        TodoItem(
            title=f"{row['unit__name']} {rules.period_label(row['kind'], row['period_start'])}{rules.KINDS[row['kind']]}",
            url=f"{reverse('reports:review_unit', args=[row['kind'], row['unit_id']])}?period={row['period_start'].isoformat()}",
            due_on=None,
            overdue=False,
            detail=f"{row['n']} 个项目待审核",
        )
        for row in selectors.office_pending(user)
    ]


def register() -> None:
    if register_todo_source is None:
        return
    register_todo_source(
        TodoSource(
            key="reports.due",
            title="待填报的周报、月报、本周新开工",
            icon="file-pencil",
            roles=UNIT_STAFF,
            items=_due_items,
            # one query (selectors.unit_due_items); the items add the due dates from the rule set
            count=lambda user, today: len(selectors.unit_due_items(user, today)),
            order=10,
        )
    )
    register_todo_source(
        TodoSource(
            key="reports.returned",
            title="被退回待修改的报告",
            icon="arrow-back-up",
            roles=UNIT_STAFF,
            items=_returned_items,
            count=lambda user, today: _returned(user).count(),
            order=11,
        )
    )
    register_todo_source(
        TodoSource(
            key="reports.to_approve",
            title="待审批的报告",
            icon="checks",
            roles=frozenset({Role.UNIT_HEAD}),
            items=_approval_items,
            count=lambda user, today: len(selectors.head_pending(user)),
            order=12,
        )
    )
    register_todo_source(
        TodoSource(
            key="reports.to_review",
            title="待审核的报告",
            icon="clipboard-check",
            roles=frozenset({Role.OFFICE_ADMIN}),
            items=_review_items,
            count=lambda user, today: len(selectors.office_pending(user)),
            order=13,
        )
    )


register()
