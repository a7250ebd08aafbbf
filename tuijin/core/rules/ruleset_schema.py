"""The schema of a rule-set file (规则集文件) and everything done to its data without a database.

DESIGN.md "Published rules are data": one TOML file per jurisdiction's published rules seeds a versioned
rule set. This module reads such a file (tomllib), checks it against a small declarative schema and says
in Chinese what is wrong, naming the file, the line where it can tell, and the key path
(`wuhan-2019.toml: [cadences.weekly] 缺少必填项 "chair"（主持/牵头）（第 12 行）`). It also writes data back
as TOML, describes it for the pages (Chinese labels, sources beside numbers) and diffs two versions.

The schema is a registry: each section (`[meta]`, `[cadences]` …) is a `Table` registered by name with
`register_section`. Later capabilities register their own sections (`[lights]`, `[scoring]` …) from their
own `rules` module; a section nobody registered is an error, so a typo never passes silently.

Standard library only: import-linter forbids Django here.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

# ---------------------------------------------------------------------------------------------------
# Problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rule-set file. `message` already names the key path; `line` is where the
    file says it, when it can be found (1-based)."""

    message: str
    path: str = ""
    file: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = f"（第 {self.line} 行）" if self.line else ""
        prefix = f"{self.file}: " if self.file else ""
        return f"{prefix}{self.message}{where}"


# ---------------------------------------------------------------------------------------------------
# The declarative schema

KINDS = {
    "str": "文字",
    "int": "整数",
    "number": "数字",
    "bool": "true 或 false",
    "date": "日期（如 2019-03-11）",
    "strs": '文字数组（如 ["甲", "乙"]）',
    "ints": "整数数组（如 [1, 11, 21]）",
    "table": "表",
    "tables": "表数组",
}


@dataclass(frozen=True)
class Key:
    """One key of a table: its Chinese label, kind and limits.

    kind: one of KINDS. choices: allowed values (for "str"/"strs"/"int") mapped to their Chinese label.
    lo/hi: inclusive bounds for numbers. names: display names of integer values (weekday 5 → 周五).
    table: the spec of a "table" or of each item of "tables". min_items: for arrays.
    """

    label: str
    kind: str = "str"
    required: bool = False
    choices: Mapping[Any, str] | None = None
    lo: float | None = None
    hi: float | None = None
    names: Mapping[int, str] | None = None
    table: Table | None = None
    min_items: int = 0
    pattern: str | None = None
    help: str = ""


CheckFn = Callable[[dict, dict], list[tuple[str, str]]]


@dataclass(frozen=True)
class Table:
    """A TOML table. `keys` are its fixed keys, in display order. With `entries`, every other key is a
    named sub-table of that spec (`[cadences.weekly_coordination]`), shown in `entries_order` order.
    `check(table, whole_data)` returns (relative key path, message) for rules across keys."""

    label: str
    keys: Mapping[str, Key] = field(default_factory=dict)
    entries: Table | None = None
    entries_label: str = ""
    entries_order: Callable[[str, dict], Any] | None = None
    check: CheckFn | None = None
    help: str = ""


@dataclass(frozen=True)
class Section:
    name: str
    spec: Table
    required: bool


_SECTIONS: dict[str, Section] = {}


def register_section(name: str, spec: Table, *, required: bool = False) -> None:
    """Declare a top-level section (`[name]`). Later capabilities call this from their rules module;
    re-registering a name replaces it (module reloads in tests)."""
    _SECTIONS[name] = Section(name=name, spec=spec, required=required)


def sections() -> dict[str, Section]:
    return dict(_SECTIONS)


# ---------------------------------------------------------------------------------------------------
# Validation


def _shown(value: Any) -> str:
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, dict):
        return "表"
    return json.dumps(value, ensure_ascii=False, default=str)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_date(value: Any) -> bool:
    if isinstance(value, datetime):
        return False
    if isinstance(value, date):
        return True
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return True
    return False


