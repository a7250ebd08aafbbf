"""Rendering Word documents from templates (docxtpl) and the offices' own templates.

`render_document(key, jurisdiction, context)` uses the office's uploaded template for the key when the
jurisdiction (or its nearest ancestor) has one, else the default shipped with the code. An upload is
refused unless it is a .docx that renders with the document's sample context.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from tuijin.core.access import require
from tuijin.org.models import Jurisdiction

from .models import DocumentTemplate
from .registry import document

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


def template_for(key: str, jurisdiction: Jurisdiction) -> DocumentTemplate | None:
    """The office's own template in force: the jurisdiction's, else its nearest ancestor's."""
    codes = [c for c in jurisdiction.path.split("/") if c]
    found = list(
        DocumentTemplate.objects.filter(key=key, jurisdiction__code__in=codes).select_related("jurisdiction")
    )
    return max(found, key=lambda t: len(t.jurisdiction.path), default=None)


def _render(source: bytes, context: dict[str, Any]) -> bytes:
    from docxtpl import DocxTemplate

    template = DocxTemplate(io.BytesIO(source))
    template.render(context, autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def template_bytes(key: str, jurisdiction: Jurisdiction | None) -> bytes:
    own = template_for(key, jurisdiction) if jurisdiction is not None else None
    if own is not None:
        with own.file.open("rb") as handle:
            return handle.read()
    return document(key).default.read_bytes()


def render_document(key: str, jurisdiction: Jurisdiction | None, context: dict[str, Any]) -> bytes:
    return _render(template_bytes(key, jurisdiction), context)


def check_template(key: str, data: bytes) -> str:
    """Why an uploaded template is refused, in Chinese; "" when it renders with the sample context."""
    if len(data) > MAX_TEMPLATE_BYTES:
        return "模板文件不能超过 5 MB。"
    if not data.startswith(b"PK"):
        return "请上传 Word 2007 及以上格式（.docx）的模板文件。"
    try:
        _render(data, document(key).sample())
    except Exception as exc:  # docxtpl/jinja raise many kinds; any of them means the template is unusable
        return f"模板无法生成文书：{str(exc)[:120]}。请检查 {{{{ }}}} 标记是否完整。"
    return ""


@transaction.atomic
def template_upload(*, actor: Any, jurisdiction: Jurisdiction, key: str, upload: Any) -> DocumentTemplate:
    if actor is not None:
        require(actor, "documents.manage_templates", None)
        if not jurisdiction.path.startswith(actor.jurisdiction.path):
            require(actor, "documents.manage_templates", DocumentTemplate(jurisdiction=jurisdiction))
    document(key)  # KeyError for an unknown document is a programming error
    name = getattr(upload, "name", "") or f"{key}.docx"
    if not name.lower().endswith(".docx"):
        raise ValidationError({"file": "请上传 .docx 格式的 Word 模板。"})
    data = upload.read()
    if problem := check_template(key, data):
        raise ValidationError({"file": problem})
    template = DocumentTemplate.objects.select_for_update().filter(jurisdiction=jurisdiction, key=key).first()
    if template is None:
        template = DocumentTemplate(jurisdiction=jurisdiction, key=key)
    elif template.file:
        template.file.delete(save=False)
    template.uploaded_by = actor
    template.name = name[:120]
    template.file.save(f"{key}.docx", ContentFile(data), save=False)
    template.save()
    return template


@transaction.atomic
def template_revert(*, actor: Any, jurisdiction: Jurisdiction, key: str) -> bool:
    """Back to the default template; False when the jurisdiction had none of its own."""
    if actor is not None:
        require(actor, "documents.manage_templates", DocumentTemplate(jurisdiction=jurisdiction))
    template = DocumentTemplate.objects.filter(jurisdiction=jurisdiction, key=key).first()
    if template is None:
        return False
    if template.file:
        template.file.delete(save=False)
    template.delete()
    return True
