"""Reads of the yellow/red cards, monthly reviews and referrals (WH19 四(二), 五, 附件3 第4行).

`card_agenda` feeds the meetings' agenda (units due for cards at the next meeting); `card_counts` the
scores (issue 7); `notice_list` the monthly notice (每月最后一次主任办公会通报). The ladder's inputs
(`slip_facts`, `card_facts`) are read here for the services and the pages alike."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tuijin.core.access import role_of, scope, subtree_path
from tuijin.core.ruleset_selectors import ruleset_version_for_jurisdiction
from tuijin.org.models import Jurisdiction, Role, Unit
from tuijin.problems import rules as problem_rules
from tuijin.problems.models import Slip

from . import card_rules, rules
from .card_rules import CardFact, CardRules, SlipFact
from .models import Card, CardAppeal, CardReview, Referral

PAGE_SIZE = 50
SENT = ("sent", "concluded")  # the referrals the discipline commission received


def month_start(day: date) -> date:
    return day.replace(day=1)


def local_day(moment: Any) -> date:
    return moment.astimezone(timezone.get_default_timezone()).date()


def rules_for(jurisdiction: Jurisdiction) -> tuple[CardRules, Any]:
    """The ladder in force for a jurisdiction and the rule-set version it comes from (None: defaults)."""
    version = ruleset_version_for_jurisdiction(jurisdiction)
    return card_rules.card_rules(version.data if version is not None else None), version


# ---------------------------------------------------------------------------------------------------
# Where a 督办单 came from


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _first_url(names: tuple[str, ...], pk: Any) -> str:
    for name in names:
        url = _url(name, pk)
        if url:
            return url
    return ""


@dataclass(frozen=True)
class Origin:
    kind: str  # "问题" | "议定事项" | "督查整改" | ""
    text: str
    url: str


def slip_origin(slip: Slip) -> Origin:
    """What a 督办单 was about: its problem, decided matter or supervision act's required action."""
    if slip.problem_id:
        problem = slip.problem
        return Origin("问题", f"问题 {problem.code} {problem.title}", _url("problems:detail", problem.pk))
    kind, _, ident = (slip.source or "").partition(":")
    if kind in ("matter", "meeting_matter") and ident.isdigit():
        from tuijin.meetings.models import Matter

        matter = Matter.objects.filter(pk=int(ident)).select_related("meeting").first()
        text = f"议定事项 {matter.title}" if matter is not None else f"议定事项 #{ident}"
        return Origin(
            "议定事项",
            text,
            _first_url(("meetings:matter", "meetings:matter_detail", "matters:detail"), ident),
        )
    if kind == "supervision_action" and ident.isdigit():
        from .models import RequiredAction

        action = RequiredAction.objects.filter(pk=int(ident)).select_related("act").first()
        if action is None:
            return Origin("督查整改", f"督查整改要求 #{ident}", "")
        return Origin(
            "督查整改",
            f"督查整改 {action.act.title}：{action.content[:40]}",
            _first_url(("supervision:act", "supervision:act_detail"), action.act_id),
        )
    return Origin("", slip.subject, "")


def slip_about(slip: Slip) -> str:
    origin = slip_origin(slip)
    return origin.text


# ---------------------------------------------------------------------------------------------------
# The ladder's inputs


def supervise_slips(jurisdiction: Jurisdiction, start: date, end: date, unit: Unit | None = None) -> QuerySet:
    """督办单 of the jurisdiction issued from `start` to `end` (local days), not superseded."""
    lo = timezone.make_aware(timezone.datetime.combine(start, timezone.datetime.min.time()))
    hi = timezone.make_aware(timezone.datetime.combine(end, timezone.datetime.max.time()))
    qs = Slip.objects.filter(
        jurisdiction=jurisdiction,
        kind="supervise",
        issued_at__gte=lo,
        issued_at__lte=hi,
        voided_at__isnull=True,
    )
    if unit is not None:
        qs = qs.filter(to_unit=unit)
    return qs


def slip_facts(slips: QuerySet, *, with_about: bool = False) -> list[SlipFact]:
    """The ladder's view of 督办单: one values() query (with `with_about`, each slip's source is read too:
    for a few slips only)."""
    if with_about:
        return [
            SlipFact(
                id=slip.pk,
                unit_id=slip.to_unit_id,
                day=local_day(slip.issued_at),
                label=str(slip),
                about=slip_about(slip),
            )
            for slip in slips.select_related("problem").order_by("issued_at", "id")
        ]
    title = problem_rules.SLIP_KINDS["supervise"]
    rows = slips.order_by("issued_at", "id").values_list(
        "id", "to_unit_id", "issued_at", "year", "number", "subject"
    )
    return [
        SlipFact(
            id=pk,
            unit_id=unit_id,
            day=local_day(issued_at),
            label=f"{title}{problem_rules.slip_number(year, number)}",
            about=subject,
        )
        for pk, unit_id, issued_at, year, number, subject in rows
    ]


