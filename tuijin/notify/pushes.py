"""Pushes (REQ J2, C6; NC20 四(二)): what is queued, for whom, under which idempotency key. Messages are
written only by `services.messages_queue` (H1); this module gathers (`facts`), composes (`rules`) and
hands the pairs over.

- `digests_queue(jurisdiction=, today=)`: every active leader's Monday digest, key
  `digest:<Monday of today's week>:person:<id>` (one per leader per week, whatever day it runs).
- `unit_todos_queue(jurisdiction=, today=)`: each unit's to-dos (the dashboard's to-do sources, read
  for one of the unit's staff accounts, the 单位负责人 first; the busiest sources in bulk — cost in
  `unit_todos`: 500 units 12.9 s, 3,035 queries on SQLite), key `todo:<Monday>:unit:<id>`.
- `reminders_queue(jurisdiction=, today=)`: node, report, problem and matter deadlines reminded today
  (`rules.reminder_windows`), key `reminder:<ref>:<deadline>:<d3|d1|due>` — a moved deadline is reminded
  again, a rerun never doubles.
- `preference_save(actor=, person=, …)`: a person's channels and quiet hours (the preferences page).
- `notify_rules_for(jurisdiction)` / `default_quiet_hours(jurisdiction)`: the jurisdiction's [notify].
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tuijin.core.access import can, require
from tuijin.org.models import Jurisdiction, Person, Role, Unit, User

from . import facts
from . import rules as r
from .models import Endpoint, MessageKind, Preference

UNIT_STAFF = (Role.UNIT_HEAD, Role.UNIT_REPORTER)


def _services():
    from . import services  # H1's module (the only writer of Message rows)

    return services


def notify_rules_for(jurisdiction: Jurisdiction) -> r.NotifyRules:
    """The [notify] rules of the rule set the jurisdiction follows (the defaults without one)."""
    return r.notify_rules(facts.ruleset_data(jurisdiction))


def default_quiet_hours(jurisdiction: Jurisdiction) -> tuple[time, time] | None:
    """The jurisdiction's default quiet hours (start, end) for people without their own, or None."""
    rules = notify_rules_for(jurisdiction)
    if rules.quiet_start is None or rules.quiet_end is None:
        return None
    return rules.quiet_start, rules.quiet_end


def _result(created: int = 0, existing: int = 0, skipped: list[str] | None = None):
    return _services().QueueResult(created=created, existing=existing, skipped=skipped or [])


# ---------------------------------------------------------------------------------------------------
# Monday digests


def digest_url(person_id: int) -> str:
    return f"/lights/projects/?leader={person_id}"


def digest_outgoings(
    jurisdiction: Jurisdiction, today: date, rules: r.NotifyRules | None = None
) -> list[tuple[int, Any]]:
    """(person id, Outgoing) of every leader's digest (for the queue and for previews)."""
    rules = rules or notify_rules_for(jurisdiction)
    monday = r.week_monday(today)
    Outgoing = _services().Outgoing
    from tuijin.core.calendar_selectors import current_calendar

    out = []
    for digest in facts.leader_digests(jurisdiction, today, rules, current_calendar()):
        if digest.empty:
            continue  # no projects and nothing in any part: nothing to be told
        url = digest_url(digest.person_id)
        text = r.digest_text(digest, today=today, url=url)
        out.append(
            (
                digest.person_id,
                Outgoing(
                    key=f"digest:{monday.isoformat()}:person:{digest.person_id}",
                    kind=MessageKind.DIGEST,
                    subject=text.subject,
                    body=text.body,
                    url=url,
                    ref=f"person:{digest.person_id}",
                    batch=f"digest:{monday.isoformat()}",
                ),
            )
        )
    return out


def digests_queue(*, jurisdiction: Jurisdiction, today: date, now: datetime | None = None):
    """Queue this week's digest of every active leader of the jurisdiction who has projects or anything
    in a part (a leader without projects still hears of the meetings ahead, the matters of the units in
    charge …). Idempotent
    (the key is per leader and week). Returns H1's QueueResult."""
    pairs = digest_outgoings(jurisdiction, today)
    if not pairs:
        return _result()
    people = Person.objects.in_bulk([pid for pid, _ in pairs])
    return _services().messages_queue(
        jurisdiction=jurisdiction, to_people=[(people[pid], o) for pid, o in pairs], now=now
    )


# ---------------------------------------------------------------------------------------------------
# Units' to-dos


