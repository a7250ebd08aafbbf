"""Background work of lights (REQ D): the daily recompute (01:30, before anyone opens a board), the
refresh of many projects after an import, and the recompute after the working-day calendar changes
(entering a year's official schedule turns that year's lights from provisional to official).

Registered when the app is ready (lights/apps.py imports this module), so web workers, task workers and
the scheduler all know them.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from django_tasks import task

from tuijin.core.calendar_hooks import register_calendar_dependent
from tuijin.core.schedule import register_periodic
from tuijin.core.tasks import describe_task

from . import services


@task()
def lights_recompute_daily() -> dict:
    """Every project's lights as of today."""
    return asdict(services.lights_recompute())


@task()
def lights_refresh_projects_task(project_ids: list[int], today: str | None = None) -> dict:
    """These projects' lights (an import of many rows enqueues this after its commit)."""
    day = date.fromisoformat(today) if today else None
    return asdict(services.lights_refresh_projects(project_ids=project_ids, today=day))


def lights_recompute_for_calendar(date_from: date, date_to: date) -> int:
    """The calendar hook: a light counts working days between its deadline and today, so any change of
    working days may move it; recompute all (idempotent) and return how many shown lights changed."""
    return services.lights_recompute().changed


describe_task("tuijin.lights.tasks.lights_recompute_daily", label_zh="每日重算亮灯")
describe_task("tuijin.lights.tasks.lights_refresh_projects_task", label_zh="重算导入项目的亮灯")
register_periodic(
    "lights-daily", "30 1 * * *", "tuijin.lights.tasks.lights_recompute_daily", label_zh="每日重算亮灯"
)
register_calendar_dependent("lights", "亮灯", lights_recompute_for_calendar)
