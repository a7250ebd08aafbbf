"""The annual plan pages (年度计划): the years' plans, one plan's targets against actual, its entries,
changes and must-list warnings, and the office's actions (targets, add, remove, re-plan, roll over)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tuijin.core.access import can, get_for_action, get_readable, require, scope
from tuijin.core.forms import apply_validation_error
from tuijin.org.models import Jurisdiction

from . import plan_selectors as selectors
from . import plan_services as services
from .models import AnnualPlan, PlanEntry
from .plan_forms import (
    AddForm,
    DecisionForm,
    EntryValuesForm,
    PlanCreateForm,
    ReplanForm,
    RolloverForm,
    TargetsForm,
)

MANAGE = "projects.manage_plan"


def _plan_for_action(request, pk: int) -> AnnualPlan:
    return get_for_action(request.user, AnnualPlan.objects.select_related("jurisdiction"), MANAGE, pk=pk)


def _entry_for_action(request, pk: int, entry_pk: int) -> PlanEntry:
    """An entry to change: managing it is managing its plan (the plan's jurisdiction decides, not the
    project's: a district office may not change the city plan's entry of a district project)."""
    entries = PlanEntry.objects.select_related("plan__jurisdiction", "project__jurisdiction")
    try:
        entry = entries.get(pk=entry_pk, plan_id=pk)
    except PlanEntry.DoesNotExist as exc:
        raise Http404("年度计划项目不存在") from exc
    require(request.user, MANAGE, entry.plan)
    return entry


def _to_plan(plan_id: int):
    return redirect("projects:plan", pk=plan_id)


@login_required
@require_GET
def plans(request):
    require(request.user, "projects.view_plans")
    context = {"years": selectors.plan_years_for(request.user), "can_create": can(request.user, MANAGE)}
    return render(request, "projects/plans.html", context)


@login_required
def plan_create(request):
    require(request.user, MANAGE)
    today = timezone.localdate()
    home = request.user.jurisdiction
    jurisdictions = scope(request.user, Jurisdiction.objects.exclude(level="street")).order_by("path")
    initial = {"jurisdiction": home, "year": today.year}
    if home is not None:
        initial["title"] = f"{today.year}年{home.name}重大重点项目计划"
    form = PlanCreateForm(request.POST or None, jurisdictions=jurisdictions, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"已新建“{plan.title}”。录入项目后填写印发文号，计划即为已印发。")
            return _to_plan(plan.pk)
    status = 400 if form.is_bound else 200
    return render(request, "projects/plan_form.html", {"form": form, "creating": True}, status=status)


@login_required
@require_GET
def plan(request, pk: int):
    require(request.user, "projects.view_plans")
    plan = get_readable(request.user, selectors.readable_plans(request.user), pk=pk)
    filters = selectors.entry_filters(request.GET)
    page = selectors.plan_page(request.user, plan, today=timezone.localdate(), filters=filters)
    return render(request, "projects/plan.html", {"page": page, "plan": plan})


@login_required
def plan_edit(request, pk: int):
    plan = _plan_for_action(request, pk)
    fields = ("title", "document", "start_rate_target", "investment_rate_target", "completion_rate_target")
    initial = {name: getattr(plan, name) for name in (*fields, "early_planning_target")}
    form = TargetsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update_targets(user=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "计划名称、印发文号和目标已保存。")
            return _to_plan(plan.pk)
    status = 400 if form.is_bound else 200
    return render(request, "projects/plan_form.html", {"form": form, "plan": plan}, status=status)


@login_required
def plan_add(request, pk: int):
    plan = _plan_for_action(request, pk)
    projects = selectors.addable_projects(request.user, plan)
    form = AddForm(request.POST or None, projects=projects, initial={"decided_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.plan_add_project(
                user=request.user,
                plan=plan,
                project=data["project"],
                plan_type=data["plan_type"],
                planned_investment=data["planned_investment"],
                monthly_targets=form.monthly_targets(),
                annual_content=data["annual_content"],
                **form.decision(),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            verb = "增补列入" if services.plan_is_issued(plan) else "列入"
            messages.success(request, f"已将“{entry.project.name}”{verb} {plan.year} 年度计划。")
            return _to_plan(plan.pk)
    context = {"form": form, "plan": plan, "issued": services.plan_is_issued(plan)}
    return render(request, "projects/plan_add.html", context, status=400 if form.is_bound else 200)


def _entry_context(request, entry: PlanEntry, *, replan_form=None, remove_form=None) -> dict:
    page = selectors.entry_page(request.user, entry)
    context = {"page": page, "plan": entry.plan, "issued": services.plan_is_issued(entry.plan)}
    if can(request.user, MANAGE, entry.plan) and not entry.removed:
        initial = {
            "plan_type": entry.plan_type,
            "planned_investment": entry.planned_investment,
            "decided_on": timezone.localdate(),
            **EntryValuesForm.monthly_initial(page.monthly),
        }
        context["replan_form"] = replan_form or ReplanForm(initial=initial)
        context["remove_form"] = remove_form or DecisionForm(initial={"decided_on": timezone.localdate()})
    return context


@login_required
@require_GET
def plan_entry(request, pk: int, entry_pk: int):
    require(request.user, "projects.view_plans")
    entry = get_readable(request.user, selectors.readable_entries(request.user), pk=entry_pk, plan_id=pk)
    return render(request, "projects/plan_entry.html", _entry_context(request, entry))


@login_required
@require_POST
def plan_replan(request, pk: int, entry_pk: int):
    entry = _entry_for_action(request, pk, entry_pk)
    form = ReplanForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.plan_replan(
                user=request.user,
                entry=entry,
                plan_type=data["plan_type"],
                planned_investment=data["planned_investment"],
                monthly_targets=form.monthly_targets(),
                **form.decision(),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"已调整“{entry.project.name}”的年度计划。")
            return _to_plan(pk)
    context = _entry_context(request, entry, replan_form=form)
    return render(request, "projects/plan_entry.html", context, status=400)


@login_required
@require_POST
def plan_remove(request, pk: int, entry_pk: int):
    entry = _entry_for_action(request, pk, entry_pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            kept = services.plan_remove_project(user=request.user, entry=entry, **form.decision())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            done = "调出计划（调整记录已保存）" if kept else "从计划清单中移除"
            messages.success(request, f"已将“{entry.project.name}”{done}。")
            return _to_plan(pk)
    context = _entry_context(request, entry, remove_form=form)
    return render(request, "projects/plan_entry.html", context, status=400)


@login_required
def plan_rollover(request, pk: int):
    plan = _plan_for_action(request, pk)
    year = plan.year + 1
    form = RolloverForm(
        request.POST or None, initial={"year": year, "title": services.rollover_title(plan, year)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            new_plan = services.plan_rollover(user=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, f"已结转为“{new_plan.title}”（编制中）：请核对计划类型和年度计划投资后填写印发文号。"
            )
            return _to_plan(new_plan.pk)
    context = {"form": form, "plan": plan, "lines": selectors.rollover_lines(plan)}
    return render(request, "projects/plan_rollover.html", context, status=400 if form.is_bound else 200)
