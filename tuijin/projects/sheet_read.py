"""Finding the table in a project list workbook as offices keep it (issue 3 part 6), with openpyxl in
read-only mode. No Django.

A sheet looks like: a title row (often with the year), a units row ("单位：万元"), one or two header rows
(a group header merged over sub-headers such as 计划开竣工时间 / 开工 · 竣工, vertical merges for the
others), sometimes a row of column numbers (栏次 1 2 3 …), then data rows interleaved with blank rows,
category sub-headings ("一、产业项目（25个）"), subtotal and total rows (小计/合计/总计), and notes under the
table ("注：…", "制表人：…"). Read-only mode does not expose merged ranges, so a merged header is
recognised by its shape: the merged-away cells are empty.

Every visible sheet with a recognisable header is read (offices split categories across sheets); a
sheet named after a category or plan type sets that context for its rows.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from openpyxl.cell.read_only import ReadOnlyCell
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from . import sheet_parse as parse
from .sheet_columns import TWO_ROW_SEPARATOR, is_export_only, is_ignored_header, match_any_header

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_DATA_ROWS = 50_000
HEADER_SEARCH_ROWS = 20
MIN_KNOWN_HEADERS = 2
NUMERALS = frozenset("一二三四五六七八九十") | {"十一", "十二"}
EXAMPLE_MARKS = ("示例：", "示例:")  # the template's example row
NOTE_SHEETS = ("填表说明", "说明", "填报说明", "说明事项")

Guess = Callable[[str], str | None]


class SheetError(ValueError):
    """The workbook cannot be read as a project list; `message` says why in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class HeaderCell:
    index: int  # 0-based column
    text: str  # as typed; a two-row header reads "group/sub"
    unit: Decimal | None = None  # a money unit the header names: （亿元） → 10000

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)


@dataclass(frozen=True)
class RawRow:
    sheet: str
    number: int  # the Excel row number
    cells: tuple[parse.Cell, ...]
    context: dict[str, str] = field(default_factory=dict)  # category / plan type of a sub-heading


@dataclass(frozen=True)
class Skipped:
    sheet: str
    number: int
    text: str
    reason: str


@dataclass
class Table:
    sheet: str
    headers: list[HeaderCell]
    header_rows: tuple[int, int]
    unit: Decimal | None = None  # the units row's money unit
    title: str = ""
    rows: list[RawRow] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass
class Book:
    file_name: str
    tables: list[Table]
    ignored_sheets: list[str] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        """The year the title names (2024年东湖区重大重点项目实施计划), if any."""
        for table in self.tables:
            if year := parse.year_in(table.title):
                return year
        return None

    @property
    def row_count(self) -> int:
        return sum(len(table.rows) for table in self.tables)


# ---------------------------------------------------------------------------------------------------
# Opening


def _not_xlsx(file_name: str) -> SheetError:
    return SheetError(
        f"文件“{file_name}”不是有效的 Excel 工作簿（.xlsx）。请用本页提供的模板填写，"
        "或在 Excel/WPS 中“另存为”.xlsx 格式后再导入（不支持 .xls 和 .csv）。"
    )


def read_bytes(file: Any, *, file_name: str) -> bytes:
    size = getattr(file, "size", None)
    if size and size > MAX_FILE_BYTES:
        raise SheetError(f"文件“{file_name}”过大（超过 {MAX_FILE_BYTES // 1024 // 1024} MB）。")
    data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise SheetError(f"文件“{file_name}”过大（超过 {MAX_FILE_BYTES // 1024 // 1024} MB）。")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _not_xlsx(file_name)
    return data


_SI, _T, _R = (f"{{{SHEET_MAIN_NS}}}{tag}" for tag in ("si", "t", "r"))
_ROW, _C, _V, _IS = (f"{{{SHEET_MAIN_NS}}}{tag}" for tag in ("row", "c", "v", "is"))


def _shared_strings(source) -> list[str]:
    """The shared-string table as openpyxl's `read_string_table` reads it (each <si>'s own <t> and its
    rich-text runs' <t>, phonetic hints left out), without building a Text object per string: a list of
    10,000 projects has over 100,000 distinct strings, and this halves the time to open it."""
    strings = []
    for _, node in iterparse(source):
        if node.tag != _SI:
            continue
        strings.append(_text_of(node).replace("x005F_", ""))
        node.clear()
    return strings


