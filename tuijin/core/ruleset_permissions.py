"""Scopes and actions of the rule-set pages (registered with tuijin.core.access).

Rule sets are reference data: every internal role reads them whole. Office admins edit them (a new
version each time) when no jurisdiction outside their subtree uses them, and pick one for a jurisdiction
in their subtree (DESIGN.md "Who may do what").
"""

import rules

from tuijin.core.access import (
    ScopeSpec,
    in_subtree,
    is_internal,
    is_office_admin,
    register_action,
    register_scope,
    subtree_path,
)

from .models import RuleSet, RuleSetVersion


@rules.predicate
def used_only_in_subtree(user, rule_set) -> bool:
    """Editing a rule set changes the rules of every jurisdiction that picked it (and of their subtrees),
    so an admin may edit one only when no jurisdiction outside their own subtree has picked it."""
    root = subtree_path(user)
    if root is None or rule_set is None:
        return False
    from tuijin.org.models import Jurisdiction

    users = Jurisdiction.objects.filter(rule_set=rule_set).values_list("path", flat=True)
    return all(path.startswith(root) for path in users)


register_scope(RuleSet, ScopeSpec(jurisdiction_field="", everyone_reads=True))
register_scope(RuleSetVersion, ScopeSpec(jurisdiction_field="", everyone_reads=True))

register_action("core.view_rulesets", "查看规则集", is_internal)
register_action(
    "core.edit_ruleset", "修改规则集（须未被本辖区以外选用）", is_office_admin & used_only_in_subtree
)
register_action("core.pick_ruleset", "为该辖区选择规则集", is_office_admin & in_subtree)
