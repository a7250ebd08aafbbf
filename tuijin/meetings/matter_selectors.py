"""Reads of decided matters (议定事项), always through the access scope, a fixed number of queries each.

- `matters_for(user, …)`: the list page's queryset (filters: status, unit, series, overdue, band,
  no deadline, flagged repeats, text).
- `matter_rows(matters, today)`: list rows with lateness, band and flag computed once per row.
- `matters_of_meeting(user, meeting)`: the meeting page's block (H1 includes
  `meetings/matters/_meeting_block.html` with it).
- `matter_page(user, matter, today)`: the matter page.
- `agenda_matters(series, today)`: the agenda proposal's candidates (`selectors.agenda_proposal`).
- `matter_facts(jurisdiction, start, end)`: per unit, what the scoring (issue 7) reads.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from tuijin.core.access import can, get_readable, scope
from tuijin.org.models import Jurisdiction, Unit

from . import matter_rules as mr
from .models import AgendaItem, Matter, MatterAttachment, MatterEvent, Meeting, MeetingSeries

MATTER_RELATED = ("meeting", "series", "lead_unit", "project", "jurisdiction")
LIVE_STATUSES = ("open", "replied")


# ---------------------------------------------------------------------------------------------------
# Rules and calendar


def rules_for(jurisdiction: Jurisdiction | Any) -> tuple[mr.MatterRules, Any]:
    """The `[matters]` rules of the jurisdiction's rule set in force, and that version (or None)."""
    from tuijin.core.ruleset_selectors import ruleset_version_for_jurisdiction

    version = ruleset_version_for_jurisdiction(jurisdiction) if jurisdiction is not None else None
    return mr.matter_rules(version.data if version is not None else None), version


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _calendar():
    from tuijin.core.calendar_selectors import current_calendar

    return current_calendar()


def overdue_cutoff(today: date, calendar: Any = None) -> date:
    """Open matters whose deadline is on or before this day are overdue as of `today`: at least one
    working day has passed after the (effective) deadline. Lets the database filter what
    `matter_rules.open_late_workdays` computes."""
    calendar = calendar or _calendar()
    return calendar.previous_workday(calendar.workday_on_or_before(today))


def overdue_q(today: date, calendar: Any = None) -> Q:
    return Q(status__in=LIVE_STATUSES, deadline__isnull=False, deadline__lte=overdue_cutoff(today, calendar))


def same_level(a: MeetingSeries, b: MeetingSeries) -> bool:
    """Two series are the same coordination level (WH19 “同一层级上会”): the same series, or series of one
    jurisdiction with the same non-blank `level_key` (NC20's per-deputy monthly series, KF19's several
    series of a level). A series without a level is only its own level."""
    if a.pk == b.pk:
        return True
    return bool(a.level_key) and a.level_key == b.level_key and a.jurisdiction_id == b.jurisdiction_id


def same_level_q(series: MeetingSeries, prefix: str = "") -> Q:
    """`same_level` as a filter on series (`prefix` e.g. "series__" to filter meetings or matters)."""
    q = Q(**{f"{prefix}pk" if prefix else "pk": series.pk})
    if series.level_key:
        q |= Q(**{f"{prefix}level_key": series.level_key, f"{prefix}jurisdiction_id": series.jurisdiction_id})
    return q


# ---------------------------------------------------------------------------------------------------
# Rows


@dataclass
class MatterRow:
    """A matter with what the pages show about its lateness: `late` is the kept lateness of a closed
    matter, or the working days an open one is past its deadline today (0 when not overdue)."""

    m: Matter
    late: int | None
    overdue: bool
    band: str
    band_label: str
    flagged: bool
    lateness: str
    status_label: str
    calendar_note: str = ""  # the calendar lacks a year: lateness not computed (never a silent 0)

    @property
    def co_units(self) -> list[Unit]:
        """The co-operating units (responsible units other than the lead), from the prefetched units."""
        return [u for u in self.m.units.all() if u.pk != self.m.lead_unit_id]

    @property
    def raise_label(self) -> str:
        return mr.raise_text(self.m.raise_count)