def _text_of(node) -> str:
    """A string item's text (<si> or an inline <is>): its own <t> and its rich-text runs' <t>, as
    openpyxl's `Text.content`."""
    parts = []
    for child in node:
        if child.tag == _T:
            parts.append(child.text or "")
        elif child.tag == _R:
            text = child.find(_T)
            parts.append(text.text or "" if text is not None else "")
    return "".join(parts)


class _Reader(ExcelReader):
    def read_strings(self):
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as source:
                self.shared_strings = _shared_strings(source)


class _Cells:
    """Reads a worksheet's rows straight from its XML: each row as (values, number formats), what
    openpyxl's read-only `iter_rows()` gives as `cell.value` (data_only: a formula's cached value) and
    `cell.number_format`, without a dict and a cell object per cell or a `Text` object per inline string
    (an exported list of 10,000 projects has ~160,000 inline strings: that alone was a third of an import).
    Missing rows come as empty rows and missing cells as None, as openpyxl fills them."""

    def __init__(self, ws) -> None:
        book = ws.parent
        self.ws = ws
        self.shared = ws._shared_strings
        self.dates, self.durations = book._date_formats, book._timedelta_formats
        self.epoch = book.epoch
        self.number_formats: dict[int, str] = {}

    def number_format(self, style: int) -> str:
        if style not in self.number_formats:
            self.number_formats[style] = ReadOnlyCell(self.ws, 1, 1, None, "n", style).number_format
        return self.number_formats[style]

    def value(self, cell) -> Any:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            node = cell.find(_IS)
            return _text_of(node) if node is not None else None
        value = cell.findtext(_V) or None
        if value is None:
            return None
        if kind == "n":
            number = float(value) if "." in value or "E" in value or "e" in value else int(value)
            style = int(cell.get("s") or 0)
            if style in self.dates:
                try:
                    return from_excel(number, self.epoch, timedelta=style in self.durations)
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return number
        if kind == "s":
            return self.shared[int(value)]
        if kind == "b":
            return bool(int(value))
        if kind == "d":
            return from_ISO8601(value)
        return value  # str (a formula's text), e (an error such as #N/A)

    def rows(self) -> Iterator[tuple[tuple, tuple[str, ...]]]:
        expected = 1
        with self.ws.parent._archive.open(self.ws._worksheet_path) as source:
            for _, node in iterparse(source):
                if node.tag != _ROW:
                    continue
                number = _row_number(node.get("r"), expected)
                if number < expected:  # a row out of order: openpyxl leaves it out too
                    node.clear()
                    continue
                while expected < number:
                    expected += 1
                    yield (), ()
                yield self._row(node)
                node.clear()
                expected = number + 1

    def _row(self, node) -> tuple[tuple, tuple[str, ...]]:
        values: list[Any] = []
        formats: list[str] = []
        column = 0
        for cell in node:
            if cell.tag != _C:
                continue
            ref = cell.get("r")
            column = column_index_from_string(ref.rstrip("0123456789")) if ref else column + 1
            value = self.value(cell)
            # number formats matter for dates (yyyy"年"m"月" means a month) and typed decimals (2024.10)
            # only; looking a cell's style up costs, so only those cells pay for it
            typed = isinstance(value, datetime | float)
            number_format = self.number_format(int(cell.get("s") or 0)) if typed else ""
            if column > len(values):
                missing = column - 1 - len(values)
                values += [None] * missing
                formats += [""] * missing
                values.append(value)
                formats.append(number_format)
            elif column >= 1:  # a column again or out of order: the later cell wins, as in openpyxl
                values[column - 1], formats[column - 1] = value, number_format
        # as openpyxl: the row ends at its last cell
        return tuple(values[:column]), tuple(formats[:column])


def _row_number(text: str | None, expected: int) -> int:
    if not text:
        return expected
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise
        return int(number)


def _open(data: bytes, file_name: str):
    try:
        reader = _Reader(io.BytesIO(data), read_only=True, data_only=True)
        reader.read()
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        raise _not_xlsx(file_name) from exc
    return reader.wb


# ---------------------------------------------------------------------------------------------------
# Rows as text


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _texts(values: tuple) -> list[str]:
    return [_text(v) for v in values]


def _filled(values: tuple) -> list[int]:
    is_blank = parse.is_blank
    return [i for i, v in enumerate(values) if v is not None and not (isinstance(v, str) and is_blank(v))]


def _known(text: str, guess: Guess) -> bool:
    if not text:
        return False
    return bool(guess(text) or match_any_header(text) or is_ignored_header(text))


# ---------------------------------------------------------------------------------------------------
# The header


