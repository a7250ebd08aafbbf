"""Scopes and actions of problems and slips, registered with the access module (DESIGN.md table).

Subtree readers (office, leaders, supervisors) read every problem and slip of their subtree; unit staff
read the problems their unit filed or is (or was) assigned, and the slips sent to their unit; the
discipline viewer reads none (referrals only). A unit that files or is
assigned a problem, or receives a slip, reads that project (`register_project_link`).
The office sorts, assigns, transfers, escalates, reminds, supervises and reviews (the supervision office
may also issue 督办单); the assigned unit's
staff acknowledge, report progress, ask for a transfer or escalation and reply; the unit a slip is sent to
acknowledges it.
"""

from typing import Any

import rules
from django.db.models import Q

from tuijin.core.access import (
    ScopeSpec,
    in_subtree,
    is_office_admin,
    is_subtree_reader,
    is_supervisor,
    is_unit_staff,
    no_object,
    register_action,
    register_scope,
)
from tuijin.documents.models import DocumentTemplate
from tuijin.projects.permissions import LIBRARY_READERS, register_project_link

from .models import Problem, ProblemAttachment, ProblemEvent, Slip

READERS = LIBRARY_READERS  # the discipline viewer reads referrals only (DESIGN.md)


def _problem_q(user: Any, prefix: str = "") -> Q:
    unit = user.unit_id
    return (
        Q(**{f"{prefix}filed_unit_id": unit})
        | Q(**{f"{prefix}assigned_unit_id": unit})
        | Q(**{f"{prefix}events__to_unit_id": unit})
    )


def _project_link(user: Any) -> Q:
    unit = user.unit_id
    return (
        Q(problems__filed_unit_id=unit)
        | Q(problems__assigned_unit_id=unit)
        | Q(slips__to_unit_id=unit)
        | Q(problems__slips__to_unit_id=unit)
    )


register_project_link(_project_link)

register_scope(
    Problem,
    ScopeSpec(jurisdiction_field="jurisdiction", unit_filter=lambda u: _problem_q(u), readers=READERS),
)
for _model in (ProblemEvent, ProblemAttachment):
    register_scope(
        _model,
        ScopeSpec(
            jurisdiction_field="problem__jurisdiction",
            unit_filter=lambda u: Q(problem__in=Problem.objects.filter(_problem_q(u)).values("pk")),
            readers=READERS,
        ),
    )
register_scope(
    Slip,
    ScopeSpec(
        jurisdiction_field="jurisdiction",
        unit_filter=lambda u: (
            Q(to_unit_id=u.unit_id) | Q(problem__in=Problem.objects.filter(_problem_q(u)).values("pk"))
        ),
        readers=READERS,
    ),
)
register_scope(DocumentTemplate, ScopeSpec(jurisdiction_field="jurisdiction", readers=READERS))


@rules.predicate
def is_assigned_unit(user: Any, problem: Any) -> bool:
    return problem is not None and user.unit_id is not None and problem.assigned_unit_id == user.unit_id


@rules.predicate
def is_slip_unit(user: Any, slip: Any) -> bool:
    return slip is not None and user.unit_id is not None and slip.to_unit_id == user.unit_id


@rules.predicate
def has_unit(user: Any) -> bool:
    return getattr(user, "unit_id", None) is not None


register_action("problems.view", "查看问题清单", is_subtree_reader | is_unit_staff)
# filing: unit staff against one of the projects they read (the service checks the project)
register_action("problems.file", "上报问题", (is_unit_staff & has_unit) | is_office_admin)
register_action("problems.manage", "梳理、交办、督办和复核问题", is_office_admin & (no_object | in_subtree))
register_action(
    "problems.supervise",
    "督办问题（签发督办单）",
    (is_office_admin | is_supervisor) & (no_object | in_subtree),
)
register_action("problems.handle", "办理交办的问题", in_subtree & is_unit_staff & is_assigned_unit)
register_action("problems.slip_acknowledge", "签收四单", in_subtree & is_unit_staff & is_slip_unit)
register_action("documents.manage_templates", "管理文书模板", is_office_admin & (no_object | in_subtree))
