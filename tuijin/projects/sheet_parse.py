"""Reading the cells of a project list as offices type them (issue 3 part 6). Pure: standard library and
the library's rules only.

Offices type dates as 2024年3月, 2024.03, 2024-3-15, 2024年3月15日, 2024年第11周, 2024年3月上旬 or let
Excel turn them into dates; money with thousands separators, full-width digits and 亿元/万元/元 units; the
category, stage and plan type by their Chinese names or the names offices also use. Each parser returns
the value (None for a blank cell) or raises `CellError` with a Chinese message that says what is
expected; the import adds the row number and the column.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, NamedTuple

from . import rules
from .sheet_columns import BY_KEY

DATE_HINT = "应为 2024年3月、2024.03 或 2024-03-15"
MONEY_HINT = "应为数字，如 12,345.6，可带单位 万元 或 亿元"
BLANK_MARKS = frozenset({"", "-", "--", "—", "——", "/", "\\", "无", "暂无", "待定", "未定", "空"})
MAX_MONEY = Decimal("999999999999.99")  # MONEY: 14 digits, 2 after the point
CENT = Decimal("0.01")
MICRO = Decimal("0.000001")
EXCEL_EPOCH = date(1899, 12, 30)

# Money units (万元 is ours); a unit in the cell wins over the column's and the sheet's
UNITS = {"亿元": Decimal(10000), "亿": Decimal(10000), "千万元": Decimal(1000), "千万": Decimal(1000)}
UNITS |= {"万元": Decimal(1), "万": Decimal(1), "元": Decimal("0.0001")}
_UNIT_SUFFIX = re.compile(r"(亿元|千万元|万元|亿|千万|万|元)$")
_APPROXIMATE = re.compile(r"^约|左右$|多$")
_THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")

STAGE_ALIASES = {
    "投产": "producing",
    "运营": "producing",
    "已投产": "producing",
    "投产运营": "producing",
    "已竣工": "completed",
    "完工": "completed",
    "已完工": "completed",
    "建成": "completed",
    "续建": "construction",
    "建设中": "construction",
    "在建中": "construction",
    "施工中": "construction",
    "已开工": "started",
    "新开工": "started",
    "前期工作": "preparation",
    "前期阶段": "preparation",
    "已落地": "landed",
    "已注册": "registered",
    "已签约": "signed",
    "洽谈": "negotiating",
    "在谈中": "negotiating",
    "策划": "planning",
    "储备": "planning",
}
PLAN_TYPE_ALIASES = {
    "新开工": "new_start",
    "新建": "new_start",
    "计划开工": "new_start",
    "拟新开工": "new_start",
    "续建项目": "continuing",
    "在建": "continuing",
    "竣工": "completion",
    "计划完工": "completion",
    "拟竣工": "completion",
    "前期工作": "preparation",
    "预备": "preparation",
    "谋划": "reserve",
    "储备项目": "reserve",
}
SECTOR_ALIASES = {
    "工业项目": "industrial",
    "制造业": "industrial",
    "现代服务业": "service",
    "服务业项目": "service",
    "房地产开发": "real_estate",
    "农业": "rural",
    "农村": "rural",
    "基础设施建设": "infrastructure",
    "基础设施项目": "infrastructure",
    "社会事业项目": "social",
}
FUNDING_ALIASES = {
    "中央预算内": "central_budget",
    "中央预算内投资": "central_budget",
    "中央资金": "central_budget",
    "专项债": "special_bond",
    "专项债券": "special_bond",
    "地方政府专项债券": "special_bond",
    "超长期国债": "ultra_long_bond",
    "特别国债": "ultra_long_bond",
    "财政": "fiscal",
    "财政资金": "fiscal",
    "区财政": "fiscal",
    "市财政": "fiscal",
    "银行贷款": "bank_loan",
    "贷款": "bank_loan",
    "金融机构": "bank_loan",
    "银行": "bank_loan",
    "平台公司": "platform",
    "平台": "platform",
    "自筹": "enterprise",
    "企业自筹": "enterprise",
    "自有资金": "enterprise",
    "社会资本": "social",
    "社会投资": "social",
    "PPP": "social",
    "其他": "other",
}


class CellError(ValueError):
    """A cell that cannot be read; `message` is Chinese and says what was expected."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------------------
