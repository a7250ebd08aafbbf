"""Scopes and actions of lights: every library reader sees the lights of the projects they read; the
office overrides a light (the computed one stays beside it, REQ D)."""

from tuijin.core.access import (
    ScopeSpec,
    in_subtree,
    is_office_admin,
    is_subtree_reader,
    is_unit_staff,
    register_action,
    register_scope,
)
from tuijin.projects.permissions import LIBRARY_READERS, project_unit_filter

from .models import LightChange, NodeLight, ProjectLight

for _model in (NodeLight, ProjectLight, LightChange):
    register_scope(
        _model,
        ScopeSpec(
            jurisdiction_field="project__jurisdiction",
            unit_filter=lambda user: project_unit_filter(user, "project"),
            readers=LIBRARY_READERS,
        ),
    )

register_action("lights.view", "查看亮灯看板", is_subtree_reader | is_unit_staff)
register_action("lights.override", "人工调整亮灯", is_office_admin & in_subtree)
