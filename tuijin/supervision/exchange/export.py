"""Exporting section `supervision`: the subtree's supervision acts (projects, units, findings, photo
metadata, required actions with their 督办单), monthly card reviews, cards (slip, from_cards, appeals) and
referrals, read through the access scope. Sorted in Python by code point: two exports of the same data
are the same file."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from tuijin.core.exchange.registry import ExportContext
from tuijin.core.exchange.schema import unit_key
from tuijin.meetings.exchange.export import meeting_keys, rule_version_ref
from tuijin.meetings.exchange.keys import ordinals
from tuijin.problems.exchange.export import _slip_ref
from tuijin.projects.exchange.export import project_keys_of

from ..models import (
    ActPhoto,
    Card,
    CardAppeal,
    CardReview,
    Finding,
    Referral,
    RequiredAction,
    SupervisionAct,
)
from .schema import (
    ACT_PLAIN,
    ACTION_PLAIN,
    ACTION_USERS,
    APPEAL_PLAIN,
    CARD_PLAIN,
    CARD_USERS,
    FINDING_PLAIN,
    PHOTO_PLAIN,
    REFERRAL_PLAIN,
    REFERRAL_USERS,
    REVIEW_PLAIN,
    ActionRecord,
    ActRecord,
    AppealRecord,
    CardRecord,
    CardRef,
    CardReviewRecord,
    FindingRecord,
    PhotoRecord,
    ReferralRecord,
    ReportRef,
    SupervisionSection,
)

MOMENTS = {
    "resolved_at",
    "replied_at",
    "checked_at",
    "at",
    "proposed_at",
    "issued_at",
    "revoked_at",
    "filed_at",
    "decided_at",
    "consent_at",
}


def _moment(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value is not None else None


def _values(obj, names) -> dict:
    return {n: (_moment(getattr(obj, n)) if n in MOMENTS else getattr(obj, n)) for n in names}


def _username(user) -> str | None:
    return user.username if user is not None else None


def _unit(unit) -> str | None:
    return unit_key(unit.jurisdiction.code, unit.name) if unit is not None else None


def act_ordinals(act_ids) -> dict[int, int]:
    """Act id → its ordinal among the acts of its jurisdiction, date and kind (over all of them, by id)."""
    rows = list(
        SupervisionAct.objects.filter(pk__in=set(act_ids)).values_list("jurisdiction_id", "date", "kind")
    )
    if not rows:
        return {}
    every = (
        SupervisionAct.objects.filter(
            jurisdiction_id__in={r[0] for r in rows},
            date__in={r[1] for r in rows},
            kind__in={r[2] for r in rows},
        )
        .order_by("id")
        .values_list("pk", "jurisdiction_id", "date", "kind")
    )
    return ordinals((pk, (j, d, k)) for pk, j, d, k in every)


def card_ordinals(unit_ids) -> dict[int, int]:
    """Card id → its ordinal among the unit's cards of that colour and period (over all of them, by id)."""
    every = (
        Card.objects.filter(unit_id__in=set(unit_ids))
        .order_by("id")
        .values_list("pk", "unit_id", "color", "period")
    )
    return ordinals((pk, (u, c, p)) for pk, u, c, p in every)


def referral_ordinals(unit_ids) -> dict[int, int]:
    every = Referral.objects.filter(unit_id__in=set(unit_ids)).order_by("id").values_list("pk", "unit_id")
    return ordinals((pk, u) for pk, u in every)