def matter_row(matter: Matter, today: date, rules: mr.MatterRules, calendar: Any) -> MatterRow:
    bands = rules.late_bands
    note = ""
    if matter.status == "closed" and matter.late_workdays is not None:
        late: int | None = matter.late_workdays
        key = matter.band or mr.band(late, bands)
        overdue = False
        text = mr.lateness_text(late)
    elif matter.status in LIVE_STATUSES and matter.deadline is not None:
        try:
            late = mr.open_late_workdays(matter.deadline, today, calendar)
        except ValueError:
            # never a silent 0: say the calendar lacks the year; overdue by calendar days meanwhile
            days = (today - matter.deadline).days
            late, overdue, key = None, days > 0, ""
            first = getattr(calendar, "first", None)
            missing = matter.deadline.year if first is not None and matter.deadline < first else today.year
            note = f"工作日历缺少{missing}年，超期工作日暂未计算"
            text = f"{note}（已过时限 {days} 天）" if overdue else note
        else:
            overdue = late > 0
            key = mr.band(late, bands) if overdue else ""
            text = f"超期 {late} 个工作日" if overdue else ""
    elif matter.late_workdays is not None and matter.late_workdays > 0:
        # ended unresolved after its deadline (carried, escalated, cancelled): the kept lateness
        late, overdue = matter.late_workdays, False
        key = matter.band or mr.band(late, bands)
        text = f"{matter.get_status_display()}时已{mr.lateness_text(late)}"
    else:
        late, key, overdue, text = None, "", False, ""
    flagged = matter.deadline is None and mr.repeat_flagged(matter.raise_count, rules.repeat_threshold)
    return MatterRow(
        m=matter,
        late=late,
        overdue=overdue,
        band=key,
        band_label=mr.band_label(key, bands) if key else "",
        flagged=flagged,
        lateness=text,
        status_label=matter.get_status_display(),
        calendar_note=note,
    )


def matter_rows(matters: Any, today: date, jurisdiction: Any = None) -> list[MatterRow]:
    """Rows for a page of matters (one rule set: the first matter's jurisdiction or `jurisdiction`)."""
    matters = list(matters)
    if not matters:
        return []
    rules, _ = rules_for(jurisdiction or matters[0].jurisdiction)
    calendar = _calendar()
    return [matter_row(m, today, rules, calendar) for m in matters]


# ---------------------------------------------------------------------------------------------------
# The list


def matters_for(
    user: Any,
    *,
    today: date | None = None,
    status: str = "",
    unit_id: int | None = None,
    series_id: int | None = None,
    meeting_id: int | None = None,
    overdue: bool | None = None,
    band: str = "",
    no_deadline: bool | None = None,
    flagged: bool | None = None,
    threshold: int | None = None,
    q: str = "",
) -> QuerySet:
    """The matters the user reads, filtered; newest meeting first, then by number."""
    today = today or timezone.localdate()
    qs = scope(user, Matter.objects.all()).select_related(*MATTER_RELATED)
    if status == "live":
        qs = qs.filter(status__in=LIVE_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if unit_id:
        qs = qs.filter(
            Q(lead_unit_id=unit_id)
            | Q(pk__in=Matter.units.through.objects.filter(unit_id=unit_id).values("matter_id"))
        )
    if series_id:
        qs = qs.filter(series_id=series_id)
    if meeting_id:
        qs = qs.filter(meeting_id=meeting_id)
    if overdue is True:
        qs = qs.filter(overdue_q(today))
    elif overdue is False:
        qs = qs.exclude(overdue_q(today))
    if band:
        qs = qs.filter(band=band)
    if no_deadline:
        qs = qs.filter(deadline__isnull=True)
    if flagged:
        if threshold is None:
            threshold = mr.DEFAULT.repeat_threshold
        qs = qs.filter(deadline__isnull=True, raise_count__gte=threshold)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(content__icontains=q) | Q(project__name__icontains=q))
    if overdue:
        return qs.order_by("deadline", "pk")
    return qs.order_by("-meeting__date", "meeting_id", "number")


