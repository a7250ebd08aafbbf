"""Scopes and actions of the sealed ledger: the office of a jurisdiction lists its subtree's seals, checks
them and seals a period of a jurisdiction in its subtree ("closing periods", DESIGN.md access table)."""

from tuijin.core.access import (
    ScopeSpec,
    in_subtree,
    is_office_admin,
    register_action,
    register_scope,
)
from tuijin.org.models import Role

from .models import Seal

register_scope(Seal, ScopeSpec(jurisdiction_field="jurisdiction", readers=frozenset({Role.OFFICE_ADMIN})))

register_action("core.view_ledger", "查看封存记录", is_office_admin)
register_action("core.verify_ledger", "校验封存记录", is_office_admin)
register_action("core.seal_period", "封存该辖区该期间的记录", is_office_admin & in_subtree)
