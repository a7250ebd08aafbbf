"""Writes of the yellow/red cards, the monthly card review, appeals and referrals (WH19 四(二), 五,
附件3 第4行). Every service checks access (`actor=None` is the system: the demo, the daily task), locks
what it changes and re-checks state, and writes in one transaction; a refusal is a Chinese
`ValidationError`, a card issued around the rules is also logged (logger `tuijin.supervision`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from tuijin.core.access import AccessDenied, can, require
from tuijin.org.models import Jurisdiction, Unit
from tuijin.problems.models import Counter, Slip
from tuijin.problems.services import next_number, register_slip_listener

from . import card_rules, card_selectors, rules
from .card_rules import CardRules
from .models import Card, CardAppeal, CardReview, Referral, SupervisionAct

logger = logging.getLogger("tuijin.supervision")


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _moment(today: date | None) -> datetime:
    now = timezone.now()
    if today is None or today == timezone.localdate():
        return now
    return timezone.make_aware(datetime.combine(today, time(10, 0)))


def _require(actor: Any, action: str, obj: Any = None) -> None:
    if actor is not None:
        require(actor, action, obj)


def _saved(obj: Any, actor: Any, reason: str = "") -> None:
    obj._history_user = actor
    if reason:
        obj._change_reason = reason[:100]
    obj.save()


def _who(user: Any) -> str:
    if user is None:
        return "系统"
    return getattr(user, "display_name", "") or getattr(user, "username", "") or str(user)


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _refuse(message: str, *, actor: Any = None, card: Card | None = None, field: str | None = None) -> None:
    """A card issued around the rules: logged, then refused in Chinese ("发牌不符合规则：…")."""
    logger.warning(
        "card refused: %s (actor=%s, card=%s)", message, getattr(actor, "pk", None), getattr(card, "pk", None)
    )
    raise ValidationError({field: message} if field else message)


def _lock_jurisdiction(jurisdiction: Jurisdiction) -> Jurisdiction:
    """Serialise the card computations of one jurisdiction (the ladder reads, then writes)."""
    return Jurisdiction.objects.select_for_update().get(pk=jurisdiction.pk)


def _label_of(card_id: int) -> str:
    card = Card.objects.filter(pk=card_id).select_related("slip").first()
    return card.label if card is not None else "所选黄牌"


def take_numbers(jurisdiction: Jurisdiction, year: int, color: str, count: int) -> list[int]:
    """`count` consecutive official numbers of a colour (problems.Counter series "card_yellow" /
    "card_red", per jurisdiction and year), inside the caller's transaction. A number is taken only when a
    card is issued; it never changes afterwards (a revoked card keeps it)."""
    if count <= 0:
        return []
    series = rules.CARD_SERIES[color]
    first = next_number(jurisdiction, year, series)
    held = (
        Card.objects.filter(jurisdiction=jurisdiction, color=color, year=year, number__isnull=False)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    if held is not None and held >= first:  # a counter behind its cards (e.g. rows written by hand)
        first = held + 1
    last = first + count - 1
    Counter.objects.filter(jurisdiction=jurisdiction, year=year, series=series).update(last=last)
    return list(range(first, last + 1))


def _lock_card(card: Card) -> Card:
    return Card.objects.select_for_update(of=("self",)).select_related("unit", "jurisdiction").get(pk=card.pk)


# ---------------------------------------------------------------------------------------------------
# Proposals: each 督办单 proposes a yellow card (the slip listener), the ladder proposes the rest


def _yellow_card(slip: Slip, reason: str, cfg: CardRules, version: Any, at: datetime) -> Card:
    card = Card(
        jurisdiction_id=slip.jurisdiction_id,
        unit_id=slip.to_unit_id,
        color="yellow",
        period=card_rules.period_key(card_selectors.local_day(slip.issued_at), cfg),
        status="proposed",
        slip=slip,
        reason=reason,
        rule_version=version,
        proposed_at=at,
    )
    _saved(card, None, "按规则拟发黄牌")
    return card


def on_slip_issued(slip: Slip) -> None:
    """The slip listener: a 督办单 (kind "supervise") proposes a yellow card for the unit it was sent to
    (WH19 四(二)). With `supervisions_per_yellow` above 1 the unit's period is recomputed instead."""
    if slip.kind != "supervise":
        return
    cfg, version = card_selectors.rules_for(slip.jurisdiction)
    if cfg.supervisions_per_yellow != 1:
        cards_recompute(
            slip.jurisdiction, card_rules.period_key(card_selectors.local_day(slip.issued_at), cfg)
        )
        return
    if Card.objects.filter(slip=slip).exists():
        return
    fact = card_selectors.slip_facts(Slip.objects.filter(pk=slip.pk), with_about=True)[0]
    _yellow_card(slip, card_rules.yellow_reason([fact], cfg), cfg, version, slip.issued_at)