def _expectation(key: Key) -> str:
    if key.choices is not None and key.kind in ("str", "int"):
        options = "、".join(f"{_shown(v)}（{label}）" for v, label in key.choices.items())
        return f"以下之一：{options}"
    if key.kind in ("int", "number") and key.lo is not None and key.hi is not None:
        return f" {_num(key.lo)}–{_num(key.hi)} 的{KINDS[key.kind]}"
    if key.kind in ("int", "number") and key.lo is not None:
        return f"不小于 {_num(key.lo)} 的{KINDS[key.kind]}"
    return KINDS[key.kind]


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _scalar_ok(key: Key, value: Any, kind: str) -> bool:
    if kind == "str":
        ok = isinstance(value, str) and value.strip() != ""
        ok = ok and (key.pattern is None or re.fullmatch(key.pattern, value) is not None)
    elif kind == "int":
        ok = _is_int(value)
    elif kind == "number":
        ok = _is_int(value) or isinstance(value, float)
    elif kind == "bool":
        ok = isinstance(value, bool)
    elif kind == "date":
        ok = _is_date(value)
    else:  # pragma: no cover - schema error
        raise ValueError(kind)
    if ok and key.choices is not None:
        ok = value in key.choices
    if ok and kind in ("int", "number"):
        ok = (key.lo is None or value >= key.lo) and (key.hi is None or value <= key.hi)
    return ok


def _check_key(path: str, key: Key, value: Any, data: dict) -> list[Problem]:
    if key.kind in ("strs", "ints"):
        return _check_array(path, key, value)
    if key.kind == "table":
        if not isinstance(value, dict):
            return [Problem(f"键 {path}（{key.label}）应为表（[{path}]），实际为 {_shown(value)}", path)]
        assert key.table is not None
        return _check_table(path, key.table, value, data)
    if key.kind == "tables":
        return _check_tables(path, key, value, data)
    if not _scalar_ok(key, value, key.kind):
        return [Problem(f"键 {path}（{key.label}）应为{_expectation(key)}，实际为 {_shown(value)}", path)]
    return []


def _check_array(path: str, key: Key, value: Any) -> list[Problem]:
    item_kind = "str" if key.kind == "strs" else "int"
    if not isinstance(value, list):
        return [Problem(f"键 {path}（{key.label}）应为{KINDS[key.kind]}，实际为 {_shown(value)}", path)]
    if len(value) < key.min_items:
        return [Problem(f"键 {path}（{key.label}）至少应有 {key.min_items} 项", path)]
    problems = []
    for number, item in enumerate(value, start=1):
        if not _scalar_ok(key, item, item_kind):
            expected = _expectation(Key(key.label, item_kind, choices=key.choices, lo=key.lo, hi=key.hi))
            problems.append(
                Problem(f"键 {path} 第 {number} 项（{key.label}）应为{expected}，实际为 {_shown(item)}", path)
            )
    return problems


def _check_tables(path: str, key: Key, value: Any, data: dict) -> list[Problem]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return [
            Problem(
                f"键 {path}（{key.label}）应为表数组（每项写成 [[{path}]]），实际为 {_shown(value)}", path
            )
        ]
    if len(value) < key.min_items:
        return [
            Problem(f"[[{path}]]（{key.label}）至少应有 {key.min_items} 项，实际为 {len(value)} 项", path)
        ]
    assert key.table is not None
    problems = []
    for number, item in enumerate(value, start=1):
        problems += _check_table(f"{path}[{number}]", key.table, item, data)
    return problems


def _check_table(path: str, spec: Table, value: dict, data: dict) -> list[Problem]:
    problems: list[Problem] = []
    for name, key in spec.keys.items():
        if name in value:
            problems += _check_key(f"{path}.{name}", key, value[name], data)
        elif key.required:
            problems.append(Problem(f'[{path}] 缺少必填项 "{name}"（{key.label}）', f"{path}.{name}"))
    for name, item in value.items():
        if name in spec.keys:
            continue
        if spec.entries is not None and isinstance(item, dict):
            problems += _check_table(f"{path}.{name}", spec.entries, item, data)
        else:
            problems.append(_unknown_key(path, spec, name))
    if spec.check is not None and not problems:
        for relative, message in spec.check(value, data):
            where = f"{path}.{relative}" if relative else path
            problems.append(Problem(f"键 {where} {message}", where))
    return problems


