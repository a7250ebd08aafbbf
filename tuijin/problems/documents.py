"""The four slips as Word documents: registered with `tuijin.documents` (keys slip_<kind>) so an office can
upload its own template, and filled with docxtpl."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from tuijin.documents.registry import DocumentSpec, document, register_document
from tuijin.documents.services import render_document

from . import rules
from .docx.build_template import path_of
from .models import Slip

FIELDS = (
    "{{ title }} {{ number }} {{ to_unit }} {{ project }} {{ subject }} {{ content }} {{ requirement }} "
    "{{ deadline }} {{ issued_unit }} {{ issued_by }} {{ issued_on }} {{ acknowledged_by }} "
    "{{ acknowledged_on }} {{ footer }}"
)


def _date(value) -> str:
    return f"{value:%Y年%m月%d日}" if value else ""


def slip_context(slip: Slip) -> dict[str, Any]:
    issued = timezone.localtime(slip.issued_at)
    acknowledged = timezone.localtime(slip.acknowledged_at) if slip.acknowledged_at else None
    return {
        "title": slip.title,
        "kind": slip.get_kind_display(),
        "number": slip.number_text,
        "to_unit": slip.to_unit.name,
        "project": slip.project.name if slip.project_id else "",
        "subject": slip.subject,
        "content": slip.content,
        "requirement": slip.requirement,
        "deadline": _date(slip.deadline) or "——",
        "issued_unit": slip.issued_unit.name if slip.issued_unit_id else "",
        "issued_by": str(slip.issued_by) if slip.issued_by_id else "",
        "issued_on": _date(issued.date()),
        "acknowledged_by": str(slip.acknowledged_by) if slip.acknowledged_by_id else "",
        "acknowledged_on": _date(acknowledged.date()) if acknowledged else "",
        "footer": "请受文单位收到后及时签收，按期办理并书面答复。",
    }


def _sample(kind: str):
    def sample() -> dict[str, Any]:
        return {
            "title": rules.SLIP_TITLES[kind],
            "kind": rules.SLIP_KINDS[kind],
            "number": rules.slip_number(2024, 1),
            "to_unit": "区住房和城乡建设局",
            "project": "示例项目",
            "subject": "示例问题",
            "content": "问题内容",
            "requirement": "办理要求",
            "deadline": "2024年06月30日",
            "issued_unit": "区重点公共建设项目管理中心",
            "issued_by": "张三",
            "issued_on": "2024年06月01日",
            "acknowledged_by": "",
            "acknowledged_on": "",
            "footer": "",
        }

    return sample


for _kind, _name in rules.SLIP_KINDS.items():
    register_document(
        DocumentSpec(
            key=f"slip_{_kind}",
            label=f"问题{_name}",
            default=path_of(_kind),
            sample=_sample(_kind),
            fields=FIELDS,
        )
    )


def slip_document_key(slip: Slip) -> str:
    return f"slip_{slip.kind}"


def slip_docx(slip: Slip) -> bytes:
    document(slip_document_key(slip))
    return render_document(slip_document_key(slip), slip.jurisdiction, slip_context(slip))


def slip_filename(slip: Slip) -> str:
    return f"{slip.get_kind_display()}〔{slip.year}〕第{slip.number}号.docx"
