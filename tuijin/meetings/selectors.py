"""Reads of meeting series, the meeting calendar, meetings and the agenda proposal (REQ E).

`agenda_proposal(meeting, today)` gathers what is escalated to the meeting's level: open problems
escalated to the series' level, red projects (for a leader's series, that leader's projects), open matters
of earlier meetings of the series (matters' `agenda_matters`) and units due for cards (cards'
`card_agenda`). A fixed number of queries whatever the size (benchmarked with 10,000 projects, 2,000
problems, 5,000 matters).
"""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from tuijin.core.access import get_readable, scope
from tuijin.core.calendar_selectors import WEEKDAYS_ZH, current_calendar
from tuijin.org.models import Jurisdiction, Person

from . import rules
from .models import AgendaItem, Attendance, Meeting, MeetingSeries

MEETING_RELATED = ("series", "jurisdiction", "chair_person", "issued_by", "created_by")


# ---------------------------------------------------------------------------------------------------
# Series


def series_for(user: Any, *, active: bool | None = None) -> QuerySet:
    qs = scope(user, MeetingSeries.objects.all()).select_related("jurisdiction", "chair_person")
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.annotate(unit_count=Count("member_units", distinct=True)).order_by(
        "jurisdiction__path", "sort", "id"
    )


def calendar_leaders(user: Any, level: str = "") -> QuerySet:
    """The leaders the calendar filter offers: chairs of the active series the user reads (of `level` when
    given). A leader id from the query string counts only if it is one of these (review item 18)."""
    series = scope(user, MeetingSeries.objects.filter(is_active=True, chair_person__isnull=False))
    if level:
        series = series.filter(level_key=level)
    return Person.objects.filter(pk__in=series.values("chair_person_id")).order_by("id")


def level_names(jurisdiction: Jurisdiction) -> dict[str, str]:
    from tuijin.problems.services import ladder_for

    return {level.key: level.name for level in ladder_for(jurisdiction)}


def ten_day_starts(jurisdiction: Jurisdiction) -> tuple[int, ...]:
    from tuijin.core.ruleset_selectors import ruleset_version_for_jurisdiction

    version = ruleset_version_for_jurisdiction(jurisdiction)
    return rules.ten_day_starts_of(version.data if version is not None else {})


def leader_choices(jurisdiction: Jurisdiction) -> QuerySet:
    """Leaders of the jurisdiction and above (chairs of per-leader series)."""
    codes = [c for c in jurisdiction.path.split("/") if c]
    return Person.objects.filter(jurisdiction__code__in=codes, is_leader=True, is_active=True).order_by(
        "jurisdiction__path", "id"
    )


# ---------------------------------------------------------------------------------------------------
# Meetings


def meetings_for(
    user: Any,
    *,
    status: str = "",
    series_id: int | None = None,
    level: str = "",
    leader_id: int | None = None,
    year: int | None = None,
    q: str = "",
) -> QuerySet:
    qs = scope(user, Meeting.objects.all()).select_related("series", "jurisdiction", "chair_person")
    if status == "open":
        qs = qs.exclude(status__in=("issued", "cancelled"))
    elif status:
        qs = qs.filter(status=status)
    if series_id:
        qs = qs.filter(series_id=series_id)
    if level:
        qs = qs.filter(series__level_key=level)
    if leader_id:
        qs = qs.filter(Q(series__chair_person_id=leader_id) | Q(chair_person_id=leader_id))
    if year:
        qs = qs.filter(date__year=year)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(place__icontains=q))
    return qs.annotate(item_count=Count("agenda", distinct=True)).order_by("-date", "-id")


def meeting_readable(user: Any, pk: int) -> Meeting:
    return get_readable(user, Meeting.objects.select_related(*MEETING_RELATED), pk=pk)


def minutes_number(meeting: Meeting) -> str:
    return rules.minutes_number_text(meeting.minutes_year, meeting.minutes_number)


@dataclass
class MeetingPage:
    meeting: Meeting
    agenda: list[AgendaItem]
    attendance: list[Attendance]
    level_name: str
    number_text: str
    present: list[Attendance] = field(default_factory=list)
    absent: list[Attendance] = field(default_factory=list)
    has_minutes: bool = False


