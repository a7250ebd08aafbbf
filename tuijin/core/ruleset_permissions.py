"""Scopes and actions of the rule-set pages (registered with tuijin.core.access).

Rule sets are reference data: every internal role reads them whole. Office admins edit them (a new
version each time) and pick one for a jurisdiction in their subtree (DESIGN.md "Who may do what").
"""

from tuijin.core.access import (
    ScopeSpec,
    in_subtree,
    is_internal,
    is_office_admin,
    register_action,
    register_scope,
)

from .models import RuleSet, RuleSetVersion

register_scope(RuleSet, ScopeSpec(jurisdiction_field="", everyone_reads=True))
register_scope(RuleSetVersion, ScopeSpec(jurisdiction_field="", everyone_reads=True))

register_action("core.view_rulesets", "查看规则集", is_internal)
register_action("core.edit_ruleset", "修改规则集", is_office_admin)
register_action("core.pick_ruleset", "为该辖区选择规则集", is_office_admin & in_subtree)
