"""The background task run after every committed calendar change (DESIGN.md "Working days": entering
the schedule recomputes what depended on it). Retries and the task page belong to tuijin.core.tasks."""

from __future__ import annotations

import logging
from datetime import date

from django_tasks import task

from .calendar_hooks import calendar_dependents
from .calendar_selectors import calendar_refresh

logger = logging.getLogger("tuijin.calendar")


class CalendarRecomputeError(RuntimeError):
    """Some dependents failed; the others ran. Raised so the task shows as failed and is retried."""


@task()
def recompute_after_calendar_change(date_from: str, date_to: str) -> dict:
    """Call every registered dependent with the changed range; return what each changed.

    The calendar cache of this process is refreshed first: the change was made by another process (a
    web worker) a moment ago, possibly within this worker's recheck interval.
    """
    start, end = date.fromisoformat(date_from), date.fromisoformat(date_to)
    calendar_refresh()
    outcome: dict = {"date_from": date_from, "date_to": date_to, "dependents": {}, "failed": []}
    for dependent in calendar_dependents():
        try:
            changed = int(dependent.callback(start, end))
        except Exception:
            logger.exception("calendar recompute %s failed for %s..%s", dependent.name, date_from, date_to)
            outcome["failed"].append(dependent.name)
            continue
        outcome["dependents"][dependent.name] = {"label": dependent.label_zh, "changed": changed}
    logger.info("calendar recompute %s..%s: %s", date_from, date_to, outcome)
    if outcome["failed"]:
        raise CalendarRecomputeError(
            "工作日历变更后重算失败：" + "、".join(outcome["failed"]) + f"（{date_from} 至 {date_to}）"
        )
    return outcome
