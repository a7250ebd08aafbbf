"""Builders for decided-matter tests: a meeting series and meetings of the world's district (made directly,
so these tests do not depend on the meeting services), and matters through the matter services."""

from __future__ import annotations

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from tuijin.meetings import matter_services as services
from tuijin.meetings.models import Meeting, MeetingSeries

TODAY = date(2024, 6, 3)  # a Monday


def pdf(name: str = "落实情况.pdf", size: int = 100) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 " + b"x" * size, content_type="application/pdf")


def series(world, *, key="monthly", name="区重大项目月度调度会", level_key="leader", jurisdiction=None):
    return MeetingSeries.objects.create(
        jurisdiction=jurisdiction or world.district,
        key=key,
        name=name,
        frequency="monthly",
        chair="区长",
        level_key=level_key,
    )


def meeting(world, s=None, *, on=date(2024, 5, 10), status="held", title=""):
    s = s or MeetingSeries.objects.filter(jurisdiction=world.district).first() or series(world)
    return Meeting.objects.create(
        series=s,
        jurisdiction=s.jurisdiction,
        title=title or f"{s.name}（{on:%Y年%m月}）",
        date=on,
        status=status,
        created_by=world.admin,
    )


def decided(
    world,
    m=None,
    *,
    title="协调东湖数字产业园用地报批",
    deadline=date(2024, 5, 31),
    lead=None,
    units=(),
    agenda_item=None,
    today=None,
    **kw,
):
    m = m or meeting(world)
    return services.matter_decide(
        actor=world.admin,
        meeting=m,
        title=title,
        content="区自然资源局牵头，6 月底前完成用地预审。",
        lead_unit=lead or world.dept,
        units=list(units),
        deadline=deadline,
        agenda_item=agenda_item,
        today=today or m.date,
        **kw,
    )


def replied(world, matter=None, *, on=None, **kw):
    matter = matter or decided(world, **kw)
    return services.matter_reply(
        actor=world.reporter, matter=matter, note="已完成用地预审", files=[pdf()], today=on or TODAY
    )
