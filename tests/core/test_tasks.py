"""Background tasks: a real database worker runs them, failures are retried then given up, the tasks page
shows it all to office admins only, and a given-up task can be retried by hand."""

import signal
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from tuijin.core import task_services
from tuijin.core.models import TaskAttempt, WorkerHeartbeat
from tuijin.core.task_selectors import age_text_zh
from tuijin.core.tasks import heartbeat

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
IMMEDIATE_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}
}

# Module-level tasks the worker imports by path (tests.core.test_tasks.*).
_CALLS: dict[str, int] = {}


@task()
def always_fails(label: str) -> None:
    raise RuntimeError(f"演示失败：{label}")


@task()
def fails_once(key: str) -> str:
    _CALLS[key] = _CALLS.get(key, 0) + 1
    if _CALLS[key] == 1:
        raise ConnectionError("上游接口暂时不可用")
    return f"第 {_CALLS[key]} 次成功"


@contextmanager
def _signals_kept():
    """db_worker installs SIGINT/SIGTERM handlers; give pytest its own back afterwards."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def run_worker_until_empty() -> None:
    """The real worker command, in this process, until no task is due."""
    with _signals_kept():
        call_command("worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_TASKS
    settings.TASK_MAX_ATTEMPTS = 3
    settings.TASK_RETRY_DELAY_SECONDS = 0
    return settings


def _attempts(root_id):
    return list(TaskAttempt.objects.filter(root_id=root_id).order_by("attempt"))


def _fail_until_given_up(label="日报推送"):
    first = always_fails.enqueue(label)
    run_worker_until_empty()
    return first


# The worker closes and reopens connections between tasks, so tests that run it commit for real.
with_worker = pytest.mark.django_db(transaction=True)


@with_worker
def test_enqueued_task_is_run_by_the_worker(database_tasks):
    result = heartbeat.enqueue()
    assert DBTaskResult.objects.get(id=result.id).status == TaskResultStatus.READY

    run_worker_until_empty()

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["worker_id"] == result.worker_ids[-1]
    assert WorkerHeartbeat.objects.filter(worker_id=result.worker_ids[-1]).exists()


@with_worker
def test_failing_task_is_retried_with_same_arguments_then_given_up(database_tasks):
    first = _fail_until_given_up("日报推送")

    results = list(DBTaskResult.objects.order_by("enqueued_at"))
    assert [r.status for r in results] == [TaskResultStatus.FAILED] * 3
    assert all(r.args_kwargs == {"args": ["日报推送"], "kwargs": {}} for r in results)
    attempts = _attempts(str(first.id))
    assert [(a.attempt, a.max_attempts) for a in attempts] == [(1, 3), (2, 3), (3, 3)]
    assert [a.outcome for a in attempts] == ["retrying", "retrying", "given_up"]
    assert attempts[0].retry_result_id == attempts[1].result_id
    assert attempts[-1].error_class == "builtins.RuntimeError"
    assert attempts[-1].error_summary == "RuntimeError: 演示失败：日报推送"


@with_worker
def test_task_that_fails_once_succeeds_on_its_retry(database_tasks):
    first = fails_once.enqueue(str(uuid.uuid4()))
    run_worker_until_empty()

    first.refresh()
    assert first.status == TaskResultStatus.FAILED
    retry = TaskAttempt.objects.get(root_id=str(first.id), attempt=2)
    assert DBTaskResult.objects.get(id=retry.result_id).status == TaskResultStatus.SUCCESSFUL
    assert DBTaskResult.objects.get(id=retry.result_id).return_value == "第 2 次成功"


@with_worker
def test_retry_waits_for_its_back_off(database_tasks, client_for, world):
    database_tasks.TASK_RETRY_DELAY_SECONDS = 600
    first = always_fails.enqueue("限流")
    before = timezone.now()
    run_worker_until_empty()

    row = TaskAttempt.objects.get(result_id=str(first.id))
    retry = DBTaskResult.objects.get(id=row.retry_result_id)
    assert retry.status == TaskResultStatus.READY  # not due yet, the batch worker left it
    assert before + timedelta(seconds=590) < retry.run_after < timezone.now() + timedelta(seconds=610)
    page = client_for(world.admin).get("/tasks/").content.decode()
    assert f"下次重试：{timezone.localtime(row.retry_at):%Y-%m-%d %H:%M:%S}" in page
    assert "排队中" in page


@with_worker
def test_given_up_task_is_shown_to_admin_with_its_error(database_tasks, client_for, world):
    first = _fail_until_given_up("日报推送")
    last = _attempts(str(first.id))[-1]

    response = client_for(world.admin).get("/tasks/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "已放弃" in page
    assert f'id="task-{last.result_id}"' in page
    assert "3/3" in page
    assert "builtins.RuntimeError" in page
    assert "<summary>错误堆栈</summary>" in page
    assert "立即重试" in page


@with_worker
def test_reporter_cannot_open_the_tasks_page(database_tasks, client_for, world):
    _fail_until_given_up()
    response = client_for(world.reporter).get("/tasks/")
    assert response.status_code == 403
    assert "无权查看后台任务" in response.content.decode()


@with_worker
def test_admin_retries_a_given_up_task_now(database_tasks, client_for, world):
    first = _fail_until_given_up("补发提醒")
    last = _attempts(str(first.id))[-1]
    client = client_for(world.admin)

    response = client.post(f"/tasks/{last.result_id}/retry/")

    assert response.status_code == 302
    last.refresh_from_db()
    assert last.outcome == TaskAttempt.Outcome.RETRIED_BY_HAND
    assert last.requested_by == world.admin
    fresh = DBTaskResult.objects.get(id=last.retry_result_id)
    assert fresh.status == TaskResultStatus.READY
    assert fresh.args_kwargs["args"] == ["补发提醒"]
    assert TaskAttempt.objects.get(result_id=str(fresh.id)).attempt == 1
    page = client.get("/tasks/").content.decode()
    assert "任务已重新排队" in page
    assert f"已由{world.admin}手动重试" in page

    again = client.post(f"/tasks/{last.result_id}/retry/", follow=True).content.decode()
    assert "已手动重试" in again and DBTaskResult.objects.count() == 4


@with_worker
def test_reporter_cannot_retry_a_task(database_tasks, client_for, world):
    first = _fail_until_given_up()
    last = _attempts(str(first.id))[-1]

    response = client_for(world.reporter).post(f"/tasks/{last.result_id}/retry/")

    assert response.status_code == 403
    assert DBTaskResult.objects.count() == 3


@with_worker
def test_only_a_failed_task_can_be_retried_by_hand(database_tasks, world):
    result = heartbeat.enqueue()
    run_worker_until_empty()
    with pytest.raises(ValidationError, match="只有失败的任务才能立即重试"):
        task_services.task_retry_now(actor=world.admin, result_id=str(result.id))


def test_immediate_backend_retries_too(settings, db):
    settings.TASKS = IMMEDIATE_TASKS
    settings.TASK_MAX_ATTEMPTS = 2

    first = always_fails.enqueue("即时")

    assert first.status == TaskResultStatus.FAILED
    attempts = _attempts(str(first.id))
    assert [(a.attempt, a.outcome) for a in attempts] == [(1, "retrying"), (2, "given_up")]


@with_worker
def test_heartbeat_older_than_fifteen_minutes_is_red(database_tasks, client_for, world):
    client = client_for(world.admin)
    assert "工作进程最近一次心跳：尚无记录" in client.get("/tasks/").content.decode()

    WorkerHeartbeat.objects.create(worker_id="w-old", last_seen=timezone.now() - timedelta(minutes=20))
    page = client.get("/tasks/").content.decode()
    assert '<div class="text-red fw-bold">工作进程最近一次心跳：20 分钟前' in page

    heartbeat.enqueue()
    run_worker_until_empty()
    page = client.get("/tasks/").content.decode()
    assert '<div class="fw-bold">工作进程最近一次心跳：不到 1 分钟前' in page


def test_tasks_page_lists_at_most_one_hundred_results(database_tasks, client_for, world):
    for _ in range(105):
        heartbeat.enqueue()
    page = client_for(world.admin).get("/tasks/").content.decode()
    assert page.count('id="task-') == 100


@with_worker
def test_status_filter_shows_only_given_up_tasks(database_tasks, client_for, world):
    _fail_until_given_up()
    heartbeat.enqueue()
    page = client_for(world.admin).get("/tasks/?status=given_up").content.decode()
    assert page.count('id="task-') == 1


@with_worker
def test_prune_drops_old_successes_and_keeps_failures_ninety_days(database_tasks):
    now = timezone.now()
    old_ok, new_ok = heartbeat.enqueue(), heartbeat.enqueue()
    run_worker_until_empty()
    _fail_until_given_up()
    DBTaskResult.objects.filter(id=old_ok.id).update(finished_at=now - timedelta(days=15))
    DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).update(finished_at=now - timedelta(days=60))

    counts = task_services.task_results_prune(now=now)

    assert counts["successful"] == 1
    assert counts["failed"] == 0
    assert not DBTaskResult.objects.filter(id=old_ok.id).exists()
    assert DBTaskResult.objects.filter(id=new_ok.id).exists()
    assert DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count() == 3

    later = task_services.task_results_prune(now=now + timedelta(days=31))
    assert later["failed"] == 3


def test_worker_command_refuses_a_backend_without_a_queue(settings):
    settings.TASKS = IMMEDIATE_TASKS
    with pytest.raises(CommandError, match="不是数据库队列"), _signals_kept():
        call_command("worker", "--batch")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (30, "不到 1 分钟前"),
        (20 * 60, "20 分钟前"),
        (3600, "1 小时前"),
        (3 * 3600 + 300, "3 小时 5 分钟前"),
        (3 * 86400, "3 天前"),
    ],
)
def test_heartbeat_age_reads_in_chinese(seconds, text):
    assert age_text_zh(timedelta(seconds=seconds)) == text
