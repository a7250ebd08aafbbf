"""The chain page (a project's promotion chain with its Gantt and approval clock), the node page, evidence
downloads and the template pages. Forms post to small views that call one service and come back to the
page (redirect with a message), or show the page again with the errors beside the fields (400).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tuijin.core.access import can, get_for_action, get_readable, require
from tuijin.core.form_posts import errors_beside_fields, post_form
from tuijin.projects.models import Project
from tuijin.projects.selectors import PROJECT_RELATED, project_readable

from . import rules, selectors, services
from .forms import (
    ApplyTemplateForm,
    ChainForm,
    EvidenceForm,
    MilestoneForm,
    NodeAddForm,
    NodeForm,
    ReplanForm,
    TemplateCopyForm,
    TemplateForm,
    TemplateNodeForm,
)
from .models import ChainNode, ChainTemplate, NodeEvidence, TemplateNode


def _chain_url(project_id: int, anchor: str = "") -> str:
    return reverse("chains:project", args=[project_id]) + (f"#{anchor}" if anchor else "")


# ---------------------------------------------------------------------------------------------------
# The chain page


def _chain_forms(request, project: Project, page: selectors.ChainPage, bound: dict) -> dict:
    if not can(request.user, "chains.manage", page.chain or project):
        return {"manage": False}
    units = selectors.unit_choices(project)
    forms: dict = {"manage": True}
    if not page.progress:
        forms["apply_form"] = bound.get("apply") or ApplyTemplateForm(
            templates=selectors.templates_for_project(request.user, project),
            initial={"target": page.chain.target if page.chain else None},
        )
    forms["milestone_form"] = bound.get("milestone") or MilestoneForm(units=units)
    if page.chain is not None:
        chain = page.chain
        forms["chain_form"] = bound.get("chain") or ChainForm(
            initial={
                "target": chain.target,
                "clock_class": chain.clock_class,
                "signed_by": chain.signed_by,
                "signed_on": chain.signed_on,
            }
        )
        forms["add_form"] = bound.get("add") or NodeAddForm(units=units, nodes=page.rows)
        forms["confirm_errors"] = bound.get("confirm", [])
    return forms


def _render_chain(request, project: Project, *, bound: dict | None = None, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    page = selectors.chain_page(project, user=request.user, today=today)
    clock = selectors.project_clock(project, today=today) if page.chain is not None else None
    if clock is not None and clock.started is None and not any(r.starts_clock for r in page.rows):
        clock = None  # a chain with no land delisting node (政府投资项目) has no approval clock
    context = {
        "page": page,
        "p": project,
        "today": today,
        "clock": clock,
        "provisional_tip": selectors.PROVISIONAL_TIP,
        **_chain_forms(request, project, page, bound or {}),
    }
    return render(request, "chains/chain.html", context, status=status)


@login_required
def project_chain(request, project_id: int):
    require(request.user, "chains.view")
    project = project_readable(request.user, project_id)
    return _render_chain(request, project)


def _managed(request, project_id: int) -> Project:
    return get_for_action(
        request.user, Project.objects.select_related(*PROJECT_RELATED), "chains.manage", pk=project_id
    )


def _chain_post(request, project: Project, form, *, key: str, anchor: str, write):
    return post_form(
        request,
        form,
        write=write,
        done=_chain_url(project.pk, anchor),
        again=lambda: _render_chain(request, project, bound={key: form}, status=400),
    )


def _existing_chain(project: Project):
    chain = selectors.chain_of(project)
    if chain is None:
        raise Http404("本项目还没有推进链条")
    return chain


@login_required
@require_POST
def apply_template(request, project_id: int):
    project = _managed(request, project_id)
    form = ApplyTemplateForm(request.POST, templates=selectors.templates_for_project(request.user, project))

    def write(data) -> str:
        chain = services.chain_apply_template(
            actor=request.user, project=project, template=data["template"], target=data["target"]
        )
        return f"已按“{data['template'].name}”编制推进链条，共 {chain.nodes.count()} 个节点，时限已倒排。"

    return _chain_post(request, project, form, key="apply", anchor="nodes", write=write)


@login_required
@require_POST
def chain_edit(request, project_id: int):
    project = _managed(request, project_id)
    chain = _existing_chain(project)
    form = ChainForm(request.POST)

    def write(data) -> str:
        services.chain_update(actor=request.user, chain=chain, **data)
        return "推进计划信息已保存。"

    return _chain_post(request, project, form, key="chain", anchor="chain-info", write=write)


@login_required
@require_POST
def chain_confirm(request, project_id: int):
    project = _managed(request, project_id)
    chain = _existing_chain(project)
    try:
        services.chain_confirm(actor=request.user, chain=chain)
    except ValidationError as exc:
        return _render_chain(request, project, bound={"confirm": exc.messages}, status=400)
    messages.success(request, "推进计划已经项目办确认；此后调整时限须填写原因，原定时限保留。")
    return redirect(_chain_url(project.pk, "chain-info"))


@login_required
@require_POST
def milestone_add(request, project_id: int):
    project = _managed(request, project_id)
    form = MilestoneForm(request.POST, units=selectors.unit_choices(project))

    def write(data) -> str:
        node = services.milestone_add(
            actor=request.user,
            project=project,
            name=data["name"],
            deadline=data["deadline"],
            responsible_unit=data["responsible_unit"],
        )
        return f"已添加形象进度节点“{node.name}”，计划 {node.deadline} 完成。"

    return _chain_post(request, project, form, key="milestone", anchor="nodes", write=write)


@login_required
@require_POST
def node_add(request, project_id: int):
    project = _managed(request, project_id)
    chain = _existing_chain(project)
    form = NodeAddForm(request.POST, units=selectors.unit_choices(project), nodes=list(chain.nodes.all()))

    def write(data) -> str:
        node = services.node_add(
            actor=request.user,
            chain=chain,
            name=data["name"],
            phase=data["phase"],
            after=data["after"],
            deadline=data["deadline"],
            duration=data["duration"] or 0,
            responsible_unit=data["responsible_unit"],
        )
        return f"已添加节点“{node.name}”。"

    return _chain_post(request, project, form, key="add", anchor="nodes", write=write)


# ---------------------------------------------------------------------------------------------------
# The node page


def _node_forms(request, node: ChainNode, bound: dict) -> dict:
    user = request.user
    allowed = {
        "edit": can(user, "chains.update_node", node),
        "manage": can(user, "chains.manage", node.chain),
        "confirm": can(user, "chains.confirm_node", node),
    }
    forms: dict = {"allowed": allowed}
    if allowed["edit"]:
        forms["node_form"] = bound.get("node") or _node_form(request, node)
        forms["evidence_form"] = bound.get("evidence") or EvidenceForm()
    if allowed["manage"]:
        forms["replan_form"] = bound.get("replan") or ReplanForm(initial={"deadline": node.deadline})
    forms["action_errors"] = bound.get("errors", [])
    forms["replan_needs_reason"] = node.chain.confirmed_at is not None
    return forms


def _node_form(request, node: ChainNode, data=None) -> NodeForm:
    office = can(request.user, "chains.manage", node.chain)
    project = node.project
    return NodeForm(
        data,
        people=selectors.person_choices(project, unit_id=None if office else node.responsible_unit_id),
        units=selectors.unit_choices(project) if office else None,
        stage_node=bool(node.stage),
        initial={
            "actual": node.actual,
            "responsible_person": node.responsible_person_id,
            "note": node.note,
            "exempt_reason": node.exempt_reason,
            "responsible_unit": node.responsible_unit_id,
        },
    )


def _render_node(request, node: ChainNode, *, bound: dict | None = None, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    page = selectors.chain_page(node.project, user=request.user, today=today)
    row = next(r for r in page.rows if r.pk == node.pk)
    context = {
        "page": page,
        "row": row,
        "node": node,
        "p": node.project,
        "today": today,
        "provisional_tip": selectors.PROVISIONAL_TIP,
        **_node_forms(request, node, bound or {}),
    }
    return render(request, "chains/node.html", context, status=status)


NODE_RELATED = ("chain__project__jurisdiction", "project__jurisdiction", "responsible_unit")


def _node_for(request, pk: int, action: str) -> ChainNode:
    node = get_for_action(request.user, ChainNode.objects.select_related(*NODE_RELATED), action, pk=pk)
    node.project = node.chain.project
    return node


def _node_post(request, node: ChainNode, form, *, key: str, write):
    return post_form(
        request,
        form,
        write=write,
        done=_chain_url(node.project_id, f"node-{node.pk}"),
        again=lambda: _render_node(request, node, bound={key: form}, status=400),
    )


@login_required
def node(request, pk: int):
    """The node page; a POST is the node's progress (actual date, note, person; the office also 免办 and
    the responsible unit)."""
    if request.method != "POST":
        require(request.user, "chains.view")
        item = get_readable(request.user, ChainNode.objects.select_related(*NODE_RELATED), pk=pk)
        item.project = item.chain.project
        return _render_node(request, item)
    item = _node_for(request, pk, "chains.update_node")
    form = _node_form(request, item, request.POST)

    def write(data) -> str:
        updated = services.node_update(actor=request.user, node=item, **data)
        return f"“{updated.name}”已保存。"

    return _node_post(request, item, form, key="node", write=write)


@login_required
@require_POST
def node_replan(request, pk: int):
    item = _node_for(request, pk, "chains.manage")
    form = ReplanForm(request.POST)

    def write(data) -> str:
        services.node_replan(actor=request.user, node=item, deadline=data["deadline"], reason=data["reason"])
        return f"“{item.name}”的完成时限已调整为 {data['deadline']}。"

    return _node_post(request, item, form, key="replan", write=write)


@login_required
@require_POST
def node_evidence(request, pk: int):
    item = _node_for(request, pk, "chains.update_node")
    form = EvidenceForm(request.POST, request.FILES)

    def write(data) -> str:
        evidence = services.evidence_add(actor=request.user, node=item, uploaded_file=data["file"])
        return f"已上传佐证材料“{evidence.name}”。"

    return _node_post(request, item, form, key="evidence", write=write)


def _node_action(request, item: ChainNode, call, message: str):
    try:
        call()
    except ValidationError as exc:
        return _render_node(request, item, bound={"errors": exc.messages}, status=400)
    messages.success(request, message)
    return redirect(_chain_url(item.project_id, f"node-{item.pk}"))


@login_required
@require_POST
def node_confirm(request, pk: int):
    """The node's unit head confirms it; the office confirms it as the project office."""
    item = get_object_or_404(ChainNode.objects.select_related(*NODE_RELATED), pk=pk)
    item.project = item.chain.project
    office = not can(request.user, "chains.confirm_node", item)
    require(
        request.user, "chains.manage" if office else "chains.confirm_node", item.chain if office else item
    )
    who = "项目办" if office else "责任单位"
    return _node_action(
        request,
        item,
        lambda: services.node_confirm(actor=request.user, node=item, office=office),
        f"“{item.name}”已经{who}确认。",
    )


