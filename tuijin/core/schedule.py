"""Periodic jobs (DESIGN.md "Background work"): a registry that every app adds to, and the one scheduler
process (`tuijin scheduler`, APScheduler 3 cron triggers) that only ENQUEUES their tasks; workers run them.

    register_periodic("lights_daily", "0 1 * * *", "tuijin.lights.tasks.recompute_all", label_zh="每日亮灯重算")

Call it at import time of a module your AppConfig.ready() imports (core's own jobs sit in `tasks.py`).
Cron is the 5-field crontab syntax read in Asia/Shanghai (settings.TIME_ZONE); day-of-week numbers mean
what they mean in crontab (0 or 7 = Sunday), not APScheduler 3's 0 = Monday. Unlike cron, a day of month
and a day of week given together must both match.

Each fire is recorded as a `ScheduledRun`, unique per (job, fire time): a second scheduler, or a restart
that catches up, can never enqueue the same run twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from django.conf import settings
from django.db import connections
from django.utils import timezone

logger = logging.getLogger("tuijin.scheduler")

# A run the scheduler could not start on time (busy, paused, restarted) is still enqueued within this
# window, once (coalesce), never as a burst.
MISFIRE_GRACE_SECONDS = 3600

_CRONTAB_WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
_WEEKDAY_NUMBERS = {name: number for number, name in enumerate(_CRONTAB_WEEKDAYS)}


def schedule_timezone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _weekday_number(token: str) -> int:
    token = token.strip().lower()
    if token in _WEEKDAY_NUMBERS:
        return _WEEKDAY_NUMBERS[token]
    if not token.isdigit() or int(token) > 7:
        raise ValueError(f"星期字段“{token}”无效：应为 0–7（0 和 7 都是星期日）或 sun–sat")
    return int(token) % 7


def _weekday_item(item: str) -> set[int]:
    """One comma item of a crontab day-of-week field: `*`, `N`, `A-B`, optionally `/STEP`."""
    base, _, step_text = item.partition("/")
    step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
    if step_text and step is None:
        raise ValueError(f"星期字段“{item}”的步长无效")
    if base == "*":
        first, last = 0, 6
    elif "-" in base:
        first_text, last_text = base.split("-", 1)
        first, last = _weekday_number(first_text), _weekday_number(last_text)
        last = 7 if last == 0 and last_text.strip() == "7" else last
    else:
        first = last = _weekday_number(base)
    if first > last:
        raise ValueError(f"星期字段“{item}”的范围无效：起点应不大于终点")
    return {day % 7 for day in range(first, last + 1, step or 1)}


def crontab_weekdays(field: str) -> str:
    """Translate a crontab day-of-week field into APScheduler 3 names (its 0 is Monday, cron's Sunday)."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for item in field.split(","):
        days |= _weekday_item(item)
    if len(days) == 7:
        return "*"
    return ",".join(_CRONTAB_WEEKDAYS[d] for d in sorted(days))


def crontab_trigger(cron: str) -> CronTrigger:
    """A cron trigger for a 5-field crontab expression in the site's time zone."""
    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(f"定时表达式“{cron}”应有 5 个字段（分 时 日 月 星期），实际 {len(fields)} 个")
    minute, hour, day, month, weekday = fields
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=crontab_weekdays(weekday),
        timezone=schedule_timezone(),
    )


def latest_fire_time(
    trigger: BaseTrigger, now: datetime, *, within: float = MISFIRE_GRACE_SECONDS
) -> datetime | None:
    """The most recent time at or before `now` (and at most `within` seconds back) the trigger fired.

    APScheduler 3 does not tell a job which fire time it is running for; with coalescing it is the
    latest one due, which this recomputes."""
    for lookback in (61.0, within):
        fire = trigger.get_next_fire_time(None, now - timedelta(seconds=lookback))
        if fire is not None and fire <= now:
            break
    else:
        return None
    while (following := trigger.get_next_fire_time(fire, fire)) is not None and following <= now:
        fire = following
    return fire


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    cron: str
    task_path: str
    label_zh: str

    def trigger(self) -> BaseTrigger:
        return crontab_trigger(self.cron)

    def next_fire_time(self, now: datetime) -> datetime | None:
        return self.trigger().get_next_fire_time(None, now)

    def latest_fire_time(self, now: datetime) -> datetime | None:
        return latest_fire_time(self.trigger(), now)


_JOBS: dict[str, PeriodicJob] = {}


def register_periodic(name: str, cron: str, task_path: str, *, label_zh: str) -> PeriodicJob:
    """Add a periodic job. The cron expression is checked now, so a typo fails at start-up."""
    job = PeriodicJob(name=name, cron=cron, task_path=task_path, label_zh=label_zh)
    job.trigger()
    existing = _JOBS.get(name)
    if existing is not None and existing != job:
        raise ValueError(f"定时任务“{name}”已登记为 {existing.cron} {existing.task_path}，不能重复登记")
    _JOBS[name] = job
    return job


def periodic_jobs() -> list[PeriodicJob]:
    return sorted(_JOBS.values(), key=lambda job: job.name)


def fire(job: PeriodicJob, *, fire_time: datetime | None = None):
    """The scheduler's job function: enqueue the task for this fire time (never run it here).
    Returns the ScheduledRun, or None when this fire time was already enqueued."""
    from .task_services import periodic_enqueue

    if fire_time is None:
        now = timezone.now()
        fire_time = job.latest_fire_time(now) or now.replace(microsecond=0)
    run = periodic_enqueue(job=job, fire_time=fire_time)
    if run is None:
        logger.info("periodic job %s at %s was already enqueued", job.name, fire_time.isoformat())
    else:
        logger.info("periodic job %s at %s enqueued as %s", job.name, fire_time.isoformat(), run.result_id)
    return run


def _fire_in_pool_thread(job: PeriodicJob) -> None:
    try:
        fire(job)
    finally:
        connections.close_all()  # the job ran in an executor thread; do not leak its connection


def catch_up(jobs: list[PeriodicJob], *, now: datetime | None = None) -> int:
    """At start-up, enqueue each job's latest fire time within the grace window if no scheduler did:
    a restart at 01:10 still runs the 01:00 job, once. Returns how many were enqueued."""
    now = now or timezone.now()
    enqueued = 0
    for job in jobs:
        fire_time = job.latest_fire_time(now)
        if fire_time is not None and fire(job, fire_time=fire_time) is not None:
            enqueued += 1
    return enqueued


def build_scheduler(
    scheduler_class: type[BaseScheduler] = BlockingScheduler, *, jobs: list[PeriodicJob] | None = None
) -> BaseScheduler:
    """An APScheduler with one cron job per periodic job; coalesced, one instance at a time."""
    scheduler = scheduler_class(
        timezone=schedule_timezone(),
        executors={"default": ThreadPoolExecutor(max_workers=2)},
        job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS, "max_instances": 1},
    )
    for job in periodic_jobs() if jobs is None else jobs:
        scheduler.add_job(
            _fire_in_pool_thread,
            trigger=job.trigger(),
            args=[job],
            id=job.name,
            name=job.label_zh,
            replace_existing=True,
        )
    return scheduler
