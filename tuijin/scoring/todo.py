"""Scoring's to-do sources (待办): the leader's exemptions to sign (DH24 五(四)), the unit head's
rectification reports to submit (WH19 四(三)), the office's reports to review and the leader's bonuses
to approve (WH19 四(四))."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from tuijin.dashboard.todo import TodoItem, TodoSource, register_todo_source
from tuijin.org.models import Role

from . import exemption_selectors as sel
from .exemption_services import month_label, points_text


def _exemption_items(user: Any, today: date) -> list[TodoItem]:
    rows = (
        sel.awaiting_signature(user).select_related("unit", "project").order_by("month", "applied_at", "id")
    )
    return [
        TodoItem(
            title=f"{e.unit}：项目《{e.project.name}》{month_label(e.month)}申请免扣分",
            url=reverse("scoring:exemption", args=[e.pk]),
            due_on=None,
            overdue=False,
            detail=e.reason[:60],
        )
        for e in rows
    ]


register_todo_source(
    TodoSource(
        key="scoring.exemptions",
        title="待签字的免扣分申请",
        icon="signature",
        roles=frozenset({Role.LEADER}),
        items=_exemption_items,
        count=lambda user, today: sel.awaiting_signature(user).count(),
        url="/scoring/exemptions/?mine=1",
        order=70,
    )
)


def _due_items(user: Any, today: date) -> list[TodoItem]:
    rows = sel.rectifications_due(user).select_related("period", "unit").order_by("due", "id")
    return [
        TodoItem(
            title=f"{r.period.key} 排名第 {r.rank} 名：{'整改报告被退回，须重新提交' if r.status == 'returned' else '提交整改报告'}",
            url=reverse("scoring:rectification", args=[r.pk]),
            due_on=r.due,
            overdue=today > r.due,
            detail=r.review_note,
        )
        for r in rows
    ]


register_todo_source(
    TodoSource(
        key="scoring.rectifications_due",
        title="待提交的整改报告",
        icon="file-alert",
        roles=frozenset({Role.UNIT_HEAD}),
        items=_due_items,
        count=lambda user, today: sel.rectifications_due(user).count(),
        url="/scoring/rectifications/",
        order=71,
    )
)


def _review_items(user: Any, today: date) -> list[TodoItem]:
    rows = sel.rectifications_to_review(user).select_related("period", "unit").order_by("submitted_at", "id")
    return [
        TodoItem(
            title=f"{r.unit}：{r.period.key} 整改报告待审核",
            url=reverse("scoring:rectification", args=[r.pk]),
            due_on=None,
            overdue=False,
            detail=r.report[:60],
        )
        for r in rows
    ]


register_todo_source(
    TodoSource(
        key="scoring.rectifications_review",
        title="待审核的整改报告",
        icon="file-check",
        roles=frozenset({Role.OFFICE_ADMIN}),
        items=_review_items,
        count=lambda user, today: sel.rectifications_to_review(user).count(),
        url="/scoring/rectifications/",
        order=72,
    )
)


def _bonus_items(user: Any, today: date) -> list[TodoItem]:
    rows = sel.pending_bonuses(user).select_related("period", "unit").order_by("proposed_at", "id")
    return [
        TodoItem(
            title=f"{b.unit}：{b.period.key}年度奖励加分 {points_text(b.points)} 分待审批",
            url=f"{reverse('scoring:bonuses')}?year={b.period.key}",
            due_on=None,
            overdue=False,
            detail=b.reason[:60],
        )
        for b in rows
    ]


register_todo_source(
    TodoSource(
        key="scoring.bonuses",
        title="待审批的奖励加分",
        icon="award",
        roles=frozenset({Role.LEADER}),
        items=_bonus_items,
        count=lambda user, today: sel.pending_bonuses(user).count(),
        url="/scoring/bonuses/",
        order=73,
    )
)
