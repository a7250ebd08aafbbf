"""Sections of the exchange format: each capability registers the records it carries.

`register_section(name, schema, exporter, importer, since_minor)`:
- `schema`: the pydantic model of the section's payload (fields added later need defaults);
- `exporter(ctx: ExportContext) -> schema instance`: reads the subtree through `ctx.readable` (the access
  scope);
- `importer(ctx: ImportContext, payload)`: checks everything first, reporting with `ctx.error(loc, msg)`
  and `ctx.deny(what)`, calls `ctx.stop_if_failed()`, and only then writes (upsert by natural keys,
  counting with `ctx.count(kind, outcome)`). The service runs all importers in one transaction and rolls
  everything back on any error, denial or dry run;
- `since_minor`: the MINOR version that added the section (raise `version.FORMAT_VERSION` with it).
Sections import in the order (since_minor, registration), so later sections can rely on earlier ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from pydantic import BaseModel, Field, create_model

from tuijin.core.access import scope, subtree_path

from .errors import ExchangeIssue, format_path
from .schema import EnvelopeHeader, ExchangeModel
from .version import FORMAT_VERSION, version_text


@dataclass(frozen=True)
class Section:
    name: str
    schema: type[BaseModel]
    exporter: Callable[[ExportContext], BaseModel]
    importer: Callable[[ImportContext, Any], None]
    since_minor: int
    label: str = ""
    kinds: tuple[str, ...] = ()


_SECTIONS: dict[str, Section] = {}
KIND_LABELS: dict[str, str] = {}


def register_section(
    name: str,
    schema: type[BaseModel],
    exporter: Callable[[ExportContext], BaseModel],
    importer: Callable[[ImportContext, Any], None],
    since_minor: int,
    *,
    label: str = "",
    kinds: dict[str, str] | None = None,
) -> None:
    """Add a section; `kinds` names (in Chinese) the record kinds its importer counts."""
    if since_minor > FORMAT_VERSION[1]:
        raise ImproperlyConfigured(
            f"Exchange section {name!r} says since 1.{since_minor} but FORMAT_VERSION is {version_text()}: "
            "raise FORMAT_VERSION and add a HISTORY line in tuijin/core/exchange/version.py"
        )
    _SECTIONS[name] = Section(name, schema, exporter, importer, since_minor, label, tuple(kinds or ()))
    KIND_LABELS.update(kinds or {})
    envelope_model.cache_clear()


def sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: s.since_minor)


def section(name: str) -> Section | None:
    return _SECTIONS.get(name)


@cache
def envelope_model() -> type[BaseModel]:
    """The whole file's model: the header plus one optional field per registered section."""
    fields: dict[str, Any] = {
        s.name: (s.schema | None, Field(default=None, description=s.label)) for s in sections()
    }
    sections_model = create_model("Sections", __base__=ExchangeModel, **fields)
    return create_model("Envelope", __base__=EnvelopeHeader, sections=(sections_model, ...))


# ---------------------------------------------------------------------------------------------------
# What exporters and importers are handed.


def _is_system(actor: Any) -> bool:
    """No actor (the CLI, run by whoever runs the installation) or an active superuser."""
    return actor is None or bool(getattr(actor, "is_superuser", False) and actor.is_active)


@dataclass
class ExportContext:
    actor: Any
    root: Any  # the root Jurisdiction

    def readable(self, queryset: QuerySet) -> QuerySet:
        """The access scope of the actor (everything for the CLI's system actor)."""
        return queryset if self.actor is None else scope(self.actor, queryset)


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0


@dataclass
class ImportContext:
    actor: Any  # None: the CLI as the system
    root: str
    version: tuple[int, int]
    source: str = ""
    errors: list[ExchangeIssue] = field(default_factory=list)
    denied: list[str] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=dict)

    @property
    def system(self) -> bool:
        return _is_system(self.actor)

    @property
    def reason(self) -> str:
        """The history change reason of every record this import writes."""
        return f"数据交换导入（来源：{self.source or '未注明'}，格式 {version_text(self.version)}）"

    def error(self, loc: tuple[str | int, ...], message: str) -> None:
        self.errors.append(ExchangeIssue(format_path(loc), message))

    def root_missing(self) -> None:
        """The error a section reports when the root jurisdiction is neither in the system nor in the file."""
        self.error(("root",), f"根辖区 {self.root} 在系统中不存在，文件中也没有建立它的 organisation 数据段")

    def deny(self, what: str) -> None:
        if what not in self.denied:
            self.denied.append(what)

    def may_write(self, path: str) -> bool:
        """Whether the actor may write records of the jurisdiction at `path` (their own subtree)."""
        if self.system:
            return True
        root = subtree_path(self.actor)
        return root is not None and path.startswith(root)

    def count(self, kind: str, outcome: str) -> None:
        counts = self.counts.setdefault(kind, Counts())
        setattr(counts, outcome, getattr(counts, outcome) + 1)

    def stop_if_failed(self) -> None:
        if self.errors or self.denied:
            raise ImportStopped


class ImportStopped(Exception):
    """Raised by an importer after its checks found errors or denials; the service rolls back."""