def export_supervision(ctx: ExportContext) -> SupervisionSection | None:
    in_subtree = {"jurisdiction__path__startswith": ctx.root.path}
    models = (SupervisionAct, CardReview, Card, Referral)
    if not any(model.objects.filter(**in_subtree).exists() for model in models):
        return None  # (before scoping: an installation without supervision needs no scope for it)
    acts = list(
        SupervisionAct.objects.filter(
            pk__in=ctx.readable(SupervisionAct.objects.filter(**in_subtree)).values("pk")
        )
        .select_related("jurisdiction", "lead_unit__jurisdiction", "created_by")
        .prefetch_related(
            Prefetch("units", _units()),
            "projects",
            Prefetch(
                "findings",
                Finding.objects.select_related("unit__jurisdiction", "node", "report").order_by("id"),
            ),
            Prefetch("photos", ActPhoto.objects.select_related("uploaded_by").order_by("id")),
            Prefetch(
                "actions",
                RequiredAction.objects.select_related(
                    "unit__jurisdiction", *ACTION_USERS, "slip__jurisdiction"
                ).order_by("id"),
            ),
        )
    )
    reviews = list(
        CardReview.objects.filter(
            pk__in=ctx.readable(CardReview.objects.filter(**in_subtree)).values("pk")
        ).select_related("jurisdiction", "by")
    )
    cards = list(
        Card.objects.filter(pk__in=ctx.readable(Card.objects.filter(**in_subtree)).values("pk"))
        .select_related(
            "jurisdiction",
            "unit__jurisdiction",
            "slip__jurisdiction",
            "rule_version__rule_set",
            "review",
            *CARD_USERS,
        )
        .prefetch_related(
            Prefetch("from_cards", Card.objects.select_related("unit__jurisdiction")),
            Prefetch(
                "appeals",
                CardAppeal.objects.select_related("filed_by", "decided_by").order_by("filed_at", "id"),
            ),
        )
    )
    referrals = list(
        Referral.objects.filter(pk__in=ctx.readable(Referral.objects.filter(**in_subtree)).values("pk"))
        .select_related(
            "jurisdiction", "unit__jurisdiction", "act__jurisdiction", "proposed_by", *REFERRAL_USERS
        )
        .prefetch_related(Prefetch("cards", Card.objects.select_related("unit__jurisdiction")))
    )
    acts_seq = act_ordinals([a.pk for a in acts] + [r.act_id for r in referrals if r.act_id])
    card_units = {c.unit_id for c in cards} | {f.unit_id for c in cards for f in c.from_cards.all()}
    card_units |= {c.unit_id for r in referrals for c in r.cards.all()}
    cards_seq = card_ordinals(card_units)
    referrals_seq = referral_ordinals({r.unit_id for r in referrals})
    meetings = meeting_keys({r.meeting_id for r in reviews if r.meeting_id})
    project_ids = {p.pk for a in acts for p in a.projects.all()}
    project_ids |= {f.project_id for a in acts for f in a.findings.all() if f.project_id}
    project_ids |= {p.project_id for a in acts for p in a.photos.all() if p.project_id}
    project_ids |= {x.project_id for a in acts for x in a.actions.all() if x.project_id}
    from tuijin.projects.models import Project

    projects = project_keys_of(
        Project.objects.filter(pk__in=project_ids).values_list("jurisdiction_id", flat=True).distinct()
    )

    def card_ref(card: Card) -> CardRef:
        return CardRef(unit=_unit(card.unit), color=card.color, period=card.period, seq=cards_seq[card.pk])

    def act_record(a: SupervisionAct) -> ActRecord:
        findings = list(a.findings.all())
        position = {f.pk: n for n, f in enumerate(findings)}
        return ActRecord(
            jurisdiction_code=a.jurisdiction.code,
            date=a.date,
            kind=a.kind,
            seq=acts_seq[a.pk],
            **_values(a, ACT_PLAIN),
            lead_unit=_unit(a.lead_unit),
            projects=sorted(projects[p.pk] for p in a.projects.all()),
            units=sorted(_unit(u) for u in a.units.all()),  # type: ignore[type-var]
            created_by=_username(a.created_by),
            findings=[
                FindingRecord(
                    **_values(f, FINDING_PLAIN),
                    project=projects.get(f.project_id) if f.project_id else None,
                    unit=_unit(f.unit),
                    node=f.node.key if f.node_id else None,
                    report=ReportRef(kind=f.report.kind, period_start=f.report.period_start)
                    if f.report_id
                    else None,
                )
                for f in findings
            ],
            photos=[
                PhotoRecord(
                    **_values(p, PHOTO_PLAIN),
                    finding=position.get(p.finding_id) if p.finding_id else None,
                    project=projects.get(p.project_id) if p.project_id else None,
                    uploaded_by=_username(p.uploaded_by),
                    uploaded_at=_moment(p.uploaded_at),
                )
                for p in a.photos.all()
            ],
            actions=[
                ActionRecord(
                    **_values(x, ACTION_PLAIN),
                    finding=position.get(x.finding_id) if x.finding_id else None,
                    unit=_unit(x.unit),
                    project=projects.get(x.project_id) if x.project_id else None,
                    **{n: _username(getattr(x, n)) for n in ACTION_USERS},
                    slip=_slip_ref(x.slip),
                )
                for x in a.actions.all()
            ],
        )

    def card_record(c: Card) -> CardRecord:
        return CardRecord(
            jurisdiction_code=c.jurisdiction.code,
            unit=_unit(c.unit),
            color=c.color,
            period=c.period,
            seq=cards_seq[c.pk],
            **_values(c, CARD_PLAIN),
            slip=_slip_ref(c.slip),
            from_cards=sorted((card_ref(f) for f in c.from_cards.all()), key=_ref_order),
            rule_version=rule_version_ref(c.rule_version),
            review=c.review.month if c.review_id else None,
            **{n: _username(getattr(c, n)) for n in CARD_USERS},
            appeals=[
                AppealRecord(
                    **_values(p, APPEAL_PLAIN),
                    filed_by=_username(p.filed_by),
                    decided_by=_username(p.decided_by),
                )
                for p in c.appeals.all()
            ],
        )

    from .schema import act_key

    acts.sort(key=lambda a: (a.jurisdiction.path, a.date, a.kind, acts_seq[a.pk]))
    reviews.sort(key=lambda r: (r.jurisdiction.path, r.month))
    cards.sort(
        key=lambda c: (c.jurisdiction.path, _unit(c.unit), c.period, c.color == "red", cards_seq[c.pk])
    )
    referrals.sort(key=lambda r: (r.jurisdiction.path, _unit(r.unit), referrals_seq[r.pk]))
    return SupervisionSection(
        acts=[act_record(a) for a in acts],
        card_reviews=[
            CardReviewRecord(
                jurisdiction_code=r.jurisdiction.code,
                month=r.month,
                **_values(r, REVIEW_PLAIN),
                meeting=meetings.get(r.meeting_id) if r.meeting_id else None,
                by=_username(r.by),
            )
            for r in reviews
        ],
        cards=[card_record(c) for c in cards],
        referrals=[
            ReferralRecord(
                jurisdiction_code=r.jurisdiction.code,
                unit=_unit(r.unit),
                seq=referrals_seq[r.pk],
                **_values(r, REFERRAL_PLAIN),
                cards=sorted((card_ref(c) for c in r.cards.all()), key=_ref_order),
                act=(
                    act_key(r.act.jurisdiction.code, r.act.date, r.act.kind, acts_seq[r.act_id])
                    if r.act_id
                    else None
                ),
                proposed_by=_username(r.proposed_by),
                **{n: _username(getattr(r, n)) for n in REFERRAL_USERS},
            )
            for r in referrals
        ],
    )


def _ref_order(ref: CardRef) -> tuple:
    return (ref.unit, ref.color, ref.period, ref.seq)


def _units():
    from tuijin.org.models import Unit

    return Unit.objects.select_related("jurisdiction")
