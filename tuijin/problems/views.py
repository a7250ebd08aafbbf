"""Pages of the problem closed loop: the list (问题清单), filing (上报问题), the problem page with its timeline
and the action forms its reader may use, the slips list with 签收, Word slips, evidence downloads and the
office's slip templates. Each action form posts to `step/<name>/`, which calls one service and comes back
to the problem page (or shows it again, 400, with the errors beside the fields)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tuijin.core.access import can, get_for_action, get_readable, require
from tuijin.core.form_posts import errors_beside_fields, post_form
from tuijin.documents import services as documents
from tuijin.documents.registry import document
from tuijin.documents.registry import documents as registered_documents
from tuijin.org.models import Unit

from . import forms as f
from . import rules, selectors, services
from .documents import slip_docx, slip_filename
from .models import Problem, ProblemAttachment, Slip

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _problem_url(pk: int, anchor: str = "") -> str:
    return reverse("problems:detail", args=[pk]) + (f"#{anchor}" if anchor else "")


# ---------------------------------------------------------------------------------------------------
# The list


def _flag(value: str) -> bool | None:
    return True if value == "1" else None


def _count_cards(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    cards = [(k, v, counts.get(k, 0)) for k, v in rules.STATUSES.items() if k != "sorted"]
    return [*cards, ("overdue", "超期", counts.get("overdue", 0))]


@login_required
def problem_list(request):
    require(request.user, "problems.view")
    today = timezone.localdate()
    g = request.GET
    unit_id = int(g["unit"]) if g.get("unit", "").isdigit() else None
    if g.get("mine") == "1" and request.user.unit_id:
        unit_id = request.user.unit_id
    qs = selectors.problems_for(
        request.user,
        today=today,
        status=g.get("status", ""),
        kind=g.get("kind", ""),
        grade=g.get("grade", ""),
        unit_id=unit_id,
        overdue=_flag(g.get("overdue", "")),
        q=g.get("q", "").strip(),
    )
    if g.get("waiting") == "1":
        from .todo import _office_waiting

        qs = qs.filter(pk__in=_office_waiting(request.user).values("pk"))
    page = Paginator(qs, 50).get_page(g.get("page"))
    rows = [{"p": p, "overdue": rules.is_overdue(p.status, p.due_date, today)} for p in page]
    context = {
        "page": page,
        "rows": rows,
        "count_cards": _count_cards(selectors.status_counts(request.user, today)),
        "statuses": rules.STATUSES,
        "kinds": rules.KINDS,
        "grades": rules.GRADES,
        "units": Unit.objects.filter(jurisdiction=request.user.jurisdiction, is_active=True)
        if request.user.jurisdiction_id
        else Unit.objects.none(),
        "f": {k: g.get(k, "") for k in ("status", "kind", "grade", "unit", "overdue", "q", "mine")},
        "can_file": can(request.user, "problems.file"),
        "can_templates": can(request.user, "documents.manage_templates"),
    }
    return render(request, "problems/list.html", context)


# ---------------------------------------------------------------------------------------------------
# Filing


@login_required
def problem_new(request):
    require(request.user, "problems.file")
    projects = selectors.projects_to_file(request.user)
    initial = {}
    if request.GET.get("project", "").isdigit():
        initial["project"] = int(request.GET["project"])
    form = f.FileForm(request.POST or None, projects=projects, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            problem = services.problem_file(
                actor=request.user,
                project=d["project"],
                kind=d["kind"],
                grade=d["grade"],
                title=d["title"],
                description=d["description"],
                needs=d["needs"],
                token=d["token"],
            )
        except ValidationError as exc:
            errors_beside_fields(form, exc)
        else:
            messages.success(request, f"问题已上报（编号 {problem.code}），等待项目办梳理交办。")
            return redirect(_problem_url(problem.pk))
    status = 400 if form.is_bound else 200
    return render(request, "problems/new.html", {"form": form}, status=status)


# ---------------------------------------------------------------------------------------------------
# The problem page


def _step_forms(request, problem: Problem, page: selectors.ProblemPage, bound: dict) -> dict:
    units = selectors.unit_choices(problem.jurisdiction)
    above = rules.higher_levels(page.ladder, problem.level)
    makers = {
        "sort": lambda: f.SortForm(initial={"kind": problem.kind, "grade": problem.grade}),
        "assign": lambda: f.AssignForm(
            units=units, initial={"unit": problem.filed_unit_id, "workdays": rules.DEFAULT_DEADLINE_WORKDAYS}
        ),
        "acknowledge": lambda: f.AcknowledgeForm(),
        "progress": lambda: f.ProgressForm(),
        "request_transfer": lambda: f.RequestTransferForm(units=units.exclude(pk=problem.assigned_unit_id)),
        "transfer": lambda: f.TransferForm(
            units=units.exclude(pk=problem.assigned_unit_id), initial={"unit": problem.request_unit_id}
        ),
        "request_escalation": lambda: f.RequestEscalationForm(levels=above),
        "escalate": lambda: f.EscalateForm(levels=above, initial={"level": problem.request_level}),
        "remind": lambda: f.SlipForm(initial={"content": f"请抓紧办理“{problem.title}”，按期答复。"}),
        "reply": lambda: f.ReplyForm(),
        "review_close": lambda: f.CloseForm(),
        "review_return": lambda: f.ReturnForm(),
    }
    steps = list(page.steps)
    if page.can_supervise and "supervise" not in steps:
        steps.append("supervise")
    if not above:
        steps = [s for s in steps if s not in ("escalate", "request_escalation")]
    if problem.pending_request:  # the office decides the pending request first (services refuse a second)
        steps = [s for s in steps if s not in ("request_transfer", "request_escalation")]
    forms = []
    steps += [s for s in bound if s not in steps and s != "decline"]  # a refused step shows its error
    for step in steps:
        if step == "supervise":
            form = bound.get(step) or f.SlipForm(
                initial={"content": f"“{problem.title}”已超期或进展缓慢，请加快办理。"}
            )
        elif step in makers:
            form = bound.get(step) or makers[step]()
        else:
            continue
        label = rules.STEPS[step].label if step in rules.STEPS else "督办"
        forms.append({"step": step, "label": label, "form": form})
    if problem.pending_request and rules.OFFICE in selectors.actor_roles(request.user, problem):
        forms.append(
            {"step": "decline", "label": "不同意申请", "form": bound.get("decline") or f.DeclineForm()}
        )
    return {"step_forms": forms}


def _render_problem(
    request, problem: Problem, *, bound: dict | None = None, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    page = selectors.problem_page(request.user, problem, today)
    context = {
        "page": page,
        "p": problem,
        "today": today,
        "statuses": list(rules.STATUSES.items()),
        "ack_slips": [
            s for s in page.slips if s.pending and can(request.user, "problems.slip_acknowledge", s)
        ],
        **_step_forms(request, problem, page, bound or {}),
    }
    return render(request, "problems/detail.html", context, status=status)


@login_required
def problem_detail(request, pk: int):
    require(request.user, "problems.view")
    return _render_problem(request, selectors.problem_readable(request.user, pk))


STEP_ACTIONS = {
    "sort": "problems.manage",
    "assign": "problems.manage",
    "transfer": "problems.manage",
    "escalate": "problems.manage",
    "remind": "problems.manage",
    "review_close": "problems.manage",
    "review_return": "problems.manage",
    "decline": "problems.manage",
    "supervise": "problems.supervise",
    "acknowledge": "problems.handle",
    "progress": "problems.handle",
    "request_transfer": "problems.handle",
    "request_escalation": "problems.handle",
    "reply": "problems.handle",
}


def _bind(step: str, request, problem: Problem):
    units = selectors.unit_choices(problem.jurisdiction)
    levels = services.ladder_for(problem.jurisdiction)
    data, files = request.POST, request.FILES
    return {
        "sort": lambda: f.SortForm(data),
        "assign": lambda: f.AssignForm(data, units=units),
        "acknowledge": lambda: f.AcknowledgeForm(data),
        "progress": lambda: f.ProgressForm(data, files),
        "request_transfer": lambda: f.RequestTransferForm(data, units=units),
        "transfer": lambda: f.TransferForm(data, units=units),
        "request_escalation": lambda: f.RequestEscalationForm(data, levels=levels),
        "escalate": lambda: f.EscalateForm(data, levels=levels),
        "remind": lambda: f.SlipForm(data),
        "supervise": lambda: f.SlipForm(data),
        "reply": lambda: f.ReplyForm(data, files),
        "review_close": lambda: f.CloseForm(data, files),
        "review_return": lambda: f.ReturnForm(data),
        "decline": lambda: f.DeclineForm(data),
    }[step]()


def _write(step: str, user, problem: Problem, d: dict) -> str:
    common = {"actor": user, "problem": problem, "token": d.get("token", "")}
    if step == "sort":
        services.problem_sort(**common, kind=d["kind"], grade=d["grade"], note=d["note"])
        return "已梳理：类别和级别已确定。"
    if step == "assign":
        p = services.problem_assign(
            **common, unit=d["unit"], workdays=d["workdays"], requirement=d["requirement"]
        )
        return f"已交办{p.assigned_unit}，办结期限 {p.due_date:%Y-%m-%d}；交办单已签发。"
    if step == "acknowledge":
        services.problem_acknowledge(**common)
        return "已签收，问题进入办理中。"
    if step == "progress":
        services.problem_progress(**common, note=d["note"], files=d["files"])
        return "办理进展已记录。"
    if step == "request_transfer":
        services.problem_request_transfer(**common, reason=d["reason"], unit=d["unit"])
        return "转办申请已提交项目办。"
    if step == "transfer":
        p = services.problem_transfer(**common, unit=d["unit"], workdays=d["workdays"], note=d["note"])
        return f"已转{p.assigned_unit}办理；转办单已签发。"
    if step == "request_escalation":
        services.problem_request_escalation(**common, reason=d["reason"], level=d["level"])
        return "上报申请已提交项目办。"
    if step == "escalate":
        services.problem_escalate(**common, level=d["level"], note=d["note"])
        return "问题已上报，列入该层级下次会议的议题候选。"
    if step in ("remind", "supervise"):
        service = services.problem_remind if step == "remind" else services.problem_supervise
        slip = service(**common, content=d["content"], requirement=d["requirement"])
        return f"{slip.get_kind_display()}{slip.number_text}已签发。"
    if step == "reply":
        services.problem_reply(**common, resolution=d["resolution"], files=d["files"])
        return "办理结果已答复，等待项目办复核。"
    if step == "review_close":
        services.problem_review_close(**common, note=d["note"], files=d["files"])
        return "经复核，问题已销号。"
    if step == "review_return":
        services.problem_review_return(**common, reason=d["reason"])
        return "已退回承办单位继续办理。"
    services.problem_decline_request(**common, note=d["note"])
    return "已答复不同意该申请。"


@login_required
@require_POST
def problem_step(request, pk: int, step: str):
    if step not in STEP_ACTIONS:
        raise Http404("没有这个操作")
    problem = get_for_action(
        request.user, Problem.objects.select_related(*selectors.PROBLEM_RELATED), STEP_ACTIONS[step], pk=pk
    )
    form = _bind(step, request, problem)
    return post_form(
        request,
        form,
        write=lambda d: _write(step, request.user, problem, d),
        done=_problem_url(problem.pk, "timeline"),
        again=lambda: _render_problem(request, problem, bound={step: form}, status=400),
    )


@login_required
def attachment_download(request, pk: int):
    require(request.user, "problems.view")
    attachment = get_readable(request.user, ProblemAttachment.objects.all(), pk=pk)
    missing = {"detail": "附件文件未随数据导入或已不存在，无法下载。"}
    if not attachment.file:  # imported records (exchange) carry the metadata only, not the file
        return render(request, "404.html", missing, status=404)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        return render(request, "404.html", missing, status=404)
    return FileResponse(handle, as_attachment=True, filename=attachment.name)


# ---------------------------------------------------------------------------------------------------
# Slips


@login_required
def slip_list(request):
    require(request.user, "problems.view")
    g = request.GET
    mine = g.get("mine") == "1" or g.get("pending") == "1"
    qs = selectors.slips_for(
        request.user,
        kind=g.get("kind", ""),
        pending=True if g.get("pending") == "1" else None,
        unit_id=request.user.unit_id if mine and request.user.unit_id else None,
    )
    page = Paginator(qs, 50).get_page(g.get("page"))
    rows = [
        {"s": s, "can_ack": s.pending and can(request.user, "problems.slip_acknowledge", s)} for s in page
    ]
    context = {
        "page": page,
        "rows": rows,
        "kinds": rules.SLIP_KINDS,
        "f": {k: g.get(k, "") for k in ("kind", "pending")},
    }
    return render(request, "problems/slips.html", context)


@login_required
@require_POST
def slip_acknowledge(request, pk: int):
    slip = get_for_action(
        request.user, Slip.objects.select_related("jurisdiction"), "problems.slip_acknowledge", pk=pk
    )
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("problems:slips")
    try:
        services.slip_acknowledge(actor=request.user, slip=slip)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已签收{slip.get_kind_display()}{slip.number_text}。")
    return redirect(back)


@login_required
def slip_download(request, pk: int):
    require(request.user, "problems.view")
    slip = get_readable(
        request.user,
        Slip.objects.select_related(
            "jurisdiction", "to_unit", "project", "issued_by", "issued_unit", "acknowledged_by"
        ),
        pk=pk,
    )
    response = HttpResponse(slip_docx(slip), content_type=DOCX)
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(slip_filename(slip))}"
    return response


# ---------------------------------------------------------------------------------------------------
# Slip templates (文书模板)


def _document_keys() -> list[str]:
    """Every document an office may restyle: the four slips first, then what other apps registered
    (the minutes of meetings, the weekly table …)."""
    keys = [spec.key for spec in registered_documents()]
    slips = [f"slip_{k}" for k in rules.SLIP_KINDS]
    return [k for k in slips if k in keys] + [k for k in keys if k not in slips]


def _templates_page(request, bound: dict | None = None, status: int = 200) -> HttpResponse:
    jurisdiction = request.user.jurisdiction
    rows = []
    for key in _document_keys():
        spec = document(key)
        own = documents.template_for(key, jurisdiction) if jurisdiction else None
        rows.append(
            {
                "key": key,
                "spec": spec,
                "own": own if own and own.jurisdiction_id == jurisdiction.pk else None,
                "inherited": own if own and own.jurisdiction_id != jurisdiction.pk else None,
                "form": (bound or {}).get(key) or f.TemplateUploadForm(),
            }
        )
    return render(request, "problems/templates.html", {"rows": rows}, status=status)


@login_required
def templates_page(request):
    require(request.user, "documents.manage_templates")
    return _templates_page(request)


def _check_key(key: str) -> str:
    if key not in _document_keys():
        raise Http404("没有这个文书")
    return key


@login_required
@require_POST
def template_upload(request, key: str):
    require(request.user, "documents.manage_templates")
    key = _check_key(key)
    form = f.TemplateUploadForm(request.POST, request.FILES)

    def write(d) -> str:
        documents.template_upload(
            actor=request.user, jurisdiction=request.user.jurisdiction, key=key, upload=d["file"]
        )
        return f"已启用本辖区的“{document(key).label}”模板。"

    return post_form(
        request,
        form,
        write=write,
        done=reverse("problems:templates"),
        again=lambda: _templates_page(request, {key: form}, status=400),
    )


@login_required
@require_POST
def template_revert(request, key: str):
    require(request.user, "documents.manage_templates")
    key = _check_key(key)
    if documents.template_revert(actor=request.user, jurisdiction=request.user.jurisdiction, key=key):
        messages.success(request, f"“{document(key).label}”已恢复为默认模板。")
    else:
        messages.info(request, f"“{document(key).label}”本来就在使用默认模板。")
    return redirect("problems:templates")


@login_required
def template_download(request, key: str):
    require(request.user, "documents.manage_templates")
    key = _check_key(key)
    data = documents.template_bytes(key, request.user.jurisdiction)
    response = HttpResponse(data, content_type=DOCX)
    from urllib.parse import quote

    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(document(key).label + '模板.docx')}"
    )
    return response
