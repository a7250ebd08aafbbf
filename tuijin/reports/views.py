"""Pages of reports: a unit's week / month (fill, save, submit, 代填), the head's approval, the office's
review, a report's history, photo upload and camera links. Thin: services write, selectors read."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tuijin.chains.models import ChainNode
from tuijin.core.access import can, get_for_action, get_readable, require, scope
from tuijin.org.models import Unit
from tuijin.projects.models import Project

from . import rules, selectors, services
from .models import CameraLink, Report, SitePhoto

PERIOD_PARAM = {"weekly": "week", "monthly": "month", "new_starts": "week"}
PAGE_NAMES = {"weekly": "reports:weekly", "monthly": "reports:monthly", "new_starts": "reports:new_starts"}


# The ledger (tuijin/reports/ledger.py) seals 周报 and 月报; 本周新开工 is deliberately not sealed: it only
# repeats facts the project library holds (the 开工 StageTransition) plus free text.
SEALED_KINDS = ("weekly", "monthly")
MISSING_FILE = "照片文件未随数据导入或已不存在，无法查看。"


def _today() -> date:
    return timezone.localdate()


def _period(request, kind: str) -> date:
    text = (
        request.POST.get("period") or request.GET.get(PERIOD_PARAM[kind]) or request.GET.get("period") or ""
    )
    return rules.parse_period(kind, text, today=_today())


def _seen(request) -> dict[int, int]:
    """The reports a review page showed, as posted: repeated `seen` = "<report id>:<events counter>"."""
    seen: dict[int, int] = {}
    for text in request.POST.getlist("seen"):
        pk, _, events = text.partition(":")
        if pk.isdigit() and events.isdigit():
            seen[int(pk)] = int(events)
    return seen


def _page_url(name: str, kind: str, start: date, unit: Unit | None = None, office: bool = False) -> str:
    url = f"{reverse(name)}?{PERIOD_PARAM[kind]}={rules.period_param(kind, start)}"
    if unit is not None and office:
        url += f"&unit={unit.pk}"
    return url


def _error_map(exc: ValidationError) -> tuple[dict[str, dict[str, list[str]]], list[str]]:
    """Service errors → {project id: {field: [messages]}} and the general ones."""
    by_row: dict[str, dict[str, list[str]]] = {}
    general: list[str] = []
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
    for key, messages_ in items:
        if key.startswith("p") and "." in key:
            pid, name = key[1:].split(".", 1)
            by_row.setdefault(pid, {}).setdefault(name, []).extend(messages_)
        else:
            general.extend(messages_)
    return by_row, general


def _rows_from_post(request, kind: str) -> dict[int, dict[str, Any]]:
    fields = rules.fields_of(kind)
    head = request.POST.get("unit_head_name", "")
    rows: dict[int, dict[str, Any]] = {}
    for text in request.POST.getlist("pid"):
        if not text.isdigit():
            continue
        pid = int(text)
        row = {}
        for name in fields:
            key = f"p{pid}-{name}"
            if key in request.POST:
                row[name] = request.POST[key]
        row["unit_head_name"] = head
        rows[pid] = row
    return rows


@login_required
def weekly(request):
    return _fill_page(request, "weekly")


@login_required
def monthly(request):
    return _fill_page(request, "monthly")


@login_required
def new_starts(request):
    """本周新开工项目情况 (WH19 三(二)四): the same page machinery as the weekly report."""
    return _fill_page(request, "new_starts")


def _fill_page(request, kind: str) -> HttpResponse:
    require(request.user, "reports.view")
    user = request.user
    office = can(user, "reports.proxy")
    units = list(selectors.reporting_units(user, kind=kind, start=_period(request, kind))) if office else []
    unit: Unit | None = None
    unit_text = request.POST.get("unit") or request.GET.get("unit") or ""
    if office:
        unit = next((u for u in units if str(u.pk) == unit_text), None)
    elif user.unit_id is not None:
        unit = user.unit
    start = _period(request, kind)
    name = PAGE_NAMES[kind]
    today = _today()
    errors_by_row: dict[str, dict[str, list[str]]] = {}
    general: list[str] = []
    posted: dict[int, dict[str, Any]] = {}
    status = 200
    if request.method == "POST":
        if unit is None:
            require(user, "reports.fill")
            unit_obj = Unit.objects.filter(pk=unit_text).first() if unit_text.isdigit() else None
            # a forged unit: refused (403, logged) by the service's access check
            unit = unit_obj or user.unit
        if unit is None:
            raise Http404("单位不存在")
        op = request.POST.get("op", "save")
        call = {
            "save": services.report_save_draft,
            "submit": services.report_submit,
            "proxy": services.report_proxy_fill,
        }.get(op)
        if call is None:
            raise Http404("未知操作")
        posted = _rows_from_post(request, kind)
        try:
            outcome = call(
                user=user,
                unit=unit,
                kind=kind,
                period_start=start,
                rows=posted,
                token=request.POST.get("token") or None,
            )
        except ValidationError as exc:
            errors_by_row, general = _error_map(exc)
            status = 400
        else:
            messages.success(request, outcome.message)
            return redirect(_page_url(name, kind, start, unit, office))
    rows = []
    due_on = None
    if unit is not None:
        due_on = services.period_due(unit, kind, start)
        copy = request.GET.get("copy") == "1"
        for row in selectors.unit_period_rows(unit, kind, start, copy_previous=copy, proxy=office):
            pid = row.project.pk
            content = dict(row.content)
            if pid in posted:
                content.update(posted[pid])
            rows.append(
                {
                    "row": row,
                    "content": content,
                    "errors": errors_by_row.get(str(pid), {}),
                    "status_label": rules.STATUS_SHORT[row.status],
                    "facts": row.facts,
                }
            )
    fields = rules.fields_of(kind)
    labels = rules.labels_of(kind)
    # the cards with errors, for the alert at the top of a long page (each links to its card)
    error_rows = [
        {
            "pid": r["row"].project.pk,
            "name": r["row"].project.name,
            "count": sum(len(m) for m in r["errors"].values()),
        }
        for r in rows
        if r["errors"]
    ]
    head_name = request.POST.get("unit_head_name") or next(
        (r["content"].get("unit_head_name") for r in rows if r["content"].get("unit_head_name")), ""
    )
    future = rules.check_period(kind, start, today=today)
    context = {
        "kind": kind,
        "kind_label": rules.KINDS[kind],
        "unit": unit,
        "units": units,
        "office": office,
        "start": start,
        "label": rules.period_label(kind, start),
        "param": PERIOD_PARAM[kind],
        "value": rules.period_param(kind, start),
        "prev": rules.period_param(kind, rules.previous_period(kind, start)),
        "next": rules.period_param(kind, rules.next_period(kind, start)),
        "has_next": rules.next_period(kind, start) <= rules.period_start(kind, today),
        "choices": rules.period_choices(kind, start, today),
        "due_on": due_on,
        "rows": rows,
        "error_rows": error_rows,
        "text_fields": [
            (f, labels[f])
            for f in fields
            if f
            not in (
                "responsible_person",
                "unit_head_name",
                "investment_completed",
                "not_started_reason",
                *rules.DATE_FIELDS,
                *rules.BOOL_FIELDS,
            )
        ],
        "labels": labels,
        "editable_count": sum(1 for r in rows if r["row"].editable),
        "head_name": head_name,
        "general_errors": general,
        "future": future,
        "token": services.new_token(),
        "can_fill": unit is not None and (office or can(user, "reports.fill", unit)),
        "url_name": name,
    }
    return render(request, "reports/fill.html", context, status=status)


# ---------------------------------------------------------------------------------------------------
# The unit head's approval


@login_required
def approvals(request, kind: str = "weekly"):
    if kind not in rules.KINDS:
        raise Http404("报告类别无效")
    require(request.user, "reports.approve")
    unit = request.user.unit
    pending = selectors.head_pending(request.user)
    if "period" in request.GET or request.method == "POST":
        start = _period(request, kind)
    else:
        start = next(
            (p["period_start"] for p in pending if p["kind"] == kind), rules.period_start(kind, _today())
        )
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        op = request.POST.get("op")
        try:
            if op == "approve":
                outcome = services.report_approve(
                    user=request.user,
                    unit=unit,
                    kind=kind,
                    period_start=start,
                    token=request.POST.get("token") or None,
                    seen=_seen(request),  # only the rows the head saw, unchanged since
                )
            elif op == "return":
                report = get_for_action(
                    request.user, Report.objects.all(), "reports.approve", pk=request.POST.get("report") or 0
                )
                outcome = services.report_return(
                    user=request.user,
                    report=report,
                    reason=request.POST.get("reason", ""),
                    token=request.POST.get("token") or None,
                )
            else:
                raise Http404("未知操作")
        except ValidationError as exc:
            errors = exc.messages
            status = 400
        else:
            messages.success(request, outcome.message)
            return redirect(f"{reverse('reports:approvals', args=[kind])}?period={start.isoformat()}")
    rows = selectors.review_rows(request.user, unit, kind, start)
    context = {
        "kind": kind,
        "kind_label": rules.KINDS[kind],
        "unit": unit,
        "start": start,
        "label": rules.period_label(kind, start),
        "pending": pending,
        "rows": rows,
        "submitted": [r for r in rows if r.status == "submitted"],
        "errors": errors,
        "token": services.new_token(),
        "fields": _display_fields(kind),
    }
    return render(request, "reports/approvals.html", context, status=status)


def _display_fields(kind: str) -> list[tuple[str, str]]:
    labels = rules.labels_of(kind)
    return [(f, labels[f]) for f in rules.fields_of(kind) if f != "unit_head_name"]


# ---------------------------------------------------------------------------------------------------
# The office's review


@login_required
def review(request, kind: str):
    if kind not in rules.KINDS:
        raise Http404("报告类别无效")
    require(request.user, "reports.review")
    today = _today()
    start = _period(request, kind)
    unit = Unit(jurisdiction_id=request.user.jurisdiction_id)
    due_on = services.period_due(unit, kind, start)
    seal_errors: list[str] = []
    sealable = kind in SEALED_KINDS
    if request.method == "POST" and request.POST.get("op") == "seal" and sealable:
        from .ledger import reports_seal_period

        try:
            seal = reports_seal_period(
                user=request.user,
                jurisdiction=request.user.jurisdiction,
                kind=kind,
                period_start=start,
                today=today,
                reason=request.POST.get("reason", ""),
            )
        except ValidationError as exc:
            seal_errors = exc.messages
        else:
            messages.success(
                request,
                f"已封存{rules.period_label(kind, start)}的{rules.KINDS[kind]}（第 {seal.sequence} 次，{seal.record_count} 条）。",
            )
            return redirect(f"{reverse('reports:review', args=[kind])}?period={start.isoformat()}")
    rows = selectors.period_overview(request.user, kind, start, today=today, due_on=due_on)
    totals = {
        key: sum(r[key] for r in rows)
        for key in (
            "total",
            "submitted",
            "approved",
            "returned",
            "accepted",
            "proxy",
            "late",
            "missing",
            "pending",
            "draft",
        )
    }
    context = {
        "kind": kind,
        "kind_label": rules.KINDS[kind],
        "start": start,
        "label": rules.period_label(kind, start),
        "value": rules.period_param(kind, start),
        "prev": rules.period_param(kind, rules.previous_period(kind, start)),
        "next": rules.period_param(kind, rules.next_period(kind, start)),
        "has_next": rules.next_period(kind, start) <= rules.period_start(kind, today),
        "choices": rules.period_choices(kind, start, today),
        "due_on": due_on,
        "rows": rows,
        "totals": totals,
        "past_due": today > due_on,
        "pending": selectors.office_pending(request.user),
        "seal": _last_seal(request.user, kind, start) if sealable else None,
        "sealable": sealable,
        "seal_errors": seal_errors,
    }
    return render(request, "reports/review.html", context, status=400 if seal_errors else 200)


def _last_seal(user: Any, kind: str, start: date) -> Any:
    try:
        from tuijin.core.models import Seal

        from .ledger import period_key
    except ImportError:
        return None
    return (
        Seal.objects.filter(
            kind=f"{kind}_report", jurisdiction_id=user.jurisdiction_id, period_key=period_key(kind, start)
        )
        .order_by("-sequence")
        .first()
    )


@login_required
def review_unit(request, kind: str, unit_id: int):
    if kind not in rules.KINDS:
        raise Http404("报告类别无效")
    require(request.user, "reports.review")
    unit = get_readable(request.user, Unit.objects.all(), pk=unit_id)
    start = _period(request, kind)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        op = request.POST.get("op")
        token = request.POST.get("token") or None
        try:
            if op == "accept":
                report = get_for_action(
                    request.user,
                    Report.objects.filter(unit=unit),
                    "reports.review",
                    pk=request.POST.get("report") or 0,
                )
                seen = _seen(request)
                outcome = services.report_accept(
                    user=request.user, reports=[report], token=token, seen=seen if seen else None
                )
            elif op == "accept_all":
                # the period's approved reports now must be exactly those the page showed, unchanged
                ready = Report.objects.filter(unit=unit, kind=kind, period_start=start, status="approved")
                seen = _seen(request)
                outcome = services.report_accept(
                    user=request.user,
                    reports=[*ready, *Report.objects.filter(unit=unit, pk__in=seen)],
                    token=token,
                    seen=seen,
                )
            elif op == "return":
                report = get_for_action(
                    request.user,
                    Report.objects.filter(unit=unit),
                    "reports.review",
                    pk=request.POST.get("report") or 0,
                )
                outcome = services.report_return(
                    user=request.user, report=report, reason=request.POST.get("reason", ""), token=token
                )
            else:
                raise Http404("未知操作")
        except ValidationError as exc:
            errors = exc.messages
            status = 400
        else:
            messages.success(request, outcome.message)
            return redirect(
                f"{reverse('reports:review_unit', args=[kind, unit.pk])}?period={start.isoformat()}"
            )
    rows = selectors.review_rows(request.user, unit, kind, start)
    context = {
        "kind": kind,
        "kind_label": rules.KINDS[kind],
        "unit": unit,
        "start": start,
        "label": rules.period_label(kind, start),
        "rows": rows,
        "approved": [r for r in rows if r.status == "approved"],
        "errors": errors,
        "token": services.new_token(),
        "fields": _display_fields(kind),
        "fill_url": _page_url(PAGE_NAMES[kind], kind, start, unit, True),
        "back": f"{reverse('reports:review', args=[kind])}?period={start.isoformat()}",
    }
    return render(request, "reports/review_unit.html", context, status=status)


# ---------------------------------------------------------------------------------------------------
# A report's history


@login_required
def detail(request, pk: int):
    require(request.user, "reports.view")
    report = get_readable(
        request.user,
        Report.objects.select_related(
            "project", "unit", "submitted_by", "approved_by", "reviewed_by", "proxy_by"
        ),
        pk=pk,
    )
    context = {
        "report": report,
        "label": rules.period_label(report.kind, report.period_start),
        "history": selectors.report_history(report),
        "labels": rules.labels_of(report.kind),
        "fields": rules.fields_of(report.kind),
        "current": _current_content(report),
        "photos": scope(request.user, SitePhoto.objects.filter(report=report)),
        "can_upload": can(request.user, "reports.upload_photo", report.project),
        "today": _today(),
    }
    return render(request, "reports/detail.html", context)


def _current_content(report: Report) -> list[tuple[str, str, str]]:
    """(field, label, shown value) of the report's current content, for the history page's top card."""
    labels = rules.labels_of(report.kind)
    out = []
    for name in rules.fields_of(report.kind):
        value = getattr(report, name)
        if name == "investment_completed":
            text = f"{value} 万元" if value is not None else ""
        elif name == "ceremony_held":
            text = {True: "已举行", False: "未举行"}.get(value, "")
        elif isinstance(value, date):
            text = value.isoformat()
        else:
            text = value or ""
        out.append((name, labels[name], text))
    return out


# ---------------------------------------------------------------------------------------------------
# Photos and cameras


@login_required
def photo(request, pk: int):
    require(request.user, "reports.view")
    item = get_readable(request.user, SitePhoto.objects.all(), pk=pk)  # 404 outside one's scope
    field = item.thumbnail if request.GET.get("thumb") == "1" and item.thumbnail else item.file
    if not field:  # imported records (exchange) carry the metadata only, not the image
        return render(request, "404.html", {"detail": MISSING_FILE}, status=404)
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        return render(request, "404.html", {"detail": MISSING_FILE}, status=404)
    content_type = "image/jpeg" if field is item.thumbnail else item.content_type
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def photo_upload(request, project_id: int):
    project = get_for_action(request.user, Project.objects.all(), "reports.upload_photo", pk=project_id)
    report = None
    node = None
    if request.POST.get("report"):
        report = Report.objects.filter(pk=request.POST["report"], project=project).first()
    if request.POST.get("node"):
        node = ChainNode.objects.filter(pk=request.POST["node"], project=project).first()
    try:
        taken_on = date.fromisoformat(request.POST.get("taken_on", ""))
    except ValueError:
        taken_on = None
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):  # "//evil.example/" starts with "/" too
        back = reverse("projects:detail", args=[project.pk])
    files = request.FILES.getlist("file")
    if not files:
        messages.error(request, "请选择要上传的照片。")
        return redirect(back)
    done, refused = 0, []
    for upload in files:
        try:
            services.photo_upload(
                user=request.user,
                project=project,
                file=upload,
                taken_on=taken_on,
                caption=request.POST.get("caption", ""),
                report=report,
                node=node,
            )
            done += 1
        except ValidationError as exc:
            refused.extend(exc.messages)
    if done:
        messages.success(request, f"已上传 {done} 张现场照片。")
    for message in refused:
        messages.error(request, message)
    response = redirect(back)
    if refused and not done:
        response.status_code = 303
    return response


@login_required
@require_POST
def camera_add(request, project_id: int):
    project = get_for_action(request.user, Project.objects.all(), "reports.manage_cameras", pk=project_id)
    try:
        services.camera_add(
            user=request.user,
            project=project,
            name=request.POST.get("name", ""),
            url=request.POST.get("url", ""),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "已添加现场监控链接。")
    return redirect(reverse("projects:detail", args=[project.pk]) + "#project-reports")


@login_required
@require_POST
def camera_delete(request, pk: int):
    camera = get_for_action(
        request.user, CameraLink.objects.select_related("project"), "reports.manage_cameras", pk=pk
    )
    services.camera_delete(user=request.user, camera=camera)
    messages.success(request, f"已删除现场监控“{camera.name}”。")
    return redirect(reverse("projects:detail", args=[camera.project_id]) + "#project-reports")
