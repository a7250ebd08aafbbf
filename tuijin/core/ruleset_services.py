"""Writes of the rule sets (issue 5; DESIGN.md "Published rules are data").

The TOML files in `tuijin/presets/` seed versioned rule sets; a jurisdiction picks one; editing makes a new
version and never changes an old one (results keep pointing at the version that produced them). Every
write validates everything first and raises `ValidationError` with the Chinese messages (a list naming
file, line and key path), so nothing is half-saved.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from tuijin.core.access import require
from tuijin.core.rules import ruleset_schema as schema
from tuijin.org.models import Jurisdiction
from tuijin.presets import preset_files

from .models import RuleSet, RuleSetVersion

NOTE_SEEDED = "预置文件导入"
NOTE_FILE_CHANGED = "预置文件更新"


@dataclass(frozen=True)
class ParsedRuleSet:
    """A valid rule-set file: its JSON-ready data and the fingerprint of its bytes."""

    path: Path
    slug: str
    text: str
    data: dict[str, Any]
    sha256: str

    @property
    def source_file(self) -> str:
        return f"presets/{self.path.name}"

    @property
    def name(self) -> str:
        return self.data["meta"]["name"]

    @property
    def document(self) -> str:
        meta = self.data["meta"]
        return "".join(filter(None, [meta["document_title"], _bracketed(meta.get("document_number"))]))[:200]


def _bracketed(text: str | None) -> str:
    return f"（{text}）" if text else ""


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ruleset_load_file(path: Path | str) -> ParsedRuleSet:
    """Read and validate one rule-set file. A syntax error names the line and column; a schema error the
    key path (and line); the file's name must match `[meta] slug`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError([f"{path.name}: 无法读取文件（{exc.strerror or exc}）"]) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError([f"{path.name}: 文件不是 UTF-8 编码（第 {exc.start + 1} 个字节起）"]) from exc
    parsed = schema.parse(text, file=path.name, expected_slug=path.stem)
    if parsed.problems:
        raise ValidationError(parsed.problems)
    assert parsed.data is not None
    return ParsedRuleSet(path, path.stem, text, parsed.data, hashlib.sha256(raw).hexdigest())


def ruleset_load_files(paths: list[Path]) -> list[ParsedRuleSet]:
    """Load every file; raise one ValidationError with the problems of all of them."""
    loaded, problems = [], []
    for path in paths:
        try:
            loaded.append(ruleset_load_file(path))
        except ValidationError as exc:
            problems += exc.messages
    if problems:
        raise ValidationError(problems)
    return loaded


@dataclass(frozen=True)
class SeedOutcome:
    slug: str
    number: int | None  # the version created, or None when the file had not changed
    note: str


@transaction.atomic
def ruleset_seed(*, actor=None, paths: list[Path] | None = None) -> list[SeedOutcome]:
    """Load the preset files into rule sets: a new rule set gets version 1; a file whose bytes differ from
    the latest version made from a file gets a new version ("预置文件更新"). Idempotent; all files are
    validated before anything is written, so one bad file leaves the database as it was."""
    if actor is not None:
        require(actor, "core.edit_ruleset")
    parsed = ruleset_load_files(list(paths) if paths is not None else preset_files())
    return [_seed_one(item, actor=actor) for item in parsed]


def _seed_one(item: ParsedRuleSet, *, actor) -> SeedOutcome:
    rule_set, created = RuleSet.objects.select_for_update().get_or_create(
        slug=item.slug, defaults={"name": item.name[:100], "source": item.document}
    )
    if not created and (rule_set.name, rule_set.source) != (item.name[:100], item.document):
        rule_set.name, rule_set.source = item.name[:100], item.document
        rule_set.save(update_fields=["name", "source"])
    last_from_file = rule_set.versions.exclude(source_file="").order_by("-number").first()
    if last_from_file is not None and last_from_file.sha256 == item.sha256:
        return SeedOutcome(item.slug, None, "未变化")
    note = NOTE_SEEDED if last_from_file is None else NOTE_FILE_CHANGED
    version = _version_create(
        rule_set=rule_set,
        data=item.data,
        source_file=item.source_file,
        sha256=item.sha256,
        note=note,
        actor=actor,
    )
    return SeedOutcome(item.slug, version.number, note)


def _version_create(*, rule_set: RuleSet, data: dict, source_file: str, sha256: str, note: str, actor):
    number = (rule_set.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    return RuleSetVersion.objects.create(
        rule_set=rule_set,
        number=number,
        data=data,
        source_file=source_file,
        sha256=sha256,
        note=note[:200],
        created_by=actor,
    )


def _check_new_version(*, rule_set: RuleSet, data: dict, note: str, file: str) -> list[str]:
    problems = [str(p) for p in schema.validate(data, file=file)]
    if not note.strip():
        problems.append("请填写修改说明（说明本次修改的内容和依据）。")
    if len(note.strip()) > 200:
        problems.append(f"修改说明最多 200 字，现为 {len(note.strip())} 字。")
    if not problems and data["meta"]["slug"] != rule_set.slug:
        problems.append(
            f'{file}: 键 meta.slug 应为 "{rule_set.slug}"（规则集标识不能修改），实际为 "{data["meta"]["slug"]}"'
        )
    current = rule_set.current
    if (
        not problems
        and current is not None
        and schema.canonical_json(current.data) == schema.canonical_json(data)
    ):
        problems.append(f"内容与当前版本 v{current.number} 相同，未创建新版本。")
    return problems


@transaction.atomic
def ruleset_new_version(
    *, actor, rule_set: RuleSet, data: dict, note: str, sha256: str = ""
) -> RuleSetVersion:
    """Make the next version of `rule_set` from `data` (validated; a note saying why is required)."""
    require(actor, "core.edit_ruleset", rule_set)
    rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    data = schema.to_json(data)
    problems = _check_new_version(rule_set=rule_set, data=data, note=note, file=f"{rule_set.slug}.toml")
    if problems:
        raise ValidationError(problems)
    fingerprint = sha256 or _sha256(schema.canonical_json(data))
    return _version_create(
        rule_set=rule_set, data=data, source_file="", sha256=fingerprint, note=note.strip(), actor=actor
    )


def ruleset_edit_from_toml(*, actor, rule_set: RuleSet, text: str, note: str) -> RuleSetVersion:
    """An admin's edited TOML text becomes the next version, after the same checks as a preset file."""
    require(actor, "core.edit_ruleset", rule_set)
    parsed = schema.parse(text, file=f"{rule_set.slug}.toml")
    problems = list(parsed.problems)
    if not note.strip():
        problems.append("请填写修改说明（说明本次修改的内容和依据）。")
    if problems:
        raise ValidationError(problems)
    assert parsed.data is not None
    return ruleset_new_version(
        actor=actor, rule_set=rule_set, data=parsed.data, note=note, sha256=_sha256(text)
    )


@transaction.atomic
def jurisdiction_pick_ruleset(*, actor, jurisdiction: Jurisdiction, rule_set: RuleSet | None) -> Jurisdiction:
    """The jurisdiction adopts `rule_set` (None: it follows its parent's choice again)."""
    require(actor, "core.pick_ruleset", jurisdiction)
    if rule_set is not None and not rule_set.versions.exists():
        raise ValidationError([f"规则集“{rule_set.name}”还没有任何版本，不能采用。"])
    jurisdiction.rule_set = rule_set
    jurisdiction._change_reason = f"采用规则集 {rule_set.slug}" if rule_set else "改为沿用上级规则集"
    jurisdiction._history_user = actor
    jurisdiction.save(update_fields=["rule_set"])
    return jurisdiction
