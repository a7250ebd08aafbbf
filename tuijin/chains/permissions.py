"""Scopes and actions of promotion chains, registered with the access module (DESIGN.md table).

The office keeps chains (applies templates, sets and re-plans deadlines, adds milestones, confirms);
the unit a node is assigned to fills its actual date, note and evidence, and its head confirms it
(REQ C3). Unit staff read every project where their unit owns a node (`register_project_link`).
"""

from typing import Any

import rules
from django.db.models import Q

from tuijin.core.access import (
    ScopeSpec,
    in_subtree,
    is_office_admin,
    is_subtree_reader,
    is_unit_head,
    is_unit_staff,
    no_object,
    register_action,
    register_scope,
)
from tuijin.projects.permissions import LIBRARY_READERS, project_unit_filter, register_project_link

from .models import Chain, ChainNode, ChainTemplate, NodeEvidence, NodeReplan, TemplateNode


def _node_unit_projects(user: Any) -> Q:
    return Q(chain_nodes__responsible_unit_id=user.unit_id)


register_project_link(_node_unit_projects)

for _model, _path in (
    (Chain, "project"),
    (ChainNode, "project"),
    (NodeReplan, "node__project"),
    (NodeEvidence, "node__project"),
):
    register_scope(
        _model,
        ScopeSpec(
            jurisdiction_field=f"{_path}__jurisdiction",
            unit_filter=lambda user, _path=_path: project_unit_filter(user, _path),
            readers=LIBRARY_READERS,
        ),
    )
# Templates are reference data: presets (no jurisdiction) and offices' own; selectors narrow the list
# to presets and the templates of the reader's jurisdiction and its ancestors.
for _model, _path in ((ChainTemplate, "jurisdiction"), (TemplateNode, "template__jurisdiction")):
    register_scope(_model, ScopeSpec(jurisdiction_field=_path, readers=LIBRARY_READERS, everyone_reads=True))


@rules.predicate
def is_node_unit(user: Any, node: Any) -> bool:
    """The node is assigned to the user's unit."""
    return node is not None and user.unit_id is not None and node.responsible_unit_id == user.unit_id


register_action("chains.view", "查看推进链条", is_subtree_reader | is_unit_staff)
register_action("chains.manage", "编制和调整推进链条", is_office_admin & in_subtree)
register_action(
    "chains.update_node",
    "填报节点进展",
    in_subtree & (is_office_admin | (is_unit_staff & is_node_unit)),
)
register_action("chains.confirm_node", "责任单位确认节点", in_subtree & is_unit_head & is_node_unit)
register_action("chains.export_plan", "导出开工推进计划表", is_subtree_reader | is_unit_staff)
register_action("chains.manage_templates", "管理链条模板", is_office_admin & (no_object | in_subtree))
