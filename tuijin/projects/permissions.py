"""Scopes and actions of the project library, registered with the access module (DESIGN.md table).

Unit staff read the projects their unit is responsible for, the street's projects when their unit is the
street, and the projects their unit works on as supervising department or secondary unit. Later
capabilities widen this (a unit owning a node, a problem, a matter or a slip) through
`register_project_link`.
"""

from collections.abc import Callable
from typing import Any

import rules
from django.db.models import Q

from tuijin.core.access import (
    INTERNAL_ROLES,
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
from tuijin.org.models import Role

from .models import (
    AnnualPlan,
    FundingSource,
    Handover,
    InvestmentEntry,
    PlanChange,
    PlanEntry,
    Project,
    ProjectTag,
    StageTransition,
)

LIBRARY_READERS = INTERNAL_ROLES - {Role.DISCIPLINE}

_PROJECT_LINKS: list[Callable[[Any], Q]] = []


def register_project_link(link: Callable[[Any], Q]) -> None:
    """Add the projects a unit-staff user reads because their unit owns something in them (a node, a
    problem, a matter, a slip): `link(user)` returns a Q over Project."""
    _PROJECT_LINKS.append(link)


def project_unit_filter(user: Any, prefix: str = "") -> Q:
    """The projects unit staff read (DESIGN.md: their unit's projects and any where their unit owns a
    node, problem, matter or slip)."""
    unit = user.unit_id
    condition = (
        Q(responsible_unit_id=unit)
        | Q(street_id=unit)
        | Q(supervising_unit_id=unit)
        | Q(secondary_units__id=unit)
    )
    for link in _PROJECT_LINKS:
        condition |= link(user)
    if not prefix:
        return condition
    return Q(**{f"{prefix}__in": Project.objects.filter(condition).values("pk")})


def _plan_unit_filter(user: Any) -> Q:
    return Q(jurisdiction_id=user.jurisdiction_id)


register_scope(
    Project,
    ScopeSpec(jurisdiction_field="jurisdiction", unit_filter=project_unit_filter, readers=LIBRARY_READERS),
)
for _model in (FundingSource, StageTransition, Handover, InvestmentEntry, PlanEntry, PlanChange):
    register_scope(
        _model,
        ScopeSpec(
            jurisdiction_field="project__jurisdiction",
            unit_filter=lambda user: project_unit_filter(user, "project"),
            readers=LIBRARY_READERS,
        ),
    )
register_scope(ProjectTag, ScopeSpec(jurisdiction_field="", readers=LIBRARY_READERS, everyone_reads=True))
register_scope(
    AnnualPlan,
    ScopeSpec(jurisdiction_field="jurisdiction", unit_filter=_plan_unit_filter, readers=LIBRARY_READERS),
)


@rules.predicate
def is_responsible_unit(user: Any, project: Any) -> bool:
    """The user's unit is the project's responsible unit (责任单位), the main responsible (REQ A3)."""
    return project is not None and user.unit_id is not None and project.responsible_unit_id == user.unit_id


register_action("projects.view", "查看项目库", is_subtree_reader | is_unit_staff)
register_action("projects.create", "新建项目", is_office_admin)
register_action("projects.import", "导入项目表格", is_office_admin)
register_action("projects.export", "导出项目清单", is_subtree_reader | is_unit_staff)
# The office edits everything; the responsible unit's staff edit what they know best (content, location,
# funding, image progress), never the plan or the responsibilities (projects.forms picks the fields).
# Unit staff write only what they read: a project above their jurisdiction (a city project run by a
# district department) is outside their subtree, so `in_subtree` holds for them too.
register_action(
    "projects.edit",
    "修改项目",
    in_subtree & (is_office_admin | (is_unit_staff & is_responsible_unit)),
)
register_action("projects.edit_all", "修改项目计划和责任分工", is_office_admin & in_subtree)
register_action(
    "projects.move_stage",
    "变更项目阶段",
    in_subtree & (is_office_admin | (is_unit_head & is_responsible_unit)),
)
register_action("projects.handover", "办理项目移交", is_office_admin & in_subtree)
register_action("projects.record_investment", "录入完成投资", is_office_admin & in_subtree)
register_action("projects.view_plans", "查看年度计划", is_subtree_reader | is_unit_staff)
register_action("projects.manage_plan", "管理年度计划", is_office_admin & (no_object | in_subtree))
