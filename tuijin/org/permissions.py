"""Scopes and actions of the organisation app, registered with the access module."""

import rules
from django.db.models import Q

from tuijin.core.access import (
    INTERNAL_ROLES,
    ScopeSpec,
    in_subtree,
    is_discipline,
    is_internal,
    is_office_admin,
    no_object,
    register_action,
    register_scope,
)

from .models import Jurisdiction, LeadingGroup, LeadingGroupMember, LoginEvent, Person, Role, Unit, User

# The discipline viewer reads referrals and their evidence only (DESIGN.md), not the directory.
DIRECTORY_READERS = INTERNAL_ROLES - {Role.DISCIPLINE}


def _everything(user):
    return Q()


def _own_unit_people(user):
    return Q(unit_id=user.unit_id)


register_scope(
    Jurisdiction, ScopeSpec(jurisdiction_field="", unit_filter=_everything, readers=INTERNAL_ROLES)
)
register_scope(
    Unit, ScopeSpec(jurisdiction_field="jurisdiction", unit_filter=_everything, readers=DIRECTORY_READERS)
)
register_scope(
    Person,
    ScopeSpec(jurisdiction_field="jurisdiction", unit_filter=_own_unit_people, readers=DIRECTORY_READERS),
)
register_scope(
    LeadingGroup,
    ScopeSpec(jurisdiction_field="jurisdiction", unit_filter=_everything, readers=DIRECTORY_READERS),
)
register_scope(
    LeadingGroupMember,
    ScopeSpec(jurisdiction_field="group__jurisdiction", unit_filter=_everything, readers=DIRECTORY_READERS),
)
register_scope(User, ScopeSpec(jurisdiction_field="jurisdiction", readers=frozenset({Role.OFFICE_ADMIN})))
register_scope(
    LoginEvent, ScopeSpec(jurisdiction_field="user__jurisdiction", readers=frozenset({Role.OFFICE_ADMIN}))
)

register_action("org.view_accounts", "管理账号", is_office_admin & no_object)


@rules.predicate
def not_a_superuser(user, target) -> bool:
    """Office admins never manage a superuser's account (a reset would hand them its password)."""
    return not getattr(target, "is_superuser", False)


register_action("org.manage_account", "管理该账号", is_office_admin & in_subtree & not_a_superuser)
register_action("org.view_directory", "查看单位、人员和领导小组", is_internal & ~is_discipline)
register_action("org.view_audit", "查看登录与拒绝访问记录", is_office_admin)
register_action("org.manage_directory", "维护单位、人员和领导小组", is_office_admin)

from .models import AccessDenial  # noqa: E402

register_scope(
    AccessDenial, ScopeSpec(jurisdiction_field="user__jurisdiction", readers=frozenset({Role.OFFICE_ADMIN}))
)
