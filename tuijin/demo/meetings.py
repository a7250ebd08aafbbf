"""Demo meetings of 东湖区 (DH24 五(三) 六级调度、旬会商、月通报), written through the meeting services as the
office (`admin`):

- the series of DH24's meeting cadences (旬会商, 月通报) synced from the rule set; 旬会商 takes the level
  领导小组办公室 (its agenda reads the problems escalated there);
- the office's own 区重大重点项目月度调度会 (monthly, the leading group's level, chaired by the 区长 — named as
  the chair; `chair_person` stays empty: it marks a leader's own series) and one
  分管区领导月度调度会 per deputy head (the 项目挂点区领导 level, each leader's own projects);
- the last two 旬会商 and the last monthly meeting before `today`, held: agenda from the problems escalated
  to their level before the day and the red projects, attendance (one unit on leave), minutes. They stay
  `held` (not issued): the decided matters are recorded on them next (`demo_matters`), which then issues
  them; `issue=True` issues them here instead;
- after the last 旬会商 the office escalates one of its problems to the leading group, so the upcoming
  monthly meeting (left `preparing`, no agenda yet) proposes it beside the red projects.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from tuijin.core.calendar_selectors import current_calendar
from tuijin.meetings import rules, selectors, services
from tuijin.meetings.models import Meeting, MeetingSeries
from tuijin.org.models import Jurisdiction, Person, Unit, User

MONTHLY = "区重大重点项目月度调度会"
LEADERS = "分管区领导月度调度会"


def _level(levels: list[tuple[str, str]], *wanted: str) -> str:
    keys = [key for key, _ in levels]
    return next((key for key in wanted if key in keys), "")


def _member_units(district: Jurisdiction) -> list[Unit]:
    """The units responsible for most of the district's projects (the minutes' 主送), and the office."""
    busy = list(
        Unit.objects.filter(jurisdiction=district, is_active=True)
        .annotate(n=Count("projects"))
        .filter(n__gt=0)
        .order_by("-n", "id")[:10]
    )
    office = Unit.objects.filter(jurisdiction=district, kind="office", is_active=True).first()
    return [office, *busy] if office is not None and office not in busy else busy


def _slots(series: MeetingSeries, start: date, end: date) -> list[date]:
    starts = selectors.ten_day_starts(series.jurisdiction)
    return rules.occurrences(
        series.frequency, start, end, current_calendar().is_workday, series.weekday, starts
    )


def _minutes_of(candidate: dict) -> str:
    who = candidate["presenter"] or "责任单位"
    if candidate["kind"] == "problem":
        return (
            f"会议听取了{who}关于“{candidate['title']}”的汇报。会议要求{who}会同相关单位加快协调，"
            "明确办理时限，按期办结并报送办理情况。"
        )
    if candidate["kind"] == "red_project":
        return (
            f"会议分析了项目亮红灯的原因（{candidate['reason'].removeprefix('项目亮红灯：')}）。"
            f"会议要求{who}制定赶工计划，倒排工期，下次会议报告进展。"
        )
    return f"会议研究了“{candidate['title']}”，要求{who}抓好落实。"


def _hold(admin: User, series: MeetingSeries, day: date, *, reds: int = 3) -> Meeting:
    """A past meeting: agenda from the proposal of that day (problems escalated before it, the reddest
    projects), attendance with one unit on leave, minutes; left `held`."""
    meeting = services.meeting_create(
        actor=admin, series=series, date=day, place="区政府第一会议室", today=day
    )
    proposal = selectors.agenda_proposal(meeting, day)
    problems = [
        c["key"]
        for c in proposal
        if c["kind"] == "problem" and c["escalated_at"] and timezone.localtime(c["escalated_at"]).date() < day
    ]
    red = [c["key"] for c in proposal if c["kind"] == "red_project"][:reds]
    if problems or red:
        services.agenda_add_candidates(actor=admin, meeting=meeting, keys=problems + red, today=day)
    else:
        services.agenda_add_item(
            actor=admin, meeting=meeting, title="重大重点项目推进情况通报", presenter="区公建中心"
        )
    services.agenda_add_item(actor=admin, meeting=meeting, title="下阶段重点工作安排", presenter="区公建中心")
    meeting.refresh_from_db()
    rows = []
    attendance = list(meeting.attendance.select_related("unit", "person").order_by("order", "id"))
    for i, a in enumerate(attendance):
        leave = i == len(attendance) - 1 and len(attendance) > 2
        rows.append(
            {
                "unit": a.unit,
                "person": a.person,
                "name": a.name,
                "post": a.post,
                "status": "leave" if leave else "present",
                "note": "另有公务" if leave else "",
            }
        )
    services.attendance_save(actor=admin, meeting=meeting, rows=rows, version=meeting.version, today=day)
    meeting.refresh_from_db()
    by_key = {c["key"]: c for c in proposal}
    items = {}
    for item in meeting.agenda.order_by("order"):
        key = next(iter(selectors.item_keys(item)), "")
        candidate = by_key.get(
            key, {"kind": "other", "title": item.title, "presenter": item.presenter, "reason": ""}
        )
        items[item.pk] = _minutes_of(candidate)
    services.minutes_save(
        actor=admin,
        meeting=meeting,
        version=meeting.version,
        summary=(
            f"{day.month}月{day.day}日，{meeting.chair}主持召开{series.name}，"
            f"听取了重大重点项目推进情况和存在问题的汇报，研究部署了下阶段工作。现将会议议定事项纪要如下。"
        ),
        items=items,
        recorder="区公建中心",
        today=day,
    )
    meeting.refresh_from_db()
    return meeting


@transaction.atomic
def demo_meetings(district: Jurisdiction, *, today: date, issue: bool = False) -> str:
    existing = Meeting.objects.filter(jurisdiction=district).count()
    if existing:
        return f"调度会议：已有 {existing} 次会议"
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        return "调度会议：没有项目办账号"
    try:
        services.series_sync(actor=admin, jurisdiction=district)
    except ValidationError:
        return "调度会议：辖区未选用规则集"
    levels = services.level_choices(district)
    units = _member_units(district)
    # 旬会商: the office gives it the level of 领导小组办公室 and its member units
    consult = MeetingSeries.objects.filter(jurisdiction=district, key="ten_day_consultation").first()
    if consult is not None:
        consult = services.series_save(
            actor=admin,
            jurisdiction=district,
            series=consult,
            member_units=units,
            name=consult.name,
            kind=consult.kind,
            frequency=consult.frequency,
            times=consult.times,
            chair=consult.chair,
            level_key=_level(levels, "project_office"),
            source=consult.source,
            sort=consult.sort,
        )
    head = (
        Person.objects.filter(jurisdiction=district, is_leader=True, is_active=True, post__contains="区长")
        .exclude(post__contains="副区长")
        .order_by("id")
        .first()
    )
    # chaired by the 区长 for the whole district: the chair is named, not `chair_person` (which marks a
    # leader's own series, whose agenda lists that leader's projects only)
    monthly = services.series_save(
        actor=admin,
        jurisdiction=district,
        member_units=units,
        name=MONTHLY,
        kind="meeting",
        frequency="monthly",
        chair=f"{head.post}{head.name}（领导小组组长）" if head is not None else "区长（领导小组组长）",
        level_key=_level(levels, "leading_group", "leader"),
        source="项目办自设：DH24 五(三) 六级调度中的领导小组调度，通知未列明名称",
    )
    deputies = Person.objects.filter(
        jurisdiction=district, is_leader=True, is_active=True, post__contains="副区长"
    ).order_by("id")
    per_leader = (
        services.series_for_leaders(
            actor=admin,
            jurisdiction=district,
            name=LEADERS,
            persons=list(deputies),
            level_key=_level(levels, "leader"),
            source="项目办自设：DH24 五(一)“五个一”挂点区领导定期调度",
        )
        if deputies.exists()
        else []
    )
    held: list[Meeting] = []
    if consult is not None:
        for day in _slots(consult, today - timedelta(days=35), today - timedelta(days=1))[-2:]:
            held.append(_hold(admin, consult, day))
    for day in _slots(monthly, today - timedelta(days=45), today - timedelta(days=1))[-1:]:
        held.append(_hold(admin, monthly, day))
    held.sort(key=lambda m: m.date)
    # after the last 旬会商 the office takes one of its problems to the leading group
    raised = ""
    last_consult = max(
        (m.date for m in held if consult is not None and m.series_id == consult.pk), default=None
    )
    if last_consult is not None and monthly.level_key:
        from tuijin.problems import services as problems

        item = (
            Meeting.objects.get(series=consult, date=last_consult)
            .agenda.filter(kind="problem")
            .select_related("problem")
            .order_by("order")
            .first()
        )
        when = min(last_consult + timedelta(days=1), today)
        if item is not None:
            try:
                problems.problem_escalate(
                    actor=admin,
                    problem=item.problem,
                    level=monthly.level_key,
                    note=f"经{consult.name}研究，需提请领导小组协调。",
                    today=when,
                )
                raised = f"，问题“{item.problem.title}”提请领导小组"
            except ValidationError:
                pass
    upcoming = _slots(monthly, today, today + timedelta(days=40))
    preparing = None
    if upcoming:
        preparing = services.meeting_create(
            actor=admin, series=monthly, date=upcoming[0], place="区政府第一会议室", today=today
        )
    if issue:
        for meeting in held:
            services.meeting_issue(actor=admin, meeting=meeting, today=meeting.date + timedelta(days=1))
    series_count = MeetingSeries.objects.filter(jurisdiction=district).count()
    line = (
        f"调度会议：{series_count} 个会议系列（含 {len(per_leader)} 个分领导调度），"
        f"已召开 {len(held)} 次{'（纪要已印发）' if issue else ''}{raised}"
    )
    if preparing is not None:
        line += f"，{preparing.date:%m月%d日}{monthly.name}筹备中"
    return line
