"""Exporting section `scoring`: the subtree's exemptions and bonuses, read through the access scope, in
a stable order (two exports of the same data are the same file)."""

from __future__ import annotations

from collections import Counter

from tuijin.core.exchange.organisation import person_keys_of
from tuijin.core.exchange.registry import ExportContext
from tuijin.core.exchange.schema import unit_key
from tuijin.org.models import Jurisdiction, Person
from tuijin.projects.exchange.export import project_keys_of

from ..models import Bonus, Exemption
from .schema import BonusRecord, ExemptionRecord, RuleSetChoice, ScoringSection


def _username(user) -> str | None:
    return user.username if user is not None else None


def export_scoring(ctx: ExportContext) -> ScoringSection | None:
    exemptions = list(
        Exemption.objects.filter(
            pk__in=ctx.readable(
                Exemption.objects.filter(jurisdiction__path__startswith=ctx.root.path)
            ).values("pk")
        )
        .select_related("jurisdiction", "unit__jurisdiction", "applied_by", "renews")
        .order_by("id")
    )
    bonuses = list(
        Bonus.objects.filter(
            pk__in=ctx.readable(
                Bonus.objects.filter(period__jurisdiction__path__startswith=ctx.root.path)
            ).values("pk")
        )
        .select_related("period__jurisdiction", "unit__jurisdiction", "proposed_by", "decided_by")
        .order_by("id")
    )
    choices = [
        RuleSetChoice(jurisdiction_code=code, rule_set=slug)
        for code, slug in Jurisdiction.objects.filter(path__startswith=ctx.root.path, rule_set__isnull=False)
        .order_by("path")
        .values_list("code", "rule_set__slug")
    ]
    if not exemptions and not bonuses and not choices:
        return None
    projects = project_keys_of(
        set(
            Exemption.objects.filter(pk__in=[e.pk for e in exemptions]).values_list(
                "project__jurisdiction_id", flat=True
            )
        )
    )
    person_ids = {e.project_leader_id for e in exemptions} | {e.leader_in_charge_id for e in exemptions}
    people = person_keys_of(Person.objects.filter(pk__in=person_ids).only("id", "jurisdiction_id", "name"))
    seq: Counter[tuple[int, str]] = Counter()
    exemption_records = []
    for e in exemptions:
        seq[(e.project_id, e.month)] += 1
        exemption_records.append(
            ExemptionRecord(
                jurisdiction_code=e.jurisdiction.code,
                project=projects[e.project_id],
                month=e.month,
                seq=seq[(e.project_id, e.month)],
                unit=unit_key(e.unit.jurisdiction.code, e.unit.name),
                reason=e.reason,
                progress=e.progress,
                renews=e.renews.month if e.renews is not None else None,
                applied_by=_username(e.applied_by),
                applied_at=e.applied_at,
                project_leader=people[e.project_leader_id],
                project_leader_signed_at=e.project_leader_signed_at,
                leader_in_charge=people[e.leader_in_charge_id],
                leader_in_charge_signed_at=e.leader_in_charge_signed_at,
                status=e.status,
                decided_note=e.decided_note,
                decided_at=e.decided_at,
            )
        )
    seq_b: Counter[tuple[int, int]] = Counter()
    bonus_records = []
    for b in bonuses:
        year = b.period.start.year
        seq_b[(b.unit_id, year)] += 1
        bonus_records.append(
            BonusRecord(
                jurisdiction_code=b.period.jurisdiction.code,
                unit=unit_key(b.unit.jurisdiction.code, b.unit.name),
                year=year,
                seq=seq_b[(b.unit_id, year)],
                points=b.points,
                reason=b.reason,
                document=b.document,
                proposed_by=_username(b.proposed_by),
                proposed_at=b.proposed_at,
                status=b.status,
                decided_by=_username(b.decided_by),
                decided_at=b.decided_at,
                decided_note=b.decided_note,
            )
        )
    return ScoringSection(rule_sets=choices, exemptions=exemption_records, bonuses=bonus_records)
