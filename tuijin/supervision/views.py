"""Pages of supervision acts (督查记录): the list, recording an act, the act page (findings with what was
reported beside what was seen, photos, required actions with their 督办单, referrals), the required
actions (整改要求) and the monthly circuit supervision (巡回督导). Each form posts to one step, which calls
one service and comes back to the page (or shows it again, 400, with the errors beside the fields)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tuijin.core.access import can, get_for_action, get_readable, require, scope
from tuijin.core.form_posts import errors_beside_fields, post_form
from tuijin.org.models import Unit
from tuijin.projects.models import Project

from . import forms as f
from . import rules, selectors, services
from .models import Finding, RequiredAction, SupervisionAct


def _act_url(pk: int, anchor: str = "") -> str:
    return reverse("supervision:act", args=[pk]) + (f"#{anchor}" if anchor else "")


def _month(text: str) -> date | None:
    try:
        year, month = (int(x) for x in (text or "").split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return None


def _month_choices(today: date, count: int = 12) -> list[tuple[str, str]]:
    out, y, m = [], today.year, today.month
    for _ in range(count):
        out.append((f"{y}-{m:02d}", f"{y}年{m}月"))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out


# ---------------------------------------------------------------------------------------------------
# The list and recording an act


@login_required
def act_list(request):
    require(request.user, "supervision.view")
    g = request.GET
    today = timezone.localdate()
    unit_id = int(g["unit"]) if g.get("unit", "").isdigit() else None
    qs = selectors.acts_for(
        request.user,
        kind=g.get("kind", ""),
        month=_month(g.get("month", "")),
        unit_id=unit_id,
        q=g.get("q", "").strip(),
    )
    page = Paginator(qs, 50).get_page(g.get("page"))
    jurisdiction = request.user.jurisdiction
    context = {
        "page": page,
        "kinds": rules.ACT_KINDS,
        "months": _month_choices(today),
        "units": selectors.unit_choices(jurisdiction) if jurisdiction else Unit.objects.none(),
        "f": {k: g.get(k, "") for k in ("kind", "month", "unit", "q")},
        "can_record": can(request.user, "supervision.record"),
        "this_month": f"{today:%Y-%m}",
    }
    return render(request, "supervision/list.html", context)


def _act_form(request, jurisdiction, data=None, *, act: SupervisionAct | None = None):
    initial = {}
    if act is not None:
        initial = {
            "title": act.title,
            "date": act.date,
            "end_date": act.end_date,
            "inspectors": act.inspectors,
            "lead_unit": act.lead_unit_id,
            "projects": list(act.projects.values_list("pk", flat=True)),
            "units": list(act.units.values_list("pk", flat=True)),
            "summary": act.summary,
        }
    else:
        user = request.user
        unit = getattr(user, "unit", None)
        initial = {
            "date": timezone.localdate(),
            "inspectors": f"{unit.name if unit else ''} {user.display_name or user.username}".strip(),
            "kind": request.GET.get("kind", "onsite"),
        }
        if request.GET.get("project", "").isdigit():
            initial["projects"] = [int(request.GET["project"])]
    return f.ActForm(
        data,
        units=selectors.unit_choices(jurisdiction),
        projects=selectors.project_choices(jurisdiction),
        initial=initial,
        edit=act is not None,
    )


@login_required
def act_new(request):
    require(request.user, "supervision.record")
    jurisdiction = request.user.jurisdiction
    if jurisdiction is None:
        raise Http404("您的账号没有所属辖区")
    require(request.user, "supervision.record", services.act_probe(jurisdiction))
    form = _act_form(request, jurisdiction, request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            act = services.act_create(
                actor=request.user,
                jurisdiction=jurisdiction,
                kind=d["kind"],
                token=d["token"],
                **_act_fields(d),
            )
        except ValidationError as exc:
            errors_beside_fields(form, exc)
        else:
            messages.success(request, "督查记录已创建，请记录督查发现、现场照片和整改要求。")
            return redirect(_act_url(act.pk))
    status = 400 if form.is_bound else 200
    return render(request, "supervision/act_form.html", {"form": form, "act": None}, status=status)


def _act_fields(d: dict) -> dict:
    """What the create and edit forms both pass to the services."""
    names = ("title", "date", "end_date", "inspectors", "lead_unit", "projects", "units", "summary")
    return {name: d[name] for name in names}


@login_required
def act_edit(request, pk: int):
    act = get_for_action(
        request.user, SupervisionAct.objects.select_related("jurisdiction"), "supervision.record", pk=pk
    )
    form = _act_form(request, act.jurisdiction, request.POST or None, act=act)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.act_update(
                actor=request.user,
                act=act,
                **_act_fields(d),
            )
        except ValidationError as exc:
            errors_beside_fields(form, exc)
        else:
            messages.success(request, "督查记录已保存。")
            return redirect(_act_url(act.pk))
    status = 400 if form.is_bound else 200
    return render(request, "supervision/act_form.html", {"form": form, "act": act}, status=status)


# ---------------------------------------------------------------------------------------------------
# The act page


def _findings_qs(act: SupervisionAct):
    return Finding.objects.filter(act=act).select_related("project", "unit")


def _blank_forms(request, act: SupervisionAct) -> dict:
    j = act.jurisdiction
    units, projects = selectors.unit_choices(j), selectors.project_choices(j)
    project_id = request.GET.get("project", "")
    finding_initial = {"project": int(project_id)} if project_id.isdigit() else {}
    return {
        "finding": lambda: f.FindingForm(units=units, projects=projects, initial=finding_initial),
        "photo": lambda: f.PhotoForm(findings=_findings_qs(act), initial={"taken_on": act.date}),
        "action": lambda: f.ActionForm(units=units, projects=projects, findings=_findings_qs(act)),
        "propose": lambda: f.ProposeForm(units=units),
    }


def _render_act(
    request, act: SupervisionAct, *, bound: dict | None = None, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    page = selectors.act_page(request.user, act, today)
    bound = bound or {}
    forms = {}
    if page.can_record and act.status != "closed":
        makers = _blank_forms(request, act)
        for key in ("finding", "photo", "action"):
            forms[key] = bound.get(key) or makers[key]()
        if act.kind == "circuit" and act.status == "recorded":
            forms["propose"] = bound.get("propose") or makers["propose"]()
    for row in page.actions:  # each action its own forms; the one just refused shows its errors
        mine = bound if bound.get("action_id") == row.action.pk else {}
        row.forms = {
            "supervise": mine.get("supervise") or f.SuperviseForm(),
            "reply": mine.get("reply") or f.ReplyForm(),
            "check": mine.get("check") or f.CheckForm(),
        }
    reported = None
    finding_form = forms.get("finding")
    if finding_form is not None:
        # the chosen project only when the form accepted it (its queryset is the act's jurisdiction's
        # projects) and the user reads it: a posted foreign id must not echo another district's reports
        cleaned = getattr(finding_form, "cleaned_data", None) or {}
        project = cleaned.get("project")
        if project is None and not finding_form.is_bound:
            pid = finding_form["project"].value()
            project = _readable_project(request.user, pid)
        elif project is not None:
            project = _readable_project(request.user, project.pk)
        if project is not None:
            reported = selectors.reported_facts(project)
    context = {
        "page": page,
        "act": act,
        "today": today,
        "forms": forms,
        "reported": reported,
        "resolve_form": bound.get("resolve") or f.ResolveForm(),
        "statuses": list(rules.ACT_STATUSES.items()),
    }
    return render(request, "supervision/act.html", context, status=status)


def _readable_project(user: Any, pk: Any) -> Project | None:
    if pk is None or not str(pk).isdigit():
        return None
    return scope(user, Project.objects.filter(pk=int(pk))).first()


@login_required
def act_detail(request, pk: int):
    require(request.user, "supervision.view")
    return _render_act(request, selectors.act_readable(request.user, pk))


@login_required
def reported_panel(request):
    """The 填报情况 of a project, beside the finding form (htmx, when the project is chosen)."""
    require(request.user, "supervision.record")
    pid = request.GET.get("project", "")
    reported = None
    if pid.isdigit():
        project = get_readable(request.user, Project.objects.all(), pk=int(pid))
        reported = selectors.reported_facts(project)
    return render(request, "supervision/_reported.html", {"reported": reported})


ACT_STEPS = ("record", "close", "finding", "photo", "action", "propose", "confirm")


def _bind(step: str, request, act: SupervisionAct):
    j = act.jurisdiction
    data, files = request.POST, request.FILES
    if step == "finding":
        return f.FindingForm(data, units=selectors.unit_choices(j), projects=selectors.project_choices(j))
    if step == "photo":
        return f.PhotoForm(data, files, findings=_findings_qs(act))
    if step == "action":
        return f.ActionForm(
            data,
            units=selectors.unit_choices(j),
            projects=selectors.project_choices(j),
            findings=_findings_qs(act),
        )
    if step == "propose":
        return f.ProposeForm(data, units=selectors.unit_choices(j))
    return f.EmptyForm(data)


def _write(step: str, request, act: SupervisionAct, d: dict) -> str:
    user = request.user
    if step == "record":
        services.act_record(actor=user, act=act)
        return "督查记录已确认。"
    if step == "close":
        services.act_close(actor=user, act=act)
        return "督查记录已办结。"
    if step == "finding":
        finding = services.finding_add(
            actor=user,
            act=act,
            kind=d["kind"],
            project=d["project"],
            unit=d["unit"],
            reported=d["reported"],
            observed=d["observed"],
            note=d["note"],
            token=d["token"],
        )
        extra = "，已计入该项目亮灯（督查）" if finding.kind in ("discrepancy", "ceremony") else ""
        return f"已记录督查发现：{finding.get_kind_display()}{extra}。"
    if step == "photo":
        services.photo_add(
            actor=user,
            act=act,
            file=d["file"],
            taken_on=d["taken_on"],
            caption=d["caption"],
            finding=d["finding"],
            token=d["token"],
        )
        return "现场照片已上传。"
    if step == "action":
        action = services.action_add(
            actor=user,
            act=act,
            unit=d["unit"],
            content=d["content"],
            deadline=d["deadline"],
            project=d["project"],
            finding=d["finding"],
            token=d["token"],
        )
        return f"已向{action.unit}提出整改要求，时限 {action.deadline:%Y-%m-%d}。"
    if step == "propose":
        referral = services.circuit_propose(
            actor=user,
            act=act,
            unit=d["unit"],
            person_name=d["person_name"],
            person_post=d["person_post"],
            proposal=d["proposal"],
        )
        return f"已对{referral.unit}{referral.person_name}提出问责建议，待分管领导同意。"
    made = services.circuit_confirm(actor=user, act=act, keys=request.POST.getlist("keys"))
    return f"已确认 {len(made)} 项督导清单事项为督查发现。"


@login_required
@require_POST
def act_step(request, pk: int, step: str):
    if step not in ACT_STEPS:
        raise Http404("没有这个操作")
    act = get_for_action(
        request.user,
        SupervisionAct.objects.select_related(*selectors.ACT_RELATED),
        "supervision.record",
        pk=pk,
    )
    form = _bind(step, request, act)
    done = _act_url(act.pk, {"finding": "findings", "photo": "photos", "action": "actions"}.get(step, ""))
    if step == "confirm":
        done = reverse("supervision:circuit", args=[f"{act.month:%Y-%m}"]) if act.month else done
    if step in ("record", "close", "confirm"):
        try:
            message = _write(step, request, act, {})
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, message)
        return redirect(done)
    return post_form(
        request,
        form,
        write=lambda d: _write(step, request, act, d),
        done=done,
        again=lambda: _render_act(request, act, bound={step: form}, status=400),
    )


@login_required
@require_POST
def finding_resolve(request, pk: int):
    finding = get_for_action(
        request.user, Finding.objects.select_related("act__jurisdiction"), "supervision.record", pk=pk
    )
    form = f.ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.finding_resolve(actor=request.user, finding=finding, note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已标记为已纠正，不再计入项目亮灯。")
    else:
        messages.error(request, "请填写纠正说明。")
    return redirect(_act_url(finding.act_id, f"finding-{finding.pk}"))


# ---------------------------------------------------------------------------------------------------
# Required actions


ACTION_STEPS = {
    "supervise": "supervision.record",
    "check": "supervision.record",
    "reply": "supervision.reply",
}


@login_required
@require_POST
def action_step(request, pk: int, step: str):
    if step not in ACTION_STEPS:
        raise Http404("没有这个操作")
    action = get_for_action(
        request.user,
        RequiredAction.objects.select_related(*selectors.ACTION_RELATED),
        ACTION_STEPS[step],
        pk=pk,
    )
    back = request.POST.get("back", "")
    done = (
        reverse("supervision:actions") + f"#action-{action.pk}"
        if back == "actions"
        else _act_url(action.act_id, f"action-{action.pk}")
    )
    user = request.user
    if step == "supervise":
        form = f.SuperviseForm(request.POST)

        def write(d) -> str:
            a = services.action_supervise(
                actor=user, action=action, content=d["content"], requirement=d["requirement"]
            )
            return f"已签发{a.slip.get_kind_display()}{a.slip.number_text}，致{a.unit}。"

    elif step == "reply":
        form = f.ReplyForm(request.POST, request.FILES)

        def write(d) -> str:
            services.action_reply(actor=user, action=action, reply=d["reply"], photos=d["photos"])
            return "整改情况已报送，等待督查复查。"

    else:
        form = f.CheckForm(request.POST)

        def write(d) -> str:
            a = services.action_check(actor=user, action=action, result=d["result"], note=d["note"])
            return "复查通过：整改到位。" if a.status == "done" else "已退回整改单位继续整改。"

    if back == "actions":
        again = lambda: _render_actions(request, bound={step: form, "action_id": action.pk}, status=400)  # noqa: E731
    else:
        act = selectors.act_readable(user, action.act_id)
        again = lambda: _render_act(request, act, bound={step: form, "action_id": action.pk}, status=400)  # noqa: E731
    return post_form(request, form, write=write, done=done, again=again)


def _render_actions(request, *, bound: dict | None = None, status: int = 200) -> HttpResponse:
    require(request.user, "supervision.view")
    g = request.GET
    today = timezone.localdate()
    mine = g.get("mine") == "1" or (request.user.role in ("unit_head", "unit_reporter"))
    unit_id = int(g["unit"]) if g.get("unit", "").isdigit() else None
    qs = selectors.actions_for(
        request.user,
        today=today,
        status=g.get("status", ""),
        unit_id=unit_id,
        overdue=g.get("overdue") == "1",
    )
    page = Paginator(qs, 50).get_page(g.get("page"))
    can_record = can(request.user, "supervision.record")
    rows = []
    for a in page:
        overdue = selectors.is_overdue(a, today)
        rows.append(
            {
                "a": a,
                "overdue": overdue,
                "state": selectors.action_state(a, today),
                "can_reply": a.status == "open"
                and a.act.status != "closed"
                and can(request.user, "supervision.reply", a),
                "can_check": a.status == "replied" and can_record,
            }
        )
    bound = bound or {}
    jurisdiction = request.user.jurisdiction
    context = {
        "page": page,
        "rows": rows,
        "counts": selectors.action_counts(request.user, today),
        "statuses": rules.ACTION_STATUSES,
        "units": selectors.unit_choices(jurisdiction) if jurisdiction else Unit.objects.none(),
        "f": {k: g.get(k, "") for k in ("status", "unit", "overdue")},
        "mine": mine,
        "reply_form": bound.get("reply") or f.ReplyForm(),
        "check_form": bound.get("check") or f.CheckForm(),
        "bound_action": bound.get("action_id"),
    }
    return render(request, "supervision/actions.html", context, status=status)


@login_required
def action_list(request):
    return _render_actions(request)


# ---------------------------------------------------------------------------------------------------
# Photos


@login_required
def photo_file(request, pk: int):
    require(request.user, "supervision.view")
    photo = selectors.photo_readable(request.user, pk)
    field = photo.thumbnail if request.GET.get("thumb") == "1" and photo.thumbnail else photo.file
    missing = {"detail": "照片文件未随数据导入或已不存在。"}
    if not field:
        return render(request, "404.html", missing, status=404)
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        return render(request, "404.html", missing, status=404)
    content_type = "image/jpeg" if field is photo.thumbnail else photo.content_type
    return FileResponse(handle, content_type=content_type)


# ---------------------------------------------------------------------------------------------------
# Circuit supervision (巡回督导)


@login_required
def circuit_index(request):
    require(request.user, "supervision.view")
    today = timezone.localdate()
    acts = selectors.circuit_months(request.user)
    done = {a.month for a in acts if a.jurisdiction_id == request.user.jurisdiction_id}
    months = [(key, label, _month(key) in done) for key, label in _month_choices(today, 6)]
    context = {"acts": acts, "months": months, "can_record": can(request.user, "supervision.record")}
    return render(request, "supervision/circuit_index.html", context)


@login_required
def circuit_month(request, month: str):
    require(request.user, "supervision.view")
    start = _month(month)
    if start is None:
        raise Http404("月份格式应为 YYYY-MM")
    today = timezone.localdate()
    jurisdiction = request.user.jurisdiction
    act = selectors.circuit_act(request.user, jurisdiction, start)
    checklist = None
    if jurisdiction is not None and start <= today.replace(day=1):
        checklist = selectors.circuit_checklist(jurisdiction, month=start, today=today, act=act)
        if request.user.role in ("unit_head", "unit_reporter"):  # unit staff see their own unit's lines
            checklist.groups = [g for g in checklist.groups if g.unit.pk == request.user.unit_id]
    can_record = act is not None and can(request.user, "supervision.record", act)
    context = {
        "month": start,
        "month_key": month,
        "act": act,
        "checklist": checklist,
        "can_prepare": act is None
        and jurisdiction is not None
        and start <= today.replace(day=1)
        and can(request.user, "supervision.record", services.act_probe(jurisdiction)),
        "can_confirm": can_record and act.status != "closed",
        "referrals": list(act.referrals.select_related("unit")) if act is not None and can_record else [],
        "future": start > today.replace(day=1),
    }
    return render(request, "supervision/circuit.html", context)


@login_required
@require_POST
def circuit_prepare(request, month: str):
    require(request.user, "supervision.record")
    start = _month(month)
    if start is None:
        raise Http404("月份格式应为 YYYY-MM")
    jurisdiction = request.user.jurisdiction
    if jurisdiction is None:
        raise Http404("您的账号没有所属辖区")
    try:
        act = services.circuit_prepare(actor=request.user, jurisdiction=jurisdiction, month=start)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已生成{act.title}，请逐项确认督导清单。")
    return redirect(reverse("supervision:circuit", args=[month]))