def card_label(card: Card) -> str:
    """ "黄牌〔2024〕第3号" (issued), "拟发黄牌（督办单〔2024〕第12号）", "拟发红牌（黄牌〔2024〕第3号、第4号）"."""
    return card.label


def card_facts(cards: QuerySet) -> list[CardFact]:
    """The ladder's view of cards: three values() queries (cards with their slip's number and day, the
    pending appeals, the red cards' yellow cards), no model instances."""
    title = problem_rules.SLIP_KINDS["supervise"]
    rows = list(
        cards.order_by().values_list(
            "id",
            "unit_id",
            "color",
            "status",
            "period",
            "slip_id",
            "issued_at",
            "proposed_at",
            "slip__issued_at",
            "slip__year",
            "slip__number",
            "year",
            "number",
        )
    )
    pending = set(
        CardAppeal.objects.filter(status="pending", card_id__in=cards.order_by().values("pk")).values_list(
            "card_id", flat=True
        )
    )
    made_of: dict[int, list[int]] = defaultdict(list)
    if any(row[2] == "red" for row in rows):
        through = Card.from_cards.through.objects.filter(
            from_card_id__in=cards.order_by().filter(color="red").values("pk")
        )
        for red_id, yellow_id in through.values_list("from_card_id", "to_card_id"):
            made_of[red_id].append(yellow_id)
    numbered = {row[0]: (row[11], row[12]) for row in rows}
    if made_of:  # the yellows a proposed red rests on may lie outside `cards`
        missing = {y for ids in made_of.values() for y in ids} - set(numbered)
        for pk, year, number in Card.objects.filter(pk__in=missing).values_list("pk", "year", "number"):
            numbered[pk] = (year, number)
    facts = []
    for row in rows:
        pk, unit_id, color, status, period, slip_id, issued_at, proposed_at, slip_at, year, number = row[:11]
        card_year, card_number = row[11], row[12]
        colour = rules.CARD_COLORS[color]
        if color == "yellow" and slip_at is not None:
            day = local_day(slip_at)
            basis = f"{title}{problem_rules.slip_number(year, number)}"
        else:
            day = local_day(issued_at or proposed_at)
            basis = rules.card_numbers_text(
                "黄牌", [numbered.get(y, (None, None)) for y in made_of.get(pk, ())]
            )
        if card_number is not None:
            label = f"{colour}{rules.card_number_text(card_year, card_number)}"
        else:
            head = "拟发" if status == "proposed" else "未发"
            label = f"{head}{colour}（{basis}）" if basis else f"{head}{colour}"
        facts.append(
            CardFact(
                id=pk,
                unit_id=unit_id,
                color=color,
                status=status,
                period=period,
                day=day,
                slip_id=slip_id,
                from_ids=tuple(sorted(made_of.get(pk, ()))),
                appeal_pending=pk in pending,
                label=label,
            )
        )
    return facts


# ---------------------------------------------------------------------------------------------------
# Agenda, notice list, counts