def status_counts(user: Any, today: date) -> dict[str, int]:
    from django.db.models import Count

    rows = (
        scope(user, Matter.objects.all()).order_by().values("status").annotate(n=Count("pk", distinct=True))
    )
    counts = {row["status"]: row["n"] for row in rows}
    counts["overdue"] = scope(user, Matter.objects.filter(overdue_q(today))).count()
    counts["live"] = counts.get("open", 0) + counts.get("replied", 0)
    return counts


def series_choices(user: Any) -> QuerySet:
    from tuijin.core.access import subtree_path

    root = subtree_path(user)
    if root is None:
        return MeetingSeries.objects.none()
    return MeetingSeries.objects.filter(jurisdiction__path__startswith=root).order_by(
        "jurisdiction", "sort", "id"
    )


def scope_meeting(user: Any, pk: int) -> Meeting | None:
    """A meeting of the user's subtree (the list's "matters of this meeting" heading), else None."""
    from tuijin.core.access import subtree_path

    root = subtree_path(user)
    if root is None:
        return None
    return Meeting.objects.filter(pk=pk, jurisdiction__path__startswith=root).first()


def unit_choices(jurisdiction: Jurisdiction) -> QuerySet:
    """Active units of the jurisdiction and its ancestors: who a matter may be assigned to (a
    subdivision's unit could not read it; the subdivision's own office takes it there)."""
    codes = [c for c in jurisdiction.path.split("/") if c]
    return (
        Unit.objects.filter(is_active=True, jurisdiction__code__in=codes)
        .select_related("jurisdiction")
        .order_by("jurisdiction__path", "sort", "id")
    )


# ---------------------------------------------------------------------------------------------------
# The meeting page's block


class MeetingMatters(list):
    """The matters of one meeting as rows (a list), plus what the block's decision form needs, built
    only when the template asks for it (`can_decide`)."""

    def __init__(self, rows: list[MatterRow], meeting: Meeting, user: Any) -> None:
        super().__init__(rows)
        self.meeting = meeting
        self.user = user

    @cached_property
    def form(self) -> Any:
        from .matter_forms import DecideForm

        return DecideForm(meeting=self.meeting)

    @cached_property
    def not_yet_held(self) -> bool:
        """The meeting is still to come: decisions are recorded after it (`matter_decide` refuses)."""
        return self.meeting.date > timezone.localdate()

    @cached_property
    def can_decide(self) -> bool:
        return can(self.user, "meetings.decide", Matter(jurisdiction=self.meeting.jurisdiction)) and (
            not self.meeting.frozen and not self.not_yet_held
        )


def matters_of_meeting(user: Any, meeting: Meeting, today: date | None = None) -> MeetingMatters:
    """The matters decided at `meeting` that the user reads, in minutes order, as rows."""
    today = today or timezone.localdate()
    qs = (
        scope(user, Matter.objects.filter(meeting=meeting))
        .select_related("lead_unit", "jurisdiction", "project", "agenda_item")
        .prefetch_related(Prefetch("units", queryset=Unit.objects.order_by("sort", "id")))
        .order_by("number")
    )
    return MeetingMatters(matter_rows(qs, today, meeting.jurisdiction), meeting, user)


# ---------------------------------------------------------------------------------------------------
# The matter page


@dataclass
class MatterPage:
    matter: Matter
    row: MatterRow
    rules: mr.MatterRules
    events: list[MatterEvent]
    attachments: list[MatterAttachment]
    evidence: list[MatterAttachment]
    chain: list[Matter]
    units: list[Unit]
    slips: list[Any]
    steps: list[str] = field(default_factory=list)
    later_agenda: list[AgendaItem] = field(default_factory=list)


def matter_readable(user: Any, pk: int) -> Matter:
    return get_readable(
        user, Matter.objects.select_related(*MATTER_RELATED, "closed_by", "first_raise"), pk=pk
    )