register_slip_listener(on_slip_issued)


@transaction.atomic
def cards_recompute(
    jurisdiction: Jurisdiction, period: str | None = None, *, actor: Any = None, today: date | None = None
) -> dict[str, int]:
    """Run the ladder for one period (default: the current one) and write what is missing: proposed
    yellow cards for 督办单 without a card, proposed red cards for pairs of issued yellows, withdrawn
    proposed reds whose yellow was revoked, referrals (and the notice list) for pairs of issued reds.
    Idempotent: a second run writes nothing. Returns the counts written."""
    _require(actor, "cards.recompute", Card(jurisdiction=jurisdiction) if actor is not None else None)
    _lock_jurisdiction(jurisdiction)
    cfg, version = card_selectors.rules_for(jurisdiction)
    day = _today(today)
    period = period or card_rules.period_key(day, cfg)
    start, end = card_rules.period_bounds(period, cfg)
    keys = card_selectors.period_keys(jurisdiction, period, cfg)
    slips = card_selectors.supervise_slips(jurisdiction, start, end)
    # yellow cards rest on slips, so a slip's card is found by its slip even outside the period keys
    cards = Card.objects.filter(jurisdiction=jurisdiction).filter(
        Q(period__in=keys) | Q(slip__in=slips.values("pk"))
    )
    facts = card_selectors.card_facts(cards)
    result = card_rules.ladder(card_selectors.slip_facts(slips, with_about=False), facts, cfg, period)
    written = {"yellow": 0, "red": 0, "withdrawn": 0, "referral": 0}
    at = _moment(today)

    if result.yellow_due:
        slip_rows = {
            s.pk: s
            for s in Slip.objects.filter(pk__in=[d.slip.id for d in result.yellow_due]).select_related(
                "problem"
            )
        }
        new_cards = []
        for due in result.yellow_due:
            slip = slip_rows[due.slip.id]
            about = card_selectors.slip_about(slip)
            facts_ = [card_rules.SlipFact(s.id, s.unit_id, s.day, s.label, about) for s in due.slips]
            new_cards.append(
                Card(
                    jurisdiction=jurisdiction,
                    unit_id=slip.to_unit_id,
                    color="yellow",
                    period=card_rules.period_key(due.slip.day, cfg),
                    status="proposed",
                    slip=slip,
                    reason=card_rules.yellow_reason(facts_, cfg),
                    rule_version=version,
                    proposed_at=slip.issued_at,
                )
            )
        _bulk_create(new_cards)
        written["yellow"] = len(new_cards)

    for item in result.withdraw:
        card = _lock_card(Card(pk=item.card.id))
        if card.status != "proposed":
            continue
        card.status = "revoked"
        card.revoked_at = at
        card.revoke_reason = item.reason[:300]
        _saved(card, actor, "拟发红牌撤回")
        written["withdrawn"] += 1

    # a proposed yellow whose 督办单 was voided (e.g. the problem was transferred: problems voids the old
    # unit's unsigned slips) is withdrawn: the card has nothing left to rest on
    voided = Card.objects.filter(
        jurisdiction=jurisdiction, color="yellow", status="proposed", slip__voided_at__isnull=False
    ).select_related("slip")
    for card in voided.select_for_update(of=("self",)):
        card.status = "revoked"
        card.revoked_at = at
        card.revoke_reason = f"督办单已作废（{card.slip.void_reason or '已作废'}），拟发黄牌撤回"[:300]
        _saved(card, actor, "督办单已作废")
        written["withdrawn"] += 1

    reds = []
    for due in result.red_due:
        last = max(due.yellows, key=lambda y: (y.day, y.id))
        reds.append(
            Card(
                jurisdiction=jurisdiction,
                unit_id=due.unit_id,
                color="red",
                period=card_rules.period_key(last.day, cfg),
                status="proposed",
                reason=due.reason,
                rule_version=version,
                proposed_at=at,
            )
        )
    if reds:
        _bulk_create(reds, actor, "按规则拟发红牌")
        through = Card.from_cards.through
        through.objects.bulk_create(
            [
                through(from_card_id=red.pk, to_card_id=yellow.id)
                for red, due in zip(reds, result.red_due, strict=True)
                for yellow in due.yellows
            ],
            batch_size=500,
        )
        written["red"] = len(reds)

    grouped: dict[int, set[int]] = {}
    for referral_id, card_id in Referral.cards.through.objects.filter(
        referral__jurisdiction=jurisdiction, referral__origin="cards"
    ).values_list("referral_id", "card_id"):
        grouped.setdefault(referral_id, set()).add(card_id)
    existing = {frozenset(ids) for ids in grouped.values()}
    due = [d for d in result.referral_due if frozenset(r.id for r in d.reds) not in existing]
    if due:
        from simple_history.utils import bulk_create_with_history

        units = Unit.objects.in_bulk({d.unit_id for d in due})
        consent: dict[str, Any] = {}
        if cfg.referral_consent == "none":
            consent = {
                "status": "consented",
                "consent_at": at,
                "consent_note": "规则集 [cards] referral_consent = none：无需分管领导同意",
            }
        proposer = actor if actor is not None else _system_user(jurisdiction)
        referrals = [
            Referral(
                jurisdiction=jurisdiction,
                origin="cards",
                unit=units[d.unit_id],
                proposal=f"{units[d.unit_id]}{d.reason}。",
                proposed_by=proposer,
                proposed_at=at,
                notice_month=max(r.day for r in d.reds).replace(day=1),
                **consent,
            )
            for d in due
        ]
        bulk_create_with_history(
            referrals,
            Referral,
            batch_size=500,
            default_user=actor,
            default_change_reason="红牌警告两次，提出问责建议",
        )
        through = Referral.cards.through
        through.objects.bulk_create(
            [
                through(referral_id=r.pk, card_id=red.id)
                for r, d in zip(referrals, due, strict=True)
                for red in d.reds
            ],
            batch_size=500,
        )
        written["referral"] = len(referrals)
    return written


