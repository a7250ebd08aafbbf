"""Export and import of exchange files (issue 6, DESIGN.md "Interfaces that must stay stable").

`exchange_export` writes a jurisdiction subtree as the current format version; `exchange_import` checks a
file whole (JSON syntax, format name, version, schema, every cross-reference, access) and then upserts it
in one transaction: any error and nothing is written. `actor=None` is the system (the `tuijin exchange`
command run by whoever runs the installation); web pages always pass the logged-in user.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from pydantic import BaseModel, ValidationError

from tuijin.core.access import AccessDenied, require, subtree_path
from tuijin.org.models import Jurisdiction

from . import organisation, permissions  # noqa: F401  (register the 1.0 section and the actions)
from .errors import ExchangeIssue, json_issue, shown, translate_validation_error
from .registry import (
    KIND_LABELS,
    Counts,
    ExportContext,
    ImportContext,
    ImportStopped,
    envelope_model,
    sections,
)
from .schema import exported_now
from .version import FORMAT_NAME, FORMAT_VERSION, parse_version, version_refusal, version_text


def exchange_export(*, actor: Any, jurisdiction: Jurisdiction) -> dict:
    """The subtree under `jurisdiction`, every registered section, as a JSON-ready dict."""
    if actor is not None:
        require(actor, "exchange.export", jurisdiction)
    ctx = ExportContext(actor=actor, root=jurisdiction)
    envelope = envelope_model().model_validate(
        {
            "format": FORMAT_NAME,
            "version": version_text(),
            "exported_at": exported_now(),
            "source_installation": settings.SITE_NAME,
            "root": jurisdiction.code,
            "sections": {s.name: s.exporter(ctx) for s in sections()},
        }
    )
    return envelope.model_dump(mode="json")


def exchange_dumps(data: dict) -> str:
    """The file text: UTF-8 JSON, Chinese left readable, two-space indent."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


