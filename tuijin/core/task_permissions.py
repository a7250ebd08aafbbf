"""Scopes and actions of the tasks page (registered with tuijin.core.access).

Background tasks are installation-wide plumbing (recomputes, reminders, clean-up), not records of one
jurisdiction: office admins read them whole and may retry a given-up task; no other role sees them.
"""

from django_tasks_db.models import DBTaskResult

from tuijin.core.access import ScopeSpec, is_office_admin, register_action, register_scope
from tuijin.org.models import Role

from .models import ScheduledRun, TaskAttempt, WorkerHeartbeat

_ADMINS_ONLY = ScopeSpec(jurisdiction_field="", readers=frozenset({Role.OFFICE_ADMIN}), everyone_reads=True)

for _model in (DBTaskResult, TaskAttempt, ScheduledRun, WorkerHeartbeat):
    register_scope(_model, _ADMINS_ONLY)

register_action("core.view_tasks", "查看后台任务", is_office_admin)
register_action("core.retry_tasks", "重试后台任务", is_office_admin)