def _bulk_create(cards: list[Card], actor: Any = None, reason: str = "按规则拟发黄牌") -> None:
    from simple_history.utils import bulk_create_with_history

    if cards:
        bulk_create_with_history(
            cards, Card, batch_size=500, default_user=actor, default_change_reason=reason
        )


# ---------------------------------------------------------------------------------------------------
# The monthly card review (月度黄牌审定): the office issues the month's proposed yellow cards


def parse_month(text: str) -> date:
    """ "2024-03" → date(2024, 3, 1); anything else → ValidationError naming the format."""
    try:
        year, month = (int(part) for part in str(text).split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"month": "月份格式应为 年-月，如 2024-03。"}) from exc


@transaction.atomic
def card_review_hold(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    month: date,
    issue: Iterable[int] = (),
    set_aside: dict[int, str] | None = None,
    note: str = "",
    meeting: Any = None,
    today: date | None = None,
) -> CardReview:
    """Hold the month's card review: issue the proposed yellow cards in `issue` (ids), set aside those in
    `set_aside` ({id: reason}; status revoked, "审定未予发牌：…"); the rest stay proposed for the next
    review. One review per month: holding it twice → Chinese refusal. Then the ladder proposes red cards."""
    require(actor, "cards.review", CardReview(jurisdiction=jurisdiction))
    _lock_jurisdiction(jurisdiction)
    month = card_selectors.month_start(month)
    day = _today(today)
    if month > day.replace(day=1):
        raise ValidationError({"month": f"{month:%Y年%m月}尚未到来，不能审定。"})
    held = CardReview.objects.filter(jurisdiction=jurisdiction, month=month).select_related("by").first()
    if held is not None:
        raise ValidationError(
            {
                "month": f"{month:%Y年%m月}的黄牌月度审定已由{_who(held.by)}于{_when(held.at)}举行，不能重复审定。"
            }
        )
    issue_ids = {int(i) for i in issue}
    aside = {int(k): (v or "").strip() for k, v in (set_aside or {}).items()}
    both = issue_ids & set(aside)
    if both:
        raise ValidationError({"issue": f"{_label_of(min(both))}不能同时签发和不予发牌。"})
    missing = [k for k, v in aside.items() if not v]
    if missing:
        raise ValidationError({"set_aside": f"请填写{_label_of(missing[0])}不予发牌的理由。"})
    if not issue_ids and not aside:
        raise ValidationError({"issue": "请选择要签发或不予发牌的黄牌。"})
    candidates = {
        c.pk: c for c in card_selectors.review_candidates(jurisdiction, month).select_for_update(of=("self",))
    }
    outside = sorted((issue_ids | set(aside)) - set(candidates))
    if outside:
        other = Card.objects.filter(pk=outside[0]).first()
        why = "不在本月待审定的拟发黄牌之列"
        if other is not None and other.color == "red":
            why = "是红牌，红牌由督查室在红牌页面签发"
        elif other is not None and other.status != "proposed":
            why = f"已{other.get_status_display()}"
        elif other is not None and other.slip_id is None:
            why = "没有所依据的督办单"
        label = other.label if other is not None else "所选黄牌"
        _refuse(f"发牌不符合规则：{label}{why}。", actor=actor, field="issue")
    at = _moment(today)
    review = CardReview(
        jurisdiction=jurisdiction,
        month=month,
        held_on=day,
        meeting=meeting,
        note=(note or "").strip(),
        by=actor,
        at=at,
    )
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError as exc:
        raise ValidationError({"month": f"{month:%Y年%m月}的黄牌月度审定已经举行，不能重复审定。"}) from exc
    # one UPDATE for the issued cards (they all take the same values), one per set-aside card, and their
    # history rows in bulk
    # numbered in the review's order (unit, then the 督办单's day)
    issued = [c for c in candidates.values() if c.pk in issue_ids]
    numbers = take_numbers(jurisdiction, day.year, "yellow", len(issued))
    for card, number in zip(issued, numbers, strict=True):
        card.status, card.issued_at, card.issued_by, card.review = "issued", at, actor, review
        card.year, card.number = day.year, number
    if issued:
        Card.objects.bulk_update(
            issued, ["status", "issued_at", "issued_by", "review", "year", "number"], batch_size=500
        )
    aside_cards = []
    for card_id, reason in sorted(aside.items()):
        card = candidates[card_id]
        card.status = "revoked"
        card.revoked_at = at
        card.revoked_by = actor
        card.revoke_reason = f"审定未予发牌：{reason}"[:300]
        card.review = review
        Card.objects.filter(pk=card_id).update(
            status="revoked", revoked_at=at, revoked_by=actor, revoke_reason=card.revoke_reason, review=review
        )
        aside_cards.append(card)
    if issued:
        Card.history.bulk_history_create(
            issued,
            batch_size=500,
            update=True,
            default_user=actor,
            default_change_reason=f"{month:%Y年%m月}月度审定签发黄牌",
            default_date=at,
        )
    if aside_cards:
        Card.history.bulk_history_create(
            aside_cards,
            batch_size=500,
            update=True,
            default_user=actor,
            default_change_reason="审定未予发牌",
            default_date=at,
        )
    cfg, _ = card_selectors.rules_for(jurisdiction)
    for period in sorted({candidates[i].period for i in issue_ids}):
        cards_recompute(jurisdiction, _ladder_period(period, cfg, day), today=today)
    return review