def _header_row(rows: list[tuple], guess: Guess) -> int | None:
    """The index of the first row with at least two known headers (or 项目名称 alone)."""
    for index, values in enumerate(rows[:HEADER_SEARCH_ROWS]):
        texts = _texts(values)
        known = [t for t in texts if _known(t, guess)]
        names = [t for t in texts if t and (guess(t) or match_any_header(t)) == "name"]
        if len(known) >= MIN_KNOWN_HEADERS or names:
            return index
    return None


def _is_sub_header_row(top: tuple, below: tuple) -> bool:
    """The row under the header continues it: short texts only, each under a merged-away (empty) header
    cell or under a group header whose next cell is empty. A data row has cells under ordinary headers."""
    filled = _filled(below)
    if not filled or any(not isinstance(below[i], str) or len(below[i].strip()) > 24 for i in filled):
        return False
    top_texts = _texts(top)
    width = len(top_texts)
    for i in filled:
        merged_away = i < width and not top_texts[i]
        group_start = i + 1 < width and bool(top_texts[i]) and not top_texts[i + 1]
        if not (merged_away or group_start):
            return False
    return True


def _combine(top: tuple, below: tuple | None) -> list[str]:
    """One text per column: the top header, or "group/sub" under a group header."""
    top_texts = _texts(top)
    below_texts = _texts(below) if below is not None else []
    width = max(len(top_texts), len(below_texts))
    top_texts += [""] * (width - len(top_texts))
    below_texts += [""] * (width - len(below_texts))
    texts, group = [], ""
    for i in range(width):
        head, sub = top_texts[i], below_texts[i]
        if head:
            group = head
        if sub and (head or group):
            texts.append(f"{head or group}{TWO_ROW_SEPARATOR}{sub}")
        else:
            texts.append(head or sub)
    return texts


def _is_column_numbers(values: tuple) -> bool:
    """A 栏次 row under the header: 1 2 3 … (or 甲 乙 丙)."""
    filled = [v for v in values if not parse.is_blank(v)]
    if len(filled) < 3:
        return False
    numbers = []
    for value in filled:
        text = parse.compact(str(value))
        if text in ("甲", "乙", "丙", "丁"):
            continue
        if not text.replace(".0", "").isdigit():
            return False
        numbers.append(int(text.replace(".0", "")))
    return numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


# ---------------------------------------------------------------------------------------------------
# Reading one sheet


def _furniture(
    values: tuple, row_number: int, sheet: str, guess_keys: dict[str, int], filled: list[int]
) -> Skipped | None:
    """A row that is not a project: a subtotal row or a sub-heading (returned with its context);
    `filled`: the indexes of the row's filled cells."""
    first = _text(values[filled[0]]) if filled else ""
    leading = [_text(values[i]) for i in filled[:3]]
    if any(text and parse.is_subtotal(text) for text in leading):
        return Skipped(sheet, row_number, first or leading[0], "合计/小计行")
    if any(text.startswith(EXAMPLE_MARKS) for text in leading):
        return Skipped(sheet, row_number, next(t for t in leading if t.startswith(EXAMPLE_MARKS)), "示例行")
    data_columns = [guess_keys[k] for k in ("responsible_unit", "code") if k in guess_keys]
    if any(i < len(values) and not parse.is_blank(values[i]) for i in data_columns):
        return None
    # a heading is one text (its number may sit in the 序号 column: 一 | 产业项目（25个）), perhaps with
    # counts and sums beside it; a project row has several texts (name, category, unit, dates …)
    texts = [t for t in (_text(values[i]) for i in filled) if t]
    if len(texts) == 2 and _is_numeral(texts[0]):
        texts = ["、".join(texts)]
    elif len(texts) == 2 and re.fullmatch(r"[\d,.\s]*[个项]?", parse.compact(texts[1])):
        texts = texts[:1]  # 一、产业项目 | 25个
    if len(texts) == 1 and parse.heading_context(texts[0]) is not None:
        return Skipped(sheet, row_number, texts[0], "分类标题行")
    return None


def _is_numeral(text: str) -> bool:
    return parse.compact(text).strip("()（）、.") in NUMERALS


