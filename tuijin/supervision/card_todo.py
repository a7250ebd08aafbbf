"""The cards' to-do sources (待办): the office's proposed yellow cards awaiting the monthly review, the
supervision office's red cards to issue and appeals to decide, the leader's referrals to consent to, and
the unit head's newly issued cards (appealable)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from tuijin.core.access import scope
from tuijin.dashboard.todo import TodoItem, TodoSource, register_todo_source
from tuijin.org.models import Role

from .card_permissions import issuer_colors
from .models import Card, CardAppeal, Referral

RECENT_DAYS = 30  # a unit head's "newly issued" cards: issued within this many days


def _card_url(card_id: int) -> str:
    return reverse("supervision:card", args=[card_id])


# --- office: proposed yellow cards awaiting the review ------------------------------------------------


def _proposed_yellows(user: Any) -> QuerySet:
    if "yellow" not in issuer_colors(user):  # [cards].yellow_issuer names who holds the review
        return Card.objects.none()
    return scope(
        user,
        Card.objects.filter(color="yellow", status="proposed").exclude(slip__voided_at__isnull=False),
    )


def _yellow_items(user: Any, today: date) -> list[TodoItem]:
    rows = _proposed_yellows(user).select_related("unit", "slip").order_by("slip__issued_at", "id")
    return [
        TodoItem(
            title=f"{c.unit}：拟发黄牌（{c.slip}）",
            url=reverse("supervision:card_review", args=[f"{timezone.localtime(c.slip.issued_at):%Y-%m}"]),
            due_on=None,
            overdue=False,
            detail=c.slip.subject,
        )
        for c in rows
    ]


register_todo_source(
    TodoSource(
        key="cards.review",
        title="拟发黄牌待审定",
        icon="gavel",
        roles=frozenset({Role.OFFICE_ADMIN, Role.SUPERVISOR}),
        items=_yellow_items,
        count=lambda user, today: _proposed_yellows(user).count(),
        url="/supervision/cards/review/",
        order=60,
    )
)


# --- supervisor: red cards to issue, appeals of red cards ----------------------------------------------


def _proposed_reds(user: Any) -> QuerySet:
    if "red" not in issuer_colors(user):  # [cards].red_issuer
        return Card.objects.none()
    return scope(user, Card.objects.filter(color="red", status="proposed"))


def _red_items(user: Any, today: date) -> list[TodoItem]:
    rows = _proposed_reds(user).select_related("unit").order_by("proposed_at", "id")
    return [
        TodoItem(
            title=f"{c.unit}：红牌待签发", url=_card_url(c.pk), due_on=None, overdue=False, detail=c.reason
        )
        for c in rows
    ]


register_todo_source(
    TodoSource(
        key="cards.red",
        title="红牌待签发",
        icon="cards",
        roles=frozenset({Role.OFFICE_ADMIN, Role.SUPERVISOR}),
        items=_red_items,
        count=lambda user, today: _proposed_reds(user).count(),
        url="/supervision/cards/",
        order=61,
    )
)


def _appeals(user: Any) -> QuerySet:
    colors = issuer_colors(user)
    return scope(user, CardAppeal.objects.filter(status="pending", card__color__in=colors))


def _appeal_items(user: Any, today: date) -> list[TodoItem]:
    rows = _appeals(user).select_related("card__unit").order_by("filed_at", "id")
    return [
        TodoItem(
            title=f"{a.card.unit}：{a.card.get_color_display()}申诉待处理",
            url=_card_url(a.card_id),
            due_on=None,
            overdue=False,
            detail=a.reason[:60],
        )
        for a in rows
    ]


register_todo_source(
    TodoSource(
        key="cards.appeals",
        title="黄牌红牌申诉待处理",
        icon="message-report",
        roles=frozenset({Role.OFFICE_ADMIN, Role.SUPERVISOR}),
        items=_appeal_items,
        count=lambda user, today: _appeals(user).count(),
        url="/supervision/cards/",
        order=62,
    )
)


# --- leader: referrals to consent to ------------------------------------------------------------------


def _to_consent(user: Any) -> QuerySet:
    person = getattr(user, "person", None)
    if person is None:
        return Referral.objects.none()
    return scope(user, Referral.objects.filter(status="proposed", unit__in=person.units_in_charge.all()))


def _consent_items(user: Any, today: date) -> list[TodoItem]:
    rows = _to_consent(user).select_related("unit").order_by("proposed_at", "id")
    return [
        TodoItem(
            title=f"{r.unit}：问责移送待同意",
            url=reverse("supervision:referral", args=[r.pk]),
            due_on=None,
            overdue=False,
            detail=r.get_origin_display(),
        )
        for r in rows
    ]


register_todo_source(
    TodoSource(
        key="cards.referral_consent",
        title="问责移送待同意",
        icon="send",
        roles=frozenset({Role.LEADER}),
        items=_consent_items,
        count=lambda user, today: _to_consent(user).count(),
        url="/supervision/referrals/?status=proposed",
        order=63,
    )
)


# --- unit head: my unit's newly issued cards ------------------------------------------------------------


def _unit_cards(user: Any, today: date) -> QuerySet:
    if getattr(user, "unit_id", None) is None:
        return Card.objects.none()
    since = timezone.make_aware(
        timezone.datetime.combine(today - timedelta(days=RECENT_DAYS), timezone.datetime.min.time())
    )
    return scope(
        user, Card.objects.filter(unit_id=user.unit_id, status="issued", issued_at__gte=since)
    ).exclude(appeals__status="pending")


def _unit_items(user: Any, today: date) -> list[TodoItem]:
    rows = _unit_cards(user, today).select_related("slip").order_by("-issued_at", "-id")
    return [
        TodoItem(
            title=f"本单位{c.get_color_display()}（{timezone.localtime(c.issued_at):%Y-%m-%d}签发）",
            url=_card_url(c.pk),
            due_on=None,
            overdue=False,
            detail=(f"依据{c.slip}：{c.slip.subject}" if c.slip_id else "黄牌预警 2 次") + "；如有异议可申诉",
        )
        for c in rows
    ]


register_todo_source(
    TodoSource(
        key="cards.unit",
        title="本单位黄牌红牌",
        icon="cards",
        roles=frozenset({Role.UNIT_HEAD}),
        items=_unit_items,
        count=lambda user, today: _unit_cards(user, today).count(),
        url="",
        order=64,
    )
)
