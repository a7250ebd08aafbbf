"""The tasks page (office admins): recent results, periodic jobs, worker liveness, retry a given-up task."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import task_selectors, task_services
from .access import require


@login_required
def index(request):
    require(request.user, "core.view_tasks")
    status = request.GET.get("status", "")
    if status not in task_selectors.STATUS_DISPLAY:
        status = ""
    overview = task_selectors.tasks_overview(request.user, status=status)
    context = {
        "overview": overview,
        "status": status,
        "status_filters": task_selectors.STATUS_FILTERS,
        "limit": task_selectors.RESULT_LIMIT,
        "stale_minutes": int(task_selectors.HEARTBEAT_STALE_AFTER.total_seconds() // 60),
    }
    return render(request, "core/tasks/index.html", context)


@login_required
@require_POST
def retry_now(request, result_id):
    try:
        retry = task_services.task_retry_now(actor=request.user, result_id=str(result_id))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"任务已重新排队（新任务编号 {retry.id}）。")
    return redirect("tasks:index")