def meeting_page(meeting: Meeting) -> MeetingPage:
    agenda = list(
        meeting.agenda.select_related("project", "problem", "matter", "unit").order_by("order", "id")
    )
    attendance = list(meeting.attendance.select_related("unit", "person").order_by("order", "id"))
    levels = level_names(meeting.jurisdiction) if meeting.series.level_key else {}
    return MeetingPage(
        meeting=meeting,
        agenda=agenda,
        attendance=attendance,
        level_name=levels.get(meeting.series.level_key, meeting.series.level_key),
        number_text=minutes_number(meeting),
        present=[a for a in attendance if a.status in ("present", "substitute")],
        absent=[a for a in attendance if a.status in ("leave", "absent")],
        has_minutes=bool(meeting.summary.strip() or any(it.minutes.strip() for it in agenda)),
    )


def attendee_label(row: Attendance) -> str:
    """区发改委 周文博（主任）; a unit without a name is the unit alone."""
    unit = (row.unit.short_name or row.unit.name) if row.unit_id else ""
    name = row.name or (row.person.name if row.person_id else "")
    text = " ".join(part for part in (unit, name) if part)
    if row.post:
        text += f"（{row.post}）"
    return text


# ---------------------------------------------------------------------------------------------------
# The agenda proposal


def item_keys(item: AgendaItem) -> set[str]:
    """The proposal keys an agenda item already covers (so a candidate is never added twice)."""
    keys = set()
    if item.problem_id:
        keys.add(f"problem:{item.problem_id}")
    if item.matter_id:
        keys.add(f"matter:{item.matter_id}")
    if item.kind == "red_project" and item.project_id:
        keys.add(f"project:{item.project_id}")
    if item.kind == "card_unit" and item.unit_id:
        keys.add(f"unit:{item.unit_id}")
    return keys


def _url_maker(name: str):
    """reverse() once; each candidate fills in its id (thousands of candidates, no resolver work each)."""
    try:
        template = reverse(name, args=[987654321])
    except Exception:  # the page of another area not there (yet): no link
        return lambda pk: ""
    return lambda pk: template.replace("987654321", str(pk))


def _unit_name(unit: Any) -> str:
    return (unit.short_name or unit.name) if unit is not None else ""