def _unknown_key(path: str, spec: Table, name: str) -> Problem:
    allowed = "、".join(spec.keys) or "无"
    hint = f"；{spec.entries_label}应写成表 [{path}.{name}]" if spec.entries is not None else ""
    return Problem(f'[{path}] 有未知的键 "{name}"；可用的键：{allowed}{hint}', f"{path}.{name}")


def validate(data: Mapping[str, Any], *, file: str = "") -> list[Problem]:
    """Every problem in `data` (a parsed rule-set file, or a stored version's data), in file order."""
    problems: list[Problem] = []
    for name, section in _SECTIONS.items():
        if name not in data:
            if section.required:
                problems.append(Problem(f"缺少必填的节 [{name}]（{section.spec.label}）", name))
            continue
        value = data[name]
        if not isinstance(value, dict):
            problems.append(Problem(f"[{name}]（{section.spec.label}）应为表，实际为 {_shown(value)}", name))
            continue
        problems += _check_table(name, section.spec, value, dict(data))
    for name in data:
        if name not in _SECTIONS:
            known = "、".join(_SECTIONS)
            problems.append(Problem(f"有未知的节 [{name}]；已登记的节：{known}", name))
    return [Problem(p.message, p.path, file, p.line) for p in problems]


# ---------------------------------------------------------------------------------------------------
# Parsing text, with Chinese syntax errors and line numbers for schema problems

_TOML_ERRORS = [
    ("Cannot declare", "同一个表被声明了两次"),
    ("Cannot mutate immutable namespace", "不能再修改已用内联表 {…} 定义的键"),
    ("Cannot overwrite a value", "同一个键被重复赋值"),
    ("Cannot redefine namespace", "不能重新定义已存在的表"),
    ("Duplicate inline table key", "内联表中有重复的键"),
    ("Expected '=' after a key", '键名后应为 "="（文字值须用英文双引号括起来）'),
    ("Expected ']' at the end of a table declaration", '表头缺少右方括号 "]"'),
    ("Expected ']]'", '表数组头缺少 "]]"'),
    ("Expected newline or end of document", "一行只能写一个键值对（值后面有多余内容；日期应为 YYYY-MM-DD）"),
    ("Invalid date or datetime", "日期无效，应为 YYYY-MM-DD"),
    ("Invalid initial character for a key part", "键名含有不允许的字符（中文键名须加引号）"),
    ("Invalid statement", "无法识别的语句（键名须为英文字母、数字、下划线或连字符）"),
    ("Invalid value", "值无效：文字须用英文双引号括起来，数字和 true/false 不加引号"),
    ("Unclosed array", '数组缺少右方括号 "]"'),
    ("Unclosed inline table", '内联表缺少右花括号 "}"'),
    ("Unterminated string", "字符串缺少结束的引号"),
    ("Illegal character", "字符串中含有不允许的控制字符"),
    ("Found invalid character", "含有无效字符"),
    ("Unescaped '\\'", "反斜杠须写成 \\\\"),
    ("Invalid hex value", "\\u 转义中的十六进制数无效"),
    ("Escaped character", "转义字符无效"),
]


def toml_error_message(exc: tomllib.TOMLDecodeError, *, file: str) -> str:
    """A TOML syntax error in Chinese, naming the file, line and column (`a.toml: 第 3 行第 5 列：…`)."""
    text = str(exc)
    match = re.search(r"\(at line (\d+), column (\d+)\)$", text)
    if match:
        where = f"第 {match.group(1)} 行第 {match.group(2)} 列"
    elif text.endswith("(at end of document)"):
        where = "文件末尾"
    else:
        where = "位置未知"
    reason = next((zh for en, zh in _TOML_ERRORS if text.startswith(en)), "语法错误")
    return f"{file}: {where}：TOML 语法错误：{reason}（原文：{text}）"


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEYLINE = re.compile(r"^\s*([A-Za-z0-9_.\-\"' ]+?)\s*=")


