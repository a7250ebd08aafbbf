"""Writes of the annual plan (REQ B4, B5; issue 3 part 2): plans and their targets, adding, removing and
re-planning projects, and the roll-over to the next year.

The initial list and changes during the year. A plan is *being compiled* (编制中) until its 印发文号
(`AnnualPlan.document`) is entered; until then the office shapes the list freely: adding, removing and
editing entries record no `PlanChange` (each entry keeps its own edit history). Once the document number
is entered the plan is *issued* (已印发): every addition, removal and re-plan must name the deciding body,
the date and the reason (the document number of the decision is optional) and is recorded as a
`PlanChange`; removed entries stay in the plan marked removed, and each re-plan keeps the old and new
values, so the issued baseline stays visible beside every later figure (ANCHORS). An issued plan's
document number may be corrected but not cleared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from tuijin.core.access import require

from . import rules
from .models import AnnualPlan, PlanChange, PlanEntry, Project
from .plan_selectors import rollover_lines

MAX_RATE = Decimal(100)
CENT = Decimal("0.01")


def plan_is_issued(plan: AnnualPlan) -> bool:
    """Changes to an issued plan need a decision on record (see the module docstring)."""
    return bool(plan.document.strip())


@dataclass(frozen=True)
class Decision:
    """Who decided a change during the year, when, by which document, and why (ETDZ19 四(五))."""

    decided_by: str = ""
    decided_on: date | None = None
    document_number: str = ""
    reason: str = ""


# ---------------------------------------------------------------------------------------------------
# Checks shared by the writes


def _check_targets(**targets: Decimal | None) -> dict[str, str]:
    errors = {}
    for name, value in targets.items():
        if value is None:
            errors[name] = "请填写目标（0～100 的百分数）。"
        elif not Decimal(0) <= value <= MAX_RATE:
            errors[name] = f"目标应在 0～100 之间（填写的是 {value}）。"
    return errors


def _check_entry_values(
    *, plan_type: str, planned_investment: Decimal | None, monthly_targets: Sequence[Decimal | None]
) -> dict[str, str]:
    errors = {}
    if plan_type not in rules.PLAN_TYPES:
        errors["plan_type"] = f"计划类型应为：{'、'.join(rules.PLAN_TYPES.values())}。"
    if planned_investment is None:
        errors["planned_investment"] = "请填写年度计划投资（万元，可为 0）。"
    elif planned_investment < 0:
        errors["planned_investment"] = f"年度计划投资不能为负数（填写的是 {planned_investment} 万元）。"
    else:
        message = rules.validate_monthly_targets(list(monthly_targets), planned_investment)
        if message:
            errors["monthly_targets"] = message
    return errors


def _check_decision(plan: AnnualPlan, decision: Decision, *, today: date) -> dict[str, str]:
    """An issued plan changes only by a recorded decision; a plan being compiled needs none."""
    if not plan_is_issued(plan):
        return {}
    errors = {}
    if not decision.decided_by.strip():
        errors["decided_by"] = (
            "计划已印发，调整须写明决定机构或会议（如：区重大重点项目推进工作领导小组会议）。"
        )
    if decision.decided_on is None:
        errors["decided_on"] = "请填写决定日期。"
    elif decision.decided_on > today:
        errors["decided_on"] = f"决定日期 {decision.decided_on} 晚于今天（{today}）。"
    if not decision.reason.strip():
        errors["reason"] = "请写明调整理由。"
    return errors


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def _stored_targets(monthly_targets: Sequence[Decimal | None]) -> list[str]:
    """Twelve decimal strings, a blank month a zero; no month given at all: no monthly targets."""
    if all(amount is None for amount in monthly_targets):
        return []
    return [_money(amount if amount is not None else Decimal(0)) for amount in monthly_targets]


def _money(amount) -> str:
    """万元 with two decimals, as the database keeps money: 5000 → "5000.00"."""
    return str(Decimal(amount).quantize(CENT))


def _snapshot(entry: PlanEntry) -> dict[str, Any]:
    return {
        "plan_type": entry.plan_type,
        "planned_investment": _money(entry.planned_investment),
        "monthly_targets": list(entry.monthly_targets or []),
    }


def _locked(plan: AnnualPlan) -> AnnualPlan:
    """The plan row locked for this transaction, so two offices' changes to one plan queue up."""
    return AnnualPlan.objects.select_for_update().select_related("jurisdiction").get(pk=plan.pk)


def _record(
    *, user, plan: AnnualPlan, project: Project, kind: str, decision: Decision, details: dict
) -> PlanChange | None:
    if not plan_is_issued(plan):
        return None
    return PlanChange.objects.create(
        plan=plan,
        project=project,
        kind=kind,
        decided_by=decision.decided_by.strip(),
        decided_on=decision.decided_on,
        document_number=decision.document_number.strip(),
        reason=decision.reason.strip(),
        details=details,
        recorded_by=user,
    )


def _save_with_author(obj, user, reason: str, **kwargs) -> None:
    obj._history_user = user
    obj._change_reason = reason[:100]
    obj.save(**kwargs)


