"""Scopes and actions of decided matters (议定事项), registered with the access module (DESIGN.md table).

Subtree readers (office, leaders, supervisors) read every matter of their subtree; unit staff read the
matters their unit is responsible for (lead or co-operating unit); the discipline viewer reads none.
The office decides (records a meeting's decisions), closes, returns, reminds, carries, escalates and
cancels; the office or the supervision office issues a 督办单; the responsible units' staff report
progress; only the lead unit's staff report completion (报办结).
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

from .models import Matter, MatterAttachment, MatterEvent

READERS = LIBRARY_READERS  # the discipline viewer reads referrals only (DESIGN.md)


def matter_unit_q(user: Any, prefix: str = "") -> Q:
    """The matters a unit's staff read: their unit leads it or is one of its responsible units."""
    return Q(**{f"{prefix}lead_unit_id": user.unit_id}) | Q(**{f"{prefix}units": user.unit_id})


def _unit_matters(user: Any) -> Any:
    return Matter.objects.filter(matter_unit_q(user)).values("pk")


register_scope(
    Matter,
    ScopeSpec(jurisdiction_field="jurisdiction", unit_filter=lambda u: matter_unit_q(u), readers=READERS),
)
for _model in (MatterEvent, MatterAttachment):
    register_scope(
        _model,
        ScopeSpec(
            jurisdiction_field="matter__jurisdiction",
            unit_filter=lambda u: Q(matter__in=_unit_matters(u)),
            readers=READERS,
        ),
    )

# a unit responsible for a matter of a project reads that project
register_project_link(lambda user: Q(matters__lead_unit_id=user.unit_id) | Q(matters__units=user.unit_id))


def responsible_unit_ids(matter: Any) -> set[int]:
    cached = getattr(matter, "_unit_ids", None)
    if cached is None:
        cached = {matter.lead_unit_id, *matter.units.values_list("pk", flat=True)}
        matter._unit_ids = cached
    return cached


@rules.predicate
def is_responsible_unit(user: Any, matter: Any) -> bool:
    unit = getattr(user, "unit_id", None)
    return matter is not None and unit is not None and unit in responsible_unit_ids(matter)


@rules.predicate
def is_lead_unit(user: Any, matter: Any) -> bool:
    unit = getattr(user, "unit_id", None)
    return matter is not None and unit is not None and matter.lead_unit_id == unit


register_action("matters.view", "查看议定事项", is_subtree_reader | is_unit_staff)
register_action("meetings.decide", "记录会议议定事项", is_office_admin & (no_object | in_subtree))
register_action(
    "matters.manage", "销号、退回、提醒、转会、提请和撤销议定事项", is_office_admin & (no_object | in_subtree)
)
register_action(
    "matters.supervise",
    "督办议定事项（签发督办单）",
    (is_office_admin | is_supervisor) & (no_object | in_subtree),
)
register_action("matters.handle", "办理议定事项", in_subtree & is_unit_staff & is_responsible_unit)
register_action("matters.reply", "报办结议定事项（牵头单位）", in_subtree & is_unit_staff & is_lead_unit)