@login_required
@require_POST
def node_remove(request, pk: int):
    item = _node_for(request, pk, "chains.manage")
    try:
        services.node_remove(actor=request.user, node=item)
    except ValidationError as exc:
        return _render_node(request, item, bound={"errors": exc.messages}, status=400)
    messages.success(request, f"已删除节点“{item.name}”。")
    return redirect(_chain_url(item.project_id, "nodes"))


@login_required
def evidence(request, pk: int):
    """Download a node's evidence file (whoever reads the project)."""
    require(request.user, "chains.view")
    item = get_readable(request.user, NodeEvidence.objects.all(), pk=pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("文件已不存在") from exc
    return FileResponse(handle, as_attachment=True, filename=item.name)


# ---------------------------------------------------------------------------------------------------
# Templates


@login_required
def template_list(request):
    require(request.user, "chains.view")
    context = {
        "rows": selectors.template_rows(request.user),
        "can_copy": can(request.user, "chains.manage_templates"),
    }
    return render(request, "chains/template_list.html", context)


def _template_forms(request, template: ChainTemplate, bound: dict) -> dict:
    user = request.user
    editable = template.jurisdiction_id is not None and can(user, "chains.manage_templates", template)
    forms: dict = {"editable": editable, "can_copy": can(user, "chains.manage_templates")}
    if forms["can_copy"]:
        forms["copy_form"] = bound.get("copy") or TemplateCopyForm()
    if not editable:
        return forms
    nodes = selectors.template_nodes(template)
    forms["template_form"] = bound.get("template") or TemplateForm(
        initial={"name": template.name, "description": template.description, "is_active": template.is_active}
    )
    editing = bound.get("editing") or _editing(request, nodes)
    forms["editing"] = editing
    forms["node_form"] = bound.get("node") or _template_node_form(nodes, editing)
    return forms


def _editing(request, nodes: list[TemplateNode]) -> TemplateNode | None:
    wanted = request.GET.get("edit", "")
    return next((n for n in nodes if str(n.pk) == wanted), None)


def _template_node_form(nodes, node: TemplateNode | None, data=None) -> TemplateNodeForm:
    initial = {"phase": "approval", "step": max((n.step for n in nodes), default=0) + 1, "duration": 0}
    if node is not None:
        initial = {field: getattr(node, field) for field in services.TEMPLATE_NODE_FIELDS}
    return TemplateNodeForm(data, nodes=nodes, node=node, initial=initial)


def _render_template(request, template: ChainTemplate, *, bound=None, status=200) -> HttpResponse:
    context = {
        "page": selectors.template_page(template),
        "t": template,
        "phases": rules.PHASES,
        **_template_forms(request, template, bound or {}),
    }
    return render(request, "chains/template_detail.html", context, status=status)


@login_required
def template_detail(request, pk: int):
    require(request.user, "chains.view")
    return _render_template(request, selectors.template_readable(request.user, pk))


def _template_url(template: ChainTemplate, anchor: str = "") -> str:
    return reverse("chains:template", args=[template.pk]) + (f"#{anchor}" if anchor else "")


def _managed_template(request, pk: int) -> ChainTemplate:
    return get_for_action(
        request.user, ChainTemplate.objects.select_related("jurisdiction"), "chains.manage_templates", pk=pk
    )


@login_required
@require_POST
def template_copy(request, pk: int):
    require(request.user, "chains.manage_templates")
    template = selectors.template_readable(request.user, pk)
    form = TemplateCopyForm(request.POST)
    if form.is_valid():
        try:
            copy = services.template_copy(
                actor=request.user, template=template, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            errors_beside_fields(form, exc)
        else:
            messages.success(request, f"已复制为本辖区模板“{copy.name}”，可以修改节点了。")
            return redirect(_template_url(copy))
    return _render_template(request, template, bound={"copy": form}, status=400)


@login_required
@require_POST
def template_edit(request, pk: int):
    template = _managed_template(request, pk)
    form = TemplateForm(request.POST)

    def write(data) -> str:
        services.template_update(actor=request.user, template=template, **data)
        return "模板已保存。"

    return post_form(
        request,
        form,
        write=write,
        done=_template_url(template),
        again=lambda: _render_template(request, template, bound={"template": form}, status=400),
    )


@login_required
@require_POST
def template_node_save(request, pk: int, node_pk: int | None = None):
    """Add a node to an office's template (`node_pk` empty) or change one; the template is checked whole."""
    template = _managed_template(request, pk)
    nodes = selectors.template_nodes(template)
    node = None
    if node_pk is not None:
        node = next((n for n in nodes if n.pk == node_pk), None)
        if node is None:
            raise Http404("模板节点不存在")
    form = _template_node_form(nodes, node, request.POST)

    def write(data) -> str:
        saved = services.template_node_save(actor=request.user, template=template, node=node, **data)
        return f"节点“{saved.name}”已保存。"

    return post_form(
        request,
        form,
        write=write,
        done=_template_url(template, "nodes"),
        again=lambda: _render_template(request, template, bound={"node": form, "editing": node}, status=400),
    )


@login_required
@require_POST
def template_node_remove(request, pk: int, node_pk: int):
    template = _managed_template(request, pk)
    node = TemplateNode.objects.filter(template=template, pk=node_pk).first()
    if node is None:
        raise Http404("模板节点不存在")
    try:
        services.template_node_remove(actor=request.user, node=node)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已删除节点“{node.name}”。")
    return redirect(_template_url(template, "nodes"))
