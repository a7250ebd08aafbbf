"""What the pushes say, gathered in bulk (REQ J2, C6; NC20 四(二)).

`leader_digests(jurisdiction, today, rules)` gathers, for every active leader of a jurisdiction, the facts
of their Monday digest in a fixed number of queries whatever the number of leaders (nine): the leaders,
their units in charge (分管单位), their projects (挂点 `Project.lead_leader`, plus the projects of the units
in charge) with the stored project light (`lights.ProjectLight`, its override when there is one), the open
chain nodes already overdue (已超期节点: deadline before today, no actual date, not exempt) and those due
in the window (one query for both), the overdue problems and decided matters, and the meetings ahead (chaired,
attended, or with an agenda item on one of their projects).

`reminder_items(jurisdiction, today, rules, calendar)` gathers the deadlines reminded today (nodes,
reports, problems, matters of the jurisdiction) in one query per kind, from `rules.reminder_windows`.

The text is composed by the pure `rules` module; this module only reads.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q

from tuijin.chains.models import ChainNode
from tuijin.meetings.models import AgendaItem, Attendance, Matter, Meeting
from tuijin.org.models import Jurisdiction, Person
from tuijin.problems.models import Problem
from tuijin.projects.models import Project

from . import rules as r

DONE_STAGES = ("completed", "producing")  # as reports.selectors: no digest item once done
PROBLEM_SETTLED = ("closed", "replied")  # 已销号 / 已答复待复核: no longer overdue on the unit
MEETING_AHEAD = ("planned", "preparing")
MATTER_OPEN = ("open",)


def _unit_name(short: str | None, name: str | None) -> str:
    return short or name or ""


def _late_workdays(calendar: Any, deadline: date, today: date) -> int | None:
    """Working days from the deadline to today (the calendar's reading); None outside its range."""
    if calendar is None:
        return None
    try:
        return calendar.workdays_between(deadline, today)
    except Exception:  # a date outside the calendar's years: the text falls back to calendar days
        return None


def leader_digests(
    jurisdiction: Jurisdiction, today: date, rules: r.NotifyRules, calendar: Any = None
) -> list[r.LeaderDigest]:
    """Every active leader's digest facts, ordered by person id. `calendar` (a WorkCalendar) counts the
    working days an overdue node is late; without one the text gives calendar days."""
    leaders = list(
        Person.objects.filter(jurisdiction=jurisdiction, is_leader=True, is_active=True)
        .order_by("pk")
        .values("pk", "name", "post")
    )
    if not leaders:
        return []
    leader_qs = Person.objects.filter(jurisdiction=jurisdiction, is_leader=True, is_active=True).values("pk")
    through = Person.units_in_charge.through
    charge = list(through.objects.filter(person_id__in=leader_qs).values_list("person_id", "unit_id"))
    units_of: dict[int, set[int]] = defaultdict(set)
    for person_id, unit_id in charge:
        units_of[person_id].add(unit_id)
    charged_units = through.objects.filter(person_id__in=leader_qs).values("unit_id")

    project_filter = Q(lead_leader_id__in=leader_qs) | Q(responsible_unit_id__in=charged_units)
    project_qs = Project.objects.filter(project_filter).exclude(stage__in=DONE_STAGES)
    projects = list(
        project_qs.values(
            "pk",
            "name",
            "lead_leader_id",
            "responsible_unit_id",
            "responsible_unit__name",
            "responsible_unit__short_name",
            "light__shown",
            "light__reason",
            "light__override_color",
            "light__override_reason",
        )
    )
    project_ids = project_qs.values("pk")
    # each leader's project ids
    by_unit: dict[int, list[int]] = defaultdict(list)
    by_lead: dict[int, list[int]] = defaultdict(list)
    info: dict[int, dict] = {}
    for p in projects:
        info[p["pk"]] = p
        by_unit[p["responsible_unit_id"]].append(p["pk"])
        if p["lead_leader_id"] is not None:
            by_lead[p["lead_leader_id"]].append(p["pk"])

    window_end = today + timedelta(days=rules.window_days)
    # one query for both parts: the overdue nodes (deadline before today) and those due in the window
    nodes = list(
        ChainNode.objects.filter(
            project_id__in=project_ids,
            deadline__lte=window_end,
            actual__isnull=True,
            exempt_reason="",
        )
        .exclude(light__shown__in=("done", "exempt"))
        .values(
            "pk", "project_id", "name", "deadline", "responsible_unit__name", "responsible_unit__short_name"
        )
    )
    nodes_of: dict[int, list[r.NodeItem]] = defaultdict(list)
    late_nodes_of: dict[int, list[r.NodeItem]] = defaultdict(list)
    for n in nodes:
        late = n["deadline"] < today
        (late_nodes_of if late else nodes_of)[n["project_id"]].append(
            r.NodeItem(
                node_id=n["pk"],
                project=info[n["project_id"]]["name"],
                node=n["name"],
                unit=_unit_name(n["responsible_unit__short_name"], n["responsible_unit__name"]),
                deadline=n["deadline"],
                late_workdays=_late_workdays(calendar, n["deadline"], today) if late else None,
            )
        )

    problems = list(
        Problem.objects.filter(project_id__in=project_ids, due_date__lt=today)
        .exclude(status__in=PROBLEM_SETTLED)
        .values("pk", "project_id", "title", "due_date", "assigned_unit__name", "assigned_unit__short_name")
    )
    problems_of: dict[int, list[r.OverdueItem]] = defaultdict(list)
    for p in problems:
        problems_of[p["project_id"]].append(
            r.OverdueItem(
                kind="problem",
                id=p["pk"],
                title=p["title"],
                unit=_unit_name(p["assigned_unit__short_name"], p["assigned_unit__name"]),
                deadline=p["due_date"],
                project=info[p["project_id"]]["name"],
            )
        )

    matters = list(
        Matter.objects.filter(status__in=MATTER_OPEN, deadline__lt=today)
        .filter(Q(project_id__in=project_ids) | Q(lead_unit_id__in=charged_units))
        .values(
            "pk",
            "project_id",
            "lead_unit_id",
            "title",
            "deadline",
            "lead_unit__name",
            "lead_unit__short_name",
        )
    )

    meeting_end = today + timedelta(days=rules.meeting_days)
    meeting_qs = Meeting.objects.filter(
        jurisdiction__path__startswith=jurisdiction.path,
        date__gte=today,
        date__lte=meeting_end,
        status__in=MEETING_AHEAD,
    )
    meetings = {
        m["pk"]: m for m in meeting_qs.values("pk", "title", "date", "start_time", "place", "chair_person_id")
    }
    meeting_people: dict[int, set[int]] = defaultdict(set)  # person -> meetings
    meeting_projects: dict[int, set[int]] = defaultdict(set)  # project -> meetings
    if meetings:
        ids = meeting_qs.values("pk")
        for meeting_id, person_id in Attendance.objects.filter(
            meeting_id__in=ids, person_id__isnull=False
        ).values_list("meeting_id", "person_id"):
            meeting_people[person_id].add(meeting_id)
        for meeting_id, project_id in AgendaItem.objects.filter(
            meeting_id__in=ids, project_id__isnull=False
        ).values_list("meeting_id", "project_id"):
            meeting_projects[project_id].add(meeting_id)
        for m in meetings.values():
            if m["chair_person_id"] is not None:
                meeting_people[m["chair_person_id"]].add(m["pk"])

    digests = []
    for leader in leaders:
        pid = leader["pk"]
        units = units_of.get(pid, set())
        mine: set[int] = set(by_lead.get(pid, ()))
        for unit_id in units:
            mine.update(by_unit.get(unit_id, ()))
        ordered = sorted(mine)
        lights = []
        node_items: list[r.NodeItem] = []
        late_items: list[r.NodeItem] = []
        problem_items: list[r.OverdueItem] = []
        meeting_ids: set[int] = set(meeting_people.get(pid, ()))
        for project_id in ordered:
            p = info[project_id]
            color = p["light__shown"]
            if color in r.LIGHT_NAMES:
                reason = p["light__override_reason"] if p["light__override_color"] else p["light__reason"]
                lights.append(
                    r.LightItem(
                        project_id=project_id,
                        project=p["name"],
                        unit=_unit_name(p["responsible_unit__short_name"], p["responsible_unit__name"]),
                        color=color,
                        reason=reason or "",
                    )
                )
            node_items.extend(nodes_of.get(project_id, ()))
            late_items.extend(late_nodes_of.get(project_id, ()))
            problem_items.extend(problems_of.get(project_id, ()))
            meeting_ids.update(meeting_projects.get(project_id, ()))
        matter_items = [
            r.OverdueItem(
                kind="matter",
                id=m["pk"],
                title=m["title"],
                unit=_unit_name(m["lead_unit__short_name"], m["lead_unit__name"]),
                deadline=m["deadline"],
                project=info[m["project_id"]]["name"] if m["project_id"] in info else "",
            )
            for m in matters
            if m["project_id"] in mine or m["lead_unit_id"] in units
        ]
        meeting_items = [
            r.MeetingItem(
                id=m["pk"], title=m["title"], day=m["date"], start=m["start_time"], place=m["place"] or ""
            )
            for m in (meetings[i] for i in sorted(meeting_ids))
        ]
        digests.append(
            r.LeaderDigest(
                person_id=pid,
                name=leader["name"],
                post=leader["post"] or "",
                projects=len(ordered),
                lights=tuple(lights),
                nodes=tuple(node_items),
                overdue_nodes=tuple(late_items),
                problems=tuple(problem_items),
                matters=tuple(matter_items),
                meetings=tuple(meeting_items),
            )
        )
    return digests


# ---------------------------------------------------------------------------------------------------
# Reminders


def _windows_q(field: str, windows: list[r.Window]) -> Q:
    q = Q(pk__in=[])
    for w in windows:
        q |= Q(**{f"{field}__gte": w.first, f"{field}__lte": w.last})
    return q


def _window_of(day: date, windows: list[r.Window]) -> r.Window | None:
    for w in windows:
        if w.first <= day <= w.last:
            return w
    return None


def _item(kind: str, pk: int, title: str, unit_id: int, unit: str, deadline: date, w: r.Window, ref: str):
    return r.ReminderItem(
        kind=kind,
        id=pk,
        title=title,
        unit_id=unit_id,
        unit=unit,
        deadline=deadline,
        offset=w.offset,
        lapse=w.lapse,
        ref=ref,
    )


def reminder_items(
    jurisdiction: Jurisdiction, today: date, rules: r.NotifyRules, calendar: Any
) -> list[r.ReminderItem]:
    """The deadlines of the jurisdiction's nodes, reports, problems and matters reminded today."""
    windows = r.reminder_windows(today, rules, calendar)
    if not windows:
        return []
    items: list[r.ReminderItem] = []
    for n in (
        ChainNode.objects.filter(
            _windows_q("deadline", windows),
            project__jurisdiction=jurisdiction,
            actual__isnull=True,
            exempt_reason="",
        )
        .exclude(project__stage__in=DONE_STAGES)
        .exclude(light__shown__in=("done", "exempt"))
        .order_by("deadline", "pk")
        .values(
            "pk",
            "name",
            "deadline",
            "project__name",
            "responsible_unit_id",
            "responsible_unit__name",
            "responsible_unit__short_name",
        )
    ):
        w = _window_of(n["deadline"], windows)
        unit = _unit_name(n["responsible_unit__short_name"], n["responsible_unit__name"])
        title = f"{n['project__name']}—{n['name']}"
        items.append(
            _item("node", n["pk"], title, n["responsible_unit_id"], unit, n["deadline"], w, f"node:{n['pk']}")
        )
    for p in (
        Problem.objects.filter(
            _windows_q("due_date", windows), jurisdiction=jurisdiction, assigned_unit__isnull=False
        )
        .exclude(status__in=PROBLEM_SETTLED)
        .order_by("due_date", "pk")
        .values(
            "pk", "title", "due_date", "assigned_unit_id", "assigned_unit__name", "assigned_unit__short_name"
        )
    ):
        w = _window_of(p["due_date"], windows)
        unit = _unit_name(p["assigned_unit__short_name"], p["assigned_unit__name"])
        items.append(
            _item(
                "problem",
                p["pk"],
                p["title"],
                p["assigned_unit_id"],
                unit,
                p["due_date"],
                w,
                f"problem:{p['pk']}",
            )
        )
    for m in (
        Matter.objects.filter(
            _windows_q("deadline", windows), jurisdiction=jurisdiction, status__in=MATTER_OPEN
        )
        .order_by("deadline", "pk")
        .values("pk", "title", "deadline", "lead_unit_id", "lead_unit__name", "lead_unit__short_name")
    ):
        w = _window_of(m["deadline"], windows)
        unit = _unit_name(m["lead_unit__short_name"], m["lead_unit__name"])
        items.append(
            _item(
                "matter", m["pk"], m["title"], m["lead_unit_id"], unit, m["deadline"], w, f"matter:{m['pk']}"
            )
        )
    items.extend(_report_items(jurisdiction, today, windows))
    return items


def ruleset_data(jurisdiction: Jurisdiction) -> dict | None:
    """The parsed TOML of the rule set the jurisdiction follows (its own or an ancestor's), or None."""
    from tuijin.core.ruleset_selectors import ruleset_version_for_jurisdiction

    version = ruleset_version_for_jurisdiction(jurisdiction)
    return version.data if version is not None else None


def _report_items(jurisdiction: Jurisdiction, today: date, windows: list[r.Window]) -> list[r.ReminderItem]:
    """Each unit's current weekly and monthly report whose due day is reminded today, when some of its
    projects have not submitted it yet (drafts count as not submitted). Two queries: the units' projects
    that report (not 竣工/投产), and the reports past draft of the periods concerned."""
    from tuijin.reports import rules as report_rules
    from tuijin.reports.models import Report

    data = ruleset_data(jurisdiction)
    due: list[tuple[str, date, date, r.Window]] = []  # (kind, period start, due day, window)
    for kind in ("weekly", "monthly"):
        rule = report_rules.due_rule(kind, data)
        # this period and the next (a due day a few working days ahead may be in the next week/month)
        start = report_rules.period_start(kind, today)
        following = report_rules.period_start(kind, report_rules.period_end(kind, start) + timedelta(days=1))
        for s in (start, following):
            due_on = report_rules.due_date(kind, s, rule)
            w = _window_of(due_on, windows)
            if w is not None:
                due.append((kind, s, due_on, w))
    if not due:
        return []
    counts = {
        row["responsible_unit_id"]: row
        for row in Project.objects.filter(responsible_unit__jurisdiction=jurisdiction)
        .exclude(stage__in=DONE_STAGES)
        .order_by()
        .values("responsible_unit_id", "responsible_unit__name", "responsible_unit__short_name")
        .annotate(n=Count("pk"))
    }
    if not counts:
        return []
    done: dict[tuple[int, str, date], int] = defaultdict(int)
    q = Q(pk__in=[])
    for kind, s, _due, _w in due:
        q |= Q(kind=kind, period_start=s)
    for row in (
        Report.objects.filter(q, unit__jurisdiction=jurisdiction)
        .exclude(status="draft")
        .order_by()
        .values("unit_id", "kind", "period_start")
        .annotate(n=Count("pk"))
    ):
        done[(row["unit_id"], row["kind"], row["period_start"])] = row["n"]
    items = []
    for kind, s, due_on, w in due:
        label = report_rules.period_label(kind, s) + report_rules.KINDS[kind]
        for unit_id, row in sorted(counts.items()):
            missing = row["n"] - done[(unit_id, kind, s)]
            if missing <= 0:
                continue
            unit = _unit_name(row["responsible_unit__short_name"], row["responsible_unit__name"])
            items.append(
                _item(
                    "report",
                    unit_id,
                    f"{label}（{missing} 个项目未报送）",
                    unit_id,
                    unit,
                    due_on,
                    w,
                    f"report:{kind}:{s.isoformat()}:unit:{unit_id}",
                )
            )
    return items
