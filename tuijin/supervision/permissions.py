"""Scopes and actions of supervision acts (督查记录), their findings, photos and required actions
(整改要求), registered with the access module (DESIGN.md table; REQ H1, H3).

Subtree readers (office, leaders, supervisors) read every act of their subtree; unit staff read the acts
that name their unit (supervised unit, lead unit, a finding or a required action of theirs) and their
unit's required actions; the discipline viewer reads none here (the referral pages show it the evidence).
The supervision office and the project office record acts (`supervision.record`); the staff of the unit
a required action names reply to it (`supervision.reply`). A unit named by an act reads its projects.
"""

from typing import Any

import rules
from django.db.models import Q

from tuijin.core.access import (
    ScopeSpec,
    in_subtree,
    is_office_admin,
    is_subtree_reader,
    is_supervisor,
    is_unit_staff,
    no_object,
    register_action,
    register_scope,
)
from tuijin.projects.permissions import LIBRARY_READERS, register_project_link

from .models import ActPhoto, Finding, RequiredAction, SupervisionAct

READERS = LIBRARY_READERS  # the discipline viewer reads referrals only (the referral pages of `card_views`)


def act_unit_q(user: Any, prefix: str = "") -> Q:
    """The acts a unit-staff user reads: those naming the user's unit."""
    unit = user.unit_id
    return (
        Q(**{f"{prefix}units": unit})
        | Q(**{f"{prefix}lead_unit_id": unit})
        | Q(**{f"{prefix}findings__unit_id": unit})
        | Q(**{f"{prefix}actions__unit_id": unit})
    )


def _acts_of(user: Any) -> Q:
    return Q(act__in=SupervisionAct.objects.filter(act_unit_q(user)).values("pk"))


register_scope(
    SupervisionAct,
    ScopeSpec(jurisdiction_field="jurisdiction", unit_filter=act_unit_q, readers=READERS),
)
for _model in (Finding, ActPhoto):
    register_scope(
        _model, ScopeSpec(jurisdiction_field="act__jurisdiction", unit_filter=_acts_of, readers=READERS)
    )
register_scope(
    RequiredAction,
    ScopeSpec(
        jurisdiction_field="act__jurisdiction",
        unit_filter=lambda u: Q(unit_id=u.unit_id),
        readers=READERS,
    ),
)


def _project_link(user: Any) -> Q:
    unit = user.unit_id
    return Q(supervision_acts__units=unit) | Q(findings__unit_id=unit)


register_project_link(_project_link)


@rules.predicate
def is_action_unit(user: Any, action: Any) -> bool:
    return action is not None and user.unit_id is not None and action.unit_id == user.unit_id


register_action("supervision.view", "查看督查记录", is_subtree_reader | is_unit_staff)
register_action(
    "supervision.record",
    "记录督查、签发整改要求和复查",
    (is_office_admin | is_supervisor) & (no_object | in_subtree),
)
register_action("supervision.reply", "报送整改情况", in_subtree & is_unit_staff & is_action_unit)
