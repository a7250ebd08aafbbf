from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors
from .todo import todo_for


@login_required
def home(request):
    context = selectors.home_for(request.user)
    context["todo_groups"] = todo_for(request.user, context["today"])
    request._todo_count = sum(g.count for g in context["todo_groups"])  # the badge reuses the counts
    context["todo_total"] = request._todo_count
    return render(request, "dashboard/home.html", context)
