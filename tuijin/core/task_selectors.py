"""Reads of the tasks page: recent task results with their attempts, the periodic jobs, worker liveness.

Values are prepared here (labels, badges, attempt x/max) so the template does few operations per cell.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from .access import scope
from .models import ScheduledRun, TaskAttempt, WorkerHeartbeat
from .schedule import periodic_jobs
from .task_services import max_attempts_for
from .tasks import task_info

RESULT_LIMIT = 100
HEARTBEAT_STALE_AFTER = timedelta(minutes=15)

# status code -> (中文, badge class)
STATUS_DISPLAY = {
    "ready": ("排队中", "bg-blue-lt"),
    "running": ("执行中", "bg-azure-lt"),
    "successful": ("成功", "bg-green-lt"),
    "failed": ("失败", "bg-orange-lt"),
    "given_up": ("已放弃", "bg-red text-red-fg"),
}
STATUS_FILTERS = [(code, label) for code, (label, _) in STATUS_DISPLAY.items()]
_ENDED = (TaskAttempt.Outcome.GIVEN_UP, TaskAttempt.Outcome.RETRIED_BY_HAND)
_DB_STATUS = {
    "ready": TaskResultStatus.READY,
    "running": TaskResultStatus.RUNNING,
    "successful": TaskResultStatus.SUCCESSFUL,
    "failed": TaskResultStatus.FAILED,
}


@dataclass(frozen=True)
class TaskRow:
    id: str
    label: str
    task_path: str
    status: str
    status_label: str
    badge: str
    enqueued_at: datetime | None
    finished_at: datetime | None
    run_after: datetime | None
    attempt: int
    max_attempts: int
    next_retry_at: datetime | None
    error_class: str
    error_summary: str
    traceback: str
    arguments: str
    worker_id: str
    note: str
    retryable: bool


def _status_of(db_result: DBTaskResult, attempt: TaskAttempt | None) -> str:
    if db_result.status != TaskResultStatus.FAILED:
        return db_result.status.lower()
    if attempt is not None and attempt.outcome in _ENDED:
        return "given_up"
    return "failed"


def _note_of(attempt: TaskAttempt | None) -> str:
    if attempt is None or not attempt.outcome:
        return ""
    if attempt.outcome == TaskAttempt.Outcome.RETRIED_BY_HAND:
        who = str(attempt.requested_by) if attempt.requested_by else "管理员"
        return f"已由{who}手动重试"
    if attempt.outcome == TaskAttempt.Outcome.RETRYING:
        return "已安排重试"
    return f"已尝试 {attempt.attempt} 次，不再自动重试"


def _retryable(db_result: DBTaskResult, attempt: TaskAttempt | None) -> bool:
    """Failed, and no retry is on its way (see task_services.task_retry_now)."""
    failed = db_result.status == TaskResultStatus.FAILED
    return failed and (attempt is None or attempt.outcome == TaskAttempt.Outcome.GIVEN_UP)


def _arguments_text(args_kwargs: Any) -> str:
    args, kwargs = (args_kwargs or {}).get("args", []), (args_kwargs or {}).get("kwargs", {})
    if not args and not kwargs:
        return ""
    return json.dumps({"args": args, "kwargs": kwargs} if kwargs else args, ensure_ascii=False)[:300]


def _task_row(db_result: DBTaskResult, attempt: TaskAttempt | None) -> TaskRow:
    status = _status_of(db_result, attempt)
    status_label, badge = STATUS_DISPLAY[status]
    retrying = attempt is not None and attempt.outcome == TaskAttempt.Outcome.RETRYING
    return TaskRow(
        id=str(db_result.id),
        label=task_info(db_result.task_path).label_zh,
        task_path=db_result.task_path,
        status=status,
        status_label=status_label,
        badge=badge,
        enqueued_at=db_result.enqueued_at,
        finished_at=db_result.finished_at,
        run_after=None if db_result.run_after == get_date_max() else db_result.run_after,
        attempt=attempt.attempt if attempt else 1,
        max_attempts=attempt.max_attempts if attempt else max_attempts_for(db_result.task_path),
        next_retry_at=attempt.retry_at if retrying else None,
        error_class=db_result.exception_class_path,
        error_summary=attempt.error_summary if attempt and attempt.error_summary else "",
        traceback=db_result.traceback,
        arguments=_arguments_text(db_result.args_kwargs),
        worker_id=db_result.worker_ids[-1] if db_result.worker_ids else "",
        note=_note_of(attempt),
        retryable=_retryable(db_result, attempt),
    )


def _given_up_ids(user: Any, limit: int) -> list[uuid.UUID]:
    ended = scope(user, TaskAttempt.objects.filter(outcome__in=_ENDED))
    ids = ended.values_list("result_id", flat=True)[:limit]
    return [uuid.UUID(value) for value in ids if _is_uuid(value)]


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def task_rows_for(user: Any, *, status: str = "", limit: int = RESULT_LIMIT) -> list[TaskRow]:
    """The most recent task results (at most `limit`), newest first, optionally of one status
    ("failed" includes the given-up ones)."""
    qs = scope(user, DBTaskResult.objects.all())
    if status == "given_up":
        qs = qs.filter(status=TaskResultStatus.FAILED, id__in=_given_up_ids(user, limit))
    elif status in _DB_STATUS:
        qs = qs.filter(status=_DB_STATUS[status])
    results = list(qs.order_by("-enqueued_at")[:limit])
    attempts = {
        row.result_id: row
        for row in scope(user, TaskAttempt.objects.select_related("requested_by")).filter(
            result_id__in=[str(r.id) for r in results]
        )
    }
    return [_task_row(r, attempts.get(str(r.id))) for r in results]


def task_counts_for(user: Any) -> dict[str, int]:
    """How many results wait or run now (the queue's depth)."""
    counts = dict(
        scope(user, DBTaskResult.objects.all())
        .filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return {
        "ready": counts.get(TaskResultStatus.READY, 0),
        "running": counts.get(TaskResultStatus.RUNNING, 0),
    }


@dataclass(frozen=True)
class JobRow:
    name: str
    label: str
    cron: str
    task_path: str
    last_fire: datetime | None
    next_fire: datetime | None


def periodic_jobs_for(user: Any, *, now: datetime) -> list[JobRow]:
    """The registered periodic jobs with their last fire (from ScheduledRun) and next fire time."""
    last = dict(
        scope(user, ScheduledRun.objects.all())
        .order_by()
        .values_list("job_name")
        .annotate(last=Max("fire_time"))
    )
    return [
        JobRow(
            name=job.name,
            label=job.label_zh,
            cron=job.cron,
            task_path=job.task_path,
            last_fire=last.get(job.name),
            next_fire=job.next_fire_time(now),
        )
        for job in periodic_jobs()
    ]


@dataclass(frozen=True)
class Liveness:
    last_seen: datetime | None
    age_text: str
    worker_id: str
    hostname: str
    stale: bool
    live_workers: int


def age_text_zh(age: timedelta) -> str:
    """ "3 分钟前", in Chinese whatever the browser's language (the rest of the page is Chinese)."""
    minutes = int(age.total_seconds() // 60)
    if minutes < 1:
        return "不到 1 分钟前"
    if minutes < 60:
        return f"{minutes} 分钟前"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} 小时 {rest} 分钟前" if rest else f"{hours} 小时前"
    return f"{minutes // (24 * 60)} 天前"


def worker_liveness_for(user: Any, *, now: datetime) -> Liveness:
    """The last heartbeat of any worker; stale (red) when older than 15 minutes or missing."""
    beats = scope(user, WorkerHeartbeat.objects.all())
    latest = beats.order_by("-last_seen").first()
    if latest is None:
        return Liveness(last_seen=None, age_text="", worker_id="", hostname="", stale=True, live_workers=0)
    live = beats.filter(last_seen__gte=now - HEARTBEAT_STALE_AFTER).count()
    stale = latest.last_seen < now - HEARTBEAT_STALE_AFTER
    age = age_text_zh(now - latest.last_seen)
    return Liveness(latest.last_seen, age, latest.worker_id, latest.hostname, stale, live)


@dataclass(frozen=True)
class TasksOverview:
    rows: list[TaskRow]
    counts: dict[str, int]
    jobs: list[JobRow]
    liveness: Liveness
    now: datetime


def tasks_overview(user: Any, *, status: str = "", now: datetime | None = None) -> TasksOverview:
    now = now or timezone.now()
    return TasksOverview(
        rows=task_rows_for(user, status=status),
        counts=task_counts_for(user),
        jobs=periodic_jobs_for(user, now=now),
        liveness=worker_liveness_for(user, now=now),
        now=now,
    )
