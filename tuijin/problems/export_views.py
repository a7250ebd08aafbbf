"""The problem ledger download (导出台账) from the problem list: the list's filters apply."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from tuijin.core.access import require

from . import export
from .selectors import problem_ledger_rows


@login_required
@require_GET
def ledger(request):
    require(request.user, "problems.view")
    today = timezone.localdate()
    filters = export.filters_from(request.GET, request.user)
    rows = problem_ledger_rows(request.user, today, **filters)
    place = request.user.jurisdiction.name if request.user.jurisdiction_id else ""
    title = export.TITLE.format(place=place)
    content = export.ledger_xlsx(rows, title=title, scope_text=export.describe(filters), exported_on=today)
    response = HttpResponse(content, content_type=export.XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{title}（{today:%Y-%m-%d}）.xlsx"
    )
    response["Cache-Control"] = "no-store"
    return response