def _normal_key(raw: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in raw.split("."))


def key_lines(text: str) -> dict[str, int]:
    """Best-effort map of key paths (`cadences.weekly.chair`, `escalation.levels[2].name`) to the line
    that defines them, so schema problems can say where they are. Array items are counted from 1."""
    lines: dict[str, int] = {}
    counts: dict[str, int] = {}
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            name = _normal_key(header.group(2))
            if header.group(1) == "[[":
                counts[name] = counts.get(name, 0) + 1
                name = f"{name}[{counts[name]}]"
            current = name
            lines.setdefault(current, number)
            continue
        keyline = _KEYLINE.match(line)
        if keyline and not line.lstrip().startswith("#"):
            key = _normal_key(keyline.group(1))
            lines.setdefault(f"{current}.{key}" if current else key, number)
    return lines


def _line_for(path: str, lines: Mapping[str, int]) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


@dataclass(frozen=True)
class Parsed:
    """The outcome of reading a file: its JSON-ready data, or the problems (formatted strings)."""

    data: dict | None
    problems: list[str]


def parse(text: str, *, file: str, expected_slug: str | None = None) -> Parsed:
    """Parse and validate a rule-set text. `expected_slug` (the file's stem) must match `[meta] slug`."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Parsed(None, [toml_error_message(exc, file=file)])
    problems = validate(raw, file=file)
    slug = raw.get("meta", {}).get("slug") if isinstance(raw.get("meta"), dict) else None
    if expected_slug is not None and isinstance(slug, str) and slug != expected_slug:
        problems.append(
            Problem(
                f'键 meta.slug 应与文件名一致，为 "{expected_slug}"，实际为 {_shown(slug)}', "meta.slug", file
            )
        )
    if problems:
        lines = key_lines(text)
        return Parsed(
            None, [str(Problem(p.message, p.path, file, _line_for(p.path, lines))) for p in problems]
        )
    return Parsed(to_json(raw), [])


def to_json(value: Any) -> Any:
    """The data as stored in a JSON field: dates become ISO strings, nothing else changes."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    return value


def canonical_json(data: Any) -> str:
    """One text per content (sorted keys), for fingerprints and equality."""
    return json.dumps(to_json(data), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# ---------------------------------------------------------------------------------------------------
# Writing TOML back (for the edit page and for versions made from pasted text)

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(name: str) -> str:
    return name if _BARE_KEY.match(name) else json.dumps(name, ensure_ascii=False)


def _toml_value(value: Any, key: Key | None) -> str:
    if key is not None and key.kind == "date" and isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v, None) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v, None)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    return json.dumps(str(value), ensure_ascii=False)


def _is_subtable(value: Any) -> bool:
    return isinstance(value, dict) or (isinstance(value, list) and bool(value) and isinstance(value[0], dict))


def _ordered_keys(value: dict, spec: Table | None) -> list[str]:
    fixed = [k for k in (spec.keys if spec else {}) if k in value]
    rest = [k for k in value if k not in fixed]
    if spec is not None and spec.entries_order is not None:
        rest.sort(key=lambda k: (spec.entries_order(k, value[k]) if isinstance(value[k], dict) else (), k))
    return fixed + rest


