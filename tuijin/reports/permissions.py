"""Scopes and actions of reports, registered with the access module (DESIGN.md table, issue 5 parts 1–3).

A unit's staff fill their unit's reports, its head approves the unit's period, the office reviews
(accept / return) and fills in for a unit (代填). Reports, versions, photos and camera links are read like
their project (unit staff: the projects their unit reads, plus their own unit's reports).
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
from tuijin.org.models import Unit
from tuijin.projects.permissions import LIBRARY_READERS, project_unit_filter

from .models import CameraLink, Report, ReportVersion, SitePhoto


def _report_filter(user: Any, prefix: str = "") -> Q:
    return Q(**{f"{prefix}unit_id": user.unit_id}) | project_unit_filter(user, f"{prefix}project")


register_scope(
    Report,
    ScopeSpec(
        jurisdiction_field="project__jurisdiction", unit_filter=_report_filter, readers=LIBRARY_READERS
    ),
)
register_scope(
    ReportVersion,
    ScopeSpec(
        jurisdiction_field="report__project__jurisdiction",
        unit_filter=lambda user: _report_filter(user, "report__"),
        readers=LIBRARY_READERS,
    ),
)
for _model in (SitePhoto, CameraLink):
    register_scope(
        _model,
        ScopeSpec(
            jurisdiction_field="project__jurisdiction",
            unit_filter=lambda user: project_unit_filter(user, "project"),
            readers=LIBRARY_READERS,
        ),
    )


@rules.predicate
def is_own_unit(user: Any, obj: Any) -> bool:
    """The object is the user's unit (a Unit) or belongs to it (a Report's reporting unit)."""
    if obj is None or user.unit_id is None:
        return False
    unit_id = obj.pk if isinstance(obj, Unit) else getattr(obj, "unit_id", None)
    return unit_id == user.unit_id


@rules.predicate
def is_project_unit(user: Any, project: Any) -> bool:
    """The user's unit is the project's responsible unit."""
    return project is not None and user.unit_id is not None and project.responsible_unit_id == user.unit_id


register_action("reports.view", "查看周报月报", is_subtree_reader | is_unit_staff)
register_action(
    "reports.fill", "填报本单位周报月报", is_unit_staff & (no_object | (in_subtree & is_own_unit))
)
register_action("reports.approve", "审核本单位报告", is_unit_head & (no_object | (in_subtree & is_own_unit)))
register_action("reports.review", "审核周报月报（通过、退回）", is_office_admin & (no_object | in_subtree))
register_action("reports.proxy", "代填周报月报", is_office_admin & (no_object | in_subtree))
register_action(
    "reports.upload_photo",
    "上传现场照片",
    in_subtree & (is_office_admin | (is_unit_staff & is_project_unit)),
)
register_action("reports.manage_cameras", "管理现场监控链接", is_office_admin & in_subtree)
