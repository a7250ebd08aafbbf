"""Exporting section `problems`: the subtree's problems (timeline, evidence metadata) and slips, read
through the access scope."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from tuijin.core.exchange.registry import ExportContext
from tuijin.core.exchange.schema import unit_key
from tuijin.projects.exchange.export import project_keys_of

from .. import rules
from ..models import Problem, ProblemAttachment, ProblemEvent, Slip
from .schema import (
    EVENT_UNITS,
    PROBLEM_MOMENTS,
    PROBLEM_PLAIN,
    PROBLEM_UNITS,
    PROBLEM_USERS,
    SLIP_MOMENTS,
    SLIP_PLAIN,
    AttachmentRecord,
    EventRecord,
    ProblemRecord,
    ProblemsSection,
    SlipRecord,
    SlipRef,
    problem_key,
)

SLIP_ORDER = {kind: n for n, kind in enumerate(rules.SLIP_KINDS)}


def _moment(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value is not None else None


def _username(user) -> str | None:
    return user.username if user is not None else None


def _unit(unit) -> str | None:
    return unit_key(unit.jurisdiction.code, unit.name) if unit is not None else None


def _slip_ref(slip: Slip | None) -> SlipRef | None:
    if slip is None:
        return None
    return SlipRef(
        jurisdiction_code=slip.jurisdiction.code, kind=slip.kind, year=slip.year, number=slip.number
    )


def _problem_record(p: Problem, keys: dict[int, str]) -> ProblemRecord:
    events = list(p.events.all())
    position = {e.pk: n for n, e in enumerate(events)}
    values = {name: getattr(p, name) for name in PROBLEM_PLAIN}
    values |= {name: _moment(getattr(p, name)) for name in PROBLEM_MOMENTS}
    return ProblemRecord(
        jurisdiction_code=p.jurisdiction.code,
        year=p.year,
        number=p.number,
        project=keys[p.project_id],
        **values,
        **{name: _unit(getattr(p, name)) for name in PROBLEM_UNITS},
        filed_by=_username(p.filed_by),
        **{name: _username(getattr(p, name)) for name in PROBLEM_USERS},
        events=[
            EventRecord(
                kind=e.kind,
                actor=_username(e.actor),
                at=_moment(e.at),
                note=e.note,
                **{name: _unit(getattr(e, name)) for name in EVENT_UNITS},
                from_level=e.from_level,
                to_level=e.to_level,
                slip=_slip_ref(e.slip),
            )
            for e in events
        ],
        attachments=[
            AttachmentRecord(
                name=a.name,
                size=a.size,
                event=position.get(a.event_id) if a.event_id is not None else None,
                uploaded_by=_username(a.uploaded_by),
                uploaded_at=_moment(a.uploaded_at),
            )
            for a in p.attachments.all()
        ],
    )


def _slip_record(s: Slip, keys: dict[int, str]) -> SlipRecord:
    values = {name: getattr(s, name) for name in SLIP_PLAIN}
    values |= {name: _moment(getattr(s, name)) for name in SLIP_MOMENTS}
    return SlipRecord(
        jurisdiction_code=s.jurisdiction.code,
        kind=s.kind,
        year=s.year,
        number=s.number,
        problem=(
            problem_key(s.problem.jurisdiction.code, s.problem.year, s.problem.number)
            if s.problem_id is not None
            else None
        ),
        project=keys[s.project_id] if s.project_id is not None else None,
        **values,
        to_unit=_unit(s.to_unit),
        issued_by=_username(s.issued_by),
        issued_unit=_unit(s.issued_unit),
        acknowledged_by=_username(s.acknowledged_by),
    )


def export_problems(ctx: ExportContext) -> ProblemsSection | None:
    """The problems and slips of the root's subtree; None when it has neither. Sorted in Python by code
    point, so two exports of the same data are the same file on every database."""
    path = ctx.root.path
    unit = ("jurisdiction",)
    readable = ctx.readable(Problem.objects.filter(jurisdiction__path__startswith=path)).values("pk")
    events = ProblemEvent.objects.select_related(
        "actor", *(f"{name}__{u}" for name in EVENT_UNITS for u in unit), "slip__jurisdiction"
    ).order_by("at", "id")
    attachments = ProblemAttachment.objects.select_related("uploaded_by").order_by("uploaded_at", "id")
    problems = list(
        Problem.objects.filter(pk__in=readable)
        .select_related(
            "jurisdiction",
            "filed_by",
            *PROBLEM_USERS,
            *(f"{name}__jurisdiction" for name in PROBLEM_UNITS),
        )
        .prefetch_related(Prefetch("events", events), Prefetch("attachments", attachments))
    )
    readable_slips = ctx.readable(Slip.objects.filter(jurisdiction__path__startswith=path)).values("pk")
    slips = list(
        Slip.objects.filter(pk__in=readable_slips).select_related(
            "jurisdiction",
            "problem__jurisdiction",
            "to_unit__jurisdiction",
            "issued_unit__jurisdiction",
            "issued_by",
            "acknowledged_by",
        )
    )
    if not problems and not slips:
        return None
    project_ids = {p.project_id for p in problems} | {s.project_id for s in slips if s.project_id}
    from tuijin.projects.models import Project

    keys = project_keys_of(
        Project.objects.filter(pk__in=project_ids).values_list("jurisdiction_id", flat=True).distinct()
    )
    problems.sort(key=lambda p: (p.jurisdiction.path, p.year, p.number))
    slips.sort(key=lambda s: (s.jurisdiction.path, s.year, SLIP_ORDER[s.kind], s.number))
    return ProblemsSection(
        problems=[_problem_record(p, keys) for p in problems],
        slips=[_slip_record(s, keys) for s in slips],
    )