def _bulk_reports_returned(unit_ids: list[int], today: date) -> dict[int, list[r.TodoLine]]:
    """reports.returned for every unit at once (as `reports.todo._returned_items`)."""
    from tuijin.reports import rules as report_rules
    from tuijin.reports.models import Report

    out: dict[int, list[r.TodoLine]] = defaultdict(list)
    rows = (
        Report.objects.filter(unit_id__in=unit_ids, status="returned")
        .order_by("period_start", "pk")
        .values("unit_id", "kind", "period_start", "due_on", "project__name")
    )
    for row in rows:
        label = report_rules.period_label(row["kind"], row["period_start"]) + report_rules.KINDS[row["kind"]]
        out[row["unit_id"]].append(
            r.TodoLine(
                title=f"《{row['project__name']}》{label}",
                due_on=row["due_on"],
                overdue=today > row["due_on"],
            )
        )
    return out


def _bulk_slips(unit_ids: list[int], today: date) -> dict[int, list[r.TodoLine]]:
    """problems.slips_to_ack for every unit at once (as `problems.todo._slip_items`)."""
    from tuijin.problems import rules as problem_rules
    from tuijin.problems.models import Slip

    out: dict[int, list[r.TodoLine]] = defaultdict(list)
    rows = (
        Slip.objects.filter(to_unit_id__in=unit_ids, acknowledged_at__isnull=True, voided_at__isnull=True)
        .order_by("deadline", "issued_at", "pk")
        .values("to_unit_id", "kind", "year", "number", "subject", "deadline")
    )
    for s in rows:
        kind = problem_rules.SLIP_KINDS.get(s["kind"], s["kind"])
        number = problem_rules.slip_number(s["year"], s["number"])
        due = s["deadline"]
        out[s["to_unit_id"]].append(
            r.TodoLine(title=f"{kind}{number}：{s['subject']}", due_on=due, overdue=bool(due and due < today))
        )
    return out


def _bulk_problems(unit_ids: list[int], today: date) -> dict[int, list[r.TodoLine]]:
    """problems.assigned for every unit at once (as `problems.todo._assigned_items`: overdue first)."""
    from tuijin.problems import rules as problem_rules
    from tuijin.problems.models import Problem

    out: dict[int, list[r.TodoLine]] = defaultdict(list)
    rows = (
        Problem.objects.filter(assigned_unit_id__in=unit_ids, status__in=problem_rules.WITH_UNIT)
        .order_by("due_date", "pk")
        .values("assigned_unit_id", "title", "status", "due_date", "project__name")
    )
    for p in rows:
        overdue = problem_rules.is_overdue(p["status"], p["due_date"], today)
        out[p["assigned_unit_id"]].append(
            r.TodoLine(title=f"{p['project__name']}：{p['title']}", due_on=p["due_date"], overdue=overdue)
        )
    return {k: sorted(v, key=lambda i: (not i.overdue, i.due_on or date.max)) for k, v in out.items()}


def _bulk_matters(unit_ids: list[int], today: date) -> dict[int, list[r.TodoLine]]:
    """meetings.matters_open for every unit at once: open matters the unit leads or shares (as
    `meetings.todo._open_items`: overdue — a working day past the deadline — first)."""
    from tuijin.meetings.matter_selectors import overdue_cutoff
    from tuijin.meetings.models import Matter

    cutoff = overdue_cutoff(today)
    through = Matter.units.through
    shared: dict[int, set[int]] = defaultdict(set)
    for matter_id, unit_id in through.objects.filter(unit_id__in=unit_ids, matter__status="open").values_list(
        "matter_id", "unit_id"
    ):
        shared[matter_id].add(unit_id)
    rows = (
        Matter.objects.filter(Q(lead_unit_id__in=unit_ids) | Q(pk__in=list(shared)), status="open")
        .order_by("deadline", "pk")
        .values("pk", "title", "deadline", "lead_unit_id")
    )
    out: dict[int, list[r.TodoLine]] = defaultdict(list)
    for m in rows:
        line = r.TodoLine(
            title=m["title"], due_on=m["deadline"], overdue=bool(m["deadline"] and m["deadline"] <= cutoff)
        )
        for unit_id in sorted({m["lead_unit_id"], *shared.get(m["pk"], ())}):
            out[unit_id].append(line)
    return {k: sorted(v, key=lambda i: (not i.overdue, i.due_on or date.max)) for k, v in out.items()}