def _ladder_period(card_period: str, cfg: CardRules, today: date) -> str:
    """The period to run the ladder for after a change to a card of `card_period`: the card's own
    period; for a rolling window the window ending this month."""
    if cfg.period == "rolling_12_months":
        return card_rules.period_key(today, cfg)
    return card_period


# ---------------------------------------------------------------------------------------------------
# Red cards: issued by the supervision office


@transaction.atomic
def card_issue(*, actor: Any, card: Card, today: date | None = None) -> Card:
    """Issue a proposed red card (督查室). A yellow card is issued only in the monthly review; a red card
    needs the supervision office and its issued, unrevoked yellow cards: otherwise "发牌不符合规则：…",
    logged."""
    card = _lock_card(card)
    cfg, _ = card_selectors.rules_for(card.jurisdiction)
    if card.color == "yellow":
        who = card_rules.ISSUERS.get(cfg.yellow_issuer, cfg.yellow_issuer)
        _refuse(
            f"发牌不符合规则：黄牌须由{who}在月度审定中签发（{cfg.cite('四(二)')}）。", actor=actor, card=card
        )
    if actor is not None and not can(actor, "cards.issue_red", card):
        logger.warning("card refused: red card by a non-issuer (actor=%s, card=%s)", actor.pk, card.pk)
        who = card_rules.ISSUERS.get(cfg.red_issuer, cfg.red_issuer)
        raise AccessDenied(
            f"发牌不符合规则：红牌由{who}签发（规则集 [cards] red_issuer；{cfg.cite('五')}），您的角色无权签发。",
            action="cards.issue_red",
        )
    if card.status == "issued":
        raise ValidationError(f"该红牌已由{_who(card.issued_by)}于{_when(card.issued_at)}签发。")
    if card.status == "revoked":
        raise ValidationError(f"该红牌已撤销（{card.revoke_reason}），不能签发。")
    yellows = card_selectors.card_facts(card.from_cards.all())
    problem = card_rules.red_issue_problem(yellows, cfg)
    if not problem and any(y.unit_id != card.unit_id for y in yellows):
        problem = "所依据的黄牌不属于该单位"
    if problem:
        _refuse(f"发牌不符合规则：{problem}。", actor=actor, card=card)
    day = _today(today)
    card.status = "issued"
    card.issued_at = _moment(today)
    card.issued_by = actor
    card.year = day.year
    card.number = take_numbers(card.jurisdiction, day.year, "red", 1)[0]
    _saved(card, actor, "签发红牌")
    cards_recompute(card.jurisdiction, _ladder_period(card.period, cfg, day), today=today)
    return card


