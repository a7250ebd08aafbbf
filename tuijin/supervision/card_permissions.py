"""Scopes and actions of the yellow/red cards, the monthly card review, appeals and referrals (DESIGN.md
"Who may do what"; WH19 四(二), 五, 附件3 第4行).

Subtree readers (office, leaders, supervisors) read every card, review, appeal and referral of their
subtree; unit staff read their own unit's cards and appeals (and the referrals of their unit); the
discipline viewer reads referrals only — the evidence behind a referral (its red cards, their yellow cards
and slips) is shown on the referral's page, not through the cards' scope.

The office issues yellow cards in the monthly review and decides appeals of yellow cards; the supervision
office (督查室) issues red cards and decides their appeals; the unit head of the card's unit appeals; the
leader in charge of the unit consents to (or declines) a referral; office or supervisor propose, record
sending and record the outcome.
"""

from typing import Any

import rules
from django.db.models import Q

from tuijin.core.access import (
    SUBTREE_READERS,
    UNIT_ROLES,
    ScopeSpec,
    in_subtree,
    is_discipline,
    is_leader,
    is_office_admin,
    is_subtree_reader,
    is_supervisor,
    is_unit_head,
    is_unit_staff,
    no_object,
    register_action,
    register_scope,
    role_of,
)
from tuijin.org.models import Role

from . import card_rules
from .models import Card, CardAppeal, CardReview, Referral

CARD_READERS = SUBTREE_READERS | UNIT_ROLES
REFERRAL_READERS = SUBTREE_READERS | UNIT_ROLES | {Role.DISCIPLINE}

register_scope(
    Card,
    ScopeSpec(
        jurisdiction_field="jurisdiction",
        unit_filter=lambda u: Q(unit_id=u.unit_id),
        readers=frozenset(CARD_READERS),
    ),
)
register_scope(
    CardAppeal,
    ScopeSpec(
        jurisdiction_field="card__jurisdiction",
        unit_filter=lambda u: Q(card__unit_id=u.unit_id),
        readers=frozenset(CARD_READERS),
    ),
)
register_scope(CardReview, ScopeSpec(jurisdiction_field="jurisdiction", readers=SUBTREE_READERS))


def _referral_unit_filter(user: Any) -> Q:
    """Unit staff: only the unit head reads the unit's referrals (a circuit proposal names a person and
    what he is to answer for: not for every reporter of the unit)."""
    if role_of(user) != Role.UNIT_HEAD:
        return Q(pk__in=[])
    return Q(unit_id=user.unit_id)


register_scope(
    Referral,
    ScopeSpec(
        jurisdiction_field="jurisdiction",
        unit_filter=_referral_unit_filter,
        readers=frozenset(REFERRAL_READERS),
    ),
)


@rules.predicate
def is_card_unit(user: Any, card: Any) -> bool:
    return card is not None and user.unit_id is not None and card.unit_id == user.unit_id


@rules.predicate
def is_yellow(user: Any, card: Any) -> bool:
    return card is not None and card.color == "yellow"


@rules.predicate
def is_red(user: Any, card: Any) -> bool:
    return card is not None and card.color == "red"


@rules.predicate
def in_charge_of_unit(user: Any, referral: Any) -> bool:
    """The leader in charge (分管领导) of the referral's unit: the account's person has the unit among
    `units_in_charge`."""
    person = getattr(user, "person", None)
    if referral is None or person is None:
        return False
    return person.units_in_charge.filter(pk=referral.unit_id).exists()


ISSUER_ROLES = {"office": Role.OFFICE_ADMIN, "supervisor": Role.SUPERVISOR}


def issuer_colors(user: Any, jurisdiction: Any = None) -> set[str]:
    """The card colours the user's role issues (and whose appeals and revocations it decides) under the
    rule set of `jurisdiction`: `[cards].yellow_issuer` / `red_issuer` ("office" → 项目办, "supervisor" →
    督查室; WH19: yellow by the office's monthly review, red by 督查室). Without a jurisdiction (the menu, a
    page's buttons) the default ladder's issuers, so no page reads the rule set for its menu; the services
    check the record's own rule set before anything is written."""
    from .card_selectors import rules_for

    cfg = card_rules.CardRules() if jurisdiction is None else rules_for(jurisdiction)[0]
    role = role_of(user)
    return {
        color
        for color, who in (("yellow", cfg.yellow_issuer), ("red", cfg.red_issuer))
        if ISSUER_ROLES.get(who) == role
    }


def _object_jurisdiction(obj: Any) -> Any:
    if obj is None:
        return None
    if getattr(obj, "jurisdiction_id", None) is not None:
        return obj.jurisdiction
    return None


@rules.predicate
def issues_yellow(user: Any, obj: Any = None) -> bool:
    return "yellow" in issuer_colors(user, _object_jurisdiction(obj))


@rules.predicate
def issues_red(user: Any, obj: Any = None) -> bool:
    return "red" in issuer_colors(user, _object_jurisdiction(obj))


register_action("cards.view", "查看黄牌红牌", is_subtree_reader | is_unit_staff)
register_action("cards.review", "月度审定黄牌", issues_yellow & (no_object | in_subtree))
register_action(
    "cards.recompute", "重新计算黄牌红牌", (is_office_admin | is_supervisor) & (no_object | in_subtree)
)
register_action("cards.issue_red", "签发红牌", issues_red & (no_object | (in_subtree & is_red)))
register_action("cards.appeal", "申诉黄牌红牌", is_unit_head & in_subtree & is_card_unit)
register_action(
    "cards.decide_appeal",
    "处理黄牌红牌申诉",
    (issues_yellow & (no_object | (in_subtree & is_yellow)))
    | (issues_red & (no_object | (in_subtree & is_red))),
)
register_action(
    "cards.revoke",
    "撤销黄牌红牌",
    (issues_yellow & (no_object | (in_subtree & is_yellow)))
    | (issues_red & (no_object | (in_subtree & is_red))),
)
register_action("referrals.view", "查看问责移送", is_subtree_reader | is_unit_head | is_discipline)
register_action(
    "referrals.propose", "提出问责建议", (is_office_admin | is_supervisor) & (no_object | in_subtree)
)
register_action("referrals.consent", "同意问责移送", is_leader & in_subtree & in_charge_of_unit)
register_action(
    "referrals.send", "移送纪委监委并登记结果", (is_office_admin | is_supervisor) & (no_object | in_subtree)
)

# the slip listener (each 督办单 proposes a yellow card) and the daily ladder register at import
from . import card_services, card_tasks  # noqa: E402, F401