def card_agenda(jurisdiction: Jurisdiction, today: date) -> list[dict[str, Any]]:
    """The units due for cards at the jurisdiction's next meeting, one dict per unit and reason:
    proposed yellow cards awaiting the monthly review, proposed red cards awaiting the supervision office,
    units on this month's notice list (two red cards). Keys: `unit`, `reason`, `kind` ("card_unit"),
    `stage` ("yellow_review" | "red_due" | "notice"), `cards` (ids), `url`."""
    rows: list[dict[str, Any]] = []
    cfg = rules_for(jurisdiction)[0]
    proposed = (
        Card.objects.filter(jurisdiction=jurisdiction, status="proposed")
        .exclude(color="yellow", slip__voided_at__isnull=False)
        .select_related("unit", "slip")
        .order_by("unit__name", "proposed_at", "id")
    )
    yellows: dict[int, list[Card]] = defaultdict(list)
    reds: dict[int, list[Card]] = defaultdict(list)
    units: dict[int, Any] = {}
    for card in proposed:
        units[card.unit_id] = card.unit
        (yellows if card.color == "yellow" else reds)[card.unit_id].append(card)
    for unit_id, cards in yellows.items():
        numbers = "、".join(str(c.slip) for c in cards[:5] if c.slip is not None)
        more = f"等 {len(cards)} 份" if len(cards) > 5 else ""
        rows.append(
            {
                "unit": units[unit_id],
                "reason": f"拟发黄牌 {len(cards)} 张待月度审定（{numbers}{more}；{cfg.yellow_rule}）",
                "kind": "card_unit",
                "stage": "yellow_review",
                "cards": [c.pk for c in cards],
                "url": _url("supervision:card_unit", unit_id),
            }
        )
    for unit_id, cards in reds.items():
        rows.append(
            {
                "unit": units[unit_id],
                "reason": f"拟发红牌 {len(cards)} 张待{card_rules.ISSUERS.get(cfg.red_issuer, cfg.red_issuer)}签发（{cfg.red_rule}）",
                "kind": "card_unit",
                "stage": "red_due",
                "cards": [c.pk for c in cards],
                "url": _url("supervision:card_unit", unit_id),
            }
        )
    for referral in notice_list(jurisdiction, month_start(today)):
        rows.append(
            {
                "unit": referral.unit,
                "reason": cfg.referral_rule,
                "kind": "card_unit",
                "stage": "notice",
                "cards": [c.pk for c in referral.cards.all()],
                "url": _url("supervision:referral", referral.pk),
            }
        )
    return rows


def notice_list(jurisdiction: Jurisdiction, month: date) -> list[Referral]:
    """The referrals from red cards whose unit is named at `month`'s last director's office meeting."""
    return list(
        Referral.objects.filter(jurisdiction=jurisdiction, origin="cards", notice_month=month_start(month))
        .select_related("unit")
        .prefetch_related("cards")
        .order_by("unit__name", "id")
    )


def card_counts(jurisdiction: Jurisdiction, period: str | tuple[date, date]) -> dict[int, dict[str, int]]:
    """Issued, unrevoked cards per unit: {unit_id: {"yellow": n, "red": m}}.

    One counting basis for every caller (docs/cards.md "Counting"): a card counts on the day of the
    督办单 it rests on — a yellow card on its 督办单's day, a red card on the day of the latest 督办单
    behind its yellow cards — whenever it was issued. That day is what `Card.period` holds, so `period`
    may be a period key of the rule set ("2024", "2024Q1", a rolling window's last month "2024-03") or a
    (first day, last day) pair (the quarterly scores): both select on that same day."""
    qs = Card.objects.filter(jurisdiction=jurisdiction, status="issued")
    counts: dict[int, dict[str, int]] = {}
    if isinstance(period, tuple):
        start, end = period
        lo = timezone.make_aware(timezone.datetime.combine(start, timezone.datetime.min.time()))
        hi = timezone.make_aware(timezone.datetime.combine(end, timezone.datetime.max.time()))
        yellow = (
            qs.filter(color="yellow", slip__issued_at__gte=lo, slip__issued_at__lte=hi)
            .order_by()
            .values("unit_id")
            .annotate(n=Count("id"))
        )
        for row in yellow:
            counts.setdefault(row["unit_id"], {"yellow": 0, "red": 0})["yellow"] = row["n"]
        reds = (
            qs.filter(color="red")
            .order_by()
            .annotate(basis=Max("from_cards__slip__issued_at"))
            .filter(basis__gte=lo, basis__lte=hi)
            .values_list("unit_id", flat=True)
        )
        for unit_id in reds:
            counts.setdefault(unit_id, {"yellow": 0, "red": 0})["red"] += 1
        return counts
    qs = qs.filter(period__in=period_keys(jurisdiction, period))
    for row in qs.order_by().values("unit_id", "color").annotate(n=Count("id")):
        counts.setdefault(row["unit_id"], {"yellow": 0, "red": 0})[row["color"]] = row["n"]
    return counts


def period_keys(jurisdiction: Jurisdiction, period: str, cfg: CardRules | None = None) -> list[str]:
    """The card period keys that count in `period` (one key, or the twelve months of a rolling window)."""
    cfg = cfg or rules_for(jurisdiction)[0]
    if cfg.period != "rolling_12_months":
        return [period]
    start, end = card_rules.period_bounds(period, cfg)
    keys, day = [], start
    while day <= end:
        keys.append(card_rules.period_key(day, cfg))
        day = card_rules._add_months(day, 1)
    return keys


# ---------------------------------------------------------------------------------------------------
# Pages


@dataclass
class UnitRow:
    unit: Unit
    yellow_proposed: int = 0
    yellow_issued: int = 0
    yellow_revoked: int = 0
    red_proposed: int = 0
    red_issued: int = 0
    red_revoked: int = 0
    on_notice: bool = False
    url: str = ""


