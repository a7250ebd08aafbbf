"""Pages of the project list import (issue 3 part 6): upload → preview (column mapping, name mapping, every
row's errors) → confirm; and the blank template. Only office admins import (`projects.import`), into a
jurisdiction of their subtree. The uploaded file stays on the server between the steps (import_services)."""

from __future__ import annotations

import re
from contextlib import suppress
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tuijin.core.access import get_readable, require, scope
from tuijin.org.models import Jurisdiction, Person, Unit

from . import import_services as services
from . import rules
from .import_rows import ImportMapping, ImportPreview
from .sheet_columns import IMPORTED
from .sheet_template import template_xlsx

MAX_ERRORS_SHOWN = 500
ID = re.compile(r"[0-9]{1,10}")  # a record id as the selects send it (ASCII digits, within bigint)
LEAVE_BLANK = "none"
SOURCES = {
    "chosen": ("已选择", "bg-blue-lt"),
    "remembered": ("已记住", "bg-green-lt"),
    "auto": ("自动识别", "bg-green-lt"),
    "ignored": ("不导入", "bg-secondary-lt"),
    "unknown": ("未识别", "bg-yellow-lt"),
}


class _IdChoiceField(forms.ModelChoiceField):
    """A select of records: only an id as the select sends it (not "٣" read as 3, nor a 20-digit id)."""

    def to_python(self, value):
        if value not in self.empty_values and not ID.fullmatch(str(value)):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="项目清单表格（.xlsx）",
        error_messages={"required": "请选择要导入的 .xlsx 文件。", "empty": "上传的文件是空的。"},
    )
    jurisdiction = _IdChoiceField(
        label="导入到辖区",
        queryset=Jurisdiction.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "请选择您管辖范围内的辖区。", "required": "请选择辖区。"},
    )
    year = forms.IntegerField(
        label="年度计划年份",
        required=False,
        min_value=2000,
        max_value=2100,
        help_text="表格中的计划类型、年度计划投资列入该年度计划；不填时取表格标题中的年份，否则为今年。",
        error_messages={
            "invalid": "年份应为四位数字。",
            "min_value": "年份应在 2000～2100 之间。",
            "max_value": "年份应在 2000～2100 之间。",
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = scope(user, Jurisdiction.objects.all()).order_by("path")


def _upload_page(request, form, *, status: int = 200):
    return render(request, "projects/import.html", {"form": form}, status=status)


@login_required
def import_start(request):
    """The upload form; a readable upload goes on to its preview."""
    require(request.user, "projects.import")
    initial = {"jurisdiction": request.user.jurisdiction}
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method != "POST":
        return _upload_page(request, form)
    if form.is_valid():
        data = form.cleaned_data
        try:
            token = services.import_upload_save(
                user=request.user, jurisdiction=data["jurisdiction"], year=data["year"], file=data["file"]
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            return redirect("projects:import_preview", token=token)
    return _upload_page(request, form, status=400)


def _open(request, token: str):
    """The user's own upload and its jurisdiction (a token of someone else's is simply not found)."""
    upload = services.import_upload_open(user=request.user, token=token)
    jurisdiction = get_readable(request.user, Jurisdiction.objects.all(), pk=upload.jurisdiction_id)
    return upload, jurisdiction


def _preview(request, upload, jurisdiction) -> ImportPreview:
    return services.import_preview(
        user=request.user,
        jurisdiction=jurisdiction,
        file=upload.data,
        file_name=upload.file_name,
        year=upload.year,
    )


def _expired(request, exc: ValidationError):
    messages.error(request, " ".join(exc.messages))
    return redirect("projects:import")


@login_required
def import_preview(request, token: str):
    """GET: the preview. POST: the office's column and name choices, remembered, then the preview again."""
    require(request.user, "projects.import")
    try:
        upload, jurisdiction = _open(request, token)
    except ValidationError as exc:
        return _expired(request, exc)
    try:
        preview = _preview(request, upload, jurisdiction)
    except ValidationError as exc:  # not a project list at all: say why on the upload page
        services.import_upload_discard(user=request.user, token=token)
        return _expired(request, exc)
    if request.method == "POST":
        try:
            mapping = _posted_mapping(request.POST, preview)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return _preview_page(request, preview, token, status=400)
        services.import_mappings_save(user=request.user, jurisdiction=jurisdiction, mapping=mapping)
        messages.info(request, "已保存列对应和名称对应，以后导入同样表头和名称的表格时自动使用。")
        return redirect("projects:import_preview", token=token)
    return _preview_page(request, preview, token)


def _posted_mapping(post, preview: ImportPreview) -> ImportMapping:
    """Choices come by position in the re-read preview, so only the sheet's own headers and names can be
    mapped; values are checked again by the service. A value no select offers (a forged or mangled form:
    "²", a 20-digit id) is refused with a ValidationError rather than guessed at."""
    keys = {column.key for column in IMPORTED}
    columns = {}
    for index, choice in enumerate(preview.columns):
        value = post.get(f"col-{index}")
        if value is None:
            continue
        if value != "" and value not in keys:
            raise ValidationError(f"“{choice.header}”列的对应选择无效，请在下拉列表中重新选择。")
        columns[choice.header] = value
    units, people = {}, {}
    for index, name in enumerate(preview.names):
        value = post.get(f"name-{index}", "")
        if value == "":
            continue
        if value == LEAVE_BLANK:
            target = None
        elif ID.fullmatch(value):
            target = int(value)
        else:
            raise ValidationError(f"“{name.text}”的对应选择无效，请在下拉列表中重新选择。")
        (units if name.kind == "unit" else people)[name.text] = target
    return ImportMapping(columns=columns, units=units, people=people)


def _preview_page(request, preview: ImportPreview, token: str, *, status: int = 200):
    jurisdiction = preview.jurisdiction
    context = {
        "preview": preview,
        "token": token,
        "columns": [
            {
                "choice": c,
                "source": SOURCES[c.source][0],
                "css": SOURCES[c.source][1],
                "where": "、".join(c.where),
            }
            for c in preview.columns
        ],
        "column_options": [(c.key, c.header) for c in IMPORTED],
        "names": _name_rows(request.user, preview),
        "errors": preview.errors[:MAX_ERRORS_SHOWN],
        "error_count": len(preview.errors) + len(preview.column_errors),
        "more_errors": max(len(preview.errors) - MAX_ERRORS_SHOWN, 0),
        "notes": preview.notes[:MAX_ERRORS_SHOWN],
        "sample": [_sample_row(plan) for plan in preview.sample],
        "counts": {action: preview.count(action) for action in ("新增", "更新", "无变化", "有错误")},
        "leave_blank": LEAVE_BLANK,
        "jurisdiction": jurisdiction,
    }
    return render(request, "projects/import_preview.html", context, status=status)


def _name_rows(user, preview: ImportPreview) -> list[dict]:
    if not preview.names:
        return []
    related = services.related_filter(preview.jurisdiction)
    units = list(
        scope(user, Unit.objects.filter(related, is_active=True))
        .order_by("jurisdiction__path", "sort", "id")
        .values_list("pk", "name")
    )
    people = list(
        scope(user, Person.objects.filter(related, is_active=True))
        .order_by("-is_leader", "name")
        .values_list("pk", "name", "post")
    )
    person_options = [(pk, f"{name}（{post}）" if post else name) for pk, name, post in people]
    rows = []
    for index, name in enumerate(preview.names):
        shown = "、".join(str(r) for r in name.rows[:8]) + ("…" if len(name.rows) > 8 else "")
        rows.append(
            {
                "index": index,
                "name": name,
                "kind": "单位" if name.kind == "unit" else "人员",
                "where": f"{'、'.join(name.columns)}列，第 {shown} 行",
                "options": units if name.kind == "unit" else person_options,
            }
        )
    return rows


def _sample_row(plan) -> dict:
    f = plan.fields
    return {
        "row": plan.row,
        "sheet": plan.sheet,
        "name": f.get("name", ""),
        "category": rules.CATEGORIES.get(f.get("category") or "", ""),
        "stage": rules.STAGES.get(f.get("stage") or "", ""),
        "total": rules.format_money(f.get("total_investment")),
        "plan": rules.PLAN_TYPES.get(plan.plan[0], "") if plan.plan else "",
        "action": plan.action,
    }


@login_required
@require_POST
def import_confirm(request, token: str):
    """Import the uploaded sheet whole; with any error nothing lands and the preview shows why."""
    require(request.user, "projects.import")
    try:
        upload, jurisdiction = _open(request, token)
        result = services.import_apply(
            user=request.user,
            jurisdiction=jurisdiction,
            file=upload.data,
            file_name=upload.file_name,
            year=upload.year,
        )
    except services.ImportRefused as exc:
        return _preview_page(request, exc.preview, token, status=400)
    except ValidationError as exc:
        return _expired(request, exc)
    services.import_upload_discard(user=request.user, token=token)
    messages.success(request, result.message)
    return redirect(reverse("projects:list"))


@login_required
@require_POST
def import_discard(request, token: str):
    require(request.user, "projects.import")
    with suppress(ValidationError):  # a token already gone: nothing to discard
        services.import_upload_discard(user=request.user, token=token)
    messages.info(request, "已放弃这次导入，没有导入任何数据。")
    return redirect("projects:import")


@login_required
@require_GET
def import_template(request):
    """The blank template (anyone who reads the library may fill it in for the office)."""
    require(request.user, "projects.view")
    place = request.user.jurisdiction.name if request.user.jurisdiction else ""
    response = HttpResponse(
        template_xlsx(title=f"{place}重大重点项目实施计划清单"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = quote("项目清单导入模板.xlsx")
    response["Content-Disposition"] = (
        f"attachment; filename=\"project-template.xlsx\"; filename*=UTF-8''{name}"
    )
    return response
