"""Scopes and actions of meeting series, meetings, agenda items and attendance (DESIGN.md table).

Subtree readers (office, leaders, supervisors) read every series and meeting of their subtree. Unit staff
read the meetings where their unit is a member unit of the series (纪要主送), an attendee, or responsible
for one of its decided matters, and the series their unit is a member of. The discipline viewer reads
none. The office of the jurisdiction (or above it) defines series, prepares meetings, edits the agenda,
attendance and minutes, and issues the minutes.
"""

from typing import Any

from django.db.models import Q

from tuijin.core.access import (
    ScopeSpec,
    in_subtree,
    is_office_admin,
    is_subtree_reader,
    is_unit_staff,
    no_object,
    register_action,
    register_scope,
)
from tuijin.projects.permissions import LIBRARY_READERS

from .models import AgendaItem, Attendance, Meeting, MeetingSeries

READERS = LIBRARY_READERS  # the discipline viewer reads referrals only


def meeting_unit_q(user: Any, prefix: str = "") -> Q:
    """The meetings a unit's staff read: member unit of the series, attendee, or responsible for a matter."""
    unit = user.unit_id
    return (
        Q(**{f"{prefix}series__member_units": unit})
        | Q(**{f"{prefix}attendance__unit": unit})
        | Q(**{f"{prefix}matters__units": unit})
    )


def _readable_meetings(user: Any):
    return Meeting.objects.filter(meeting_unit_q(user)).values("pk")


register_scope(
    MeetingSeries,
    ScopeSpec(
        jurisdiction_field="jurisdiction",
        unit_filter=lambda u: Q(member_units=u.unit_id) | Q(meetings__in=_readable_meetings(u)),
        readers=READERS,
    ),
)
register_scope(
    Meeting,
    ScopeSpec(jurisdiction_field="jurisdiction", unit_filter=lambda u: meeting_unit_q(u), readers=READERS),
)
for _model in (AgendaItem, Attendance):
    register_scope(
        _model,
        ScopeSpec(
            jurisdiction_field="meeting__jurisdiction",
            unit_filter=lambda u: Q(meeting__in=_readable_meetings(u)),
            readers=READERS,
        ),
    )

register_action("meetings.view", "查看调度会议", is_subtree_reader | is_unit_staff)
register_action(
    "meetings.manage",
    "管理调度会议（会议系列、筹备、议程、参会、纪要和印发）",
    is_office_admin & (no_object | in_subtree),
)