def card_overview(user: Any, jurisdiction: Jurisdiction, period: str) -> dict[str, Any]:
    """`/supervision/cards/`: per unit the period's yellow/red cards by status, the notice list, totals.
    One grouped query for the counts."""
    cfg, version = rules_for(jurisdiction)
    keys = period_keys(jurisdiction, period, cfg)
    cards = scope(user, Card.objects.filter(jurisdiction=jurisdiction, period__in=keys))
    rows: dict[int, UnitRow] = {}
    unit_ids = set()
    grouped = list(cards.order_by().values("unit_id", "color", "status").annotate(n=Count("id")))
    for row in grouped:
        unit_ids.add(row["unit_id"])
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids)}
    for row in grouped:
        item = rows.setdefault(row["unit_id"], UnitRow(units[row["unit_id"]]))
        setattr(item, f"{row['color']}_{row['status']}", row["n"])
    referrals = Referral.objects.filter(jurisdiction=jurisdiction, origin="cards", cards__period__in=keys)
    noticed = set(referrals.values_list("unit_id", flat=True))
    for unit_id, item in rows.items():
        item.on_notice = unit_id in noticed
        item.url = reverse("supervision:card_unit", args=[unit_id])
    ordered = sorted(
        rows.values(), key=lambda r: (-r.red_issued, -r.yellow_issued, -r.yellow_proposed, r.unit.name)
    )
    totals = {
        name: sum(getattr(r, name) for r in ordered)
        for name in (
            "yellow_proposed",
            "yellow_issued",
            "yellow_revoked",
            "red_proposed",
            "red_issued",
            "red_revoked",
        )
    }
    return {"rows": ordered, "totals": totals, "cfg": cfg, "version": version, "noticed": len(noticed)}


def cards_of_unit(user: Any, unit: Unit) -> QuerySet:
    return (
        scope(user, Card.objects.filter(unit=unit))
        .select_related("slip", "issued_by", "revoked_by", "review", "rule_version__rule_set")
        .prefetch_related(
            Prefetch("from_cards", Card.objects.select_related("slip").order_by("year", "number", "id")),
            "appeals",
        )
        .order_by("-period", "color", "-proposed_at", "-id")
    )


def card_evidence(card: Card) -> list[dict[str, Any]]:
    """The chain behind a card: for a yellow its 督办单 (number, date, subject, source); for a red its
    yellow cards, each with its 督办单. One dict per yellow card."""
    yellows = [card] if card.color == "yellow" else list(card.from_cards.select_related("slip__problem"))
    chain = []
    for yellow in sorted(yellows, key=lambda c: (c.slip.issued_at if c.slip else c.proposed_at, c.pk)):
        slip = yellow.slip
        origin = slip_origin(slip) if slip is not None else Origin("", "", "")
        chain.append(
            {
                "card": yellow,
                "slip": slip,
                "slip_day": local_day(slip.issued_at) if slip is not None else None,
                "origin": origin,
                "slip_url": _url("problems:slip_docx", slip.pk) if slip is not None else "",
            }
        )
    return chain


def card_history(card: Card) -> list[dict[str, Any]]:
    rows = []
    for record in card.history.select_related("history_user").order_by("history_date", "history_id"):
        rows.append(
            {
                "at": record.history_date,
                "who": record.history_user,
                "status": record.get_status_display(),
                "note": record.history_change_reason or "",
            }
        )
    return rows


def review_candidates(jurisdiction: Jurisdiction, month: date) -> QuerySet:
    """The proposed yellow cards a month's review decides: those resting on a 督办单 issued up to the end
    of the month and not decided yet (a month without a review leaves its cards to the next)."""
    end = card_rules._month_end(month_start(month))
    hi = timezone.make_aware(timezone.datetime.combine(end, timezone.datetime.max.time()))
    return (
        Card.objects.filter(
            jurisdiction=jurisdiction,
            color="yellow",
            status="proposed",
            slip__issued_at__lte=hi,
            slip__voided_at__isnull=True,
        )
        .select_related("unit", "slip__problem")
        .order_by("unit__name", "slip__issued_at", "id")
    )