# Text


def normalise(text: str) -> str:
    """Full-width digits, letters and punctuation → half-width (NFKC), outer spaces removed."""
    return (text if text.isascii() else unicodedata.normalize("NFKC", text)).strip()


def compact(text: str) -> str:
    """Normalised and without any spaces: how names and labels are compared."""
    return "".join(normalise(text).split())


def shown(value: Any) -> str:
    """A cell as the office sees it, for messages."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if not (value.hour or value.minute) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        text = value.strip()
        return not text or (len(text) <= 4 and _is_blank_mark(text))
    return False


@lru_cache(maxsize=4096)
def _is_blank_mark(text: str) -> bool:
    return compact(text) in BLANK_MARKS


def parse_text(value: Any, *, max_length: int | None = None, label: str = "") -> str:
    if is_blank(value):
        return ""
    text = shown(value) if not isinstance(value, str) else value.strip()
    if not text.isprintable() or "  " in text:  # (printable: no line break or whitespace but " ")
        # Excel's in-cell line breaks stay, other whitespace runs collapse
        text = "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()
    if max_length is not None and len(text) > max_length:
        raise CellError(f"内容过长（{len(text)} 个字，最多 {max_length} 个字）：“{text[:20]}…”")
    return text


def split_names(value: Any) -> list[str]:
    """Tags or unit names in one cell: 省重点、市重点 / 区发改委，区住建局 / a；b (duplicates dropped)."""
    if is_blank(value):
        return []
    parts = re.split(r"[、,，;；/\n]+", normalise(str(value)))
    names: list[str] = []
    for part in parts:
        name = part.strip()
        if name and name not in names:
            names.append(name)
    return names


# ---------------------------------------------------------------------------------------------------
# Dates (with their precision: day, week, month)

_DAY = re.compile(r"^(\d{4})[年.\-/](\d{1,2})[月.\-/](\d{1,2})日?$")
_DAY_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH = re.compile(r"^(\d{4})[年.\-/](\d{1,2})月?$")
_MONTH_DIGITS = re.compile(r"^(\d{4})(\d{2})$")
_ISO_WEEK = re.compile(r"^(\d{4})年?第(\d{1,2})周$")
_MONTH_WEEK = re.compile(r"^(\d{4})[年.\-/](\d{1,2})月?第?([1-5一二三四五])周$")
_TEN_DAYS = re.compile(r"^(\d{4})[年.\-/](\d{1,2})月?(上旬|中旬|下旬|初|中|底|末)$")
_QUARTER = re.compile(r"^(\d{4})年?(?:第?([1-4一二三四])季度|Q([1-4]))$", re.IGNORECASE)
_HALF = re.compile(r"^(\d{4})年?(上半年|下半年)$")
_YEAR = re.compile(r"^(\d{4})年?(?:底|末|内|年底|年末|全年)?$")
_VAGUE_SUFFIX = re.compile(r"(以前|之前|前|左右|以内)$")
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}


def _number(text: str) -> int:
    return _CN_DIGITS.get(text) or int(text)


def _month_start(year: int, month: int) -> date:
    return date(year, month, 1)


def _week_containing(day: date) -> date:
    return day - timedelta(days=day.weekday())


@lru_cache(maxsize=4096)
def _text_date(text: str) -> tuple[date, str]:
    """Raises ValueError (impossible date) or LookupError (no form matches)."""
    if match := _DAY.match(text) or _DAY_DIGITS.match(text):
        year, month, day = (int(part) for part in match.groups())
        return date(year, month, day), "day"
    if match := _MONTH.match(text) or _MONTH_DIGITS.match(text):
        return _month_start(int(match[1]), int(match[2])), "month"
    if match := _ISO_WEEK.match(text):
        return date.fromisocalendar(int(match[1]), int(match[2]), 1), "week"
    if match := _MONTH_WEEK.match(text):
        # the n-th week of a month is the week (Monday to Sunday) holding its day 7n−6
        first = date(int(match[1]), int(match[2]), 1)
        return _week_containing(first + timedelta(days=7 * (_number(match[3]) - 1))), "week"
    if match := _TEN_DAYS.match(text):
        return _ten_days(int(match[1]), int(match[2]), match[3])
    if match := _QUARTER.match(text):
        quarter = _number(match[2] or match[3])
        return _month_start(int(match[1]), quarter * 3), "month"
    if match := _HALF.match(text):
        return _month_start(int(match[1]), 6 if match[2] == "上半年" else 12), "month"
    if match := _YEAR.match(text):
        return _month_start(int(match[1]), 12), "month"
    raise LookupError(text)


def _ten_days(year: int, month: int, part: str) -> tuple[date, str]:
    """上旬/月初 and 中旬 are read as the week that holds their last day (the 10th, the 20th), so the
    date is late only after that week; 下旬/月底 as the month (late only after it ends)."""
    if part in ("上旬", "初"):
        return _week_containing(date(year, month, 10)), "week"
    if part in ("中旬", "中"):
        return _week_containing(date(year, month, 20)), "week"
    return _month_start(year, month), "month"


def _is_month_format(number_format: str) -> bool:
    """Excel turns 2024年3月 into a date shown with a format such as yyyy"年"m"月" (no day)."""
    bare = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", number_format.lower())
    return "y" in bare and "m" in bare and "d" not in bare


def _float_as_typed(value: float, number_format: str) -> str:
    """2024.03 typed into a cell is the number 2024.03; show it with the cell's decimals (0.00 → 2024.10)."""
    decimals = re.search(r"\.(0+)", number_format or "")
    if decimals:
        return f"{value:.{len(decimals[1])}f}"
    return repr(value)


