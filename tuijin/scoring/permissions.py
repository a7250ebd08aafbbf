"""Scopes and actions of scoring (DESIGN.md "Who may do what"; WH19 四(三), 四(四), 附件3; DH24 五(四)).

Subtree readers (office, leaders, supervisors) read every period, ranking, ledger entry, exemption, bonus
and rectification report of their subtree. Unit staff (head, reporter) read the periods and the rankings
(every unit's `UnitScore`: the ranking is announced), but only their own unit's ledger entries, exemptions,
bonuses and rectification reports. The discipline viewer reads nothing of scoring.

The office computes and closes periods, proposes bonuses and reviews rectification reports; a leader of the
jurisdiction decides bonuses; the unit head or reporter of the project's responsible unit applies for an
objective-cause exemption (免扣分) and withdraws it; only the two named people (the project's 挂点领导 and
the unit's 分管领导) sign it; the unit head submits the rectification report (整改报告).
"""

from typing import Any

import rules
from django.db.models import Q

from tuijin.core.access import (
    SUBTREE_READERS,
    UNIT_ROLES,
    ScopeSpec,
    in_subtree,
    is_leader,
    is_office_admin,
    is_subtree_reader,
    is_unit_head,
    is_unit_staff,
    jurisdiction_path_of,
    no_object,
    register_action,
    register_scope,
    role_of,
    subtree_path,
)

from .models import Bonus, Exemption, Rectification, ScoreEntry, ScorePeriod, UnitScore

SCORE_READERS = frozenset(SUBTREE_READERS | UNIT_ROLES)


def _everything(user: Any) -> Q:
    return Q()


def _own_unit(user: Any) -> Q:
    return Q(unit_id=user.unit_id)


# periods and rankings are announced to every unit of the jurisdiction (WH19 四(三) 通报)
register_scope(
    ScorePeriod, ScopeSpec(jurisdiction_field="jurisdiction", unit_filter=_everything, readers=SCORE_READERS)
)
register_scope(
    UnitScore,
    ScopeSpec(jurisdiction_field="period__jurisdiction", unit_filter=_everything, readers=SCORE_READERS),
)
# the ledger's sentences name projects, people and matters: a unit reads its own entries only
register_scope(
    ScoreEntry,
    ScopeSpec(jurisdiction_field="period__jurisdiction", unit_filter=_own_unit, readers=SCORE_READERS),
)
register_scope(
    Exemption, ScopeSpec(jurisdiction_field="jurisdiction", unit_filter=_own_unit, readers=SCORE_READERS)
)
register_scope(
    Bonus, ScopeSpec(jurisdiction_field="period__jurisdiction", unit_filter=_own_unit, readers=SCORE_READERS)
)
register_scope(
    Rectification,
    ScopeSpec(jurisdiction_field="period__jurisdiction", unit_filter=_own_unit, readers=SCORE_READERS),
)


def _path_under_user(user: Any, path: str) -> bool:
    root = subtree_path(user)
    return root is not None and bool(path) and path.startswith(root)


def _unit_of(obj: Any) -> Any:
    """The unit an object is about: a UnitScore, Exemption, Rectification, Bonus, ScoreEntry (their
    `unit_id`), a `(period, unit)` pair (the unit's score page before anything was computed for it), or a
    Project (its responsible unit)."""
    if isinstance(obj, tuple):
        return obj[1].pk if len(obj) > 1 and obj[1] is not None else None
    if hasattr(obj, "responsible_unit_id"):
        return obj.responsible_unit_id
    return getattr(obj, "unit_id", None)


def _path_of(obj: Any) -> str:
    if isinstance(obj, tuple):
        period = obj[0]
        return jurisdiction_path_of(period) if period is not None else ""
    if hasattr(obj, "responsible_unit_id"):  # a project
        return getattr(getattr(obj, "jurisdiction", None), "path", "")
    return jurisdiction_path_of(obj)


@rules.predicate
def in_scoring_subtree(user: Any, obj: Any) -> bool:
    """The object (also a `(period, unit)` pair or a project) lies in the user's jurisdiction subtree."""
    if obj is None:
        return False
    return _path_under_user(user, _path_of(obj))


@rules.predicate
def of_own_unit(user: Any, obj: Any) -> bool:
    """The object is about the user's own unit (for a project: the user's unit is its responsible unit)."""
    unit_id = _unit_of(obj) if obj is not None else None
    return unit_id is not None and getattr(user, "unit_id", None) == unit_id


@rules.predicate
def is_named_signer(user: Any, exemption: Any) -> bool:
    """The account's person is the exemption's 挂点领导 or 分管领导 (DH24 五(四): both sign)."""
    person_id = getattr(user, "person_id", None)
    if exemption is None or person_id is None:
        return False
    return person_id in (exemption.project_leader_id, exemption.leader_in_charge_id)


@rules.predicate
def has_person(user: Any) -> bool:
    return role_of(user) != "" and getattr(user, "person_id", None) is not None


register_action(
    "scoring.view", "查看考核排名", (is_subtree_reader | is_unit_staff) & (no_object | in_subtree)
)
register_action(
    "scoring.view_unit",
    "查看单位考评得分",
    (is_subtree_reader & in_scoring_subtree) | (is_unit_staff & in_scoring_subtree & of_own_unit),
)
register_action("scoring.compute", "计算考评得分", is_office_admin & (no_object | in_subtree))
register_action("scoring.close", "考核期间关账", is_office_admin & (no_object | in_subtree))

register_action(
    "exemptions.view",
    "查看客观原因免扣分申请",
    (is_subtree_reader | is_unit_staff) & (no_object | in_subtree),
)
register_action(
    "exemptions.apply",
    "申请客观原因免扣分",
    is_unit_staff & (no_object | (in_scoring_subtree & of_own_unit)),
)
# a leader's account signs; the person is checked on the record (the menu and to-do: any leader)
register_action(
    "exemptions.sign",
    "签字同意免扣分",
    (no_object & is_leader) | (has_person & in_scoring_subtree & is_named_signer),
)
register_action(
    "exemptions.withdraw", "撤回免扣分申请", is_unit_staff & (no_object | (in_scoring_subtree & of_own_unit))
)

register_action("bonus.propose", "提出奖励加分", is_office_admin & (no_object | in_scoring_subtree))
register_action("bonus.decide", "审批奖励加分", is_leader & (no_object | in_scoring_subtree))

register_action(
    "rectification.submit", "提交整改报告", is_unit_head & (no_object | (in_scoring_subtree & of_own_unit))
)
register_action("rectification.review", "审核整改报告", is_office_admin & (no_object | in_scoring_subtree))