# ---------------------------------------------------------------------------------------------------
# The plan and its targets


@transaction.atomic
def plan_create(
    *,
    user,
    jurisdiction,
    year: int | None,
    title: str,
    start_rate_target: Decimal | None = Decimal(100),
    investment_rate_target: Decimal | None = Decimal(100),
    completion_rate_target: Decimal | None = Decimal(100),
    early_planning_target: int | None = None,
    document: str = "",
) -> AnnualPlan:
    """A jurisdiction's plan for one year (REQ B5). Without a document number it is being compiled."""
    require(user, "projects.manage_plan", jurisdiction)
    errors = _check_targets(
        start_rate_target=start_rate_target,
        investment_rate_target=investment_rate_target,
        completion_rate_target=completion_rate_target,
    )
    if year is None or not 2000 <= year <= 2100:
        errors["year"] = "请填写 2000～2100 之间的年度。"
    elif AnnualPlan.objects.filter(jurisdiction=jurisdiction, year=year).exists():
        errors["year"] = f"{jurisdiction.name}已有 {year} 年度计划。"
    if not title.strip():
        errors["title"] = "请填写计划名称。"
    _raise(errors)
    plan = AnnualPlan(
        jurisdiction=jurisdiction,
        year=year,
        title=title.strip(),
        document=document.strip(),
        start_rate_target=start_rate_target,
        investment_rate_target=investment_rate_target,
        completion_rate_target=completion_rate_target,
        early_planning_target=early_planning_target,
    )
    _save_with_author(plan, user, "新建年度计划")
    return plan


@transaction.atomic
def plan_update_targets(
    *,
    user,
    plan: AnnualPlan,
    title: str,
    document: str,
    start_rate_target: Decimal | None,
    investment_rate_target: Decimal | None,
    completion_rate_target: Decimal | None,
    early_planning_target: int | None = None,
) -> AnnualPlan:
    """The plan's name, 印发文号 and targets (DH24 三: 开工率、投资完成率 100 %)."""
    require(user, "projects.manage_plan", plan)
    plan = _locked(plan)
    errors = _check_targets(
        start_rate_target=start_rate_target,
        investment_rate_target=investment_rate_target,
        completion_rate_target=completion_rate_target,
    )
    if not title.strip():
        errors["title"] = "请填写计划名称。"
    if plan_is_issued(plan) and not document.strip():
        errors["document"] = f"计划已印发（{plan.document}），印发文号可以更正，不能清空。"
    _raise(errors)
    plan.title = title.strip()
    plan.document = document.strip()
    plan.start_rate_target = start_rate_target
    plan.investment_rate_target = investment_rate_target
    plan.completion_rate_target = completion_rate_target
    plan.early_planning_target = early_planning_target
    _save_with_author(plan, user, "修改年度计划目标")
    return plan


# ---------------------------------------------------------------------------------------------------
# Entries: add, remove, re-plan (REQ B4)


@transaction.atomic
def plan_add_project(
    *,
    user,
    plan: AnnualPlan,
    project: Project,
    plan_type: str,
    planned_investment: Decimal | None,
    monthly_targets: Sequence[Decimal | None] = (),
    annual_content: str = "",
    decided_by: str = "",
    decided_on: date | None = None,
    document_number: str = "",
    reason: str = "",
) -> PlanEntry:
    """Put a project in the plan. In an issued plan this is a 增补 by decision (recorded); re-adding a
    removed project restores its entry with the new values."""
    require(user, "projects.manage_plan", plan)
    require(user, "projects.manage_plan", project)
    plan = _locked(plan)
    decision = Decision(decided_by, decided_on, document_number, reason)
    errors = _check_entry_values(
        plan_type=plan_type, planned_investment=planned_investment, monthly_targets=monthly_targets
    )
    errors |= _check_decision(plan, decision, today=timezone.localdate())
    if not project.jurisdiction.path.startswith(plan.jurisdiction.path):
        errors["project"] = f"项目“{project.name}”不属于{plan.jurisdiction.name}，不能列入本计划。"
    entry = PlanEntry.objects.filter(plan=plan, project=project).first()
    if entry is not None and not entry.removed:
        errors["project"] = f"项目“{project.name}”已在 {plan.year} 年度计划中。"
    _raise(errors)
    restored = entry is not None
    if entry is None:
        top = PlanEntry.objects.filter(plan=plan).aggregate(top=Max("sort"))["top"] or 0
        entry = PlanEntry(plan=plan, project=project, sort=top + 1)
    entry.plan_type = plan_type
    entry.planned_investment = planned_investment
    entry.monthly_targets = _stored_targets(monthly_targets)
    entry.annual_content = annual_content.strip()
    entry.removed = False
    _save_with_author(entry, user, "增补列入计划" if plan_is_issued(plan) else "列入计划清单")
    _record(
        user=user,
        plan=plan,
        project=project,
        kind="add",
        decision=decision,
        details={"new": _snapshot(entry), "restored": restored},
    )
    return entry