# to-do sources read for all units at once (one or two queries each); the others are asked per unit
BULK_TODOS = {
    "reports.returned": _bulk_reports_returned,
    "problems.slips_to_ack": _bulk_slips,
    "problems.assigned": _bulk_problems,
    "meetings.matters_open": _bulk_matters,
}


def unit_todos(
    jurisdiction: Jurisdiction, today: date, exclude_units: set[int] | frozenset[int] = frozenset()
) -> list[r.UnitTodos]:
    """Each active unit's to-dos as its head (else its first reporter) sees them on the to-do page: the
    dashboard's to-do sources of that account's role, in their order. The busiest sources (returned
    reports, slips to sign for, problems assigned, open matters) are read for all units at once
    (`BULK_TODOS`); the rest (reports due — two queries —, approvals, required actions, cards,
    rectifications) through the source itself, per unit (about six queries a unit). Measured with
    TUIJIN_TIMING=1 tests/notify/test_pushes_timing.py (SQLite test DB, 500 units each with a head,
    two projects and a problem): every source per unit 20.6 s / 5,534 queries; with BULK_TODOS
    12.9 s / 3,035 queries. A weekly background job; the periodic rerun skips the units already pushed."""
    from tuijin.dashboard.todo import sources_for

    accounts: dict[int, User] = {}
    for user in (
        User.objects.filter(
            unit__jurisdiction=jurisdiction, unit__is_active=True, is_active=True, role__in=UNIT_STAFF
        )
        .select_related("unit", "jurisdiction", "person")
        .order_by("unit_id", "role", "pk")  # "unit_head" < "unit_reporter"
    ):
        if user.unit_id not in exclude_units:
            accounts.setdefault(user.unit_id, user)
    if not accounts:
        return []
    unit_ids = sorted(accounts)
    bulk: dict[str, dict[int, list[r.TodoLine]]] = {}
    out = []
    for unit_id, user in accounts.items():
        groups = []
        for source in sources_for(user):
            if source.key in BULK_TODOS:
                if source.key not in bulk:
                    bulk[source.key] = BULK_TODOS[source.key](unit_ids, today)
                lines = tuple(bulk[source.key].get(unit_id, ()))
            else:
                lines = tuple(
                    r.TodoLine(title=i.title, due_on=i.due_on, overdue=i.overdue)
                    for i in source.items(user, today)
                )
            if lines:
                groups.append(r.TodoGroupFacts(title=source.title, items=lines))
        if groups:
            out.append(r.UnitTodos(unit_id=unit_id, unit=str(user.unit), groups=tuple(groups)))
    return out


def unit_todos_queue(*, jurisdiction: Jurisdiction, today: date, now: datetime | None = None):
    """Queue each unit's to-dos of this week to its staff (key per unit and week; idempotent). Units
    already pushed in this week's batch are not gathered again (one query), so the periodic job may rerun
    it every 15 minutes cheaply and still reach a unit whose staff got an address later in the day."""
    from .models import Message

    monday = r.week_monday(today)
    Outgoing = _services().Outgoing
    done = set(
        Message.objects.filter(
            jurisdiction=jurisdiction, batch=f"todo:{monday.isoformat()}", unit_id__isnull=False
        ).values_list("unit_id", flat=True)
    )
    todos = unit_todos(jurisdiction, today, exclude_units=done)
    if not todos:
        return _result()
    units = Unit.objects.in_bulk([t.unit_id for t in todos])
    pairs = []
    for t in todos:
        text = r.todos_text(t, today=today, url="/todo/")
        pairs.append(
            (
                units[t.unit_id],
                Outgoing(
                    key=f"todo:{monday.isoformat()}:unit:{t.unit_id}",
                    kind=MessageKind.TODO,
                    subject=text.subject,
                    body=text.body,
                    url="/todo/",
                    ref=f"unit:{t.unit_id}",
                    batch=f"todo:{monday.isoformat()}",
                ),
            )
        )
    return _services().messages_queue(jurisdiction=jurisdiction, to_units=pairs, now=now)


# ---------------------------------------------------------------------------------------------------
# Deadline reminders


REMINDER_URLS = {
    "node": lambda item: f"/chains/node/{item.id}/",
    "problem": lambda item: f"/problems/{item.id}/",
    "matter": lambda item: f"/meetings/matters/{item.id}/",
    "report": lambda item: "/reports/monthly/" if ":monthly:" in item.ref else "/reports/weekly/",
}