def latest_reply(matter: Matter) -> MatterEvent | None:
    return matter.events.filter(kind="reply").order_by("-at", "-id").first()


def evidence_of_latest_reply(matter: Matter) -> list[MatterAttachment]:
    reply = latest_reply(matter)
    if reply is None:
        return []
    return list(MatterAttachment.objects.filter(matter=matter, event=reply).order_by("id"))


def steps_for(user: Any, matter: Matter) -> list[str]:
    """The steps the user may take on the matter now (the services check again)."""
    steps: list[str] = []
    status = matter.status
    if can(user, "matters.handle", matter) and status == "open":
        steps.append("progress")
        if can(user, "matters.reply", matter):
            steps.append("reply")
    if can(user, "matters.manage", matter):
        if status == "replied":
            steps += ["close", "return"]
        if status in LIVE_STATUSES:
            steps += ["remind"]
    if status in LIVE_STATUSES and can(user, "matters.supervise", matter):
        steps.append("supervise")
    if can(user, "matters.manage", matter) and status in LIVE_STATUSES:
        steps += ["carry", "escalate", "cancel"]
    return steps


def matter_page(user: Any, matter: Matter, today: date | None = None) -> MatterPage:
    from tuijin.problems.models import Slip

    today = today or timezone.localdate()
    rules, _ = rules_for(matter.jurisdiction)
    row = matter_row(matter, today, rules, _calendar())
    events = list(
        matter.events.select_related("actor", "unit", "meeting", "slip").prefetch_related("attachments")
    )
    attachments = list(matter.attachments.select_related("uploaded_by", "event"))
    reply = next((e for e in reversed(events) if e.kind == "reply"), None)
    evidence = [a for a in attachments if reply is not None and a.event_id == reply.pk]
    root = matter.first_raise_id or matter.pk
    chain = list(
        Matter.objects.filter(Q(pk=root) | Q(first_raise_id=root))
        .select_related("meeting")
        .order_by("raise_count", "pk")
    )
    slips = list(
        Slip.objects.filter(source=f"matter:{matter.pk}")
        .select_related("to_unit", "issued_by", "issued_unit", "acknowledged_by", "jurisdiction")
        .order_by("issued_at", "id")
    )
    later = list(
        AgendaItem.objects.filter(matter=matter)
        .exclude(meeting_id=matter.meeting_id)
        .select_related("meeting")
    )
    return MatterPage(
        matter=matter,
        row=row,
        rules=rules,
        events=events,
        attachments=attachments,
        evidence=evidence,
        chain=chain,
        units=list(matter.units.order_by("sort", "id")),
        slips=slips,
        steps=steps_for(user, matter),
        later_agenda=later,
    )


# ---------------------------------------------------------------------------------------------------
# The agenda proposal (`selectors.agenda_proposal` calls this)


