"""The floor of issue 3's list benchmark, served by the same gunicorn as the application.

"A view with no middleware and no login that renders the same 100 rows and columns through a plain Django
template loop with `{{ }}` lookups and the model's `get_FOO_display`": `/__floor__/` goes straight to
`floor_view` (model instances, `select_related`/`prefetch_related`, `bench/floor.html`); every other path
goes to Django's normal handler, middleware and all. bench/run.py starts gunicorn with
`bench.floor:application` so both are measured by the same server in the same run.

The rows are the ones the demo admin's `/projects/?per=100` shows: the first 100 projects of the admin's
jurisdiction subtree (`BENCH_FLOOR_USER`, default `admin`; looked up once per process) in the list's
default order, with this year's plan entries.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuijin.settings")

from django.core.handlers.wsgi import WSGIRequest  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

django_application = get_wsgi_application()  # sets Django up

from django.core import signals  # noqa: E402
from django.db.models import Prefetch  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import engines  # noqa: E402
from django.utils import timezone  # noqa: E402

from tuijin.org.models import User  # noqa: E402
from tuijin.projects.models import PlanEntry, Project  # noqa: E402

FLOOR_PATH = "/__floor__/"
ROWS = 100
TEMPLATE = engines["django"].from_string((Path(__file__).with_name("floor.html")).read_text(encoding="utf-8"))
_root: list[str] = []


def _subtree() -> str:
    if not _root:
        user = User.objects.select_related("jurisdiction").get(
            username=os.environ.get("BENCH_FLOOR_USER", "admin")
        )
        _root.append(user.jurisdiction.path)
    return _root[0]


def floor_view(request) -> HttpResponse:
    year = timezone.localdate().year
    entries = PlanEntry.objects.filter(plan__year=year, removed=False)
    projects = (
        Project.objects.filter(jurisdiction__path__startswith=_subtree())
        .select_related("lead_leader", "responsible_unit", "street")
        .prefetch_related("tags", Prefetch("plan_entries", queryset=entries, to_attr="year_entries"))
        .order_by("jurisdiction_id", "id")[:ROWS]
    )
    return HttpResponse(TEMPLATE.render({"projects": projects, "year": year}))


def application(environ, start_response):
    if environ.get("PATH_INFO") != FLOOR_PATH:
        return django_application(environ, start_response)
    # what Django's handler does around every request (database connections), but no middleware
    signals.request_started.send(sender=None, environ=environ)
    try:
        response = floor_view(WSGIRequest(environ))
    finally:
        signals.request_finished.send(sender=None)
    start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
    return [response.content]
