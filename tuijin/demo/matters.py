"""Demo decided matters (议定事项) of 东湖区, on the meetings `demo_meetings` held (read from the database).

Each past meeting that is still `held` gets decisions, with and without deadlines, written through the
matter services and dated in the past: some closed early, on time, more than 5 and more than 10 working
days late (the lateness and band kept at closing), some open and overdue (one with a 提醒单), one waiting for
the office to close it, and one matter without a deadline carried from meeting to meeting of one series
until it is raised the third time (flagged 反复上会). Then each of those meetings' minutes is issued with the
meetings' own service, so the minutes list the matters. No 督办单 is issued here (a 督办单 proposes a yellow
card; the cards' demo decides those).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from tuijin.core.calendar_selectors import current_calendar
from tuijin.meetings import matter_services as services
from tuijin.meetings.models import Matter, Meeting
from tuijin.org.models import Jurisdiction, Role, Unit, User

# (title, content, how it ends): "early", "on_time", "late_1" (> 5), "late_2" (> 10), "overdue", "replied",
# "progress"
DECISIONS = [
    ("完成用地预审和规划选址", "区自然资源和规划部门牵头，加快用地预审和规划选址意见书办理。", "early"),
    ("协调施工临时用电接入", "区供电公司 15 日内完成施工临时用电接入。", "on_time"),
    ("解决红线内 3 户房屋征收", "属地街道牵头，区征收中心配合，完成剩余 3 户征收补偿协议签订。", "late_1"),
    ("明确雨污水管网接驳方案", "区城管部门牵头确定接驳口位置，设计单位据此调整施工图。", "late_2"),
    ("拨付第二批专项债资金", "区财政局按工程进度拨付第二批专项债资金。", "overdue"),
    ("组织施工图联合会审", "区住建局组织施工图审查机构、设计单位联合会审，一次性提出修改意见。", "replied"),
    ("落实天然气管道接入方案", "燃气公司出具接入方案，区城管部门协调管位。", "progress"),
]
CHAIN = ("协调学校配套道路征收", "道路红线内涉及企业厂房征收，请属地街道与企业协商，区征收中心配合。")


def _evidence(name: str) -> ContentFile:
    return ContentFile(b"%PDF-1.4\n% demo evidence\n", name=name)


def _clerk(unit: Unit) -> User | None:
    return (
        User.objects.filter(unit=unit, role__in=(Role.UNIT_REPORTER, Role.UNIT_HEAD), is_active=True)
        .order_by("role", "username")
        .first()
    )


def _staffed_units(district: Jurisdiction) -> list[tuple[Unit, User]]:
    units = []
    # decided matters go to the units that carry projects: never to the office that runs the meeting, the
    # supervision office or the discipline commission (they are in no ranking group)
    staffed = Unit.objects.filter(jurisdiction=district, is_active=True).exclude(
        kind__in=("office", "supervision", "discipline")
    )
    for unit in staffed.order_by("sort", "id"):
        clerk = _clerk(unit)
        if clerk is not None:
            units.append((unit, clerk))
    return units


def _past_workday(calendar: Any, day: date, today: date) -> date:
    """`day`, kept strictly before `today` (services date events at ten o'clock of that day)."""
    return min(day, calendar.add_workdays(today, -1))


@transaction.atomic
def demo_matters(district: Jurisdiction, *, today: date) -> str:
    existing = Matter.objects.filter(jurisdiction=district)
    if existing.exists():
        return f"议定事项：已有 {existing.count()} 项"
    admin = User.objects.filter(username="admin").first()
    meetings = list(
        Meeting.objects.filter(jurisdiction=district, date__lt=today, status__in=("held", "preparing"))
        .select_related("series")
        .order_by("date", "pk")
    )
    staffed = _staffed_units(district)
    if admin is None or not meetings or not staffed:
        return "议定事项：没有可记录议定事项的会议"
    calendar = current_calendar()
    counts = {"closed": 0, "open": 0, "overdue": 0, "replied": 0}
    k = 0
    for index, meeting in enumerate(meetings):
        items = list(meeting.agenda.exclude(kind__in=("overdue_matter", "carried_matter")).order_by("order"))
        for j, (title, content, end) in enumerate(DECISIONS[index % 2 :: 1 + (index % 2)]):
            unit, clerk = staffed[k % len(staffed)]
            helper = staffed[(k + 1) % len(staffed)][0]
            k += 1
            item = items[j] if j < len(items) else None
            deadline = calendar.add_workdays(meeting.date, 10)
            matter = services.matter_decide(
                actor=admin,
                meeting=meeting,
                title=title if item is None else f"{title}（{item.title[:40]}）",
                content=content,
                lead_unit=unit,
                units=[helper] if helper.pk != unit.pk else [],
                deadline=deadline,
                agenda_item=item,
                today=meeting.date,
            )
            counts["open"] += 1
            done_on = {
                "early": calendar.add_workdays(deadline, -2),
                "on_time": deadline,
                "late_1": calendar.add_workdays(deadline, 7),
                "late_2": calendar.add_workdays(deadline, 12),
                "replied": calendar.add_workdays(deadline, -1),
            }.get(end)
            if end == "progress" or (done_on is not None and done_on >= today):
                services.matter_progress(
                    actor=clerk,
                    matter=matter,
                    note="已对接相关单位，正在落实。",
                    today=_past_workday(calendar, calendar.add_workdays(meeting.date, 3), today),
                )
                counts["overdue"] += deadline < today
                continue
            if end == "overdue":
                services.matter_remind(
                    actor=admin,
                    matter=matter,
                    content=f"会议议定事项“{title}”已到期，请抓紧落实并报办结。",
                    today=_past_workday(calendar, calendar.add_workdays(deadline, 1), today),
                )
                counts["overdue"] += deadline < today
                continue
            services.matter_reply(
                actor=clerk,
                matter=matter,
                note="已按会议要求落实，附佐证材料。",
                files=[_evidence(f"{title[:20]}落实情况.pdf")],
                today=done_on,
            )
            if end == "replied":
                counts["replied"] += 1
                continue
            close_on = calendar.add_workdays(done_on, 1)
            if close_on >= today:
                counts["replied"] += 1
                continue
            services.matter_close(actor=admin, matter=matter, note="经复核，同意销号。", today=close_on)
            counts["closed"] += 1
    flagged = _repeat_chain(district, meetings, staffed, admin, today)
    issued = 0
    for meeting in meetings:
        meeting.refresh_from_db()
        if meeting.status != "held":
            continue
        try:
            from tuijin.meetings.services import meeting_issue

            meeting_issue(actor=admin, meeting=meeting, today=min(meeting.date + timedelta(days=1), today))
        except (ImportError, ValidationError):
            continue
        issued += 1
    total = Matter.objects.filter(jurisdiction=district).count()
    return (
        f"议定事项：{total} 项（已销号 {counts['closed']}、待销号 {counts['replied']}、超期未办结 "
        f"{counts['overdue']}；无时限事项同一层级上会 {flagged} 次）；印发纪要 {issued} 期"
    )


def _repeat_chain(district, meetings: list[Meeting], staffed, admin: User, today: date) -> int:
    """One matter without a deadline raised at the same series' successive meetings (up to three times):
    carried to the next meeting (an agenda item there), decided again on that item."""
    by_series: dict[int, list[Meeting]] = {}
    for meeting in meetings:
        by_series.setdefault(meeting.series_id, []).append(meeting)
    chain_meetings = max(by_series.values(), key=len)[:3]
    unit = staffed[-1][0]
    helper = staffed[0][0]
    matter = None
    for meeting in chain_meetings:
        item = None
        if matter is not None:
            services.matter_carry(actor=admin, matter=matter, to_meeting=meeting, today=meeting.date)
            item = meeting.agenda.filter(matter=matter).first()
        matter = services.matter_decide(
            actor=admin,
            meeting=meeting,
            title=CHAIN[0],
            content=CHAIN[1],
            lead_unit=unit,
            units=[helper] if helper.pk != unit.pk else [],
            deadline=None,
            agenda_item=item,
            today=meeting.date,
        )
    return matter.raise_count if matter is not None else 0