def agenda_matters(series: MeetingSeries, today: date, *, meeting: Meeting | None = None) -> list[dict]:
    """Open matters of earlier meetings of the series' level (`same_level_q`: this series and the other
    series of the jurisdiction with the same `level_key`) that are overdue (kind "overdue_matter") or have
    no deadline (kind "carried_matter"), and matters escalated to the series' level. Each a plain dict:
    `matter_id`, `kind`, `title`, `reason`, `unit_id`, `unit_name`, `project_id` (no model instances:
    thousands of rows, the agenda benchmark `bench/agenda_bench.py`). Matters already on another meeting's agenda (not cancelled)
    are left out. `meeting`: the meeting being prepared (matters of it, or of later meetings, are not
    proposed). A fixed number of queries whatever the number of matters. When the working-day calendar
    lacks a year, overdue is judged by calendar days and the reason says so (never a silent guess)."""
    rules, _ = rules_for(series.jurisdiction)
    calendar = _calendar()
    before = meeting.date if meeting is not None else today
    on_agenda = AgendaItem.objects.filter(matter=OuterRef("pk")).exclude(meeting__status="cancelled")
    if meeting is not None:  # already on this meeting's agenda: proposed again, H1 marks it as added
        on_agenda = on_agenda.exclude(meeting_id=meeting.pk)
    own = same_level_q(series, "series__") & Q(status="open", meeting__date__lt=before)
    escalated = Q(status="escalated", jurisdiction_id=series.jurisdiction_id)
    if series.level_key:
        escalated &= Q(escalated_to=series.level_key)
    else:
        escalated = Q(pk__in=[])
    qs = (
        Matter.objects.filter(own | escalated)
        .exclude(Exists(on_agenda))
        .exclude(meeting__status="cancelled")
        .order_by("deadline", "meeting__date", "number", "pk")
    )
    if meeting is not None:
        qs = qs.exclude(meeting_id=meeting.pk)
    try:
        cutoff: date = overdue_cutoff(today, calendar)
        note = ""
    except ValueError:  # the calendar lacks this year: calendar days meanwhile, said on each row
        cutoff, note = (
            today - timedelta(days=1),
            f"工作日历缺少{today.year}年，超期按自然日判断、工作日暂未计算",
        )
    out: list[dict] = []
    rows = qs.values(
        "pk",
        "number",
        "title",
        "status",
        "deadline",
        "raise_count",
        "project_id",
        "lead_unit_id",
        "lead_unit__name",
        "lead_unit__short_name",
        "meeting__title",
        "meeting__date",
        "series__name",
    )
    for m in rows:
        source = f"{m['meeting__title']}（{m['meeting__date']:%Y-%m-%d}）第{m['number']}项"
        unit = m["lead_unit__short_name"] or m["lead_unit__name"]
        deadline = m["deadline"]
        if m["status"] == "escalated":
            kind = "overdue_matter" if deadline and deadline <= cutoff else "carried_matter"
            reason = f"{m['series__name']}提请本层级研究的议定事项（{source}，牵头单位{unit}）"
        elif deadline is not None:
            if deadline > cutoff:
                continue
            kind = "overdue_matter"
            try:
                late = mr.open_late_workdays(deadline, today, calendar)
            except ValueError:
                days = (today - deadline).days
                missing = note or f"工作日历缺少{deadline.year}年，超期工作日暂未计算"
                reason = (
                    f"{source}，办结时限 {deadline:%Y-%m-%d}，已过时限 {days} 天（{missing}），牵头单位{unit}"
                )
            else:
                reason = (
                    f"{source}，办结时限 {deadline:%Y-%m-%d}，已超期 {late} 个工作日"
                    f"（{mr.band_label(mr.band(late, rules.late_bands), rules.late_bands)}），牵头单位{unit}"
                )
        else:
            kind = "carried_matter"
            after = m["raise_count"] + 1
            reason = f"{source}，无办结时限、尚未办结，本层级已上会{m['raise_count']}次，牵头单位{unit}"
            if mr.repeat_flagged(after, rules.repeat_threshold):
                reason += f"；再次上会为第{after}次，达到“反复上会”（{rules.repeat_threshold}次及以上）"
        out.append(
            {
                "matter_id": m["pk"],
                "kind": kind,
                "title": m["title"],
                "reason": reason[:300],
                "unit_id": m["lead_unit_id"],
                "unit_name": unit,
                "project_id": m["project_id"],
            }
        )
    return out


# ---------------------------------------------------------------------------------------------------
# Facts for the scoring (issue 7)


@dataclass
class UnitMatterFacts:
    unit: Unit
    closed: list[dict] = field(default_factory=list)  # {"matter", "band", "late", "done_on"}
    # {"matter", "late", "band", "as_of"}: live ones as of `end`; ones that ended unresolved after their
    # deadline (carried, escalated, cancelled) in the period, at the lateness kept that day
    open_overdue: list[dict] = field(default_factory=list)
    repeats: list[dict] = field(default_factory=list)  # {"first", "raise_count", "penalised"}

    def band_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for item in self.closed:
            counts[item["band"]] += 1
        return dict(counts)