def review_page(jurisdiction: Jurisdiction, month: date) -> dict[str, Any]:
    month = month_start(month)
    review = (
        CardReview.objects.filter(jurisdiction=jurisdiction, month=month)
        .select_related("by", "meeting")
        .first()
    )
    rows = []
    if review is None:
        for card in review_candidates(jurisdiction, month):
            origin = slip_origin(card.slip)
            rows.append(
                {"card": card, "slip": card.slip, "day": local_day(card.slip.issued_at), "origin": origin}
            )
    decided = []
    if review is not None:
        for card in review.cards.select_related("unit", "slip__problem").order_by("unit__name", "id"):
            decided.append({"card": card, "slip": card.slip, "origin": slip_origin(card.slip)})
    return {"month": month, "review": review, "rows": rows, "decided": decided}


def readable_referrals(user: Any) -> QuerySet:
    """The referrals a user reads: `access.scope` for the roles it knows; the discipline viewer (纪委监委),
    whom the access module gives no subtree, reads the referrals of their jurisdiction's subtree that were
    sent to them (`sent`, `concluded`): a proposal the leader in charge has not agreed to, or declined, was
    never submitted (WH19 五 "经分管负责人同意后提交区纪委")."""
    if role_of(user) == Role.DISCIPLINE:
        root = subtree_path(user)
        if root is None:
            return Referral.objects.none()
        return Referral.objects.filter(jurisdiction__path__startswith=root, status__in=SENT)
    return scope(user, Referral.objects.all())


def referrals_for(user: Any, jurisdiction: Jurisdiction | None = None) -> QuerySet:
    qs = readable_referrals(user)
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction=jurisdiction)
    return (
        qs.select_related("unit", "act", "consent_by", "proposed_by")
        .prefetch_related("cards")
        .order_by("-proposed_at", "-id")
    )


def referral_evidence(referral: Referral) -> list[dict[str, Any]]:
    """The red cards behind a referral, each with its yellow cards and their 督办单 (for the discipline
    viewer, who reads no other page)."""
    rows = []
    for red in referral.cards.select_related("rule_version__rule_set", "issued_by").order_by(
        "issued_at", "id"
    ):
        rows.append({"card": red, "chain": card_evidence(red)})
    return rows


@dataclass
class CircuitEvidence:
    """What a circuit supervision's accountability proposal rests on, for one unit: the act's findings
    about the unit (with their photos), and the unit's required actions with their 督办单."""

    act: Any
    findings: list[Any]
    actions: list[Any]
    photos: list[Any]


def _circuit_findings(referral: Referral) -> QuerySet:
    from .models import Finding

    return Finding.objects.filter(act_id=referral.act_id).filter(
        Q(unit_id=referral.unit_id) | Q(unit__isnull=True, project__responsible_unit_id=referral.unit_id)
    )


def _circuit_actions(referral: Referral) -> QuerySet:
    from .models import RequiredAction

    return RequiredAction.objects.filter(act_id=referral.act_id, unit_id=referral.unit_id)


def circuit_evidence(referral: Referral) -> CircuitEvidence | None:
    """For a referral of origin "circuit": the act's findings about the referral's unit, their photos (and
    the photos the unit sent with its replies), the unit's required actions and their 督办单 (the
    discipline viewer reads no act page, so the referral page shows them)."""
    if referral.origin != "circuit" or referral.act_id is None:
        return None
    findings = list(_circuit_findings(referral).select_related("project", "unit", "node").order_by("id"))
    actions = list(_circuit_actions(referral).select_related("project", "slip").order_by("id"))
    photos = list(referral_photos(referral).order_by("taken_on", "id"))
    by_finding: dict[int, list[Any]] = defaultdict(list)
    for photo in photos:
        if photo.finding_id:
            by_finding[photo.finding_id].append(photo)
    for finding in findings:
        finding.evidence_photos = by_finding.get(finding.pk, [])
    by_action: dict[int, list[Any]] = defaultdict(list)
    for photo in photos:
        if photo.action_id:
            by_action[photo.action_id].append(photo)
    for action in actions:
        action.evidence_photos = by_action.get(action.pk, [])
    return CircuitEvidence(act=referral.act, findings=findings, actions=actions, photos=photos)


def referral_photos(referral: Referral) -> QuerySet:
    """The photos a circuit referral's page shows: those of its findings and of its required actions."""
    from .models import ActPhoto

    if referral.origin != "circuit" or referral.act_id is None:
        return ActPhoto.objects.none()
    return ActPhoto.objects.filter(act_id=referral.act_id).filter(
        Q(finding__in=_circuit_findings(referral)) | Q(action__in=_circuit_actions(referral))
    )


def leaders_in_charge(unit: Unit) -> list[Any]:
    return list(unit.leaders.filter(is_active=True).order_by("id"))


def unit_staff_filter(user: Any) -> Q:
    return Q(unit_id=user.unit_id)