# ---------------------------------------------------------------------------------------------------
# Appeals and revocation


@transaction.atomic
def card_appeal_file(*, actor: Any, card: Card, reason: str, today: date | None = None) -> CardAppeal:
    """The unit head of the card's unit appeals an issued card (one pending appeal at a time)."""
    require(actor, "cards.appeal", card)
    card = _lock_card(card)
    if card.status != "issued":
        raise ValidationError(
            f"只能对已签发的{card.get_color_display()}申诉（该牌{card.get_status_display()}）。"
        )
    pending = card.appeals.filter(status="pending").select_related("filed_by").first()
    if pending is not None:
        raise ValidationError(
            f"该{card.get_color_display()}已有待处理的申诉（{_who(pending.filed_by)}于{_when(pending.filed_at)}提出）。"
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写申诉理由：哪里与事实不符、有何依据。"})
    appeal = CardAppeal(card=card, reason=reason, filed_by=actor, filed_at=_moment(today))
    try:
        with transaction.atomic():
            appeal.save()
    except IntegrityError as exc:
        raise ValidationError("该牌已有待处理的申诉。") from exc
    return appeal


@transaction.atomic
def card_appeal_decide(
    *, actor: Any, appeal: CardAppeal, decision: str, note: str, today: date | None = None
) -> CardAppeal:
    """The office (yellow) or the supervision office (red) decides: "upheld" (维持) or "revoked" (撤销,
    the card is revoked with the note as its reason)."""
    require(actor, "cards.decide_appeal", appeal.card)
    appeal = CardAppeal.objects.select_for_update(of=("self",)).select_related("decided_by").get(pk=appeal.pk)
    if appeal.status != "pending":
        raise ValidationError(
            f"该申诉已由{_who(appeal.decided_by)}于{_when(appeal.decided_at)}处理（{appeal.get_status_display()}）。"
        )
    if decision not in ("upheld", "revoked"):
        raise ValidationError({"decision": "请选择维持或撤销。"})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "请填写处理意见（撤销时即撤销理由）。"})
    if decision == "revoked":
        _revoke(actor, appeal.card, f"申诉成立：{note}", today)
    appeal.status = decision
    appeal.decided_by = actor
    appeal.decided_at = _moment(today)
    appeal.decision_note = note[:300]
    appeal.save()
    if decision == "upheld":
        card = appeal.card
        cfg, _ = card_selectors.rules_for(card.jurisdiction)
        cards_recompute(card.jurisdiction, _ladder_period(card.period, cfg, _today(today)), today=today)
    return appeal


@transaction.atomic
def card_revoke(*, actor: Any, card: Card, reason: str, today: date | None = None) -> Card:
    """Revoke a card with a reason (never deleted). A yellow card counted in an issued red card is
    refused until the red card is revoked; a red card in a referral not declined is refused."""
    require(actor, "cards.revoke", card)
    return _revoke(actor, card, reason, today)