def matter_facts(jurisdiction: Jurisdiction, start: date, end: date) -> dict[int, UnitMatterFacts]:
    """Per responsible unit (lead and co-operating), over [start, end]: the matters closed with their
    kept band and lateness (by `done_on`); the matters live on `end` (live now, or closed, carried,
    escalated or cancelled after `end`) and overdue as of `end` with their lateness as of `end`, and
    the matters that ended unresolved after their deadline in the period (carried, escalated, re-raised,
    cancelled: still “超过时限…仍然未解决”) at the lateness kept on that day; the no-deadline chains whose raises in the period count for the repeat penalty (how many: the rule set's
    `repeat_counts_from`). Reads the jurisdiction's own matters; a fixed number of queries."""
    rules, _ = rules_for(jurisdiction)
    calendar = _calendar()
    facts: dict[int, UnitMatterFacts] = {}
    base = Matter.objects.filter(jurisdiction=jurisdiction).prefetch_related("units")

    def add(matter: Matter, bucket: str, item: dict) -> None:
        units = {matter.lead_unit_id: matter.lead_unit, **{u.pk: u for u in matter.units.all()}}
        for pk, unit in units.items():
            facts.setdefault(pk, UnitMatterFacts(unit=unit))
            getattr(facts[pk], bucket).append(item)

    for m in base.filter(status="closed", done_on__gte=start, done_on__lte=end).select_related("lead_unit"):
        add(m, "closed", {"matter": m, "band": m.band, "late": m.late_workdays, "done_on": m.done_on})
    cutoff = overdue_cutoff(end, calendar)
    ended = ("carry", "escalate", "cancel")
    after_end = _day_start(end + timedelta(days=1))
    # live as of `end`: live now, or closed (done_on) / carried, escalated, cancelled after `end` — a
    # period computed again later sees the matter as it stood on its last day, not as it stands today
    live_at_end = (
        Q(status__in=LIVE_STATUSES)
        | Q(status="closed", done_on__gt=end)
        | Q(status__in=("carried", "escalated", "cancelled"), ended_at__gte=after_end)
    )
    for m in (
        base.filter(deadline__lte=cutoff, meeting__date__lte=end)
        .annotate(ended_at=Max("events__at", filter=Q(events__kind__in=ended)))
        .filter(live_at_end)
        .select_related("lead_unit")
    ):
        late = mr.open_late_workdays(m.deadline, end, calendar)
        add(
            m,
            "open_overdue",
            {"matter": m, "late": late, "band": mr.band(late, rules.late_bands), "as_of": end},
        )
    for m in (
        base.filter(status__in=("carried", "escalated", "cancelled"), late_workdays__gt=0)
        .annotate(ended_at=Max("events__at", filter=Q(events__kind__in=ended)))
        .filter(ended_at__gte=_day_start(start), ended_at__lt=_day_start(end + timedelta(days=1)))
        .select_related("lead_unit")
    ):
        add(
            m,
            "open_overdue",
            {
                "matter": m,
                "late": m.late_workdays,
                "band": m.band or mr.band(m.late_workdays, rules.late_bands),
                "as_of": timezone.localtime(m.ended_at).date(),
            },
        )
    # repeat raises: per chain, the highest raise up to `end` and before `start`
    chains: dict[int, dict[str, Any]] = {}
    for m in base.filter(deadline__isnull=True, meeting__date__lte=end).select_related(
        "lead_unit", "meeting"
    ):
        root = m.first_raise_id or m.pk
        chain = chains.setdefault(root, {"upto": 0, "before": 0, "last": m})
        if m.raise_count >= chain["upto"]:
            chain["upto"], chain["last"] = m.raise_count, m
        if m.meeting.date < start:
            chain["before"] = max(chain["before"], m.raise_count)
    for root, chain in chains.items():
        now = mr.penalised_raises(chain["upto"], rules.repeat_threshold, rules.repeat_counts_from)
        earlier = mr.penalised_raises(chain["before"], rules.repeat_threshold, rules.repeat_counts_from)
        if now > earlier:
            add(
                chain["last"],
                "repeats",
                {"first": root, "raise_count": chain["upto"], "penalised": now - earlier},
            )
    return facts
