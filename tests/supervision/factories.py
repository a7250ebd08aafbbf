"""Builders for supervision-act tests: an act, a finding, a required action through the services; a
weekly report the unit filed; a small JPEG."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.projects.factories import project
from tuijin.supervision import services

TODAY = date(2024, 6, 3)  # a Monday
SHANGHAI = ZoneInfo("Asia/Shanghai")


def jpeg(name: str = "现场.jpg", size=(64, 48)) -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (120, 90, 40)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def weekly(p, week: date, progress: str, *, status: str = "accepted"):
    from tuijin.reports.models import Report

    moment = datetime.combine(week, time(10), tzinfo=SHANGHAI)
    return Report.objects.create(
        project=p,
        unit=p.responsible_unit,
        kind="weekly",
        period_start=week,
        due_on=week,
        status=status,
        progress=progress,
        first_submitted_at=moment,
        submitted_at=moment,
    )


def act(world, *, kind="onsite", actor=None, projects=(), units=(), today=TODAY, **kw):
    values = {
        "title": "东湖数字产业园施工现场实地督办",
        "date": today,
        "inspectors": "区委区政府督查室 张督查",
        "summary": "",
    }
    values.update(kw)
    return services.act_create(
        actor=actor or world.supervisor,
        jurisdiction=world.district,
        kind=kind,
        projects=projects,
        units=units,
        today=today,
        **values,
    )


def site(world, **kw):
    """A project in preparation (no weekly report owed, no plan entry: only the finding lights it)."""
    return project(world, name=kw.pop("name", "东湖数字产业园"), stage=kw.pop("stage", "preparation"), **kw)


def discrepancy(world, a, p, *, today=TODAY, observed="现场仅完成场地平整，未见桩基施工"):
    return services.finding_add(
        actor=world.supervisor, act=a, kind="discrepancy", project=p, observed=observed, today=today
    )


def required(world, a, *, unit=None, deadline=date(2024, 6, 14), today=TODAY, **kw):
    return services.action_add(
        actor=world.supervisor,
        act=a,
        unit=unit or world.dept,
        content=kw.pop("content", "如实更正周报，加快桩基施工"),
        deadline=deadline,
        today=today,
        **kw,
    )