def _dump_table(out: list[str], path: str, value: dict, spec: Table | None, *, array: bool = False) -> None:
    out.append("")
    comment = value.get("name") if isinstance(value.get("name"), str) else (spec.label if spec else "")
    if comment:
        out.append(f"# {comment}")
    out.append(f"[[{path}]]" if array else f"[{path}]")
    keys = _ordered_keys(value, spec)
    fixed = spec.keys if spec is not None else {}
    for name in keys:
        if not _is_subtable(value[name]):
            out.append(f"{_toml_key(name)} = {_toml_value(value[name], fixed.get(name))}")
    for name in keys:
        item = value[name]
        if not _is_subtable(item):
            continue
        key = fixed.get(name)
        sub = key.table if key is not None else (spec.entries if spec is not None else None)
        child = f"{path}.{_toml_key(name)}"
        if isinstance(item, dict):
            _dump_table(out, child, item, sub)
        else:
            for element in item:
                _dump_table(out, child, element, sub, array=True)


def dump(data: Mapping[str, Any]) -> str:
    """The data as TOML text, sections in registry order, keys in schema order, each table headed by
    its Chinese label as a comment. `parse(dump(d))` gives `d` back."""
    out: list[str] = ["# 规则集文件：格式见 docs/rulesets.md"]
    names = [n for n in _SECTIONS if n in data] + [n for n in data if n not in _SECTIONS]
    for name in names:
        section = _SECTIONS.get(name)
        _dump_table(out, _toml_key(name), data[name], section.spec if section else None)
    return "\n".join(out).strip() + "\n"


# ---------------------------------------------------------------------------------------------------
# Describing data for people: labels, displayed values, sources, diffs

NOTE_KEYS = ("source", "basis", "reading")


def spec_at(path: str) -> Key | Table | None:
    """The schema node at a key path (`reporting.weekly.due_weekday`, `escalation.levels[2].name`)."""
    parts = [p for p in re.split(r"\.|\[\d+\]", path) if p]
    if not parts or parts[0] not in _SECTIONS:
        return None
    node: Key | Table | None = _SECTIONS[parts[0]].spec
    for part in parts[1:]:
        table = node.table if isinstance(node, Key) else node
        if table is None:
            return None
        if part in table.keys:
            node = table.keys[part]
        elif table.entries is not None:
            node = table.entries
        else:
            return None
    return node


def label_for(path: str) -> str:
    """ "调度机制 › weekly_coordination › 主持/牵头" for `cadences.weekly_coordination.chair`."""
    parts = path.split(".")
    labels = []
    for number in range(1, len(parts) + 1):
        node = spec_at(".".join(parts[:number]))
        index = re.search(r"\[(\d+)\]$", parts[number - 1])
        if isinstance(node, Key) and index:
            labels.append(f"{node.label} 第 {index.group(1)} 项")
        elif isinstance(node, Key) or (isinstance(node, Table) and number == 1):
            labels.append(node.label)
        else:  # a named entry (`weekly_coordination`) or a key no section declares
            labels.append(parts[number - 1])
    return " › ".join(labels)


def display(value: Any, key: Key | None = None) -> str:
    """A value as people read it: choice labels, weekday names, 是/否, lists joined with 、."""
    if value is None:
        return "—"
    if isinstance(value, list):
        return "、".join(display(v, key) for v in value) if value else "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "是" if value else "否"
    if key is not None and key.choices is not None and value in key.choices:
        return key.choices[value]
    if key is not None and key.names is not None and value in key.names:
        return f"{key.names[value]}"
    return str(value)


@dataclass(frozen=True)
class Cell:
    text: str
    source: str = ""
    default: bool = False
    reading: str = ""


@dataclass(frozen=True)
class GridRow:
    cells: list[str]
    details: list[tuple[str, str]]
    note: Cell | None


@dataclass(frozen=True)
class Grid:
    """A group of similar tables (cadence entries, ladder levels) shown as one table: short values as
    columns, long ones (purposes, participant lists) as label/value lines under 详情."""

    label: str
    columns: list[str]
    rows: list[GridRow]
    has_details: bool


@dataclass(frozen=True)
class SectionView:
    name: str
    label: str
    fields: list[tuple[str, str]]
    note: Cell | None
    grids: list[Grid]


def _note(value: dict) -> Cell | None:
    if "source" not in value and "reading" not in value:
        return None
    return Cell(
        "", str(value.get("source", "")), value.get("basis") == "default", str(value.get("reading", ""))
    )