def _revoke(actor: Any, card: Card, reason: str, today: date | None) -> Card:
    card = _lock_card(card)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写撤销理由。"})
    if card.status == "revoked":
        raise ValidationError(
            f"该牌已由{_who(card.revoked_by)}于{_when(card.revoked_at)}撤销（{card.revoke_reason}）。"
        )
    if card.color == "yellow":
        red = card.made_into.filter(status="issued").first()
        if red is not None:
            raise ValidationError(f"该黄牌已计入{red.label}（{_when(red.issued_at)}签发），请先撤销红牌。")
    else:
        referral = card.referrals.exclude(status="declined").first()
        if referral is not None:
            raise ValidationError(
                f"该红牌已列入对{referral.unit}的问责移送（{_when(referral.proposed_at)}提出，"
                f"{referral.get_status_display()}），不能撤销。"
            )
    card.status = "revoked"
    card.revoked_at = _moment(today)
    card.revoked_by = actor
    card.revoke_reason = reason[:300]
    _saved(card, actor, "撤销")
    cfg, _ = card_selectors.rules_for(card.jurisdiction)
    cards_recompute(card.jurisdiction, _ladder_period(card.period, cfg, _today(today)), today=today)
    return card


# ---------------------------------------------------------------------------------------------------
# Referrals: consent, sending, outcome


def _lock_referral(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("unit", "jurisdiction", "consent_by")
        .get(pk=referral.pk)
    )


@transaction.atomic
def referral_consent(
    *, actor: Any, referral: Referral, agree: bool, note: str = "", today: date | None = None
) -> Referral:
    """The leader in charge of the unit (分管该单位的领导) consents to the referral or declines it (a rule
    set with `[cards].referral_consent = "none"` makes referrals start consented: nothing to consent to)."""
    if not can(actor, "referrals.consent", referral):
        logger.warning(
            "referral consent refused (actor=%s, referral=%s)", getattr(actor, "pk", None), referral.pk
        )
        raise AccessDenied(
            "须经分管该单位的领导同意：您不是该单位的分管领导，无权同意或不同意移送。",
            action="referrals.consent",
        )
    referral = _lock_referral(referral)
    if referral.status != "proposed":
        raise ValidationError(
            f"该问责移送已由{_who(referral.consent_by)}于{_when(referral.consent_at)}处理（{referral.get_status_display()}）。"
        )
    note = (note or "").strip()
    if not agree and not note:
        raise ValidationError({"note": "不同意时请写明理由。"})
    referral.status = "consented" if agree else "declined"
    referral.consent_by = actor
    referral.consent_at = _moment(today)
    referral.consent_note = note[:300]
    _saved(referral, actor, "分管领导同意" if agree else "分管领导不同意")
    return referral


@transaction.atomic
def referral_send(
    *, actor: Any, referral: Referral, sent_on: date | None = None, today: date | None = None
) -> Referral:
    """The office or the supervision office records the date sent to the discipline commission — only
    after the leader in charge consented."""
    _require(actor, "referrals.send", referral)
    referral = _lock_referral(referral)
    if referral.status == "proposed":
        logger.warning(
            "referral sent without consent refused (actor=%s, referral=%s)",
            getattr(actor, "pk", None),
            referral.pk,
        )
        raise ValidationError("未经分管该单位的领导同意，不能移送纪委监委。")
    if referral.status == "declined":
        raise ValidationError("分管领导不同意移送，不能移送纪委监委。")
    if referral.status in ("sent", "concluded"):
        raise ValidationError(f"该问责移送已于{referral.sent_on:%Y-%m-%d}移送。")
    day = sent_on or _today(today)
    if day < timezone.localtime(referral.consent_at).date():
        raise ValidationError({"sent_on": "移送日期不能早于分管领导同意的日期。"})
    if day > _today(today):
        raise ValidationError({"sent_on": "移送日期不能晚于今天。"})
    referral.status = "sent"
    referral.sent_on = day
    referral.sent_by = actor
    _saved(referral, actor, "移送纪委监委")
    return referral