def agenda_proposal(meeting: Meeting, today: date) -> list[dict[str, Any]]:
    """Candidate agenda items of the meeting: each a dict with `key` ("problem:12", "project:5",
    "matter:7", "unit:3"), `kind` (AGENDA_KINDS), `kind_label`, `title`, `reason`, `presenter`, `url`,
    `added` (already on the agenda), the ids it is about (`problem_id`, `project_id`, `matter_id`,
    `unit_id`), `escalated_at` (problems) and, from cards, the `unit` object (`matter` is None: matters,
    problems and red projects are read as plain rows, thousands of them, no model instances). Which red
    projects and whether card units are proposed depends on the series (rules.red_project_scope,
    rules.proposes_card_units)."""
    from tuijin.lights.models import ProjectLight
    from tuijin.meetings.matter_selectors import agenda_matters
    from tuijin.problems import rules as problem_rules
    from tuijin.problems.selectors import agenda_candidates
    from tuijin.supervision.card_selectors import card_agenda

    series = meeting.series
    jurisdiction = meeting.jurisdiction
    taken: set[str] = set()
    for item in AgendaItem.objects.filter(meeting_id=meeting.pk).only(
        "kind", "problem_id", "matter_id", "project_id", "unit_id"
    ):
        taken |= item_keys(item)
    out: list[dict[str, Any]] = []

    def add(key: str, kind: str, title: str, reason: str, url: str, presenter: str = "", **more: Any):
        out.append(
            {
                "key": key,
                "kind": kind,
                "kind_label": rules.AGENDA_KINDS[kind],
                "title": title,
                "reason": reason,
                "presenter": presenter,
                "url": url,
                "added": key in taken,
                "problem_id": more.get("problem_id"),
                "project_id": more.get("project_id"),
                "matter_id": more.get("matter_id"),
                "unit_id": more.get("unit_id"),
                "escalated_at": more.get("escalated_at"),
                "matter": more.get("matter"),
                "unit": more.get("unit"),
            }
        )

    from tuijin.problems.services import ladder_for

    leader_id = series.chair_person_id
    ladder = ladder_for(jurisdiction) if series.level_key else []
    red_scope = rules.red_project_scope(series.level_key, [lv.key for lv in ladder], bool(leader_id))
    # (a) problems escalated to the series' level
    if series.level_key:
        names = {level.key: level.name for level in ladder}
        level = names.get(series.level_key, series.level_key)
        problem_url = _url_maker("problems:detail")
        problems = agenda_candidates(jurisdiction, series.level_key).select_related(None)
        if leader_id:
            problems = problems.filter(project__lead_leader_id=leader_id)
        rows = problems.values(
            "pk",
            "year",
            "number",
            "title",
            "status",
            "escalated_at",
            "project_id",
            "project__name",
            "assigned_unit__name",
            "assigned_unit__short_name",
            "filed_unit__name",
            "filed_unit__short_name",
        )
        for p in rows:
            when = p["escalated_at"]
            escalated = f"于 {timezone.localtime(when):%Y-%m-%d} " if when else ""
            unit = (p["assigned_unit__short_name"] or p["assigned_unit__name"]) or (
                p["filed_unit__short_name"] or p["filed_unit__name"]
            )
            status = problem_rules.STATUSES.get(p["status"], p["status"])
            add(
                f"problem:{p['pk']}",
                "problem",
                f"{p['project__name']}：{p['title']}",
                f"问题 {problem_rules.problem_number(p['year'], p['number'])}（{status}）{escalated}"
                f"上报至“{level}”协调",
                problem_url(p["pk"]),
                unit or "",
                problem_id=p["pk"],
                project_id=p["project_id"],
                escalated_at=when,
            )
    # (b) red projects (the lights' stored results), per rules.red_project_scope: a leader's series →
    # that leader's projects; a series of the ladder's lowest level → its member units' projects
    lights = ProjectLight.objects.filter(
        shown="red", project__jurisdiction__path__startswith=jurisdiction.path
    ).order_by("-days", "project_id")
    if red_scope == "leader":
        lights = lights.filter(project__lead_leader_id=leader_id)
    elif red_scope == "units":
        members = MeetingSeries.member_units.through.objects.filter(meetingseries_id=series.pk)
        lights = lights.filter(project__responsible_unit_id__in=members.values("unit_id"))
    project_url = _url_maker("projects:detail")
    for light in lights.values(
        "project_id",
        "reason",
        "project__name",
        "project__lead_leader__name",
        "project__responsible_unit__name",
        "project__responsible_unit__short_name",
    ):
        pid = light["project_id"]
        leader = (
            f"，挂点领导{light['project__lead_leader__name']}" if light["project__lead_leader__name"] else ""
        )
        add(
            f"project:{pid}",
            "red_project",
            f"{light['project__name']}（红灯）",
            f"项目亮红灯：{light['reason']}{leader}",
            project_url(pid),
            light["project__responsible_unit__short_name"] or light["project__responsible_unit__name"] or "",
            project_id=pid,
        )
    # (c) open matters of earlier meetings of this series (overdue, or without deadline and unresolved)
    matter_url = _url_maker("meetings:matter")
    for row in agenda_matters(series, today, meeting=meeting):
        add(
            f"matter:{row['matter_id']}",
            row["kind"],
            row["title"],
            row["reason"],
            matter_url(row["matter_id"]),
            row["unit_name"],
            matter_id=row["matter_id"],
            project_id=row["project_id"],
            unit_id=row["unit_id"],
        )
    # (d) units due for cards (one candidate per unit, its reasons joined): monthly series only
    by_unit: dict[int, dict[str, Any]] = {}
    cards = (
        card_agenda(jurisdiction, today)
        if rules.proposes_card_units(series.frequency, bool(leader_id))
        else []
    )
    for row in cards:
        unit = row["unit"]
        if unit.pk in by_unit:
            by_unit[unit.pk]["reason"] += f"；{row['reason']}"
        else:
            by_unit[unit.pk] = {"unit": unit, "reason": row["reason"]}
    unit_url = _url_maker("supervision:card_unit")
    for unit_id, row in by_unit.items():
        unit = row["unit"]
        add(
            f"unit:{unit_id}",
            "card_unit",
            f"{unit.name}：督办与黄牌、红牌情况",
            row["reason"][:300],
            unit_url(unit_id),
            _unit_name(unit),
            unit_id=unit_id,
            unit=unit,
        )
    return out


# ---------------------------------------------------------------------------------------------------
# The calendar


@dataclass
class Entry:
    """One line of the calendar: a planned slot of a series or a real meeting."""

    date: date
    series: MeetingSeries
    meeting: Meeting | None = None
    past: bool = False  # a planned day already gone with no meeting for its period

    @property
    def planned(self) -> bool:
        return self.meeting is None

    @property
    def status(self) -> str:
        return self.meeting.status if self.meeting is not None else "planned"

    @property
    def status_label(self) -> str:
        if self.meeting is not None:
            return rules.MEETING_STATUSES[self.status]
        return "计划日已过，未召开" if self.past else "按计划应召开"

    @property
    def title(self) -> str:
        return self.meeting.title if self.meeting is not None else self.series.name

    @property
    def weekday(self) -> str:
        return "周" + WEEKDAYS_ZH[self.date.weekday()]


