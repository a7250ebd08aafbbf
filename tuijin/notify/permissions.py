"""Scopes and actions of messages and pushes (REQ J2, C6; NC20 四(二) 督查问责办跟踪问效).

Reads:
- `Message` / `Attempt`: the office, leaders and supervisors read every message of their subtree (who was
  pushed what and when); unit staff read the messages sent to their unit or to themselves.
- `FollowUp`: the supervision office's notes; subtree readers only.
- `Endpoint`: only the office reads the robot rows of its subtree (an Endpoint's `url` and `secret` hold
  the robot's key); the office manages them on the endpoints page. Everybody else picks robots as channels
  on the preferences page, which reads only their id, name and kind (`pushes.channel_choices`, not through
  this scope).
- `Preference`: subtree readers read the subtree's; unit staff their own.

Actions (object: a `Message` unless said otherwise; `None` = the page or menu):
- `notify.view`        查看推送记录 — subtree readers; unit staff their unit's / own messages.
- `notify.review`      核实处理推送 — office, supervisor (resend / mark delivered / cancel 结果不明, 发送失败).
- `notify.follow_up`   跟踪问效 — supervisor, office.
- `notify.manage_endpoints` 管理群机器人 — office; object an `Endpoint` or a `Jurisdiction`.
- `notify.preferences` 设置本人推送方式 — every signed-in account with a person; object a `Person` or a
  `Preference`, which must be the account's own.
- `notify.manage_preferences` 设置他人推送方式 — office; object a `Person` or `Preference` of the subtree.
"""

from typing import Any

import rules
from django.db.models import Q

from tuijin.core.access import (
    SUBTREE_READERS,
    UNIT_ROLES,
    ScopeSpec,
    in_subtree,
    is_internal,
    is_office_admin,
    is_subtree_reader,
    is_supervisor,
    is_unit_staff,
    no_object,
    register_action,
    register_scope,
)
from tuijin.org.models import Person, Role

from .models import Attempt, Endpoint, FollowUp, Message, Preference

NOTIFY_READERS = frozenset(SUBTREE_READERS | UNIT_ROLES)


def _own_messages(prefix: str = ""):
    def unit_filter(user: Any) -> Q:
        q = Q(**{f"{prefix}unit_id": user.unit_id})
        if getattr(user, "person_id", None) is not None:
            q |= Q(**{f"{prefix}person_id": user.person_id})
        return q

    return unit_filter


def _own_preference(user: Any) -> Q:
    person_id = getattr(user, "person_id", None)
    return Q(person_id=person_id) if person_id is not None else Q(pk__in=[])


register_scope(
    Message, ScopeSpec(jurisdiction_field="jurisdiction", unit_filter=_own_messages(), readers=NOTIFY_READERS)
)
register_scope(
    Attempt,
    ScopeSpec(
        jurisdiction_field="message__jurisdiction",
        unit_filter=_own_messages("message__"),
        readers=NOTIFY_READERS,
    ),
)
register_scope(FollowUp, ScopeSpec(jurisdiction_field="message__jurisdiction", readers=SUBTREE_READERS))
ENDPOINT_READERS = frozenset({Role.OFFICE_ADMIN})
register_scope(Endpoint, ScopeSpec(jurisdiction_field="jurisdiction", readers=ENDPOINT_READERS))
register_scope(
    Preference,
    ScopeSpec(jurisdiction_field="person__jurisdiction", unit_filter=_own_preference, readers=NOTIFY_READERS),
)


@rules.predicate
def has_person(user: Any) -> bool:
    return getattr(user, "person_id", None) is not None


def _person_id_of(obj: Any) -> Any:
    if isinstance(obj, Person):
        return obj.pk
    return getattr(obj, "person_id", None)


@rules.predicate
def is_own_person(user: Any, obj: Any) -> bool:
    """The object (a Person, a Preference or a Message) is about the account's own person."""
    person_id = getattr(user, "person_id", None)
    return obj is not None and person_id is not None and _person_id_of(obj) == person_id


@rules.predicate
def of_own_unit(user: Any, obj: Any) -> bool:
    unit_id = getattr(obj, "unit_id", None) if obj is not None else None
    return unit_id is not None and getattr(user, "unit_id", None) == unit_id


register_action(
    "notify.view",
    "查看推送记录",
    (is_subtree_reader & (no_object | in_subtree))
    | (is_unit_staff & (no_object | (in_subtree & (of_own_unit | is_own_person)))),
)
register_action("notify.review", "核实处理推送", (is_office_admin | is_supervisor) & (no_object | in_subtree))
register_action("notify.follow_up", "跟踪问效", (is_supervisor | is_office_admin) & (no_object | in_subtree))
register_action("notify.manage_endpoints", "管理群机器人", is_office_admin & (no_object | in_subtree))
register_action(
    "notify.preferences",
    "设置本人推送方式",
    is_internal & has_person & (no_object | is_own_person),
)
register_action("notify.manage_preferences", "设置他人推送方式", is_office_admin & (no_object | in_subtree))
