"""Rendering Word documents from templates (docxtpl) and the offices' own templates.

`render_document(key, jurisdiction, context)` uses the office's uploaded template for the key when the
jurisdiction (or its nearest ancestor) has one, else the default shipped with the code. An upload is
refused unless it is a .docx that renders with the document's sample context.

Templates come from offices, so they are untrusted: every render goes through Jinja's
`SandboxedEnvironment` (no access to Python internals), and an upload is refused (naming the tag) when a
tag uses a variable the document does not declare (its sample context's keys, plus `for` loop variables),
an attribute or key starting with "_", a function or method call, or a statement other than if/for.
"""

from __future__ import annotations

import html
import io
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

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


def _env() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=True)


def _render(source: bytes, context: dict[str, Any]) -> bytes:
    from docxtpl import DocxTemplate

    template = DocxTemplate(io.BytesIO(source))
    template.render(context, jinja_env=_env(), autoescape=True)
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


# --- what an uploaded template may contain -------------------------------------------------------

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_STATEMENTS = (nodes.For, nodes.If, nodes.Output)  # {% for %}, {% if %}/{% elif %}/{% else %}, {{ … }}
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")  # docxtpl renders these
_KEYWORDS = {
    "Assign": "set",
    "AssignBlock": "set",
    "Macro": "macro",
    "CallBlock": "call",
    "FilterBlock": "filter",
    "With": "with",
    "Import": "import",
    "FromImport": "import",
    "Include": "include",
    "Extends": "extends",
    "Block": "block",
    "ExprStmt": "do",
}
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


def _sources(data: bytes) -> list[str]:
    """Every text docxtpl hands to Jinja: the body, headers, footers, footnotes and core properties."""
    from docxtpl import DocxTemplate

    template = DocxTemplate(io.BytesIO(data))
    template.init_docx()
    sources = [template.patch_xml(template.get_xml())]
    for uri in (template.HEADER_URI, template.FOOTER_URI):
        for _rel, part in template.get_headers_footers(uri):
            sources.append(template.patch_xml(template.get_part_xml(part)))
    for part in template.docx.part.package.parts:
        if part.content_type == _FOOTNOTES:
            blob = part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob
            sources.append(template.patch_xml(blob))
    props = template.docx.core_properties
    sources += [getattr(props, name) or "" for name in _PROPERTIES]
    return sources


def _offences(tree: nodes.Template, allowed: set[str]) -> list[tuple[str, str]]:
    """(what to look for in the tag, why it is refused) for each forbidden construct."""
    found: list[tuple[str, str]] = []
    for stmt in tree.find_all(nodes.Stmt):
        if not isinstance(stmt, _STATEMENTS):
            word = _KEYWORDS.get(type(stmt).__name__, type(stmt).__name__.lower())
            found.append((word, f"只能使用 if 和 for 语句，不能使用 {word}"))
    loop_names = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for node in tree.find_all((nodes.Getattr, nodes.Const, nodes.Call, nodes.Name)):
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            found.append((node.attr, f"不能访问以下划线开头的属性“{node.attr}”"))
        elif isinstance(node, nodes.Const) and isinstance(node.value, str) and node.value.startswith("_"):
            found.append((node.value, f"不能使用以下划线开头的名称“{node.value}”"))
        elif isinstance(node, nodes.Call):
            found.append(("(", "不能调用函数或方法"))
        elif (
            isinstance(node, nodes.Name)
            and node.ctx == "load"
            and node.name not in allowed | loop_names | {"loop"}
        ):
            found.append((node.name, f"“{node.name}”不是本文书的字段"))
    # the most telling reason first: reaching for internals, then unknown names, then calls
    order = ("不能访问", "不能使用以", "只能使用", "“", "不能调用")
    return sorted(found, key=lambda item: next(i for i, p in enumerate(order) if item[1].startswith(p)))


def _tag_with(sources: list[str], needle: str) -> str:
    for source in sources:
        for raw in _TAG.findall(source):
            tag = html.unescape(re.sub(r"<[^>]+>", "", raw))
            if needle in tag:
                return tag if len(tag) <= 80 else tag[:77] + "…"
    return needle


def template_offence(data: bytes, allowed: set[str]) -> str:
    """Why the template's tags are not allowed, in Chinese, naming the tag; "" when they are."""
    env = _env()
    sources = _sources(data)
    for source in sources:
        offences = _offences(env.parse(source), allowed)
        if offences:
            needle, why = offences[0]
            fields = "、".join(sorted(allowed))
            return (
                f"模板标记“{_tag_with(sources, needle)}”不允许使用：{why}。"
                f"模板只能使用本文书的字段（{fields}）及 if/for 语句。"
            )
    return ""


def check_template(key: str, data: bytes) -> str:
    """Why an uploaded template is refused, in Chinese; "" when its tags are allowed and it renders with
    the sample context."""
    if len(data) > MAX_TEMPLATE_BYTES:
        return "模板文件不能超过 5 MB。"
    if not data.startswith(b"PK"):
        return "请上传 Word 2007 及以上格式（.docx）的模板文件。"
    sample = document(key).sample()
    try:
        if offence := template_offence(data, set(sample)):
            return offence
        _render(data, sample)
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
