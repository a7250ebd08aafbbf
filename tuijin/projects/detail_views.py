"""The project page and the create/edit pages; the stage, hand-over and investment forms post from the
project page and come back to it (redirect with a message, or the page again with errors beside fields).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tuijin.core.access import can, get_for_action, require, scope
from tuijin.core.form_posts import errors_beside_fields, post_form
from tuijin.org.models import Jurisdiction

from . import rules, selectors, services
from .forms import (
    FIELD_GROUPS,
    FundingFormSet,
    HandoverCompleteForm,
    HandoverOpenForm,
    InvestmentForm,
    MilestoneForm,
    ProjectForm,
    ProjectLocationForm,
    StageForm,
)
from .models import Handover, Project


def _detail_url(project: Project, anchor: str = "") -> str:
    return reverse("projects:detail", args=[project.pk]) + (f"#{anchor}" if anchor else "")


# ---------------------------------------------------------------------------------------------------
# The project page


def _page_forms(request, project: Project, bound: dict) -> dict:
    user, today = request.user, timezone.localdate()
    allowed = {
        "edit": can(user, "projects.edit", project),
        "move": can(user, "projects.move_stage", project),
        "handover": can(user, "projects.handover", project),
        "invest": can(user, "projects.record_investment", project),
    }
    forms = {"allowed": allowed}
    if allowed["move"]:
        forms["stage_form"] = bound.get("stage") or StageForm(current=project.stage, initial={"on": today})
    forms["backfill_form"] = bound.get("backfill")
    if allowed["invest"]:
        forms["investment_form"] = bound.get("investment") or InvestmentForm(
            initial={"year": today.year, "month": today.month}
        )
    forms["complete_form"] = bound.get("complete")
    return forms


def _render_detail(
    request, project: Project, *, bound: dict | None = None, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    page = selectors.project_page(project, today=today)
    context = {"page": page, "p": project, "today": today, **_page_forms(request, project, bound or {})}
    if context["backfill_form"] is not None:  # posted with errors: offer what is still missing
        context["backfill_form"].fields["milestone"].choices = MilestoneForm.choices_for(
            page.missing_milestones
        )
    elif context["allowed"]["move"] and page.missing_milestones:
        context["backfill_form"] = MilestoneForm(missing=page.missing_milestones)
    if context["allowed"]["handover"] and page.open_handover_kinds:
        context["handover_form"] = bound.get("handover") if bound else None
        context["handover_form"] = context["handover_form"] or HandoverOpenForm(
            units=selectors.unit_choices(request.user, project.jurisdiction),
            kinds=page.open_handover_kinds,
            initial={"since": today},
        )
    return render(request, "projects/detail.html", context, status=status)


@login_required
def detail(request, pk: int):
    require(request.user, "projects.view")
    project = selectors.project_readable(request.user, pk)
    return _render_detail(request, project)


def _for_action(request, pk: int, action: str) -> Project:
    return get_for_action(
        request.user, Project.objects.select_related(*selectors.PROJECT_RELATED), action, pk=pk
    )


def _post_form(request, project: Project, form, *, key: str, anchor: str, write):
    """The page's small forms: back to the project page at `anchor`, or the page again with the errors
    beside the fields (`core.form_posts.post_form`)."""
    return post_form(
        request,
        form,
        write=write,
        done=_detail_url(project, anchor),
        again=lambda: _render_detail(request, project, bound={key: form}, status=400),
    )


@login_required
@require_POST
def move_stage(request, pk: int):
    """Record a move into another stage, or (`op=backfill`) a milestone's missing actual date."""
    project = _for_action(request, pk, "projects.move_stage")
    if request.POST.get("op") == "backfill":
        return _backfill(request, project)

    def write(data) -> str:
        move = services.project_move_stage(
            user=request.user,
            project=project,
            to_stage=data["to_stage"],
            on=data["on"],
            note=data["note"],
            document=data["document"],
        )
        return f"已记录：{move.on} 变更为“{rules.STAGES[move.to_stage]}”。"

    form = StageForm(request.POST, current=project.stage)
    return _post_form(request, project, form, key="stage", anchor="stage", write=write)


def _backfill(request, project: Project):
    def write(data) -> str:
        record = services.project_backfill_milestone(
            user=request.user,
            project=project,
            milestone=data["milestone"],
            on=data["on"],
            note=data["note"],
            document=data["document"],
        )
        return f"已补录{rules.MILESTONE_STAGES[record.to_stage]}日期 {record.on}，项目阶段不变。"

    return _post_form(
        request, project, MilestoneForm(request.POST), key="backfill", anchor="stage", write=write
    )


@login_required
@require_POST
def handover(request, pk: int):
    """Open a hand-over (`op=open`) or sign one off (`op=complete`), ETDZ19 四(五)."""
    project = _for_action(request, pk, "projects.handover")
    if request.POST.get("op") == "complete":
        return _handover_complete(request, project)

    def write(data) -> str:
        item = services.handover_open(
            user=request.user,
            project=project,
            kind=data["kind"],
            since=data["since"],
            from_unit=data["from_unit"],
            to_unit=data["to_unit"],
            note=data["note"],
        )
        return f"已开始“{item.get_kind_display()}”，移交期限 {item.due_on}。"

    form = HandoverOpenForm(
        request.POST,
        units=selectors.unit_choices(request.user, project.jurisdiction),
        kinds=list(rules.HANDOVER_KINDS.items()),
    )
    return _post_form(request, project, form, key="handover", anchor="handovers", write=write)