def reminders_queue(*, jurisdiction: Jurisdiction, today: date, now: datetime | None = None):
    """Queue today's deadline reminders of the jurisdiction to the responsible units. Idempotent: the
    key carries the item, its deadline and the reminder day's offset."""
    from tuijin.core.calendar_selectors import current_calendar

    rules = notify_rules_for(jurisdiction)
    items = facts.reminder_items(jurisdiction, today, rules, current_calendar())
    if not items:
        return _result()
    Outgoing = _services().Outgoing
    units = Unit.objects.in_bulk({i.unit_id for i in items})
    pairs = []
    for item in items:
        url = REMINDER_URLS[item.kind](item)
        text = r.reminder_text(item, url=url)
        pairs.append(
            (
                units[item.unit_id],
                Outgoing(
                    key=r.reminder_key(item),
                    kind=MessageKind.REMINDER,
                    subject=text.subject,
                    body=text.body,
                    url=url,
                    ref=item.ref[:60],
                    batch=f"reminders:{today.isoformat()}",
                ),
            )
        )
    return _services().messages_queue(jurisdiction=jurisdiction, to_units=pairs, now=now)


# ---------------------------------------------------------------------------------------------------
# Preferences


@dataclass(frozen=True)
class ChannelChoice:
    value: str  # "email", "sms", "robot:<id>"
    label: str
    available: bool  # the person has the address (robots: active)
    note: str = ""


def channel_choices(person: Person) -> list[ChannelChoice]:
    """The channels a person may choose: e-mail, SMS and the active robots of their jurisdiction and its
    ancestors (a district's people may use the city's group too)."""
    codes = [c for c in person.jurisdiction.path.split("/") if c]
    robots = Endpoint.objects.filter(jurisdiction__code__in=codes, is_active=True).select_related(
        "jurisdiction"
    )
    choices = [
        ChannelChoice("email", "电子邮件", bool(person.email), person.email or "未登记邮箱"),
        ChannelChoice("sms", "短信", bool(person.phone), person.phone or "未登记手机号"),
    ]
    choices += [
        ChannelChoice(f"robot:{e.pk}", str(e), True, f"{e.jurisdiction.name}；消息发到群内并提醒本人")
        for e in robots.order_by("jurisdiction__path", "name")
    ]
    return choices


def may_edit_preference(actor: Any, person: Person) -> bool:
    return can(actor, "notify.preferences", person) or can(actor, "notify.manage_preferences", person)


def preference_save(
    *, actor: Any, person: Person, channels: list[str], quiet_start: time | None, quiet_end: time | None
) -> Preference:
    """A person's channels and quiet hours (own: notify.preferences; the office: notify.manage_preferences).
    No channel at all turns pushes off for the person; quiet hours are both given or both empty."""
    if not can(actor, "notify.preferences", person):
        require(actor, "notify.manage_preferences", person)
    allowed = {c.value: c for c in channel_choices(person)}
    unknown = [c for c in channels if c not in allowed]
    if unknown:
        raise ValidationError("所选接收渠道不可用：" + "、".join(unknown))
    missing = [allowed[c].label for c in channels if not allowed[c].available]
    if missing:
        raise ValidationError(f"{person.name}没有登记{'、'.join(missing)}所需的地址，请先在人员信息中补充")
    if (quiet_start is None) != (quiet_end is None):
        raise ValidationError("免打扰时段请同时填写开始和结束时间，或都不填（采用本辖区默认）")
    if quiet_start is not None and quiet_start == quiet_end:
        raise ValidationError("免打扰结束时间不能与开始时间相同")
    ordered = [c for c in allowed if c in set(channels)]
    with transaction.atomic():
        pref, _ = Preference.objects.select_for_update().get_or_create(person=person)
        pref.channels = ordered
        pref.quiet_start = quiet_start
        pref.quiet_end = quiet_end
        pref.updated_by = actor
        pref.save()
    return pref


def preference_of(person: Person) -> Preference | None:
    return Preference.objects.filter(person=person).first()


def effective_channels(person: Person, pref: Preference | None) -> list[str]:
    """What the person receives now: the row's channels, else the defaults (e-mail, SMS when known)."""
    if pref is not None:
        return list(pref.channels)
    return [c for c, address in (("email", person.email), ("sms", person.phone)) if address]


def now_local() -> datetime:
    return timezone.localtime(timezone.now())
