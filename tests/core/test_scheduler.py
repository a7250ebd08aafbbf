"""The periodic-job registry and the scheduler: crontab read as cron reads it, each fire time enqueued
once, a real APScheduler firing on time, and the tasks page showing last and next fires."""

import io
import threading
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tuijin.core import schedule
from tuijin.core.models import ScheduledRun
from tuijin.core.schedule import PeriodicJob, crontab_trigger, crontab_weekdays, latest_fire_time

SHANGHAI = ZoneInfo("Asia/Shanghai")
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
HEARTBEAT = PeriodicJob(
    name="test_heartbeat", cron="*/5 * * * *", task_path="tuijin.core.tasks.heartbeat", label_zh="测试心跳"
)


@dataclass(frozen=True)
class EverySecond(PeriodicJob):
    """Test-only: fires every second, so a real scheduler fires within the test."""

    def trigger(self):
        return CronTrigger(second="*", timezone=SHANGHAI)


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_TASKS
    return settings


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("*", "*"),
        ("1", "mon"),
        ("0", "sun"),
        ("7", "sun"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("mon-fri", "mon,tue,wed,thu,fri"),
        ("5-7", "sun,fri,sat"),
        ("*/2", "sun,tue,thu,sat"),
        ("0-6", "*"),
        ("1,3", "mon,wed"),
    ],
)
def test_crontab_weekday_numbers_mean_what_cron_means(field, expected):
    assert crontab_weekdays(field) == expected


@pytest.mark.parametrize("field", ["8", "5-1", "*/0", "monday"])
def test_bad_weekday_field_is_refused(field):
    with pytest.raises(ValueError, match="星期字段"):
        crontab_weekdays(field)


def test_monday_in_crontab_fires_on_monday_not_tuesday():
    sunday = datetime(2026, 11, 22, 12, 0, tzinfo=SHANGHAI)
    assert crontab_trigger("0 9 * * 1").get_next_fire_time(None, sunday) == datetime(
        2026, 11, 23, 9, 0, tzinfo=SHANGHAI
    )


def test_cron_is_read_in_shanghai_time():
    fire = crontab_trigger("0 1 * * *").get_next_fire_time(
        None, datetime(2026, 11, 22, 12, 0, tzinfo=SHANGHAI)
    )
    assert fire.utcoffset().total_seconds() == 8 * 3600
    assert (fire.day, fire.hour) == (23, 1)


def test_cron_with_wrong_field_count_is_refused():
    with pytest.raises(ValueError, match="应有 5 个字段"):
        schedule.register_periodic("bad", "0 1 * *", "tuijin.core.tasks.heartbeat", label_zh="错误")


def test_a_job_name_cannot_be_registered_twice_differently():
    with pytest.raises(ValueError, match="不能重复登记"):
        schedule.register_periodic("heartbeat", "0 * * * *", "tuijin.core.tasks.heartbeat", label_zh="心跳")


def test_core_jobs_are_registered():
    jobs = {job.name: job for job in schedule.periodic_jobs()}
    assert jobs["heartbeat"].cron == "*/5 * * * *"
    assert jobs["prune_task_results"].cron == "30 3 * * *"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 22, 9, 53, 10, tzinfo=SHANGHAI), datetime(2026, 11, 22, 9, 50, tzinfo=SHANGHAI)),
        (datetime(2026, 11, 22, 9, 55, 0, tzinfo=SHANGHAI), datetime(2026, 11, 22, 9, 55, tzinfo=SHANGHAI)),
        (
            datetime(2026, 11, 22, 9, 54, 59, 999, tzinfo=SHANGHAI),
            datetime(2026, 11, 22, 9, 50, tzinfo=SHANGHAI),
        ),
    ],
)
def test_latest_fire_time_is_the_run_due_now(now, expected):
    assert latest_fire_time(crontab_trigger("*/5 * * * *"), now) == expected


def test_latest_fire_time_looks_back_only_within_the_grace_window():
    now = datetime(2026, 11, 22, 9, 0, tzinfo=SHANGHAI)
    assert latest_fire_time(crontab_trigger("30 3 * * *"), now) is None


def test_scheduled_job_fired_twice_enqueues_once(database_tasks, db):
    fire_time = datetime(2026, 11, 22, 9, 50, tzinfo=SHANGHAI)

    first = schedule.fire(HEARTBEAT, fire_time=fire_time)
    second = schedule.fire(HEARTBEAT, fire_time=fire_time)

    assert second is None
    assert ScheduledRun.objects.filter(job_name="test_heartbeat").count() == 1
    results = list(DBTaskResult.objects.all())
    assert [str(r.id) for r in results] == [first.result_id]
    assert results[0].task_path == "tuijin.core.tasks.heartbeat"
    assert results[0].status == TaskResultStatus.READY  # enqueued, not run by the scheduler


def test_catch_up_enqueues_only_the_latest_missed_fire_once(database_tasks, db):
    now = datetime(2026, 11, 22, 9, 53, 10, tzinfo=SHANGHAI)

    assert schedule.catch_up([HEARTBEAT], now=now) == 1
    assert schedule.catch_up([HEARTBEAT], now=now) == 0

    run = ScheduledRun.objects.get()
    assert run.fire_time == datetime(2026, 11, 22, 9, 50, tzinfo=SHANGHAI)
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_real_scheduler_enqueues_a_job_when_its_cron_fires(database_tasks):
    job = EverySecond(
        name="test_every_second", cron="* * * * *", task_path="tuijin.core.tasks.heartbeat", label_zh="每秒"
    )
    fired = threading.Event()
    scheduler = schedule.build_scheduler(BackgroundScheduler, jobs=[job])
    scheduler.add_listener(lambda event: fired.set(), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    scheduler.start()
    try:
        assert fired.wait(timeout=10), "the scheduler did not fire within 10 seconds"
    finally:
        scheduler.shutdown(wait=True)

    runs = list(ScheduledRun.objects.filter(job_name="test_every_second"))
    assert runs
    assert all(run.fire_time.microsecond == 0 for run in runs)
    enqueued = DBTaskResult.objects.filter(id__in=[run.result_id for run in runs])
    assert enqueued.count() == len(runs)
    assert {r.task_path for r in enqueued} == {"tuijin.core.tasks.heartbeat"}


def test_tasks_page_shows_last_and_next_fire(database_tasks, client_for, world):
    job = next(j for j in schedule.periodic_jobs() if j.name == "heartbeat")
    schedule.fire(job, fire_time=datetime(2026, 11, 22, 9, 50, tzinfo=SHANGHAI))

    page = client_for(world.admin).get("/tasks/").content.decode()

    assert "工作进程心跳（每 5 分钟）" in page
    assert "<code>*/5 * * * *</code>" in page
    assert "2026-11-22 09:50" in page
    assert "清理历史任务记录（每天 03:30）" in page
    assert "尚未触发" in page


def test_scheduler_list_prints_jobs_and_next_fire():
    out = io.StringIO()
    call_command("scheduler", "--list", stdout=out)
    text = out.getvalue()
    assert "工作进程心跳" in text and "（heartbeat），下次 " in text
    assert "30 3 * * *" in text
