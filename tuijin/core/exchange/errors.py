"""Chinese messages for everything wrong with an exchange file (DESIGN.md "Trust": pydantic's English
messages are mapped to Chinese, naming the JSON path and what is expected).

A path reads like JSON: `sections.organisation.units[3].kind` (list positions count from 0).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError


@dataclass(frozen=True)
class ExchangeIssue:
    """One thing wrong with a file: where (a JSON path, "" for the file as a whole) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def format_path(loc: Iterable[str | int]) -> str:
    """("units", 3, "kind") → "units[3].kind"."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def shown(value: Any, limit: int = 40) -> str:
    """A value as it appears in the file, shortened, for "实际为 …"."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind_of(value: Any) -> str:
    names = {dict: "对象", list: "列表", str: "字符串", bool: "布尔值", int: "整数", float: "小数"}
    if value is None:
        return "null"
    return names.get(type(value), type(value).__name__)


def _choices(ctx: dict) -> str:
    values = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
    return "/".join(value if value else '""' for value in values) or str(ctx.get("expected", ""))


def _actual(err: dict) -> str:
    return f"，实际为 {shown(err.get('input'))}"


def _typed(expected: str) -> Callable[[dict, dict], str]:
    return lambda err, ctx: f"应为{expected}，实际为{_kind_of(err.get('input'))} {shown(err.get('input'))}"


def _value_error(err: dict, ctx: dict) -> str:
    # Our validators raise ValueError with a Chinese message; pydantic keeps it in ctx["error"].
    return str(ctx.get("error") or err.get("msg", "取值不符合要求"))


_DATE = "日期（YYYY-MM-DD，如 2026-05-01）"
_DATETIME = "带时区的日期时间（ISO 8601，如 2026-05-01T10:00:00+08:00）"

# pydantic error type → Chinese message builder (err, ctx) → text. The path is added by the caller.
MESSAGES: dict[str, Callable[[dict, dict], str]] = {
    "missing": lambda err, ctx: "缺少必填字段",
    "extra_forbidden": lambda err, ctx: "不认识的字段（本版本格式中没有此字段，请检查拼写）",
    "string_type": _typed("字符串"),
    "string_too_short": lambda err, ctx: (
        "不能为空" if ctx.get("min_length") == 1 else f"至少应有 {ctx.get('min_length')} 个字符{_actual(err)}"
    ),
    "string_too_long": lambda err, ctx: (
        f"不能超过 {ctx.get('max_length')} 个字符，实际为 {len(str(err.get('input', '')))} 个字符"
    ),
    "string_pattern_mismatch": lambda err, ctx: f"格式不正确（应符合 {ctx.get('pattern')}）{_actual(err)}",
    "int_type": _typed("整数"),
    "int_parsing": _typed("整数"),
    "int_from_float": _typed("整数"),
    "float_type": _typed("数字"),
    "float_parsing": _typed("数字"),
    "decimal_type": _typed("数字"),
    "decimal_parsing": _typed("数字"),
    "bool_type": lambda err, ctx: f"应为 true 或 false{_actual(err)}",
    "bool_parsing": lambda err, ctx: f"应为 true 或 false{_actual(err)}",
    "greater_than_equal": lambda err, ctx: f"应不小于 {ctx.get('ge')}{_actual(err)}",
    "greater_than": lambda err, ctx: f"应大于 {ctx.get('gt')}{_actual(err)}",
    "less_than_equal": lambda err, ctx: f"应不大于 {ctx.get('le')}{_actual(err)}",
    "less_than": lambda err, ctx: f"应小于 {ctx.get('lt')}{_actual(err)}",
    "literal_error": lambda err, ctx: f"取值应为 {_choices(ctx)} 之一{_actual(err)}",
    "enum": lambda err, ctx: f"取值应为 {_choices(ctx)} 之一{_actual(err)}",
    "date_type": _typed(_DATE),
    "date_parsing": lambda err, ctx: f"应为{_DATE}{_actual(err)}",
    "date_from_datetime_parsing": lambda err, ctx: f"应为{_DATE}{_actual(err)}",
    "date_from_datetime_inexact": lambda err, ctx: f"应为{_DATE}，不能带时刻{_actual(err)}",
    "datetime_type": _typed(_DATETIME),
    "datetime_parsing": lambda err, ctx: f"应为{_DATETIME}{_actual(err)}",
    "datetime_from_date_parsing": lambda err, ctx: f"应为{_DATETIME}{_actual(err)}",
    "timezone_aware": lambda err, ctx: f"应带时区（如 +08:00）{_actual(err)}",
    "list_type": _typed("列表（[…]）"),
    "dict_type": _typed("对象（{…}）"),
    "model_type": _typed("对象（{…}）"),
    "model_attributes_type": _typed("对象（{…}）"),
    "too_short": lambda err, ctx: f"至少应有 {ctx.get('min_length')} 项",
    "too_long": lambda err, ctx: f"最多 {ctx.get('max_length')} 项",
    "none_required": lambda err, ctx: f"应为 null{_actual(err)}",
    "value_error": _value_error,
    "assertion_error": _value_error,
}


def translate_error(err: dict, *, prefix: tuple[str | int, ...] = ()) -> ExchangeIssue:
    """One pydantic error dict → an issue with the JSON path and a Chinese message. Types without a
    mapping still name the path, with pydantic's own text kept for the record."""
    path = format_path((*prefix, *err.get("loc", ())))
    builder = MESSAGES.get(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if builder is None:
        return ExchangeIssue(path, f"取值不符合要求（{err.get('type')}：{err.get('msg')}）")
    return ExchangeIssue(path, builder(err, ctx))


def translate_validation_error(
    exc: ValidationError, *, prefix: tuple[str | int, ...] = ()
) -> list[ExchangeIssue]:
    return [translate_error(err, prefix=prefix) for err in exc.errors(include_url=False)]


_JSON_MESSAGES = {
    "Expecting value": "此处应有一个值",
    "Expecting ',' delimiter": "缺少逗号“,”",
    "Expecting ':' delimiter": "缺少冒号“:”",
    "Expecting property name enclosed in double quotes": "属性名应使用双引号括起（或多了一个逗号）",
    "Unterminated string starting at": "字符串没有结束的引号",
    "Invalid control character at": "字符串中有非法的控制字符",
    "Invalid \\escape": "非法的转义字符",
    "Extra data": "JSON 结束后还有多余的内容",
}


def json_issue(exc: json.JSONDecodeError) -> ExchangeIssue:
    """A JSON syntax error with its line and column, in Chinese."""
    reason = _JSON_MESSAGES.get(exc.msg, exc.msg)
    return ExchangeIssue("", f"文件不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{reason}")