def _read_table(ws, guess: Guess) -> Table | None:
    # every row the sheet holds, whatever dimension its writer stored
    rows_iter: Iterator[tuple[tuple, tuple[str, ...]]] = _Cells(ws).rows()
    head: list[tuple] = []
    formats: list[tuple] = []
    for values, fmt in rows_iter:
        head.append(values)
        formats.append(fmt)
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    header_index = _header_row(head, guess)
    if header_index is None:
        return None
    table = Table(sheet=ws.title, headers=[], header_rows=(header_index + 1, header_index + 1))
    _read_above_header(table, head[:header_index])
    top = head[header_index]
    below = head[header_index + 1] if header_index + 1 < len(head) else None
    two_rows = below is not None and _is_sub_header_row(top, below)
    texts = _combine(top, below if two_rows else None)
    last_header = header_index + (1 if two_rows else 0)
    table.header_rows = (header_index + 1, last_header + 1)
    table.headers = [
        HeaderCell(index=i, text=text, unit=parse.money_unit_in(text))
        for i, text in enumerate(texts)
        if text and not is_export_only(text.split(TWO_ROW_SEPARATOR)[-1])
    ]
    guess_keys = _guess_keys(table.headers, guess)
    context = _sheet_context(ws.title)
    number = last_header + 1
    pending = list(zip(head[last_header + 1 :], formats[last_header + 1 :], strict=True))
    for values, fmt in itertools.chain(pending, rows_iter):
        number += 1
        if not _add_row(table, values, fmt, number, context, guess_keys):
            break
    return table


def _read_above_header(table: Table, rows: list[tuple]) -> None:
    """The title and the units row above the header."""
    for values in rows:
        for text in _texts(values):
            if not text:
                continue
            unit = parse.money_unit_in(text)
            if unit is not None and table.unit is None:
                table.unit = unit
            elif not table.title and len(text) >= 4:
                table.title = text


def _guess_keys(headers: list[HeaderCell], guess: Guess) -> dict[str, int]:
    keys: dict[str, int] = {}
    for header in headers:
        key = guess(header.text) or match_any_header(header.text)
        if key and key not in keys:
            keys[key] = header.index
    return keys


def _sheet_context(title: str) -> dict[str, str]:
    return parse.heading_context(title) or {}


def _enter_section(context: dict, heading: dict, sheet_context: dict) -> None:
    """A category heading starts a new section (its plan-type sub-sections end); a plan-type heading is a
    sub-section of the current category."""
    if "category" in heading:
        context.clear()
        context.update(sheet_context)
    context.update(heading)


def _add_row(
    table: Table, values: tuple, formats: tuple, number: int, context: dict, guess_keys: dict[str, int]
) -> bool:
    """Classify one row below the header; False once the notes under the table begin."""
    filled = _filled(values)
    if not filled:
        return True
    first = values[filled[0]]
    if isinstance(first, str) and parse.is_note(first):
        return False
    if number == table.header_rows[1] + 1 and _is_column_numbers(values):
        table.skipped.append(Skipped(table.sheet, number, "", "栏次行"))
        return True
    skipped = _furniture(values, number, table.sheet, guess_keys, filled)
    if skipped is not None:
        table.skipped.append(skipped)
        if skipped.reason == "分类标题行":
            _enter_section(context, parse.heading_context(skipped.text) or {}, _sheet_context(table.sheet))
        return True
    if len(table.rows) >= MAX_DATA_ROWS:
        raise SheetError(f"工作表“{table.sheet}”的数据行超过 {MAX_DATA_ROWS} 行，请分成几个文件导入。")
    cells = tuple(map(parse.Cell, values, formats))
    table.rows.append(RawRow(sheet=table.sheet, number=number, cells=cells, context=dict(context)))
    return True


# ---------------------------------------------------------------------------------------------------
# The workbook


def read_workbook(data: bytes, *, file_name: str, guess: Guess | None = None) -> Book:
    """Every table in the workbook's visible sheets. `guess(header text)` gives the column key the office
    mapped a header to before (remembered mappings), so the header row is found by the office's own
    headers too. Raises SheetError when no sheet has a recognisable header or no data row."""
    known = guess or (lambda text: None)
    book = _open(data, file_name)
    tables, ignored = [], []
    try:
        for ws in book.worksheets:
            if getattr(ws, "sheet_state", "visible") != "visible" or parse.compact(ws.title) in NOTE_SHEETS:
                continue
            table = _read_table(ws, known)
            if table is None:
                ignored.append(ws.title)
                continue
            tables.append(table)
    finally:
        book.close()
    if not tables:
        raise SheetError(
            f"文件“{file_name}”中找不到项目清单的表头：前 {HEADER_SEARCH_ROWS} 行中应有“项目名称”“责任单位”"
            "“总投资（万元）”等列名（见导入模板）。"
        )
    result = Book(file_name=file_name, tables=tables, ignored_sheets=ignored)
    if result.row_count == 0:
        raise SheetError(f"文件“{file_name}”的表头下方没有任何项目行。")
    return result
