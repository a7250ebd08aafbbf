"""The full to-do page (/todo/) and the navigation badge's count (/todo/count/, loaded by htmx after
any page that did not gather the to-do list itself, so no page pays for it)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .todo import server_today, todo_count_for_request, todo_for


@login_required
def todo(request):
    today = server_today()
    groups = todo_for(request.user, today)
    request._todo_count = sum(g.count for g in groups)
    return render(request, "dashboard/todo.html", {"today": today, "groups": groups})


@login_required
@require_GET
def todo_count(request):
    """The badge: the sum of the sources' counts (one query per source)."""
    response = render(request, "dashboard/_todo_badge.html", {"todo_count": todo_count_for_request(request)})
    response["Cache-Control"] = "no-store"
    return response