@transaction.atomic
def plan_remove_project(
    *,
    user,
    entry: PlanEntry,
    decided_by: str = "",
    decided_on: date | None = None,
    document_number: str = "",
    reason: str = "",
) -> PlanEntry | None:
    """Take a project out of the plan. In an issued plan the entry stays, marked removed, with the
    decision recorded (调出); in a plan being compiled it simply leaves the list (returns None)."""
    require(user, "projects.manage_plan", entry.plan)
    plan = _locked(entry.plan)
    entry = PlanEntry.objects.select_related("project").get(pk=entry.pk)
    decision = Decision(decided_by, decided_on, document_number, reason)
    errors = _check_decision(plan, decision, today=timezone.localdate())
    if entry.removed:
        errors["project"] = f"项目“{entry.project.name}”已于此前调出计划。"
    _raise(errors)
    if not plan_is_issued(plan):
        entry._history_user = user
        entry.delete()
        return None
    entry.removed = True
    _save_with_author(entry, user, "调出计划", update_fields=["removed"])
    _record(
        user=user,
        plan=plan,
        project=entry.project,
        kind="remove",
        decision=decision,
        details={"old": _snapshot(entry)},
    )
    return entry


@transaction.atomic
def plan_replan(
    *,
    user,
    entry: PlanEntry,
    plan_type: str,
    planned_investment: Decimal | None,
    monthly_targets: Sequence[Decimal | None] = (),
    decided_by: str = "",
    decided_on: date | None = None,
    document_number: str = "",
    reason: str = "",
) -> PlanEntry:
    """Change an entry's plan type, planned investment or monthly targets. In an issued plan the change
    is recorded with the old and new values (调整计划), so the issued baseline stays visible."""
    require(user, "projects.manage_plan", entry.plan)
    plan = _locked(entry.plan)
    entry = PlanEntry.objects.select_related("project").get(pk=entry.pk)
    decision = Decision(decided_by, decided_on, document_number, reason)
    errors = _check_entry_values(
        plan_type=plan_type, planned_investment=planned_investment, monthly_targets=monthly_targets
    )
    errors |= _check_decision(plan, decision, today=timezone.localdate())
    if entry.removed:
        errors["project"] = "该项目已调出计划，请先增补列入后再调整。"
    _raise(errors)
    old = _snapshot(entry)
    entry.plan_type = plan_type
    entry.planned_investment = planned_investment
    entry.monthly_targets = _stored_targets(monthly_targets)
    new = _snapshot(entry)
    if _same(old, new):
        raise ValidationError({"plan_type": "计划类型、年度计划投资和月度目标都没有改动。"})
    _save_with_author(entry, user, "调整计划")
    _record(
        user=user,
        plan=plan,
        project=entry.project,
        kind="replan",
        decision=decision,
        details={"old": old, "new": new},
    )
    return entry


def _same(old: dict, new: dict) -> bool:
    def amounts(values) -> list[Decimal]:
        return [Decimal(value) for value in values]

    return (
        old["plan_type"] == new["plan_type"]
        and Decimal(old["planned_investment"]) == Decimal(new["planned_investment"])
        and amounts(old["monthly_targets"]) == amounts(new["monthly_targets"])
    )


# ---------------------------------------------------------------------------------------------------
# Roll-over (issue 3 part 2)


def rollover_title(plan: AnnualPlan, year: int) -> str:
    if str(plan.year) in plan.title:
        return plan.title.replace(str(plan.year), str(year))
    return f"{year}年{plan.jurisdiction.name}重大重点项目计划"


@transaction.atomic
def plan_rollover(*, user, plan: AnnualPlan, year: int | None = None, title: str = "") -> AnnualPlan:
    """Next year's plan, being compiled, carrying the unfinished projects (续建 once started) with the
    remaining investment proposed as the year's planned investment; the old year stays as it was."""
    require(user, "projects.manage_plan", plan)
    plan = _locked(plan)
    year = plan.year + 1 if year is None else year
    if year <= plan.year:
        raise ValidationError({"year": f"结转的年度应晚于 {plan.year} 年。"})
    if AnnualPlan.objects.filter(jurisdiction=plan.jurisdiction, year=year).exists():
        raise ValidationError({"year": f"{plan.jurisdiction.name}已有 {year} 年度计划，不能重复结转。"})
    new_plan = AnnualPlan(
        jurisdiction=plan.jurisdiction,
        year=year,
        title=title.strip() or rollover_title(plan, year),
        start_rate_target=plan.start_rate_target,
        investment_rate_target=plan.investment_rate_target,
        completion_rate_target=plan.completion_rate_target,
        early_planning_target=plan.early_planning_target,
        rolled_from=plan,
    )
    _save_with_author(new_plan, user, f"由 {plan.year} 年度计划结转")
    entries = [
        PlanEntry(
            plan=new_plan,
            project_id=line.project_id,
            plan_type=line.plan_type,
            planned_investment=line.planned_investment,
            monthly_targets=[],
            sort=number,
        )
        for number, line in enumerate(rollover_lines(plan), start=1)
    ]
    bulk_create_with_history(entries, PlanEntry, default_user=user, default_change_reason="结转")
    return new_plan
