"""Background tasks of the core app and the retry machinery every task gets (DESIGN.md "Background work").

django-tasks has no retries. Here a task that raises is enqueued again with the same arguments, up to
`settings.TASK_MAX_ATTEMPTS` attempts in all, `TASK_RETRY_DELAY_SECONDS × attempt` apart; the last
failure is marked 已放弃 and shown on the tasks page. The receivers below only hand over to
`task_services`, which does the writing.

Other apps describe their tasks with `describe_task` (Chinese label, own attempt limit) and schedule
periodic ones with `tuijin.core.schedule.register_periodic`.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from typing import Any

from django.dispatch import receiver
from django.utils import timezone
from django_tasks import TaskContext, TaskResultStatus, task
from django_tasks.signals import task_enqueued, task_finished

from .schedule import register_periodic

logger = logging.getLogger("tuijin.tasks")


@dataclass(frozen=True)
class TaskInfo:
    """How the tasks page names a task, and how often it may be tried (None: the setting)."""

    label_zh: str
    max_attempts: int | None = None


_TASK_INFO: dict[str, TaskInfo] = {}


def describe_task(task_path: str, *, label_zh: str, max_attempts: int | None = None) -> None:
    """Give a task its Chinese name on the tasks page and, optionally, its own attempt limit."""
    if max_attempts is not None and max_attempts < 1:
        raise ValueError(f"{task_path}: max_attempts must be at least 1")
    _TASK_INFO[task_path] = TaskInfo(label_zh=label_zh, max_attempts=max_attempts)


def task_info(task_path: str) -> TaskInfo:
    return _TASK_INFO.get(task_path) or TaskInfo(label_zh=task_path.rsplit(".", 1)[-1])


# ---------------------------------------------------------------------------------------------------
# Retry receivers. A receiver must never raise: the worker sends task_finished from its own error
# handler, so an exception here would stop the worker.


@receiver(task_enqueued, dispatch_uid="tuijin.core.tasks.note_enqueued")
def _note_enqueued(sender: Any, task_result: Any, **kwargs: Any) -> None:
    from . import task_services

    try:
        task_services.task_attempt_note_enqueued(task_result=task_result)
    except Exception:
        logger.exception("could not record the attempt of task %s", task_result.id)


@receiver(task_finished, dispatch_uid="tuijin.core.tasks.retry_failed")
def _retry_failed(sender: Any, task_result: Any, **kwargs: Any) -> None:
    if task_result.status != TaskResultStatus.FAILED:
        return
    from . import task_services

    try:
        task_services.task_failure_record(task_result=task_result)
    except Exception:
        logger.exception("could not schedule the retry of failed task %s", task_result.id)


# ---------------------------------------------------------------------------------------------------
# System tasks.


@task(takes_context=True)
def heartbeat(context: TaskContext) -> dict:
    """Record that a worker is alive; the tasks page turns red when the last one is old."""
    from . import task_services

    worker_ids = context.task_result.worker_ids
    worker_id = worker_ids[-1] if worker_ids else "unknown"
    task_services.worker_heartbeat_record(worker_id=worker_id, hostname=socket.gethostname(), pid=os.getpid())
    return {"worker_id": worker_id, "at": timezone.now().isoformat()}


@task()
def prune_task_results() -> dict:
    """Daily clean-up: successful results after TASK_KEEP_SUCCESSFUL_DAYS, failures after
    TASK_KEEP_FAILED_DAYS (90), and the bookkeeping rows that go with them."""
    from . import task_services

    return task_services.task_results_prune(now=timezone.now())


describe_task("tuijin.core.tasks.heartbeat", label_zh="工作进程心跳", max_attempts=1)
describe_task("tuijin.core.tasks.prune_task_results", label_zh="清理历史任务记录")
describe_task("tuijin.core.calendar_tasks.recompute_after_calendar_change", label_zh="工作日历变更后重算")

register_periodic(
    "heartbeat", "*/5 * * * *", "tuijin.core.tasks.heartbeat", label_zh="工作进程心跳（每 5 分钟）"
)
register_periodic(
    "prune_task_results",
    "30 3 * * *",
    "tuijin.core.tasks.prune_task_results",
    label_zh="清理历史任务记录（每天 03:30）",
)
