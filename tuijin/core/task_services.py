"""Writes of the background-work part: attempts and retries, manual retry, scheduled fires, heartbeats and
the daily clean-up (DESIGN.md "Background work"; the retry rules are described in `tasks.py`).

A retry is a new task result with the same task and arguments. Its attempt number reaches the
`task_enqueued` receiver through a context variable set around the enqueue, which works for the database
backend (row created, then the signal) and for the immediate backend (the signal, then the run, whose
own failure is recorded before `enqueue` returns).
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .access import require, scope
from .models import ScheduledRun, TaskAttempt, WorkerHeartbeat
from .schedule import PeriodicJob
from .tasks import task_info

logger = logging.getLogger("tuijin.tasks")


@dataclass(frozen=True)
class _AttemptNote:
    """What the next enqueued result is: attempt `attempt` of the job whose first result is `root_id`
    (None: the new result starts its own job)."""

    root_id: str | None
    attempt: int
    max_attempts: int
    requested_by_id: int | None = None


_PENDING_ATTEMPT: ContextVar[_AttemptNote | None] = ContextVar("tuijin_pending_attempt", default=None)


def max_attempts_for(task_path: str) -> int:
    return task_info(task_path).max_attempts or max(1, int(getattr(settings, "TASK_MAX_ATTEMPTS", 3)))


def retry_delay(attempt: int) -> timedelta:
    """Back-off before attempt `attempt + 1`: TASK_RETRY_DELAY_SECONDS × attempt."""
    return timedelta(seconds=max(0, int(getattr(settings, "TASK_RETRY_DELAY_SECONDS", 60))) * attempt)


def _error_summary(traceback_text: str) -> str:
    lines = [line.strip() for line in traceback_text.strip().splitlines() if line.strip()]
    return lines[-1][:500] if lines else ""


def _enqueue_attempt(task: Any, args: list, kwargs: dict, *, note: _AttemptNote, run_after: datetime | None):
    if run_after is not None and task.get_backend().supports_defer:
        task = task.using(run_after=run_after)
    else:
        task = replace(task, run_after=None)
    token = _PENDING_ATTEMPT.set(note)
    try:
        return task.enqueue(*args, **kwargs)
    finally:
        _PENDING_ATTEMPT.reset(token)


def task_attempt_note_enqueued(*, task_result: Any) -> TaskAttempt | None:
    """Record the attempt number of a retry as it is enqueued (called by the task_enqueued receiver)."""
    note = _PENDING_ATTEMPT.get()
    if note is None:
        return None
    _PENDING_ATTEMPT.set(None)  # only the retry itself, not what it enqueues in turn
    result_id = str(task_result.id)
    return TaskAttempt.objects.create(
        result_id=result_id,
        root_id=note.root_id or result_id,
        attempt=note.attempt,
        max_attempts=note.max_attempts,
        task_path=task_result.task.module_path[:200],
        requested_by_id=note.requested_by_id,
    )


def _attempt_row_for(task_result: Any) -> TaskAttempt:
    result_id, task_path = str(task_result.id), task_result.task.module_path
    row = TaskAttempt.objects.select_for_update().filter(result_id=result_id).first()
    if row is None:  # a first attempt: nothing was recorded when it was enqueued
        row = TaskAttempt(result_id=result_id, root_id=result_id, max_attempts=max_attempts_for(task_path))
        row.task_path = task_path[:200]
    return row


def _schedule_retry(row: TaskAttempt, task_result: Any) -> None:
    retry_at = timezone.now() + retry_delay(row.attempt)
    note = _AttemptNote(root_id=row.root_id, attempt=row.attempt + 1, max_attempts=row.max_attempts)
    args, kwargs = task_result.args, task_result.kwargs
    retry = _enqueue_attempt(task_result.task, args, kwargs, note=note, run_after=retry_at)
    row.outcome = TaskAttempt.Outcome.RETRYING
    row.retry_result_id, row.retry_at = str(retry.id), retry_at
    logger.warning(
        "task %s failed (attempt %s/%s), retry %s", row.result_id, row.attempt, row.max_attempts, retry.id
    )


@transaction.atomic
def task_failure_record(*, task_result: Any) -> TaskAttempt:
    """A task raised: record the error and enqueue the next attempt after the back-off, or give up."""
    row = _attempt_row_for(task_result)
    if row.outcome:
        return row  # this failure was handled already
    if task_result.errors:
        row.error_class = task_result.errors[-1].exception_class_path[:200]
        row.error_summary = _error_summary(task_result.errors[-1].traceback)
    if row.attempt < row.max_attempts:
        _schedule_retry(row, task_result)
    else:
        row.outcome = TaskAttempt.Outcome.GIVEN_UP
        logger.error("task %s %s given up after %s attempts", row.task_path, row.result_id, row.attempt)
    row.save()
    return row


def _failed_result_for(actor: Any, result_id: str) -> DBTaskResult:
    try:
        db_result = scope(actor, DBTaskResult.objects.select_for_update()).filter(id=result_id).first()
    except ValidationError:
        db_result = None
    if db_result is None:
        raise ValidationError(f"找不到编号为 {result_id} 的任务记录，可能已被清理。")
    if db_result.status != TaskResultStatus.FAILED:
        status = db_result.get_status_display()
        raise ValidationError(f"只有失败的任务才能立即重试；该任务当前状态为“{status}”。")
    return db_result


def _given_up_row_for(db_result: DBTaskResult) -> TaskAttempt:
    result_id = str(db_result.id)
    row = TaskAttempt.objects.select_for_update().filter(result_id=result_id).first()
    if row is None:  # failed without a recorded attempt (e.g. its failure handler could not run)
        row = TaskAttempt(result_id=result_id, root_id=result_id, task_path=db_result.task_path[:200])
        row.error_class = db_result.exception_class_path[:200]
        row.error_summary = _error_summary(db_result.traceback)
        row.max_attempts = max_attempts_for(db_result.task_path)
    if row.outcome in (TaskAttempt.Outcome.RETRYING, TaskAttempt.Outcome.RETRIED_BY_HAND):
        label = row.get_outcome_display()
        raise ValidationError(f"该任务{label}（新任务 {row.retry_result_id}），无需再次重试。")
    return row


@transaction.atomic
def task_retry_now(*, actor: Any, result_id: str):
    """Enqueue a given-up task again now, with the same arguments and a fresh count of attempts."""
    require(actor, "core.retry_tasks")
    db_result = _failed_result_for(actor, result_id)
    row = _given_up_row_for(db_result)
    try:
        task = db_result.task
    except (ImportError, SuspiciousOperation) as exc:
        raise ValidationError(f"任务“{db_result.task_path}”的代码已不存在，无法重试。") from exc
    note = _AttemptNote(root_id=None, attempt=1, max_attempts=row.max_attempts, requested_by_id=actor.pk)
    args = db_result.args_kwargs
    retry = _enqueue_attempt(task, args.get("args", []), args.get("kwargs", {}), note=note, run_after=None)
    row.outcome, row.requested_by = TaskAttempt.Outcome.RETRIED_BY_HAND, actor
    row.retry_result_id, row.retry_at = str(retry.id), timezone.now()
    row.save()
    logger.info("task %s %s retried by hand by %s as %s", db_result.task_path, db_result.id, actor, retry.id)
    return retry


def periodic_enqueue(*, job: PeriodicJob, fire_time: datetime) -> ScheduledRun | None:
    """Enqueue the job's task for one fire time, once: None when that fire time was enqueued already."""
    task = import_string(job.task_path)
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(
                    job_name=job.name, fire_time=fire_time, task_path=job.task_path
                )
        except IntegrityError:
            return None
        result = task.enqueue()
        run.result_id = str(result.id)
        run.save(update_fields=["result_id"])
    return run


