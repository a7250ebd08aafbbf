"""Exporting section `meetings`: the subtree's meeting series, meetings (agenda, attendance, minutes) and
decided matters (units, first-raise links, timeline, evidence metadata, kept lateness), read through the
access scope. Sorted in Python by code point, so two exports of the same data are the same file."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from tuijin.core.exchange.organisation import person_keys_of
from tuijin.core.exchange.registry import ExportContext
from tuijin.core.exchange.schema import unit_key
from tuijin.problems.exchange.export import _slip_ref
from tuijin.problems.exchange.schema import problem_key
from tuijin.projects.exchange.export import project_keys_of

from ..models import AgendaItem, Attendance, Matter, MatterAttachment, MatterEvent, Meeting, MeetingSeries
from .keys import ordinals, split_ordinal
from .schema import (
    AGENDA_PLAIN,
    ATTENDANCE_PLAIN,
    MATTER_PLAIN,
    MEETING_PLAIN,
    SERIES_PLAIN,
    AgendaRecord,
    AttendanceRecord,
    MatterAttachmentRecord,
    MatterEventRecord,
    MatterRecord,
    MatterRef,
    MeetingRecord,
    MeetingsSection,
    SeriesRecord,
    meeting_key,
)


def _moment(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value is not None else None


def _username(user) -> str | None:
    return user.username if user is not None else None


def _unit(unit) -> str | None:
    return unit_key(unit.jurisdiction.code, unit.name) if unit is not None else None


def rule_version_ref(version) -> str | None:
    return f"{version.rule_set.slug}@{version.number}" if version is not None else None


def meeting_keys(meeting_ids) -> dict[int, str]:
    """Meeting keys of these meetings, numbering same-day sittings of a series over every meeting of
    those series and days (not only the exported ones), by id."""
    rows = list(Meeting.objects.filter(pk__in=set(meeting_ids)).values_list("series_id", "date").distinct())
    if not rows:
        return {}
    series_ids = {s for s, _ in rows}
    every = (
        Meeting.objects.filter(series_id__in=series_ids, date__in={d for _, d in rows})
        .order_by("id")
        .values_list("pk", "series_id", "date", "series__key", "series__jurisdiction__code")
    )
    every = list(every)
    found = ordinals((pk, (s, d)) for pk, s, d, _, _ in every)
    return {pk: meeting_key(code, key, d, found[pk]) for pk, _, d, key, code in every}


def agenda_positions(meeting_ids) -> dict[int, int]:
    """Agenda item id → its position in its meeting's agenda (by order, id), as `agenda` lists them."""
    found: dict[int, int] = {}
    seen: dict[int, int] = {}
    rows = AgendaItem.objects.filter(meeting_id__in=set(meeting_ids)).order_by("meeting_id", "order", "id")
    for pk, meeting_id in rows.values_list("pk", "meeting_id"):
        found[pk] = seen.get(meeting_id, 0)
        seen[meeting_id] = found[pk] + 1
    return found


def export_meetings(ctx: ExportContext) -> MeetingsSection | None:
    path = ctx.root.path
    in_subtree = {"jurisdiction__path__startswith": path}
    if not (
        MeetingSeries.objects.filter(**in_subtree).exists()
        or Meeting.objects.filter(**in_subtree).exists()
        or Matter.objects.filter(**in_subtree).exists()
    ):
        return None  # (before scoping: an installation without meetings needs no scope for them)
    series = list(
        MeetingSeries.objects.filter(**in_subtree)
        .select_related("jurisdiction", "chair_person")
        .prefetch_related(Prefetch("member_units", _units()))
    )
    readable = ctx.readable(Meeting.objects.filter(**in_subtree)).values("pk")
    meetings = list(
        Meeting.objects.filter(pk__in=readable)
        .select_related("jurisdiction", "series", "chair_person", "issued_by", "created_by")
        .prefetch_related(
            Prefetch(
                "agenda",
                AgendaItem.objects.select_related(
                    "project", "problem__jurisdiction", "matter", "unit__jurisdiction"
                ).order_by("order", "id"),
            ),
            Prefetch(
                "attendance",
                Attendance.objects.select_related("unit__jurisdiction", "person").order_by("order", "id"),
            ),
        )
    )
    readable_matters = ctx.readable(Matter.objects.filter(**in_subtree)).values("pk")
    events = MatterEvent.objects.select_related("actor", "unit__jurisdiction", "slip__jurisdiction").order_by(
        "at", "id"
    )
    attachments = MatterAttachment.objects.select_related("uploaded_by").order_by("uploaded_at", "id")
    matters = list(
        Matter.objects.filter(pk__in=readable_matters)
        .select_related(
            "series",
            "project",
            "problem__jurisdiction",
            "lead_unit__jurisdiction",
            "first_raise",
            "rule_version__rule_set",
            "closed_by",
        )
        .prefetch_related(
            Prefetch("units", _units()), Prefetch("events", events), Prefetch("attachments", attachments)
        )
    )
    # keys of every meeting mentioned (a matter's meeting, carried_to, an event's meeting …)
    mentioned = {m.pk for m in meetings} | {m.meeting_id for m in matters}
    mentioned |= {m.carried_to_id for m in matters if m.carried_to_id}
    mentioned |= {e.meeting_id for m in matters for e in m.events.all() if e.meeting_id}
    mentioned |= {m.first_raise.meeting_id for m in matters if m.first_raise_id}
    agenda_matters = {a.matter for mt in meetings for a in mt.agenda.all() if a.matter_id}
    mentioned |= {m.meeting_id for m in agenda_matters}
    keys = meeting_keys(mentioned)
    project_ids = {a.project_id for mt in meetings for a in mt.agenda.all() if a.project_id}
    project_ids |= {m.project_id for m in matters if m.project_id}
    from tuijin.projects.models import Project

    projects = project_keys_of(
        Project.objects.filter(pk__in=project_ids).values_list("jurisdiction_id", flat=True).distinct()
    )
    people = [s.chair_person for s in series if s.chair_person_id]
    people += [m.chair_person for m in meetings if m.chair_person_id]
    people += [a.person for m in meetings for a in m.attendance.all() if a.person_id]
    persons = person_keys_of(people)
    agenda = agenda_positions({m.meeting_id for m in matters})
    order = {m.pk: (m.jurisdiction.path, m.date, m.series.key, keys[m.pk]) for m in meetings}
    series.sort(key=lambda s: (s.jurisdiction.path, s.sort, s.key))
    meetings.sort(key=lambda m: order[m.pk])
    matter_order = {pk: n for n, pk in enumerate(sorted(keys, key=lambda pk: keys[pk]))}
    matters.sort(key=lambda m: (matter_order[m.meeting_id], m.number))
    return MeetingsSection(
        series=[_series_record(s, persons) for s in series],
        meetings=[_meeting_record(m, keys, projects, persons) for m in meetings],
        matters=[_matter_record(m, keys, projects, agenda) for m in matters],
    )


