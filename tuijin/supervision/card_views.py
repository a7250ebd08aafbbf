"""Pages of the yellow/red cards (WH19 四(二), 五, 附件3 第4行): the overview per unit for a period, a
card's "why" (rule, rule-set version, evidence chain, history, appeals), a unit's cards, the office's
monthly review, and the referrals with their consent, sending and outcome. Thin: each POST calls one
service and comes back (or shows the page again, 400, with the errors)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tuijin.core.access import can, get_readable, is_unit_staff, require
from tuijin.core.form_posts import errors_beside_fields
from tuijin.org.models import Unit

from . import card_forms as f
from . import card_rules, card_selectors, card_services
from .models import Card, CardAppeal, CardReview, Referral


def _jurisdiction(request):
    jurisdiction = request.user.jurisdiction
    if jurisdiction is None:
        raise Http404("账号未设置辖区")
    return jurisdiction


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


# ---------------------------------------------------------------------------------------------------
# Overview, card, unit


@login_required
def card_list(request):
    require(request.user, "cards.view")
    jurisdiction = _jurisdiction(request)
    today = timezone.localdate()
    cfg, _ = card_selectors.rules_for(jurisdiction)
    periods = card_rules.recent_periods(today, cfg, 4)
    period = request.GET.get("period") or periods[0]
    if period not in periods:
        period = periods[0]
    overview = card_selectors.card_overview(request.user, jurisdiction, period)
    page = Paginator(overview["rows"], 50).get_page(request.GET.get("page"))
    context = {
        **overview,
        "page": page,
        "period": period,
        "period_label": card_rules.period_label(period, cfg),
        "periods": [(p, card_rules.period_label(p, cfg)) for p in periods],
        "notice": card_selectors.notice_list(jurisdiction, today),
        "month": today.replace(day=1),
        "can_review": can(request.user, "cards.review"),
        "can_recompute": can(request.user, "cards.recompute"),
    }
    return render(request, "supervision/cards/list.html", context)


def _card_page(request, card: Card, *, forms: dict | None = None, status: int = 200):
    user = request.user
    appeals = list(card.appeals.select_related("filed_by", "decided_by").order_by("-filed_at", "-id"))
    pending = next((a for a in appeals if a.status == "pending"), None)
    forms = forms or {}
    context = {
        "card": card,
        "chain": card_selectors.card_evidence(card),
        "history": card_selectors.card_history(card),
        "appeals": appeals,
        "pending": pending,
        "made_into": list(card.made_into.order_by("id")),
        "referrals": list(card.referrals.order_by("id")),
        "can_issue": card.color == "red" and card.status == "proposed" and can(user, "cards.issue_red", card),
        "can_appeal": card.status == "issued" and pending is None and can(user, "cards.appeal", card),
        "can_revoke": card.status in ("proposed", "issued") and can(user, "cards.revoke", card),
        "can_decide": pending is not None and can(user, "cards.decide_appeal", card),
        "appeal_form": forms.get("appeal") or f.AppealForm(),
        "revoke_form": forms.get("revoke") or f.RevokeForm(),
        "decide_form": forms.get("decide") or f.DecideForm(),
        "errors": forms.get("errors", []),
    }
    return render(request, "supervision/cards/detail.html", context, status=status)


def _readable_card(request, pk: int) -> Card:
    require(request.user, "cards.view")
    return get_readable(
        request.user,
        Card.objects.select_related(
            "unit", "slip__problem", "issued_by", "revoked_by", "review__by", "rule_version__rule_set"
        ),
        pk=pk,
    )


@login_required
def card_detail(request, pk: int):
    return _card_page(request, _readable_card(request, pk))


CARD_STEPS = {"issue", "appeal", "revoke"}


@login_required
@require_POST
def card_step(request, pk: int, step: str):
    if step not in CARD_STEPS:
        raise Http404("没有这个操作")
    card = _readable_card(request, pk)
    user = request.user
    done = reverse("supervision:card", args=[card.pk])
    form = None
    try:
        if step == "issue":
            issued = card_services.card_issue(actor=user, card=card)
            message = f"红牌已签发：{issued.label}。"
        elif step == "appeal":
            require(user, "cards.appeal", card)
            form = f.AppealForm(request.POST)
            form.is_valid()
            card_services.card_appeal_file(actor=user, card=card, reason=form.cleaned_data.get("reason", ""))
            message = "申诉已提交，等待处理。"
        else:
            require(user, "cards.revoke", card)
            form = f.RevokeForm(request.POST)
            form.is_valid()
            card_services.card_revoke(actor=user, card=card, reason=form.cleaned_data.get("reason", ""))
            message = f"{card.get_color_display()}已撤销。"
    except ValidationError as exc:
        card.refresh_from_db()
        if form is not None:
            errors_beside_fields(form, exc)
            return _card_page(request, card, forms={step: form}, status=400)
        return _card_page(request, card, forms={"errors": _errors(exc)}, status=400)
    messages.success(request, message)
    return redirect(done)


@login_required
@require_POST
def appeal_decide(request, pk: int):
    require(request.user, "cards.view")
    appeal = get_readable(request.user, CardAppeal.objects.select_related("card__jurisdiction"), pk=pk)
    # yellow cards' appeals are decided by the office, red cards' by the supervision office
    require(request.user, "cards.decide_appeal", appeal.card)
    form = f.DecideForm(request.POST)
    if not form.is_valid():
        return _card_page(
            request, _readable_card(request, appeal.card_id), forms={"decide": form}, status=400
        )
    try:
        card_services.card_appeal_decide(
            actor=request.user,
            appeal=appeal,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        errors_beside_fields(form, exc)
        return _card_page(
            request, _readable_card(request, appeal.card_id), forms={"decide": form}, status=400
        )
    messages.success(request, "申诉已处理。")
    return redirect("supervision:card", pk=appeal.card_id)


@login_required
def card_unit(request, unit_id: int):
    require(request.user, "cards.view")
    user = request.user
    if is_unit_staff(user) and user.unit_id != unit_id:
        raise Http404("只能查看本单位的黄牌红牌")
    unit = get_readable(user, Unit.objects.all(), pk=unit_id)
    cards = card_selectors.cards_of_unit(user, unit)
    page = Paginator(cards, 50).get_page(request.GET.get("page"))
    rows = [
        {"card": c, "pending": any(a.status == "pending" for a in c.appeals.all())} for c in page.object_list
    ]
    counts = {"yellow": 0, "red": 0}
    for c in cards:
        if c.status == "issued":
            counts[c.color] += 1
    context = {
        "unit": unit,
        "page": page,
        "rows": rows,
        "counts": counts,
        "referrals": card_selectors.referrals_for(user).filter(unit=unit),
    }
    return render(request, "supervision/cards/unit.html", context)


@login_required
@require_POST
def cards_recompute(request):
    require(request.user, "cards.recompute")
    written = card_services.cards_recompute(_jurisdiction(request), actor=request.user)
    messages.success(
        request,
        f"已按规则重新计算：新拟发黄牌 {written['yellow']} 张、红牌 {written['red']} 张，"
        f"撤回 {written['withdrawn']} 张，新提出问责移送 {written['referral']} 件。",
    )
    return redirect("supervision:cards")


# ---------------------------------------------------------------------------------------------------
# The monthly review


@login_required
def review_current(request):
    require(request.user, "cards.review")
    today = timezone.localdate()
    return redirect("supervision:card_review", month=f"{today:%Y-%m}")


def _month(text: str) -> date:
    try:
        return card_services.parse_month(text)
    except ValidationError as exc:
        raise Http404("月份格式应为 年-月") from exc


@login_required
def card_review(request, month: str):
    jurisdiction = _jurisdiction(request)
    require(request.user, "cards.review", CardReview(jurisdiction=jurisdiction))  # the rule set's issuer
    first = _month(month)
    errors: list[str] = []
    posted: dict = {}
    if request.method == "POST":
        issue, aside = [], {}
        for key, value in request.POST.items():
            if key.startswith("decision_") and key[9:].isdigit():
                card_id = int(key[9:])
                posted[card_id] = {"decision": value, "reason": request.POST.get(f"reason_{card_id}", "")}
                if value == "issue":
                    issue.append(card_id)
                elif value == "aside":
                    aside[card_id] = request.POST.get(f"reason_{card_id}", "")
        try:
            review = card_services.card_review_hold(
                actor=request.user,
                jurisdiction=jurisdiction,
                month=first,
                issue=issue,
                set_aside=aside,
                note=request.POST.get("note", ""),
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            issued = review.cards.filter(status="issued").count()
            messages.success(request, f"{first:%Y年%m月}黄牌月度审定已完成：签发黄牌 {issued} 张。")
            return redirect("supervision:card_review", month=month)
    today = timezone.localdate()
    context = {
        **card_selectors.review_page(jurisdiction, first),
        "errors": errors,
        "posted": posted,
        "note": request.POST.get("note", "") if request.method == "POST" else "",
        "prev": f"{card_rules._add_months(first, -1):%Y-%m}",
        "next": f"{card_rules._add_months(first, 1):%Y-%m}" if first < today.replace(day=1) else "",
        "future": first > today.replace(day=1),
    }
    return render(request, "supervision/cards/review.html", context, status=400 if errors else 200)


# ---------------------------------------------------------------------------------------------------
# Referrals


@login_required
def referral_list(request):
    require(request.user, "referrals.view")
    qs = card_selectors.referrals_for(request.user)
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    from . import rules

    return render(
        request,
        "supervision/cards/referrals.html",
        {"page": page, "statuses": rules.REFERRAL_STATUSES, "status": status},
    )


def _referral_page(request, referral: Referral, *, forms: dict | None = None, errors=None, status: int = 200):
    user = request.user
    forms = forms or {}
    context = {
        "r": referral,
        "evidence": card_selectors.referral_evidence(referral),
        "circuit": card_selectors.circuit_evidence(referral),
        "leaders": card_selectors.leaders_in_charge(referral.unit),
        "can_consent": referral.status == "proposed" and can(user, "referrals.consent", referral),
        "can_send": referral.status == "consented" and can(user, "referrals.send", referral),
        "can_outcome": referral.status == "sent" and can(user, "referrals.send", referral),
        "consent_form": forms.get("consent") or f.ConsentForm(),
        "send_form": forms.get("send") or f.SendForm(initial={"sent_on": timezone.localdate()}),
        "outcome_form": forms.get("outcome") or f.OutcomeForm(initial={"outcome_on": timezone.localdate()}),
        "errors": errors or [],
        "history": referral.history.select_related("history_user").order_by("history_date", "history_id"),
    }
    return render(request, "supervision/cards/referral.html", context, status=status)


def _readable_referral(request, pk: int) -> Referral:
    require(request.user, "referrals.view")
    try:
        return (
            card_selectors.readable_referrals(request.user)
            .select_related("unit", "act", "proposed_by", "consent_by", "sent_by")
            .get(pk=pk)
        )
    except Referral.DoesNotExist as exc:
        raise Http404("问责移送不存在或无权查看") from exc


@login_required
def referral_detail(request, pk: int):
    return _referral_page(request, _readable_referral(request, pk))


@login_required
def referral_photo(request, pk: int, photo_id: int):
    """A photo behind a circuit referral, served to whoever reads the referral (the discipline viewer
    reads no act page); any other photo → 404."""
    referral = _readable_referral(request, pk)
    photo = card_selectors.referral_photos(referral).filter(pk=photo_id).first()
    if photo is None:
        raise Http404("照片不存在或不属于该问责移送")
    field = photo.thumbnail if request.GET.get("thumb") == "1" and photo.thumbnail else photo.file
    if not field:
        raise Http404("照片文件未随数据导入或已不存在。")
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404("照片文件未随数据导入或已不存在。") from exc
    content_type = "image/jpeg" if field is photo.thumbnail else photo.content_type
    return FileResponse(handle, content_type=content_type)


REFERRAL_STEPS = {"consent", "decline", "send", "outcome"}


@login_required
@require_POST
def referral_step(request, pk: int, step: str):
    if step not in REFERRAL_STEPS:
        raise Http404("没有这个操作")
    referral = _readable_referral(request, pk)
    user = request.user
    key = "consent" if step in ("consent", "decline") else step
    form = {"consent": f.ConsentForm, "send": f.SendForm, "outcome": f.OutcomeForm}[key](request.POST)
    if not form.is_valid():
        return _referral_page(request, referral, forms={key: form}, status=400)
    data = form.cleaned_data
    try:
        if key == "consent":
            card_services.referral_consent(
                actor=user, referral=referral, agree=step == "consent", note=data["note"]
            )
            message = "已同意提交纪委（监察委）问责。" if step == "consent" else "已不同意移送。"
        elif key == "send":
            card_services.referral_send(actor=user, referral=referral, sent_on=data["sent_on"])
            message = "已登记移送纪委监委。"
        else:
            card_services.referral_outcome(
                actor=user, referral=referral, outcome=data["outcome"], outcome_on=data["outcome_on"]
            )
            message = "已登记处理结果。"
    except ValidationError as exc:
        rest = errors_beside_fields(form, exc)
        referral.refresh_from_db()
        return _referral_page(request, referral, forms={key: form}, errors=rest, status=400)
    messages.success(request, message)
    return redirect("supervision:referral", pk=referral.pk)
