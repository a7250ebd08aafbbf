"""lights.tasks and `tuijin lights recompute`: the daily job is registered and recomputes, entering a
year's calendar recomputes (provisional lights become official), the command line."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from tests.lights.test_services import TODAY, chain
from tests.projects.factories import project
from tuijin.core.calendar_hooks import calendar_dependents
from tuijin.core.calendar_services import calendar_year_replace
from tuijin.core.schedule import periodic_jobs
from tuijin.core.tasks import task_info
from tuijin.lights import tasks
from tuijin.lights.models import LightChange, NodeLight, ProjectLight

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_the_daily_job_is_registered():
    job = next(job for job in periodic_jobs() if job.name == "lights-daily")
    assert (job.cron, job.task_path, job.label_zh) == (
        "30 1 * * *",
        "tuijin.lights.tasks.lights_recompute_daily",
        "每日重算亮灯",
    )
    assert task_info(job.task_path).label_zh == "每日重算亮灯"
    assert ("lights", "亮灯") in [(d.name, d.label_zh) for d in calendar_dependents()]


@override_settings(TASKS=IMMEDIATE)
def test_the_daily_task_recomputes_every_project(world):
    p = project(world, stage="preparation")
    chain(p, ("施工许可证", date(2024, 5, 20)))
    result = tasks.lights_recompute_daily.enqueue()
    assert result.return_value["projects"] == 1 and result.return_value["nodes"] == 1
    # computed for the real today: long overdue
    assert ProjectLight.objects.get(pk=p.pk).shown == "red"


@override_settings(TASKS=IMMEDIATE)
def test_entering_a_year_s_schedule_recomputes_provisional_lights(world, django_capture_on_commit_callbacks):
    p = project(world, stage="preparation")
    (node,) = chain(p, ("施工许可证", date(2027, 9, 30)))
    tasks.lights_recompute_daily.enqueue()
    assert NodeLight.objects.get(node=node).provisional
    assert ProjectLight.objects.get(pk=p.pk).provisional
    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_replace(
            actor=world.admin,
            year=2027,
            days=[(date(2027, 10, 1), "off", "国庆节"), (date(2027, 10, 4), "off", "国庆节")],
            document="国务院办公厅关于2027年部分节假日安排的通知",
        )
    assert not NodeLight.objects.get(node=node).provisional
    assert not ProjectLight.objects.get(pk=p.pk).provisional


def test_the_command_recomputes_for_a_day_and_a_jurisdiction(world):
    here = project(world, stage="preparation")
    chain(here, ("施工许可证", date(2024, 5, 20)))
    there = project(world, jurisdiction=world.other_district, responsible_unit=world.foreign_unit)
    out = StringIO()
    call_command("lights", "recompute", "--today", TODAY.isoformat(), "--jurisdiction", "360102", stdout=out)
    assert "已重算 1 个项目、1 个节点的亮灯：1 处亮灯变化，写入 2 行" in out.getvalue()
    assert ProjectLight.objects.get(pk=here.pk).computed_on == TODAY
    assert not ProjectLight.objects.filter(pk=there.pk).exists()
    assert LightChange.objects.filter(on=TODAY).count() == 1
    with pytest.raises(CommandError, match="辖区代码“999999”不存在"):
        call_command("lights", "recompute", "--jurisdiction", "999999")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("lights", "recompute", "--today", "2024-13-01")