def parse_date(value: Any, *, number_format: str = "") -> tuple[date, str] | None:
    """A planned or actual date and its precision, or None for a blank cell."""
    if isinstance(value, datetime):
        return value.date(), "month" if _is_month_format(number_format) else "day"
    if isinstance(value, date):
        return value, "day"
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(f"“{shown(value)}”不是有效日期（{DATE_HINT}）")
    if isinstance(value, int | float):
        return _numeric_date(value, number_format)
    text = compact(str(value))
    text = _VAGUE_SUFFIX.sub("", text)
    try:
        return _text_date(text)
    except (ValueError, LookupError) as exc:
        raise CellError(f"“{shown(value)}”不是有效日期（{DATE_HINT}）") from exc


def _numeric_date(value: int | float, number_format: str) -> tuple[date, str]:
    """An Excel serial day number, or 2024.03 / 202403 / 20240315 / 2024 typed as a number."""
    if 20000 <= value < 80000:  # serial numbers of 1954–2119
        return EXCEL_EPOCH + timedelta(days=int(value)), "day"
    text = _float_as_typed(value, number_format) if isinstance(value, float) else str(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    try:
        return _text_date(text)
    except (ValueError, LookupError) as exc:
        raise CellError(f"“{text}”不是有效日期（{DATE_HINT}）") from exc


# ---------------------------------------------------------------------------------------------------
# Money and numbers


def money_unit_in(text: str) -> Decimal | None:
    """The money unit a units row or a header names: 单位：万元 → 1, （亿元）→ 10000, 金额单位：元 → 0.0001."""
    cleaned = compact(text)
    match = re.search(r"(亿元|千万元|万元|元)", cleaned)
    if match is None:
        return None
    if (
        "单位" in cleaned
        or re.search(r"[(（]\s*(亿元|千万元|万元|元)\s*[)）]", cleaned)
        or cleaned == match[1]
    ):
        return UNITS[match[1]]
    return None


def _decimal(text: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not number.is_finite():
        raise ValueError(text)
    return number


def _number_text(value: Any) -> tuple[str, Decimal | None]:
    """The digits of a numeric cell and the unit it names, if any."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value) if isinstance(value, float) else str(value), None
    text = compact(str(value))
    if text.isascii() and text.isdigit():  # plain digits: nothing to strip
        return text, None
    text = _APPROXIMATE.sub("", text.replace("¥", "").replace("￥", ""))
    unit = None
    if match := _UNIT_SUFFIX.search(text):
        unit, text = UNITS[match[1]], text[: match.start()]
    # thousands separators: 1,234,567.8 (a comma typed as ，becomes , under NFKC)
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    return text, unit


def parse_money(value: Any, *, unit: Decimal = Decimal(1)) -> Decimal | None:
    """An amount in 万元 (Decimal, cents), or None for a blank cell. `unit` converts the column's or the
    sheet's unit to 万元; a unit typed in the cell (5亿元, 300万) wins."""
    if is_blank(value):
        return None
    if isinstance(value, bool | datetime | date):
        raise CellError(f"“{shown(value)}”不是有效金额（{MONEY_HINT}）")
    text, cell_unit = _number_text(value)
    try:
        amount = _decimal(text) * (cell_unit if cell_unit is not None else unit)
    except ValueError as exc:
        raise CellError(f"“{shown(value)}”不是有效金额（{MONEY_HINT}）") from exc
    if amount < 0:
        raise CellError(f"金额不能为负数（填写的是“{shown(value)}”）")
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if amount > MAX_MONEY:
        raise CellError(f"金额“{shown(value)}”过大，请确认单位（本表按万元计）")
    return amount


def parse_decimal(value: Any) -> Decimal | None:
    """A plain number such as a longitude (six decimals)."""
    if is_blank(value):
        return None
    text, _ = _number_text(value) if not isinstance(value, bool) else ("x", None)
    try:
        return _decimal(text).quantize(MICRO, rounding=ROUND_HALF_UP)
    except (ValueError, InvalidOperation) as exc:
        raise CellError(f"“{shown(value)}”不是有效数字") from exc


# ---------------------------------------------------------------------------------------------------
# Choices


@lru_cache(maxsize=32)
def _choice_table(
    labels: tuple[tuple[str, str], ...], aliases: tuple[tuple[str, str], ...]
) -> dict[str, str]:
    """Every text that names a choice: the key, the label (投产/运营 also as 投产 and 运营), the aliases."""
    table = {compact(alias): key for alias, key in aliases}
    for key, label in labels:
        table.update({compact(part): key for part in label.split("/")})
        table[compact(label)] = key
        table[key] = key
    return table


@lru_cache(maxsize=4096)
def _lookup(text: str, labels: tuple, aliases: tuple) -> str | None:
    table = _choice_table(labels, aliases)
    for candidate in (text, re.sub(r"(类项目|项目|类)$", "", text)):
        if candidate in table:
            return table[candidate]
    return None


def _choice_key(text: str, labels: Mapping[str, str], aliases: Mapping[str, str]) -> str | None:
    return _lookup(text, tuple(labels.items()), tuple(aliases.items()))


def parse_choice(
    value: Any, *, labels: Mapping[str, str], aliases: Mapping[str, str] | None = None
) -> str | None:
    """The key of a choice typed by its Chinese name, one of its aliases, or the key itself."""
    if is_blank(value):
        return None
    key = _choice_key(compact(str(value)), labels, aliases or {})
    if key is None:
        raise CellError(f"“{shown(value)}”无法识别（应为：{'、'.join(labels.values())}）")
    return key


def parse_category(value: Any) -> str | None:
    return parse_choice(value, labels=rules.CATEGORIES, aliases=rules.CATEGORY_ALIASES)


def parse_stage(value: Any) -> str | None:
    return parse_choice(value, labels=rules.STAGES, aliases=STAGE_ALIASES)


def parse_plan_type(value: Any) -> str | None:
    return parse_choice(value, labels=rules.PLAN_TYPES, aliases=PLAN_TYPE_ALIASES)


def parse_sector(value: Any) -> str | None:
    return parse_choice(value, labels=rules.SECTORS, aliases=SECTOR_ALIASES)


CHOICE_PARSERS = {
    "category": parse_category,
    "stage": parse_stage,
    "plan_type": parse_plan_type,
    "sector": parse_sector,
}


# ---------------------------------------------------------------------------------------------------
# Funding sources: "专项债 5000；企业自筹", "中央预算内资金：2,000万元、区财政 0.1亿"


@dataclass(frozen=True)
class FundingItem:
    kind: str
    amount: Decimal | None = None
    note: str = ""


_FUNDING_SPLIT = re.compile(r"[;；、\n]+|,(?!\d{3}(?:\D|$))")
_FUNDING_ITEM = re.compile(
    r"^(?P<kind>.*?)[:：]?\s*(?P<amount>-?\d[\d,.]*\s*(?:亿元|千万元|万元|亿|千万|万|元)?)?$"
)


@lru_cache(maxsize=1024)
def _funding_kind(text: str) -> tuple[str, str]:
    """The kind a funding text names and the note to keep (the text, when it is not just the kind)."""
    key = _choice_key(text, rules.FUNDING_KINDS, FUNDING_ALIASES)
    if key is not None:
        return key, ""
    for alias in sorted(FUNDING_ALIASES, key=len, reverse=True):
        if alias in text:
            return FUNDING_ALIASES[alias], text
    return "other", text


def parse_funding(value: Any, *, unit: Decimal = Decimal(1)) -> list[FundingItem]:
    if is_blank(value):
        return []
    text = normalise(str(value))
    # items end at ；、 or a line break, or at a comma that is not a thousands separator
    parts = _FUNDING_SPLIT.split(text)
    items: list[FundingItem] = []
    for part in filter(None, (p.strip() for p in parts)):
        match = _FUNDING_ITEM.match(part)
        kind_text = compact(match["kind"]) if match else compact(part)
        if not kind_text:
            raise CellError(f"“{part}”缺少资金来源名称（应写成“专项债 5000；企业自筹”）")
        kind, note = _funding_kind(kind_text)
        amount = parse_money(match["amount"], unit=unit) if match and match["amount"] else None
        items.append(FundingItem(kind=kind, amount=amount, note=note[:120]))
    return items


# ---------------------------------------------------------------------------------------------------
# Sheet furniture: sub-headings, subtotal rows, notes, units rows, the year in a title

_HEADING_NUMBER = re.compile(r"^[(（]?[一二三四五六七八九十]+[)）、.．]\s*|^[(（]\d+[)）]\s*")
_COUNT_SUFFIX = re.compile(r"[(（][^()（）]*\d+\s*个[^()（）]*[)）]$|\d+\s*个$")
SUBTOTAL_WORDS = ("合计", "小计", "总计", "累计", "其中")
NOTE_STARTS = ("注:", "注：", "备注:", "备注：", "说明:", "说明：", "附注", "填表说明", "填报说明")
FOOTER_STARTS = ("制表", "填表人", "填报人", "审核人", "联系人", "联系电话", "单位负责人")


def heading_context(text: str) -> dict[str, str] | None:
    """A category or plan-type sub-heading such as "一、产业项目（25个）" or "（二）续建项目" → the
    context it sets for the rows below ({} for a numbered heading naming neither); None when the text is
    not a heading."""
    cleaned = compact(text)
    numbered = bool(_HEADING_NUMBER.match(cleaned))
    bare = _COUNT_SUFFIX.sub("", _HEADING_NUMBER.sub("", cleaned))
    for key, parser in (("category", parse_category), ("plan_type", parse_plan_type)):
        try:
            value = parser(bare)
        except CellError:
            continue
        if value:
            return {key: value}
    return {} if numbered and bare else None


def is_subtotal(text: str) -> bool:
    cleaned = compact(text)
    return cleaned.startswith(SUBTOTAL_WORDS)


def is_note(text: str) -> bool:
    cleaned = compact(text)
    return cleaned.startswith(NOTE_STARTS) or cleaned.startswith(FOOTER_STARTS)


def year_in(text: str) -> int | None:
    match = re.search(r"(20\d{2})\s*年", normalise(text))
    return int(match[1]) if match else None


# ---------------------------------------------------------------------------------------------------
# One row


class Cell(NamedTuple):
    """One cell as read (a named tuple: a sheet of 10,000 rows makes a quarter of a million of them)."""

    value: Any
    number_format: str = ""


@dataclass
class ParsedRow:
    """One data row's values by column key (only the cells that are filled in), and per-column errors
    and notes in Chinese (without the row number: the import adds it)."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


TEXT_LIMITS = {"name": 120, "code": 40, "address": 160, "owner": 120}


ONE = Decimal(1)
LIST_KINDS = frozenset({"tags", "units", "funding"})


def _parse_cell(key: str, value: Any, number_format: str, unit: Decimal) -> Any:
    kind = BY_KEY[key].kind
    if kind == "money":
        return parse_money(value, unit=unit)
    if kind == "decimal":
        return parse_decimal(value)
    if kind == "date":
        return parse_date(value, number_format=number_format)
    if kind == "choice":
        return CHOICE_PARSERS[key](value)
    if kind in ("tags", "units"):
        return split_names(value)
    if kind == "funding":
        return parse_funding(value, unit=unit)
    if kind in ("leader", "person", "unit"):
        return parse_text(value, max_length=120)
    return parse_text(value, max_length=TEXT_LIMITS.get(key))


@lru_cache(maxsize=8192, typed=True)
def _parse_cached(key: str, value: Any, number_format: str, unit: Decimal) -> Any:
    """A sheet repeats its categories, stages, dates, units and leaders thousands of times: each distinct
    cell is parsed once (lists kept as tuples; a cell in error is parsed again, exceptions are not kept)."""
    parsed = _parse_cell(key, value, number_format, unit)
    return tuple(parsed) if isinstance(parsed, list) else parsed


def parse_row(
    cells: Mapping[str, Cell],
    *,
    units: Mapping[str, Decimal] | None = None,
    context: Mapping[str, str] | None = None,
) -> ParsedRow:
    """Parse every mapped cell of a row. `units` gives money columns' units (→ 万元); `context` the
    category or plan type a sub-heading set, used where the row's own cell is blank."""
    row = ParsedRow()
    units = units or {}
    for key, cell in cells.items():
        value = cell.value
        if value is None or (isinstance(value, str) and is_blank(value)):  # every parser: nothing
            continue
        unit = units.get(key, ONE)
        try:
            try:
                parsed = _parse_cached(key, value, cell.number_format, unit)
            except TypeError:  # not hashable
                parsed = _parse_cell(key, value, cell.number_format, unit)
        except CellError as exc:
            row.errors[key] = exc.message
            continue
        if parsed is None or parsed == "" or parsed == [] or parsed == ():
            continue
        kind = BY_KEY[key].kind
        if kind == "date":
            row.values[key], row.values[f"{key}_precision"] = parsed
        else:
            row.values[key] = list(parsed) if kind in LIST_KINDS else parsed
    for key, value in (context or {}).items():
        if key not in row.values and key not in row.errors:
            row.values[key] = value
    return row