def _handover_complete(request, project: Project):
    def write(data) -> str:
        item = Handover.objects.filter(project=project, pk=data["handover"]).first()
        if item is None:
            raise ValidationError("该移交记录不存在。")
        services.handover_complete(
            user=request.user,
            handover=item,
            handed_on=data["handed_on"],
            signed_by=data["signed_by"],
            site_checked_on=data["site_checked_on"],
            note=data["note"],
        )
        return f"“{item.get_kind_display()}”已办结。"

    form = HandoverCompleteForm(request.POST)
    return _post_form(request, project, form, key="complete", anchor="handovers", write=write)


@login_required
@require_POST
def investment(request, pk: int):
    project = _for_action(request, pk, "projects.record_investment")

    def write(data) -> str:
        entry = services.investment_record(
            user=request.user,
            project=project,
            year=data["year"],
            month=data["month"],
            amount=data["amount"],
            note=data["note"],
        )
        return f"已录入 {entry.year}年{entry.month}月完成投资 {rules.format_money(entry.amount)}。"

    form = InvestmentForm(request.POST)
    return _post_form(request, project, form, key="investment", anchor="investment", write=write)


# ---------------------------------------------------------------------------------------------------
# Create and edit


def _project_form(request, jurisdiction: Jurisdiction, *, data=None, initial=None, creating=False):
    user = request.user
    jurisdictions = None
    if creating:
        jurisdictions = list(scope(user, Jurisdiction.objects.all()).order_by("path"))
    return ProjectForm(
        data,
        initial=initial,
        units=selectors.unit_choices(user, jurisdiction),
        people=selectors.person_choices(user, jurisdiction),
        leaders=selectors.person_choices(user, jurisdiction, leaders_only=True),
        jurisdictions=jurisdictions,
        creating=creating,
    )


def _funding_initial(project: Project) -> list[dict]:
    return [
        {"kind": f.kind, "amount": f.amount, "note": f.note} for f in project.funding_sources.order_by("id")
    ]


def _render_form(request, form, funding, *, project=None, funding_errors=(), route=None, status=200):
    groups = [(title, [form[name] for name in names if name in form.fields]) for title, names in FIELD_GROUPS]
    context = {
        "form": form,
        "groups": [(title, fields) for title, fields in groups if fields],
        "funding": funding,
        "funding_errors": list(funding_errors),
        "project": project,
        "route": route,
    }
    return render(request, "projects/form.html", context, status=status)


@login_required
def create(request):
    require(request.user, "projects.create")
    home = request.user.jurisdiction
    form = _project_form(request, home, data=request.POST or None, creating=True)
    funding = FundingFormSet(request.POST or None, prefix="funding")
    funding_errors: list[str] = []
    if request.method == "POST" and form.is_valid() & funding.is_valid():
        try:
            project = services.project_create(
                user=request.user,
                jurisdiction=form.cleaned_data.get("jurisdiction") or home,
                data=form.project_data(),
                tags=form.cleaned_data["tags"],
                secondary_units=form.cleaned_data["secondary_units"],
                funding=funding.lines(),
                stage=form.cleaned_data["stage"],
            )
        except ValidationError as exc:
            errors_beside_fields(form, exc, {"funding": funding_errors})
        else:
            messages.success(request, f"项目“{project.name}”已保存。")
            return redirect(_detail_url(project))
    status = 400 if request.method == "POST" else 200
    return _render_form(request, form, funding, funding_errors=funding_errors, status=status)


def _edit_initial(project: Project, full: bool) -> dict:
    names = ["content", "address", "longitude", "latitude", "image_progress"]
    if full:
        names += [name for name in services.PROJECT_FIELDS if name not in names]
    initial = {name: getattr(project, name) for name in names}
    if full:
        initial["tags"] = list(project.tags.all())
        initial["secondary_units"] = list(project.secondary_units.all())
    return initial


@login_required
def edit(request, pk: int):
    """The office edits everything; the responsible unit's staff edit content, location and funding."""
    project = _for_action(request, pk, "projects.edit")
    full = can(request.user, "projects.edit_all", project)
    data = request.POST or None
    if full:
        form = _project_form(request, project.jurisdiction, data=data, initial=_edit_initial(project, True))
    else:
        form = ProjectLocationForm(data, initial=_edit_initial(project, False))
    funding = FundingFormSet(data, prefix="funding", initial=_funding_initial(project))
    funding_errors: list[str] = []
    if request.method == "POST" and form.is_valid() & funding.is_valid():
        extra = {}
        if full:
            extra = {
                "tags": form.cleaned_data["tags"],
                "secondary_units": form.cleaned_data["secondary_units"],
            }
        try:
            project = services.project_update(
                user=request.user,
                project=project,
                data=form.project_data() if full else form.cleaned_data,
                funding=funding.lines(),
                **extra,
            )
        except ValidationError as exc:
            errors_beside_fields(form, exc, {"funding": funding_errors})
        else:
            messages.success(request, f"项目“{project.name}”已保存。")
            return redirect(_detail_url(project))
    route = services.project_route(project=project) if full else None
    status = 400 if request.method == "POST" else 200
    return _render_form(
        request, form, funding, project=project, funding_errors=funding_errors, route=route, status=status
    )
