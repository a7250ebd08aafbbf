"""Pages of objective-cause exemptions (免扣分, DH24 五(四)), bonus points (奖励加分, WH19 四(四)) and
rectification reports (整改报告, WH19 四(三)). Thin: each POST calls one service and comes back with a
message (or shows the page again, 400, with the errors beside the fields)."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tuijin.core.access import can, get_readable, is_leader, require, scope
from tuijin.core.form_posts import errors_beside_fields
from tuijin.org.models import Unit

from . import exemption_forms as f
from . import exemption_selectors as sel
from . import exemption_services as svc
from .models import (
    BONUS_STATUSES,
    EXEMPTION_STATUSES,
    RECTIFICATION_STATUSES,
    Bonus,
    Exemption,
    Rectification,
)


def _jurisdiction(request):
    jurisdiction = request.user.jurisdiction
    if jurisdiction is None:
        raise Http404("账号未设置辖区")
    return jurisdiction


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


# ---------------------------------------------------------------------------------------------------
# Exemptions


@login_required
def exemption_list(request):
    require(request.user, "exemptions.view")
    user = request.user
    jurisdiction = _jurisdiction(request)
    month = request.GET.get("month", "")
    status = request.GET.get("status", "")
    status = status if status in EXEMPTION_STATUSES else ""
    unit_id = _int(request.GET.get("unit"))
    mine = request.GET.get("mine") == "1"
    qs = sel.exemptions_for(user, month=month, status=status, unit=unit_id, mine=mine)
    context = {
        "page": Paginator(qs, 50).get_page(request.GET.get("page")),
        "cfg": svc.exemption_rules(jurisdiction),
        "month": month,
        "status": status,
        "unit": unit_id,
        "mine": mine,
        "statuses": EXEMPTION_STATUSES,
        "months": sel.month_choices(timezone.localdate(), 24),
        "units": scope(user, Unit.objects.filter(jurisdiction=jurisdiction)).order_by("sort", "id"),
        "is_leader": is_leader(user),
        "awaiting": sel.awaiting_signature(user).count() if is_leader(user) else 0,
        "can_apply": can(user, "exemptions.apply"),
    }
    return render(request, "scoring/exemption_list.html", context)


def _apply_form(request, data=None):
    user = request.user
    unit = user.unit
    leaders = svc.leaders_in_charge(unit) if unit is not None else []
    return f.ExemptionApplyForm(
        data,
        projects=sel.unit_projects(user),
        months=sel.month_choices(timezone.localdate()),
        leaders=leaders,
        initial={"month": f"{timezone.localdate():%Y-%m}", "project": request.GET.get("project")},
    )


@login_required
def exemption_apply(request):
    require(request.user, "exemptions.apply")
    jurisdiction = _jurisdiction(request)
    cfg = svc.exemption_rules(jurisdiction)
    form = _apply_form(request, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if cfg is None:
            form.is_valid()
            form.add_error(None, "本辖区执行的规则集没有客观原因免扣分机制，不能申请免扣分。")
        elif form.is_valid():
            data = form.cleaned_data
            try:
                exemption = svc.exemption_apply(
                    by=request.user,
                    project=data["project"],
                    month=data["month"],
                    reason=data["reason"],
                    progress=data["progress"],
                    leader_in_charge=data.get("leader_in_charge"),
                )
            except ValidationError as exc:
                errors_beside_fields(form, exc)
            else:
                messages.success(
                    request,
                    f"已提交项目《{exemption.project.name}》{svc.month_label(exemption.month)}的免扣分申请，"
                    f"等待挂点领导 {exemption.project_leader.name} 和分管领导 {exemption.leader_in_charge.name} 签字。",
                )
                return redirect("scoring:exemption", pk=exemption.pk)
    return render(request, "scoring/exemption_apply.html", {"form": form, "cfg": cfg}, status=status)


def _readable_exemption(request, pk: int) -> Exemption:
    require(request.user, "exemptions.view")
    return get_readable(
        request.user,
        Exemption.objects.select_related(
            "unit", "project", "project_leader", "leader_in_charge", "applied_by", "renews", "jurisdiction"
        ),
        pk=pk,
    )


def _exemption_page(request, exemption: Exemption, *, form=None, status: int = 200):
    user = request.user
    person_id = getattr(user, "person_id", None)
    mine = [
        signed_at is None and person_id == who
        for who, signed_at in (
            (exemption.project_leader_id, exemption.project_leader_signed_at),
            (exemption.leader_in_charge_id, exemption.leader_in_charge_signed_at),
        )
    ]
    renewal = sel.renewal_of(exemption)
    context = {
        "e": exemption,
        "entries": sel.exempted_entries(user, exemption),
        "renewal": renewal,
        "next_month": svc.month_label(svc.next_month(exemption.month)),
        "can_sign": exemption.status == "applied" and any(mine) and can(user, "exemptions.sign", exemption),
        "can_withdraw": exemption.status == "applied" and can(user, "exemptions.withdraw", exemption),
        "can_renew": exemption.status == "granted"
        and renewal is None
        and can(user, "exemptions.apply", exemption.project),
        "form": form or f.NoteForm(),
    }
    return render(request, "scoring/exemption_detail.html", context, status=status)


@login_required
def exemption_detail(request, pk: int):
    return _exemption_page(request, _readable_exemption(request, pk))


EXEMPTION_STEPS = {"sign", "refuse", "withdraw"}


@login_required
@require_POST
def exemption_step(request, pk: int, step: str):
    if step not in EXEMPTION_STEPS:
        raise Http404("没有这个操作")
    exemption = _readable_exemption(request, pk)
    user = request.user
    form = f.NoteForm(request.POST)
    form.is_valid()
    try:
        if step == "withdraw":
            svc.exemption_withdraw(by=user, exemption=exemption)
            message = "免扣分申请已撤回。"
        else:
            decision = svc.exemption_sign(
                by=user, exemption=exemption, agree=step == "sign", note=form.cleaned_data.get("note", "")
            )
            exemption = decision.record
            message = _sign_message(exemption, decision)
    except ValidationError as exc:
        errors_beside_fields(form, exc)
        exemption.refresh_from_db()
        return _exemption_page(request, exemption, form=form, status=400)
    messages.success(request, message)
    return redirect("scoring:exemption", pk=exemption.pk)


def _sign_message(exemption: Exemption, decision) -> str:
    if exemption.status == "refused":
        return "已签署不同意意见，该项目本月照常扣分。"
    if exemption.status != "granted":
        return "已签字同意，等待另一位领导签字。"
    effect = decision.effect()
    if effect:
        return f"两位领导均已签字同意，{svc.month_label(exemption.month)}该项目不扣分；{effect}。"
    return f"两位领导均已签字同意，{svc.month_label(exemption.month)}该项目不扣分，重新计算后生效。"


@login_required
def exemption_renew(request, pk: int):
    exemption = _readable_exemption(request, pk)
    require(request.user, "exemptions.apply", exemption.project)
    if request.method != "POST":
        form = f.ExemptionRenewForm(initial={"reason": exemption.reason, "progress": exemption.progress})
        return render(request, "scoring/exemption_renew.html", _renew_context(exemption, form))
    form = f.ExemptionRenewForm(request.POST)
    if form.is_valid():
        try:
            renewed = svc.exemption_renew(
                by=request.user,
                exemption=exemption,
                reason=form.cleaned_data["reason"],
                progress=form.cleaned_data["progress"],
            )
        except ValidationError as exc:
            errors_beside_fields(form, exc)
        else:
            messages.success(request, f"已提交{svc.month_label(renewed.month)}的续申请，等待两位领导签字。")
            return redirect("scoring:exemption", pk=renewed.pk)
    return render(request, "scoring/exemption_renew.html", _renew_context(exemption, form), status=400)


def _renew_context(exemption: Exemption, form) -> dict:
    return {"e": exemption, "form": form, "next_month": svc.month_label(svc.next_month(exemption.month))}


# ---------------------------------------------------------------------------------------------------
# Bonuses

NOT_SCORED = ("office", "supervision", "discipline")


def _scored_units(jurisdiction):
    """The units a bonus may go to: the responsible units (not the office, 督查室 or 纪委监委)."""
    return Unit.objects.filter(jurisdiction=jurisdiction).exclude(kind__in=NOT_SCORED).order_by("sort", "id")


def _bonus_page(request, *, form=None, status: int = 200, decide_errors=None):
    user = request.user
    jurisdiction = _jurisdiction(request)
    periods = list(sel.year_periods(user, jurisdiction))
    year = _int(request.GET.get("year")) or (int(periods[0].key) if periods else timezone.localdate().year)
    period = next((p for p in periods if p.key == str(year)), None)
    units = _scored_units(jurisdiction)
    context = {
        "year": year,
        # the year shown is always among the choices (a year asked for in the address may have no period yet)
        "years": sorted({int(p.key) for p in periods} | {timezone.localdate().year, year}, reverse=True),
        "period": period,
        "bonuses": list(sel.bonuses_of(user, period)) if period is not None else [],
        "has_rules": sel.has_year_rules(jurisdiction),
        "can_propose": can(user, "bonus.propose") and (period is None or period.status == "open"),
        "can_decide": can(user, "bonus.decide"),
        "statuses": BONUS_STATUSES,
        "form": form or f.BonusForm(units=units),
        "decide_errors": decide_errors or [],
    }
    return render(request, "scoring/bonus_list.html", context, status=status)


@login_required
def bonus_list(request):
    require(request.user, "scoring.view")
    return _bonus_page(request)


@login_required
@require_POST
def bonus_propose(request):
    require(request.user, "bonus.propose")
    jurisdiction = _jurisdiction(request)
    form = f.BonusForm(request.POST, units=_scored_units(jurisdiction))
    year = _int(request.POST.get("year")) or timezone.localdate().year
    if form.is_valid():
        data = form.cleaned_data
        try:
            period = svc.year_period_open(jurisdiction=jurisdiction, year=year)
            bonus = svc.bonus_propose(
                by=request.user,
                period=period,
                unit=data["unit"],
                points=data["points"],
                reason=data["reason"],
                document=data["document"],
            )
        except ValidationError as exc:
            errors_beside_fields(form, exc)
        else:
            messages.success(
                request,
                f"已提出{bonus.unit.name}{year}年度奖励加分 {svc.points_text(bonus.points)} 分，等待领导审批。",
            )
            return redirect(f"{reverse('scoring:bonuses')}?year={year}")
    request.GET = request.GET.copy()
    request.GET["year"] = str(year)
    return _bonus_page(request, form=form, status=400)


BONUS_STEPS = {"approve", "refuse"}


@login_required
@require_POST
def bonus_step(request, pk: int, step: str):
    if step not in BONUS_STEPS:
        raise Http404("没有这个操作")
    require(request.user, "scoring.view")
    bonus = get_readable(request.user, Bonus.objects.select_related("period", "unit"), pk=pk)
    form = f.NoteForm(request.POST)
    form.is_valid()
    back = f"{reverse('scoring:bonuses')}?year={bonus.period.key}"
    try:
        decision = svc.bonus_decide(
            by=request.user, bonus=bonus, approve=step == "approve", note=form.cleaned_data.get("note", "")
        )
    except ValidationError as exc:
        request.GET = request.GET.copy()
        request.GET["year"] = bonus.period.key
        return _bonus_page(
            request, status=400, decide_errors=[f"{bonus.unit.name}：{m}" for m in exc.messages]
        )
    if step == "approve":
        effect = decision.effect()
        message = f"已批准{bonus.unit.name}奖励加分 {svc.points_text(bonus.points)} 分" + (
            f"；{effect}。" if effect else "，年度计算时计入。"
        )
    else:
        message = f"已不批准{bonus.unit.name}的奖励加分。"
    messages.success(request, message)
    return redirect(back)


# ---------------------------------------------------------------------------------------------------
# Rectification reports


@login_required
def rectification_list(request):
    require(request.user, "scoring.view")
    user = request.user
    jurisdiction = _jurisdiction(request)
    periods = list(sel.rectification_periods(user, jurisdiction))
    chosen = _int(request.GET.get("period"))
    period = next((p for p in periods if p.pk == chosen), periods[0] if periods else None)
    rows = sel.rectifications_of(user, period, timezone.localdate()) if period is not None else []
    context = {
        "periods": periods,
        "period": period,
        "rows": rows,
        "statuses": RECTIFICATION_STATUSES,
    }
    return render(request, "scoring/rectification_list.html", context)


def _readable_rectification(request, pk: int) -> Rectification:
    require(request.user, "scoring.view")
    return get_readable(
        request.user,
        Rectification.objects.select_related("period__jurisdiction", "unit", "submitted_by", "reviewed_by"),
        pk=pk,
    )


def _rectification_page(request, r: Rectification, *, submit_form=None, review_form=None, status=200):
    user = request.user
    context = {
        "r": r,
        "overdue": sel.overdue_workdays(r, timezone.localdate()),
        "can_submit": r.status in ("due", "returned") and can(user, "rectification.submit", r),
        "can_review": r.status == "submitted" and can(user, "rectification.review", r),
        "submit_form": submit_form or f.RectificationSubmitForm(initial={"report": r.report}),
        "review_form": review_form or f.NoteForm(),
    }
    return render(request, "scoring/rectification_detail.html", context, status=status)


@login_required
def rectification_detail(request, pk: int):
    return _rectification_page(request, _readable_rectification(request, pk))


@login_required
@require_POST
def rectification_submit(request, pk: int):
    r = _readable_rectification(request, pk)
    require(request.user, "rectification.submit", r)
    form = f.RectificationSubmitForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            svc.rectification_submit(
                by=request.user,
                rectification=r,
                report=form.cleaned_data["report"],
                file=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            errors_beside_fields(form, exc)
        else:
            messages.success(request, "整改报告已提交，等待项目办审核。")
            return redirect("scoring:rectification", pk=r.pk)
    r.refresh_from_db()
    return _rectification_page(request, r, submit_form=form, status=400)


REVIEW_STEPS = {"accept", "return"}


@login_required
@require_POST
def rectification_step(request, pk: int, step: str):
    if step not in REVIEW_STEPS:
        raise Http404("没有这个操作")
    r = _readable_rectification(request, pk)
    require(request.user, "rectification.review", r)
    form = f.NoteForm(request.POST)
    form.is_valid()
    try:
        svc.rectification_review(
            by=request.user, rectification=r, accept=step == "accept", note=form.cleaned_data.get("note", "")
        )
    except ValidationError as exc:
        errors_beside_fields(form, exc)
        r.refresh_from_db()
        return _rectification_page(request, r, review_form=form, status=400)
    messages.success(
        request, "整改报告已审核通过。" if step == "accept" else "整改报告已退回，等待单位重新提交。"
    )
    return redirect("scoring:rectification", pk=r.pk)


@login_required
def rectification_file(request, pk: int):
    r = _readable_rectification(request, pk)
    if not r.file:
        raise Http404("该整改报告没有附件")
    try:
        handle = r.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("附件文件已不存在。") from exc
    name = r.file.name.rsplit("/", 1)[-1]
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