def worker_heartbeat_record(*, worker_id: str, hostname: str, pid: int) -> WorkerHeartbeat:
    beat, _ = WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id[:64],
        defaults={"hostname": hostname[:100], "pid": pid, "last_seen": timezone.now()},
    )
    return beat


@transaction.atomic
def task_results_prune(*, now: datetime) -> dict[str, int]:
    """Delete successful results after TASK_KEEP_SUCCESSFUL_DAYS (14) and failures after
    TASK_KEEP_FAILED_DAYS (90), with their attempts; keep each job's last fire and live heartbeats."""
    keep_ok = timedelta(days=int(getattr(settings, "TASK_KEEP_SUCCESSFUL_DAYS", 14)))
    keep_failed = timedelta(days=int(getattr(settings, "TASK_KEEP_FAILED_DAYS", 90)))
    done = DBTaskResult.objects.successful().filter(finished_at__lt=now - keep_ok).delete()[0]
    failed = DBTaskResult.objects.failed().filter(finished_at__lt=now - keep_failed).delete()[0]
    attempts = TaskAttempt.objects.filter(updated_at__lt=now - keep_failed).delete()[0]
    last_runs = [
        ScheduledRun.objects.filter(job_name=name).order_by("-fire_time").values_list("pk", flat=True).first()
        for name in ScheduledRun.objects.order_by().values_list("job_name", flat=True).distinct()
    ]
    runs = ScheduledRun.objects.filter(fire_time__lt=now - keep_failed).exclude(pk__in=last_runs).delete()[0]
    beats = WorkerHeartbeat.objects.filter(last_seen__lt=now - timedelta(days=30)).delete()[0]
    return {
        "successful": done,
        "failed": failed,
        "attempts": attempts,
        "scheduled_runs": runs,
        "heartbeats": beats,
    }
