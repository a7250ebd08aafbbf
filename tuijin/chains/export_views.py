"""The approval clocks page (审批计时, KF19 四(一)) and the start-plan export (WH19 附件1 项目开工推进计划表)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_GET

from tuijin.core.access import require

from . import clock_selectors, export
from .clock_selectors import SORTS, ClockFilters
from .docx.form import BLANK_TITLE

FORMATS = {"docx": "Word", "xlsx": "Excel"}
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _link(base: str, params: dict[str, str]) -> str:
    return f"{base}?{urlencode(params)}" if params else base


def _sort_links(filters: ClockFilters, base: str) -> dict[str, dict]:
    links = {}
    for key in SORTS:
        descending, ascending = filters.sort == f"-{key}", filters.sort == key
        target = key if descending else f"-{key}"  # numbers first show the largest
        arrow = "ti-sort-descending" if descending else "ti-sort-ascending" if ascending else ""
        links[key] = {"url": _link(base, filters.params(sort=target, page=None)), "arrow": arrow}
    return links


@login_required
@require_GET
def clocks(request):
    """审批计时: every readable project whose clock started, used against the limit, units' shares."""
    require(request.user, "chains.view")
    filters = clock_selectors.parse_clock_filters(request.GET)
    page = clock_selectors.clocks_page(request.user, filters, today=timezone.localdate())
    base = reverse("chains:clocks")
    number = page.page.number
    return render(
        request,
        "chains/clocks.html",
        {
            "p": page,
            "filters": filters,
            "base": base,
            "sorts": _sort_links(filters, base),
            "states": clock_selectors.STATES,
            "previous": _link(base, filters.params(page=number - 1)) if page.page.has_previous() else "",
            "next": _link(base, filters.params(page=number + 1)) if page.page.has_next() else "",
            "first_number": page.page.start_index(),
        },
    )


def _export_page(request, units, streets, *, chosen="", fmt="xlsx", error="", status=200):
    return render(
        request,
        "chains/export.html",
        {
            "units": units,
            "streets": streets,
            "chosen": chosen,
            "fmt": fmt,
            "formats": FORMATS,
            "error": error,
            "blank_title": BLANK_TITLE,
        },
        status=status,
    )


@login_required
@require_GET
def export_plan(request):
    """导出开工推进计划表: pick a unit or a street and Word or Excel; the file downloads. Unit staff may
    export only their own unit's; a unit outside one's scope does not exist (404)."""
    require(request.user, "chains.export_plan")
    units, streets = export.export_targets(request.user)
    value, fmt = request.GET.get("target", ""), request.GET.get("format", "xlsx")
    if not value:
        return _export_page(request, units, streets)
    if fmt not in FORMATS:
        error = f"导出格式“{fmt}”无效：只能选择 Word（docx）或 Excel（xlsx）。"
        return _export_page(request, units, streets, chosen=value, error=error, status=400)
    target = export.resolve_target(units + streets, value)
    if target is None:
        error = "所选单位或街道不存在，或不在您可导出的范围内（责任单位只能导出本单位的计划表）。"
        return _export_page(request, units, streets, chosen=value, fmt=fmt, error=error, status=404)
    plan = export.start_plan(request.user, target, today=timezone.localdate())
    content = export.plan_docx(plan) if fmt == "docx" else export.plan_xlsx(plan)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=plan.filename(fmt)
    )
    response["Cache-Control"] = "no-store"
    return response