@dataclass
class ImportReport:
    """What an import did (or, with errors, why it wrote nothing)."""

    dry_run: bool = False
    version: str = ""
    root: str = ""
    source: str = ""
    exported_at: datetime | None = None
    counts: dict[str, Counts] = field(default_factory=dict)
    errors: list[ExchangeIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if not self.ok:
            lines = [f"导入失败，未写入任何数据。共 {len(self.errors)} 处错误："]
            return "\n".join([*lines, *(f"  {issue}" for issue in self.errors)])
        head = "试导入通过（未写入任何数据）" if self.dry_run else "导入完成"
        lines = [f"{head}：格式 {self.version}，根辖区 {self.root}，来源 {self.source or '未注明'}"]
        for kind, c in self.counts.items():
            parts = [f"新增 {c.created}", f"更新 {c.updated}", f"未变 {c.unchanged}"]
            if c.removed:
                parts.append(f"移除 {c.removed}")
            lines.append(f"  {KIND_LABELS.get(kind, kind)}：{'，'.join(parts)}")
        return "\n".join(lines)


def exchange_import(*, actor: Any, data: dict | bytes | str, dry_run: bool = False) -> ImportReport:
    """Check the whole file, then upsert it in one transaction (all or nothing). Returns the report;
    raises AccessDenied when the actor may not import, or the file touches records outside their subtree."""
    if actor is not None:
        require(actor, "exchange.import")
    report = ImportReport(dry_run=dry_run)
    envelope, report.errors = parse_exchange(data)
    if envelope is None:
        return report
    version = parse_version(envelope.version) or FORMAT_VERSION
    report.version, report.root = envelope.version, envelope.root
    report.source, report.exported_at = envelope.source_installation, envelope.exported_at
    _require_root(actor, envelope.root)
    ctx = ImportContext(actor=actor, root=envelope.root, version=version, source=envelope.source_installation)
    _run_importers(ctx, envelope, dry_run=dry_run)
    if ctx.denied:
        raise AccessDenied(_denial(actor, ctx.denied), action="exchange.import")
    report.errors = ctx.errors
    report.counts = {} if ctx.errors else ctx.counts
    return report


def _run_importers(ctx: ImportContext, envelope: BaseModel, *, dry_run: bool) -> None:
    try:
        with transaction.atomic():
            # Imports into one subtree queue behind each other (PostgreSQL; SQLite writers queue anyway).
            Jurisdiction.objects.select_for_update().filter(code=ctx.root).first()
            for s in sections():
                payload = getattr(envelope.sections, s.name)  # type: ignore[attr-defined]
                if payload is None:
                    continue
                for kind in s.kinds:
                    ctx.counts.setdefault(kind, Counts())
                s.importer(ctx, payload)
            if dry_run:
                transaction.set_rollback(True)
    except ImportStopped:
        pass  # the checks reported errors or denials; the atomic block rolled back
    except IntegrityError as exc:
        ctx.error(
            (), f"保存时违反了数据库约束（可能有人正在同时修改这些记录），未写入任何数据，请重试。详情：{exc}"
        )


def _require_root(actor: Any, root_code: str) -> None:
    """An office admin imports only into their own subtree (a root that is new is checked by the
    section that creates it)."""
    if actor is None or (actor.is_superuser and actor.is_active):
        return
    root = Jurisdiction.objects.filter(code=root_code).first()
    mine = subtree_path(actor)
    if root is not None and (mine is None or not root.path.startswith(mine)):
        raise AccessDenied(_denial(actor, [f"{root.code}（{root.name}）"]), action="exchange.import")


def _denial(actor: Any, what: list[str]) -> str:
    own = getattr(actor, "jurisdiction", None)
    scope_text = f"您的管辖范围是{own.name}（{own.code}）及其下级" if own else "您的账号没有所属辖区"
    return f"导入文件涉及您管辖范围以外的记录：{'、'.join(what)}。{scope_text}，不能导入此文件。"


# ---------------------------------------------------------------------------------------------------
# Reading a file: JSON, then the header (format, version), then the schema.


def parse_exchange(data: dict | bytes | str) -> tuple[BaseModel | None, list[ExchangeIssue]]:
    """The validated envelope, or None and every issue found (each with its JSON path)."""
    raw, issues = _load_json(data)
    if issues:
        return None, issues
    issues = _check_header(raw)
    if issues:
        return None, issues
    try:
        return envelope_model().model_validate(raw), []
    except ValidationError as exc:
        return None, translate_validation_error(exc)


def _load_json(data: dict | bytes | str) -> tuple[Any, list[ExchangeIssue]]:
    if isinstance(data, dict):
        return data, []
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return None, [
                ExchangeIssue(
                    "", f"文件不是 UTF-8 编码（第 {exc.start + 1} 个字节无法解码），请以 UTF-8 保存后再导入"
                )
            ]
    try:
        return json.loads(data), []
    except json.JSONDecodeError as exc:
        return None, [json_issue(exc)]


def _check_header(raw: Any) -> list[ExchangeIssue]:
    """The format name and version come first: a file of another format or an unknown version is
    refused with one clear message rather than a page of schema errors."""
    if not isinstance(raw, dict):
        return [ExchangeIssue("", f"文件内容应为一个 JSON 对象（{{…}}），实际为 {shown(raw)}")]
    if raw.get("format") != FORMAT_NAME:
        found = shown(raw["format"]) if "format" in raw else "（缺少 format 字段）"
        return [
            ExchangeIssue(
                "format", f'文件格式应为 "{FORMAT_NAME}"，实际为 {found}：这不是推进平台的数据交换文件'
            )
        ]
    text = raw.get("version")
    version = parse_version(text) if isinstance(text, str) else None
    if version is None:
        found = shown(text) if "version" in raw else "（缺少 version 字段）"
        return [
            ExchangeIssue(
                "version", f'版本号应为“主版本.次版本”形式的字符串（如 "{version_text()}"），实际为 {found}'
            )
        ]
    refusal = version_refusal(version)
    if refusal:
        return [ExchangeIssue("version", refusal)]
    return _check_sections_allowed(raw.get("sections"), version)


def _check_sections_allowed(found: Any, version: tuple[int, int]) -> list[ExchangeIssue]:
    issues = []
    known = {s.name: s for s in sections()}
    for name in found if isinstance(found, dict) else ():
        s = known.get(name)
        if s is not None and s.since_minor > version[1] and found[name] is not None:  # null = absent
            issues.append(
                ExchangeIssue(
                    f"sections.{name}",
                    f"数据段 {name} 自格式 {version[0]}.{s.since_minor} 起才有，{version_text(version)} 版本的文件不应包含它",
                )
            )
    return issues
