"""The project list (项目库) page, its saved filters and its `.xlsx` export (issue 3 parts 5 and 6)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from tuijin.core.access import can, require

from . import export, list_selectors, list_services
from .list_selectors import SORTS, ListQuery

RESULTS_ID = "project-results"


def _url(name: str, fallback: str) -> str:
    """A page another part of the library provides, by name once it exists (the path until then)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def _sort_links(query: ListQuery, base: str) -> dict[str, dict]:
    """Per sortable column: the link that sorts by it (again: the other way) and the current arrow."""
    links = {}
    for key in SORTS:
        ascending, descending = query.sort == key, query.sort == f"-{key}"
        target = f"-{key}" if ascending else key
        arrow = "ti-sort-ascending" if ascending else "ti-sort-descending" if descending else ""
        links[key] = {"url": f"{base}?{query.urlencode(sort=target)}", "arrow": arrow}
    return links


def _pages(page, query: ListQuery, base: str) -> dict:
    def link(number):
        return f"{base}?{query.urlencode(page=number)}"

    return {
        "previous": link(page.previous_page_number()) if page.has_previous() else "",
        "next": link(page.next_page_number()) if page.has_next() else "",
        "first": link(1) if page.number > 2 else "",
        "last": link(page.paginator.num_pages) if page.number < page.paginator.num_pages - 1 else "",
    }


def _results_context(request, query: ListQuery, result, base: str) -> dict:
    """What the results card needs (the whole page and the htmx swap alike): links prepared here."""
    encoded = query.urlencode()
    number = result.page.number
    here = query.urlencode(page=number if number > 1 else None)
    export_url = reverse("projects:export")
    return {
        "query": query,
        "result": result,
        "rows": result.rows,
        "base": base,
        "self_url": f"{base}?{here}" if here else base,
        "encoded": encoded,
        "sorts": _sort_links(query, base),
        "pages": _pages(result.page, query, base),
        "sizes": [
            {"per": n, "url": f"{base}?{query.urlencode(per=n)}", "active": n == query.per}
            for n in list_selectors.PAGE_SIZES
        ],
        "can_export": can(request.user, "projects.export"),
        "export_url": f"{export_url}?{encoded}" if encoded else export_url,
        "saved": list_selectors.saved_filters_for(request.user),
        "results_id": RESULTS_ID,
    }


def _page_context(request, query: ListQuery, base: str) -> dict:
    """The rest of the whole page: the filter form's choices and the buttons the user may use."""
    more = (query.tag, query.unit, query.leader, query.street, query.min_investment, query.max_investment)
    return {
        "options": list_selectors.filter_options(request.user, query),
        "more_open": any(value is not None for value in more),
        "can_create": can(request.user, "projects.create"),
        "can_import": can(request.user, "projects.import"),
        "create_url": _url("projects:create", f"{base}new/"),
        "import_url": _url("projects:import", f"{base}import/"),
    }


@login_required
@require_GET
def project_list(request):
    """项目库: filters in the query string (a URL can be shared); htmx swaps only the results card."""
    require(request.user, "projects.view")
    query = list_selectors.parse_list_query(request.GET, today=timezone.localdate())
    base = reverse("projects:list")
    result = list_selectors.list_page(request.user, query, detail_base=base)
    context = _results_context(request, query, result, base)
    if request.htmx and request.htmx.target == RESULTS_ID:
        response = render(request, "projects/_list_swap.html", context)
        response["HX-Push-Url"] = context["self_url"]  # the canonical URL, without empty parameters
    else:
        response = render(request, "projects/list.html", {**context, **_page_context(request, query, base)})
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _back(request) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) and target.startswith("/"):
        return target
    return reverse("projects:list")


@login_required
@require_POST
def saved_filter_save(request):
    require(request.user, "projects.view")
    name, query = request.POST.get("name", ""), request.POST.get("query", "")
    try:
        saved = list_services.saved_filter_save(user=request.user, name=name, query=query)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_back(request))
    messages.success(request, f"已保存常用筛选“{saved.name}”。")
    return redirect(f"{reverse('projects:list')}?{saved.query}" if saved.query else "projects:list")


@login_required
@require_POST
def saved_filter_delete(request, pk: int):
    require(request.user, "projects.view")
    saved = list_selectors.saved_filter_by_id(pk)
    if saved is None:
        raise Http404("常用筛选不存在")
    list_services.saved_filter_delete(user=request.user, saved_filter=saved)
    messages.success(request, f"已删除常用筛选“{saved.name}”。")
    return redirect(_back(request))


@login_required
@require_GET
def project_export(request):
    """The whole filtered list (not one page) as `.xlsx`, in the columns the import reads back."""
    require(request.user, "projects.export")
    query = list_selectors.parse_list_query(request.GET, today=timezone.localdate())
    workbook = export.export_workbook(request.user, query)
    response = HttpResponse(
        workbook.content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=workbook.filename
    )
    response["Cache-Control"] = "no-store"
    return response