@transaction.atomic
def referral_outcome(
    *, actor: Any, referral: Referral, outcome: str, outcome_on: date | None = None, today: date | None = None
) -> Referral:
    """Record the discipline commission's outcome of a sent referral."""
    _require(actor, "referrals.send", referral)
    referral = _lock_referral(referral)
    if referral.status != "sent":
        raise ValidationError("只能登记已移送的问责移送的处理结果。")
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": "请填写处理结果。"})
    day = outcome_on or _today(today)
    if day < referral.sent_on:
        raise ValidationError({"outcome_on": "结果日期不能早于移送日期。"})
    referral.status = "concluded"
    referral.outcome = outcome
    referral.outcome_on = day
    _saved(referral, actor, "登记处理结果")
    return referral


# ---------------------------------------------------------------------------------------------------
# Referrals


@transaction.atomic
def referral_propose(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    unit: Unit,
    origin: str,
    act: SupervisionAct | None = None,
    cards: Iterable[Card] = (),
    person_name: str = "",
    person_post: str = "",
    proposal: str,
    today: date | None = None,
) -> Referral:
    """Propose a referral to the discipline commission (提交纪委（监察委）问责): origin "cards" (the unit's
    two issued red cards, `cards`) or "circuit" (a circuit supervision's accountability proposal, `act`,
    with the named person). It waits for the consent of the leader in charge of the unit. Proposing the
    same again (same cards, or same act, unit and person, not declined) returns the existing referral."""
    if origin not in rules.REFERRAL_ORIGINS:
        raise ValidationError({"origin": "来源须为“红牌警告两次”或“巡回督导问责建议”。"})
    probe = Referral(jurisdiction=jurisdiction, unit=unit, origin=origin)
    _require(actor, "referrals.propose", probe)
    if unit is None or unit.jurisdiction_id != jurisdiction.pk:
        raise ValidationError({"unit": "请选择本辖区的单位。"})
    proposal = (proposal or "").strip()
    if not proposal:
        raise ValidationError({"proposal": "请填写问责建议：对哪个单位（人员）、因何问责。"})
    person_name = (person_name or "").strip()[:40]
    person_post = (person_post or "").strip()[:80]
    cards = list(cards)
    open_ = Referral.objects.filter(jurisdiction=jurisdiction, unit=unit, origin=origin).exclude(
        status="declined"
    )
    if origin == "cards":
        bad = [c for c in cards if c.color != "red" or c.status != "issued" or c.unit_id != unit.pk]
        if not cards or bad:
            raise ValidationError({"cards": "红牌警告两次的问责移送须依据该单位已签发的红牌。"})
        ids = {c.pk for c in cards}
        for existing in open_.select_for_update().prefetch_related("cards"):
            if {c.pk for c in existing.cards.all()} == ids:
                return existing
    else:
        if act is None:
            raise ValidationError({"act": "巡回督导问责建议须注明所依据的督查记录。"})
        if act.jurisdiction_id != jurisdiction.pk:
            raise ValidationError({"act": "督查记录属于另一个辖区。"})
        existing = open_.select_for_update().filter(act=act, person_name=person_name).first()
        if existing is not None:
            return existing
    day = _today(today)
    referral = Referral(
        jurisdiction=jurisdiction,
        origin=origin,
        unit=unit,
        person_name=person_name,
        person_post=person_post,
        act=act,
        proposal=proposal,
        proposed_by=actor if actor is not None else _system_user(jurisdiction),
        proposed_at=_moment(today),
        notice_month=day.replace(day=1) if origin == "cards" else None,
    )
    cfg, _ = card_selectors.rules_for(jurisdiction)
    if cfg.referral_consent == "none":  # the rule set asks no leader's consent: ready to send at once
        referral.status = "consented"
        referral.consent_at = referral.proposed_at
        referral.consent_note = "规则集 [cards] referral_consent = none：无需分管领导同意"
    _saved(referral, actor, "提出问责建议")
    if cards:
        referral.cards.set(cards)
    return referral


def _system_user(jurisdiction: Jurisdiction) -> Any:
    """Who a system-made record names as its maker: the jurisdiction's first office admin (then any
    superuser). The demo and the daily task act as the system."""
    from tuijin.org.models import Role, User

    user = (
        User.objects.filter(jurisdiction=jurisdiction, role=Role.OFFICE_ADMIN, is_active=True)
        .order_by("id")
        .first()
    )
    if user is None:
        user = User.objects.filter(is_superuser=True).order_by("id").first()
    if user is None:
        raise ValidationError("没有可记为提出人的项目办管理员账号。")
    return user
