"""The weekly-table export page (导出周报一览表, WH19 附件2): pick the whole jurisdiction or a unit, a week,
Word or Excel, and whether only accepted reports are listed; the file downloads."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from tuijin.core.access import can, require

from . import export, rules
from .docx.form import BLANK_TITLE, HEADERS

FORMATS = {"docx": "Word", "xlsx": "Excel"}
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _accepted_only(request) -> bool:
    """“仅已通过”: on by default for the project office (it publishes the table), off for the others; the
    form sends `accepted=1` / `accepted=0`."""
    value = request.GET.get("accepted")
    if value in ("0", "1"):
        return value == "1"
    return can(request.user, "reports.review")


@login_required
@require_GET
def weekly_export(request):
    require(request.user, "reports.view")
    today = timezone.localdate()
    targets = export.export_targets(request.user)
    week_text = request.GET.get("week", "")
    week = rules.parse_period("weekly", week_text, today=today)
    value, fmt = request.GET.get("target", ""), request.GET.get("format", "")
    accepted_only = _accepted_only(request)
    error, status = "", 200
    if value or fmt:
        target = export.resolve_target(targets, value)
        if fmt not in FORMATS:
            error, status = f"导出格式“{fmt}”无效：只能选择 Word（docx）或 Excel（xlsx）。", 400
        elif target is None:
            error = "所选单位不存在，或不在您可导出的范围内（责任单位只能导出本单位的一览表）。"
            status = 404
        elif rules.check_period("weekly", week, today=today):
            error, status = rules.check_period("weekly", week, today=today), 400
        else:
            table = export.weekly_table(request.user, target, week, accepted_only=accepted_only, today=today)
            content = export.table_docx(table) if fmt == "docx" else export.table_xlsx(table)
            response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
            response["Content-Disposition"] = content_disposition_header(
                as_attachment=True, filename=table.filename(fmt)
            )
            response["Cache-Control"] = "no-store"
            return response
    context = {
        "targets": targets,
        "chosen": value or (targets[0].value if targets else ""),
        "fmt": fmt if fmt in FORMATS else "docx",
        "formats": FORMATS,
        "week": rules.period_param("weekly", week),
        "week_label": rules.period_label("weekly", week),
        "week_choices": rules.period_choices("weekly", week, today),
        "accepted_only": accepted_only,
        "error": error,
        "blank_title": BLANK_TITLE,
        "headers": HEADERS,
    }
    return render(request, "reports/export.html", context, status=status)
