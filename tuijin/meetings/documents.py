"""A meeting's minutes (会议纪要) as a Word document: registered with `tuijin.documents` (key
`meeting_minutes`) so an office can upload its own template, and filled with docxtpl. Issued minutes carry
their number 〔2024〕第N期; an unissued meeting renders as a preview marked 征求意见稿.

Issued minutes are frozen (review item 1): `meeting_issue` renders them once and keeps the bytes in
`Meeting.minutes_file` (`store_minutes`); every later download is that file (`issued_minutes`), whatever
happens afterwards to the matters, the member units' names, the leading group or the uploaded template.
A meeting imported as issued gets its file rendered once at import (`tuijin/meetings/exchange/load.py`)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from tuijin.documents.registry import DocumentSpec, register_document
from tuijin.documents.services import render_document

from . import rules
from .docx.build_template import PATH
from .models import Matter, Meeting
from .selectors import attendee_label

log = logging.getLogger("tuijin.meetings")

KEY = "meeting_minutes"
FIELDS = (
    "{{ title }} {{ draft }} {{ number }} {{ issuer }} {{ issued_on }} {{ date }} {{ time }} {{ place }} "
    "{{ chair }} {{ recorder }} {{ present }} {{ leave }} {{ summary }}（段落列表） {{ items }}（议题：no、title、"
    "paras） {{ matters }}（议定事项：no、title、lead_unit、units、deadline） {{ recipients }} {{ cc }} "
    "{{ jurisdiction }} {{ series }}"
)


def _date(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def _paras(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _unit(unit) -> str:
    return unit.name if unit is not None else ""


def _issuer(meeting: Meeting) -> str:
    from tuijin.org.models import LeadingGroup

    group = LeadingGroup.objects.filter(jurisdiction=meeting.jurisdiction).select_related("office").first()
    if group is not None:
        return f"{group.name}办公室"
    user = meeting.issued_by or meeting.created_by
    return _unit(getattr(user, "unit", None)) or meeting.jurisdiction.name


def _cc(meeting: Meeting) -> str:
    from tuijin.org.models import LeadingGroup

    group = LeadingGroup.objects.filter(jurisdiction=meeting.jurisdiction).first()
    return f"{group.name}各成员" if group is not None else f"{meeting.jurisdiction.name}各有关领导"


def minutes_context(meeting: Meeting) -> dict[str, Any]:
    agenda = list(meeting.agenda.order_by("order", "id"))
    attendance = list(meeting.attendance.select_related("unit", "person").order_by("order", "id"))
    matters = list(
        Matter.objects.filter(meeting=meeting)
        .exclude(status="cancelled")
        .select_related("lead_unit")
        .prefetch_related("units")
        .order_by("number")
    )
    present = [
        attendee_label(a) + ("（委托参会）" if a.status == "substitute" else "")
        for a in attendance
        if a.status in ("present", "substitute")
    ]
    leave = [
        attendee_label(a) + f"（{a.get_status_display()}{'：' + a.note if a.note else ''}）"
        for a in attendance
        if a.status in ("leave", "absent")
    ]
    recipients = [u.name for u in meeting.series.member_units.filter(is_active=True).order_by("sort", "id")]
    issued = timezone.localtime(meeting.issued_at).date() if meeting.issued_at else None
    return {
        "title": rules.minutes_title(meeting.jurisdiction.name, meeting.series.name),
        "jurisdiction": meeting.jurisdiction.name,
        "series": meeting.series.name,
        "draft": not meeting.frozen,
        "number": rules.minutes_number_text(meeting.minutes_year, meeting.minutes_number) or "（未编号）",
        "issuer": _issuer(meeting),
        "issued_on": _date(issued) if issued else "（未印发）",
        "date": _date(meeting.date),
        "time": f" {meeting.start_time:%H:%M}" if meeting.start_time else "",
        "place": meeting.place or "——",
        "chair": meeting.chair or "——",
        "recorder": meeting.recorder,
        "present": "、".join(present) or "——",
        "leave": "、".join(leave),
        "summary": _paras(meeting.summary),
        "items": [
            {"no": rules.chinese_ordinal(i), "title": it.title, "paras": _paras(it.minutes) or ["（无）"]}
            for i, it in enumerate(agenda, start=1)
        ],
        "matters": [
            {
                "no": str(m.number),
                "title": m.title,
                "lead_unit": m.lead_unit.name,
                "units": "、".join(u.name for u in m.units.all() if u.pk != m.lead_unit_id) or "——",
                "deadline": f"{m.deadline:%Y年%m月%d日}" if m.deadline else "无时限",
            }
            for m in matters
        ],
        "recipients": "、".join(recipients) or "各成员单位",
        "cc": _cc(meeting),
    }


def _sample() -> dict[str, Any]:
    return {
        "title": "东湖区重大重点项目月度调度会会议纪要",
        "jurisdiction": "东湖区",
        "series": "区重大重点项目月度调度会",
        "draft": False,
        "number": "〔2024〕第3期",
        "issuer": "东湖区重大重点项目推进工作领导小组办公室",
        "issued_on": "2024年6月7日",
        "date": "2024年6月5日",
        "time": " 15:00",
        "place": "区政府第一会议室",
        "chair": "区长 张三",
        "recorder": "李四",
        "present": "区发改委 王五（主任）、区住建局",
        "leave": "区财政局（请假：出差）",
        "summary": ["6月5日下午，区长张三主持召开区重大重点项目月度调度会。"],
        "items": [{"no": "一", "title": "东湖数字产业园用地红线问题", "paras": ["会议要求……"]}],
        "matters": [
            {
                "no": "1",
                "title": "核定用地红线",
                "lead_unit": "区自然资源分局",
                "units": "区住建局",
                "deadline": "2024年06月30日",
            }
        ],
        "recipients": "区发展和改革委员会、区住房和城乡建设局",
        "cc": "东湖区重大重点项目推进工作领导小组各成员",
    }


register_document(DocumentSpec(key=KEY, label="调度会议纪要", default=PATH, sample=_sample, fields=FIELDS))


def minutes_docx(meeting: Meeting) -> bytes:
    return render_document(KEY, meeting.jurisdiction, minutes_context(meeting))


def store_minutes(meeting: Meeting) -> None:
    """Render the issued minutes once and attach the file to `meeting.minutes_file` (the caller saves the
    meeting, inside its transaction). Called by `services.meeting_issue` and by the exchange import."""
    if not meeting.frozen:
        raise ValueError("只有已印发的会议纪要才保存文件")
    name = f"minutes-{meeting.minutes_year}-{meeting.minutes_number}.docx"
    meeting.minutes_file.save(name, ContentFile(minutes_docx(meeting)), save=False)


def issued_minutes(meeting: Meeting) -> bytes:
    """The file kept when the minutes were issued. Only if it is missing (a meeting issued before the file
    was kept, or the media folder lost) are the minutes rendered again from the data, and that is logged."""
    if meeting.minutes_file:
        try:
            with meeting.minutes_file.open("rb") as fh:
                return fh.read()
        except OSError:
            log.warning(
                "会议纪要文件丢失：会议 %s（%s），按现有数据重新生成", meeting.pk, meeting.minutes_file.name
            )
    else:
        log.warning("会议 %s 的已印发纪要没有保存的文件，按现有数据生成", meeting.pk)
    return minutes_docx(meeting)


def minutes_filename(meeting: Meeting) -> str:
    number = rules.minutes_number_text(meeting.minutes_year, meeting.minutes_number)
    if meeting.frozen:
        return f"{meeting.series.name}会议纪要{number}.docx"
    return f"{meeting.title}会议纪要（征求意见稿）.docx"
