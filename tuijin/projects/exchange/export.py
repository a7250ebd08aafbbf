"""Exporting section `library`: the subtree's projects and plans, read through the access scope."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from tuijin.core.exchange.organisation import person_keys_of
from tuijin.core.exchange.registry import ExportContext
from tuijin.core.exchange.schema import (
    person_key,
    unit_key,
)
from tuijin.org.models import Unit, User

from .. import rules
from ..models import (
    AnnualPlan,
    FundingSource,
    Handover,
    InvestmentEntry,
    PlanChange,
    Project,
    StageTransition,
)
from .schema import (
    CENT,
    DEGREE_STEP,
    HANDOVER_FIELDS,
    PERSON_FIELDS,
    PLAIN_FIELDS,
    RATE_STEP,
    UNIT_FIELDS,
    FundingRecord,
    HandoverRecord,
    InvestmentRecord,
    LibrarySection,
    PlanChangeRecord,
    PlanEntryRecord,
    PlanRecord,
    ProjectRecord,
    TagRecord,
    TransitionRecord,
    as_money,
)


def project_keys_of(jurisdiction_ids: Iterable[int]) -> dict[int, str]:
    """Project keys for every project of these jurisdictions, namesakes numbered by id (one query)."""
    rows = (
        Project.objects.filter(jurisdiction_id__in=set(jurisdiction_ids))
        .order_by("id")
        .values_list("id", "jurisdiction_id", "jurisdiction__code", "name")
    )
    seen: Counter[tuple[int, str]] = Counter()
    keys = {}
    for pk, jurisdiction_id, code, name in rows:
        seen[(jurisdiction_id, name)] += 1
        keys[pk] = person_key(code, name, seen[(jurisdiction_id, name)])
    return keys


def _unit(unit: Unit | None) -> str | None:
    return unit_key(unit.jurisdiction.code, unit.name) if unit is not None else None


def _user(user: User | None) -> str | None:
    return user.username if user is not None else None


def _moment(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value is not None else None


def _project_record(p: Project, key: str, people: dict[int, str]) -> ProjectRecord:
    return ProjectRecord(
        key=key,
        jurisdiction_code=p.jurisdiction.code,
        **{name: getattr(p, name) for name in PLAIN_FIELDS},
        tags=sorted(t.name for t in p.tags.all()),
        total_investment=p.total_investment.quantize(CENT),
        longitude=p.longitude.quantize(DEGREE_STEP) if p.longitude is not None else None,
        latitude=p.latitude.quantize(DEGREE_STEP) if p.latitude is not None else None,
        lead_leader=people.get(p.lead_leader_id) if p.lead_leader_id else None,
        service_officer=people.get(p.service_officer_id) if p.service_officer_id else None,
        **{name: _unit(getattr(p, name)) for name in UNIT_FIELDS},
        secondary_units=sorted(_unit(u) for u in p.secondary_units.all()),
        funding_sources=[
            FundingRecord(kind=f.kind, amount=as_money(f.amount), note=f.note)
            for f in p.funding_sources.all()
        ],
        transitions=[
            TransitionRecord(
                from_stage=t.from_stage,
                to_stage=t.to_stage,
                on=t.on,
                note=t.note,
                document=t.document,
                recorded_by=_user(t.recorded_by),
                recorded_at=_moment(t.recorded_at),
            )
            for t in p.transitions.all()
        ],
        handovers=[
            HandoverRecord(
                kind=h.kind,
                from_unit=_unit(h.from_unit),
                to_unit=_unit(h.to_unit),
                **{name: getattr(h, name) for name in HANDOVER_FIELDS},
                recorded_by=_user(h.recorded_by),
            )
            for h in sorted(p.handovers.all(), key=lambda h: list(rules.HANDOVER_KINDS).index(h.kind))
        ],
        investment_entries=[
            InvestmentRecord(
                year=i.year,
                month=i.month,
                amount=i.amount.quantize(CENT),
                source=i.source,
                note=i.note,
                recorded_by=_user(i.recorded_by),
                recorded_at=_moment(i.recorded_at),
            )
            for i in p.investment_entries.all()
        ],
    )


def _plan_record(plan: AnnualPlan, keys: dict[int, str]) -> PlanRecord:
    entries = [e for e in plan.entries.all() if e.project_id in keys]
    return PlanRecord(
        jurisdiction_code=plan.jurisdiction.code,
        year=plan.year,
        title=plan.title,
        document=plan.document,
        start_rate_target=plan.start_rate_target.quantize(RATE_STEP),
        investment_rate_target=plan.investment_rate_target.quantize(RATE_STEP),
        completion_rate_target=plan.completion_rate_target.quantize(RATE_STEP),
        early_planning_target=plan.early_planning_target,
        rolled_from_year=plan.rolled_from.year if plan.rolled_from else None,
        entries=[
            PlanEntryRecord(
                project=keys[e.project_id],
                plan_type=e.plan_type,
                planned_investment=e.planned_investment.quantize(CENT),
                monthly_targets=[as_money(t) for t in e.monthly_targets or []],
                annual_content=e.annual_content,
                removed=e.removed,
                sort=e.sort,
            )
            for e in sorted(entries, key=lambda e: (e.sort, keys[e.project_id]))
        ],
        changes=[
            PlanChangeRecord(
                project=keys[c.project_id],
                kind=c.kind,
                decided_by=c.decided_by,
                decided_on=c.decided_on,
                document_number=c.document_number,
                reason=c.reason,
                details=c.details or {},
                recorded_by=_user(c.recorded_by),
                recorded_at=_moment(c.recorded_at),
            )
            for c in plan.changes.all()
            if c.project_id in keys
        ],
    )


def export_library(ctx: ExportContext) -> LibrarySection | None:
    """The library of the root's subtree (None when it has no projects and no plans). Sorted in Python
    by code point, so two exports of the same data are the same file on every database."""
    under = {"jurisdiction__path__startswith": ctx.root.path}
    unit = Unit.objects.select_related("jurisdiction")
    projects = ctx.readable(Project.objects.filter(**under)).select_related(
        "jurisdiction", *PERSON_FIELDS, *(f"{name}__jurisdiction" for name in UNIT_FIELDS)
    )
    projects = list(
        projects.prefetch_related(
            "tags",
            Prefetch("secondary_units", unit),
            Prefetch("funding_sources", FundingSource.objects.order_by("id")),
            Prefetch(
                "transitions", StageTransition.objects.select_related("recorded_by").order_by("on", "id")
            ),
            Prefetch(
                "handovers",
                Handover.objects.select_related(
                    "from_unit__jurisdiction", "to_unit__jurisdiction", "recorded_by"
                ),
            ),
            Prefetch(
                "investment_entries",
                InvestmentEntry.objects.select_related("recorded_by").order_by("year", "month"),
            ),
        )
    )
    plans = ctx.readable(AnnualPlan.objects.filter(**under)).select_related("jurisdiction", "rolled_from")
    plans = list(
        plans.prefetch_related(
            "entries",
            Prefetch(
                "changes", PlanChange.objects.select_related("recorded_by").order_by("decided_on", "id")
            ),
        )
    )
    if not projects and not plans:
        return None
    all_keys = project_keys_of({p.jurisdiction_id for p in projects})
    keys = {p.pk: all_keys[p.pk] for p in projects}
    people = person_keys_of(
        [p for project in projects for p in (project.lead_leader, project.service_officer) if p]
    )
    used_tags = {t.name: t for project in projects for t in project.tags.all()}
    projects.sort(key=lambda p: (p.jurisdiction.path, keys[p.pk]))
    return LibrarySection(
        tags=[
            TagRecord(name=t.name, must_be_listed=t.must_be_listed, source=t.source, sort=t.sort)
            for t in sorted(used_tags.values(), key=lambda t: (t.sort, t.name))
        ],
        projects=[_project_record(p, keys[p.pk], people) for p in projects],
        annual_plans=[
            _plan_record(plan, keys) for plan in sorted(plans, key=lambda p: (p.jurisdiction.path, p.year))
        ],
    )
