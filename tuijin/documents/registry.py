"""The documents an office may restyle: a key, a Chinese label, the default .docx shipped with the code,
and a sample context the uploaded template must render with (so a broken upload is refused at once).

    register_document(DocumentSpec(key="slip_assign", label="问题交办单", default=path, sample=lambda: {...}))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DocumentSpec:
    key: str
    label: str
    default: Path
    sample: Callable[[], dict[str, Any]]
    fields: str = ""  # the tags a template may use, shown on the management page


_DOCUMENTS: dict[str, DocumentSpec] = {}


def register_document(spec: DocumentSpec) -> None:
    _DOCUMENTS[spec.key] = spec


def document(key: str) -> DocumentSpec:
    return _DOCUMENTS[key]


def documents() -> list[DocumentSpec]:
    return list(_DOCUMENTS.values())