@dataclass
class CalendarDay:
    date: date
    in_month: bool
    is_workday: bool
    is_today: bool
    entries: list[Entry]


@dataclass
class CalendarView:
    year: int
    month: int
    weeks: list[list[CalendarDay]]
    upcoming: list[Entry]
    series: list[MeetingSeries]
    prev: str
    next: str
    months: list[tuple[str, str]]


def _month_shift(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + delta
    return index // 12, index % 12 + 1


def _entries(
    series_list: list[MeetingSeries],
    meetings: list[Meeting],
    start: date,
    end: date,
    is_workday,
    starts_of,
    today: date,
) -> list[Entry]:
    """Planned slots of each series in [start, end] that no meeting of the series covers (a meeting in
    the slot's period, not cancelled), plus every meeting in [start, end]."""
    by_series: dict[int, list[Meeting]] = {}
    for m in meetings:
        by_series.setdefault(m.series_id, []).append(m)
    entries: list[Entry] = []
    for s in series_list:
        held = [m for m in by_series.get(s.pk, []) if m.status != "cancelled"]
        for slot in rules.slots(s.frequency, start, end, is_workday, s.weekday, starts_of(s)):
            if any(slot.start <= m.date <= slot.end for m in held):
                continue
            entries.append(Entry(date=slot.date, series=s, past=slot.date < today))
    for m in meetings:
        if start <= m.date <= end:
            entries.append(Entry(date=m.date, series=m.series, meeting=m))
    entries.sort(key=lambda e: (e.date, e.series.sort, e.series.pk, e.meeting.pk if e.meeting else 0))
    return entries


def calendar_view(
    user: Any, *, year: int, month: int, today: date, level: str = "", leader_id: int | None = None
) -> CalendarView:
    """The month grid (Monday first) and the upcoming list (next 45 days, at most 30 lines) of the
    series the user reads, filtered per level and per leader."""
    series_qs = scope(user, MeetingSeries.objects.filter(is_active=True)).select_related(
        "jurisdiction", "chair_person"
    )
    if level:
        series_qs = series_qs.filter(level_key=level)
    if leader_id:
        series_qs = series_qs.filter(chair_person_id=leader_id)
    series_list = list(series_qs.order_by("sort", "id"))
    cal = current_calendar()
    starts_cache: dict[int, tuple[int, ...]] = {}

    def starts_of(s: MeetingSeries) -> tuple[int, ...]:
        if s.jurisdiction_id not in starts_cache:
            starts_cache[s.jurisdiction_id] = ten_day_starts(s.jurisdiction)
        return starts_cache[s.jurisdiction_id]

    first = date(year, month, 1)
    last = date(year, month, pycalendar.monthrange(year, month)[1])
    grid_start = first - timedelta(days=first.weekday())
    grid_end = last + timedelta(days=6 - last.weekday())
    soon_end = today + timedelta(days=45)
    low, high = min(grid_start, today), max(grid_end, soon_end)
    # a meeting in a slot's period hides the slot: read the periods around the range too
    meetings = list(
        scope(user, Meeting.objects.filter(series__in=[s.pk for s in series_list]))
        .filter(date__range=(low - timedelta(days=370), high + timedelta(days=370)))
        .select_related("series")
        .order_by("date", "id")
    )
    grid_entries = _entries(series_list, meetings, grid_start, grid_end, cal.is_workday, starts_of, today)
    by_day: dict[date, list[Entry]] = {}
    for e in grid_entries:
        by_day.setdefault(e.date, []).append(e)
    weeks = []
    day = grid_start
    while day <= grid_end:
        week = []
        for _ in range(7):
            week.append(
                CalendarDay(
                    date=day,
                    in_month=day.month == month,
                    is_workday=cal.is_workday(day),
                    is_today=day == today,
                    entries=by_day.get(day, []),
                )
            )
            day += timedelta(days=1)
        weeks.append(week)
    upcoming = [
        e
        for e in _entries(series_list, meetings, today, soon_end, cal.is_workday, starts_of, today)
        if e.meeting is None or e.meeting.status not in ("issued", "cancelled")
    ][:30]
    prev_y, prev_m = _month_shift(year, month, -1)
    next_y, next_m = _month_shift(year, month, 1)
    return CalendarView(
        year=year,
        month=month,
        weeks=weeks,
        upcoming=upcoming,
        series=series_list,
        prev=f"{prev_y}-{prev_m:02d}",
        next=f"{next_y}-{next_m:02d}",
        months=[
            (f"{y}-{m:02d}", f"{y}年{m}月")
            for y, m in (_month_shift(year, month, delta) for delta in range(-12, 13))
        ],
    )