WIDE = 8  # a grid with more columns than this keeps only the keys most of its rows have
SHORT = 16  # a value longer than this many characters goes under 详情 rather than in its own column


def _grid(label: str, items: list[tuple[str | None, dict]], spec: Table) -> Grid:
    names = [k for k in spec.keys if k not in NOTE_KEYS and any(k in item for _, item in items)]
    shown = {k: [display(item.get(k), spec.keys[k]) for _, item in items] for k in names}
    columns = [k for k in names if k == "name" or max(len(text) for text in shown[k]) <= SHORT]
    if len(columns) > WIDE:
        # too many columns (a rule kind's own keys among many kinds): keys only a few rows use go under 详情
        # rather than leaving columns mostly empty
        columns = [
            k for k in columns if k == "name" or 2 * sum(1 for _, item in items if k in item) >= len(items)
        ]
    named = any(entry is not None for entry, _ in items)
    rows = []
    for number, (entry, item) in enumerate(items):
        cells = [entry or "" if named else str(number + 1)] + [shown[k][number] for k in columns]
        details = [(spec.keys[k].label, shown[k][number]) for k in names if k not in columns and k in item]
        rows.append(GridRow(cells, details, _note(item)))
    headers = ["标识" if named else "序号"] + [spec.keys[k].label for k in columns]
    return Grid(label, headers, rows, len(columns) < len(names))


def describe(data: Mapping[str, Any]) -> list[SectionView]:
    """The data as labelled sections for the detail page: scalar keys as label/value pairs, the section's
    source, and each group of sub-tables as a grid with a source per row."""
    views = []
    for name, section in _SECTIONS.items():
        if name not in data:
            continue
        value, spec = data[name], section.spec
        fields = [
            (key.label, display(value[k], key))
            for k, key in spec.keys.items()
            if k in value and k not in NOTE_KEYS and key.kind not in ("table", "tables")
        ]
        grids = [
            _grid(key.label, [(None, item) for item in value[k]], key.table)
            for k, key in spec.keys.items()
            if k in value and key.kind == "tables" and key.table is not None
        ]
        grids += [
            _grid(key.label, [(None, value[k])], key.table)
            for k, key in spec.keys.items()
            if k in value and key.kind == "table" and key.table is not None and isinstance(value[k], dict)
        ]
        if spec.entries is not None:
            entries = [(k, value[k]) for k in _ordered_keys(value, spec) if k not in spec.keys]
            if entries:
                grids.insert(0, _grid(spec.entries_label or spec.label, entries, spec.entries))
        views.append(SectionView(name, spec.label, fields, _note(value), grids))
    return views


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Leaf values by key path; arrays of tables are numbered from 1, arrays of scalars stay leaves."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for number, item in enumerate(value, start=1):
            out.update(flatten(item, f"{path}[{number}]"))
        return out
    return {path: value}


@dataclass(frozen=True)
class Change:
    path: str
    label: str
    kind: str  # "added" | "removed" | "changed"
    old: str
    new: str


def diff(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[Change]:
    """Key-by-key differences from `old` to `new` (None: everything is added), in path order."""
    before, after = flatten(to_json(dict(old or {}))), flatten(to_json(dict(new)))
    changes = []
    for path in sorted(set(before) | set(after)):
        key = spec_at(path)
        key = key if isinstance(key, Key) else None
        if path not in before:
            changes.append(Change(path, label_for(path), "added", "", display(after[path], key)))
        elif path not in after:
            changes.append(Change(path, label_for(path), "removed", display(before[path], key), ""))
        elif before[path] != after[path]:
            old_text, new_text = display(before[path], key), display(after[path], key)
            changes.append(Change(path, label_for(path), "changed", old_text, new_text))
    return changes


# The core sections live in their own module; importing it registers them.
from tuijin.core.rules import ruleset_sections as _core_sections  # noqa: E402,F401