def _units():
    from tuijin.org.models import Unit

    return Unit.objects.select_related("jurisdiction")


def _sorted_units(units) -> list[str]:
    return sorted(_unit(u) for u in units)  # type: ignore[type-var]


def _series_record(s: MeetingSeries, persons: dict[int, str]) -> SeriesRecord:
    return SeriesRecord(
        jurisdiction_code=s.jurisdiction.code,
        key=s.key,
        **{name: getattr(s, name) for name in SERIES_PLAIN},
        chair_person=persons.get(s.chair_person_id) if s.chair_person_id else None,
        member_units=_sorted_units(s.member_units.all()),
    )


def _matter_ref(matter: Matter | None, keys: dict[int, str]) -> MatterRef | None:
    if matter is None:
        return None
    return MatterRef(meeting=keys[matter.meeting_id], number=matter.number)


def _meeting_record(
    m: Meeting, keys: dict[int, str], projects: dict[int, str], persons: dict[int, str]
) -> MeetingRecord:
    values = {name: getattr(m, name) for name in MEETING_PLAIN}
    values["issued_at"] = _moment(m.issued_at)
    return MeetingRecord(
        jurisdiction_code=m.jurisdiction.code,
        series=m.series.key,
        date=m.date,
        seq=split_ordinal(keys[m.pk])[1],
        **values,
        chair_person=persons.get(m.chair_person_id) if m.chair_person_id else None,
        issued_by=_username(m.issued_by),
        created_by=_username(m.created_by),
        agenda=[
            AgendaRecord(
                **{name: getattr(a, name) for name in AGENDA_PLAIN},
                project=projects.get(a.project_id) if a.project_id else None,
                problem=(
                    problem_key(a.problem.jurisdiction.code, a.problem.year, a.problem.number)
                    if a.problem_id
                    else None
                ),
                matter=_matter_ref(a.matter, keys),
                unit=_unit(a.unit),
            )
            for a in m.agenda.all()
        ],
        attendance=[
            AttendanceRecord(
                **{name: getattr(a, name) for name in ATTENDANCE_PLAIN},
                unit=_unit(a.unit),
                person=persons.get(a.person_id) if a.person_id else None,
            )
            for a in m.attendance.all()
        ],
    )


def _matter_record(
    m: Matter, keys: dict[int, str], projects: dict[int, str], agenda: dict[int, int]
) -> MatterRecord:
    events = list(m.events.all())
    position = {e.pk: n for n, e in enumerate(events)}
    values = {name: getattr(m, name) for name in MATTER_PLAIN}
    values["closed_at"] = _moment(m.closed_at)
    return MatterRecord(
        meeting=keys[m.meeting_id],
        number=m.number,
        series=m.series.key,
        agenda_item=agenda.get(m.agenda_item_id) if m.agenda_item_id else None,
        **values,
        project=projects.get(m.project_id) if m.project_id else None,
        problem=(
            problem_key(m.problem.jurisdiction.code, m.problem.year, m.problem.number)
            if m.problem_id
            else None
        ),
        lead_unit=_unit(m.lead_unit),
        units=_sorted_units(m.units.all()),
        first_raise=_matter_ref(m.first_raise, keys),
        carried_to=keys[m.carried_to_id] if m.carried_to_id else None,
        rule_version=rule_version_ref(m.rule_version),
        closed_by=_username(m.closed_by),
        events=[
            MatterEventRecord(
                kind=e.kind,
                actor=_username(e.actor),
                unit=_unit(e.unit),
                at=_moment(e.at),
                note=e.note,
                meeting=keys[e.meeting_id] if e.meeting_id else None,
                slip=_slip_ref(e.slip),
            )
            for e in events
        ],
        attachments=[
            MatterAttachmentRecord(
                name=a.name,
                size=a.size,
                event=position.get(a.event_id) if a.event_id is not None else None,
                uploaded_by=_username(a.uploaded_by),
                uploaded_at=_moment(a.uploaded_at),
            )
            for a in m.attachments.all()
        ],
    )
