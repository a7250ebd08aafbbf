"""Reading and writing a year's holiday schedule as a small spreadsheet or as lines of text.

Format (docs/calendar.md): columns 日期 | 类型 | 名称 (a 说明 column and anything else is ignored), under an
optional title row; blank rows are skipped. 日期 is an Excel date or text such as 2027-02-06, 2027/2/6
or 2027年2月6日; 类型 is 休息/放假/休 (a day off) or 补班/上班/班 (a make-up working day). The text form
is one line per day: `2027-02-06 休 春节`.

Parsing checks each row on its own; the year-level checks (dates in the year, a day both off and on,
make-up days on weekdays) are the service's, which reports them with the same row numbers.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 400
HEADER_SEARCH_ROWS = 10

OFF_WORDS = frozenset({"休息", "放假", "休", "假", "休息日", "假日", "节假日", "off"})
MAKEUP_WORDS = frozenset({"补班", "上班", "班", "补班日", "工作", "工作日", "makeup"})
KIND_HINT = "应为“休息”（或“放假”“休”）或“补班”（或“上班”“班”）"
DATE_HINT = "应为 2027-02-06、2027/2/6 或 2027年2月6日 这样的日期"
DATE_PATTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass(frozen=True)
class ScheduleRow:
    """One day of a schedule and the spreadsheet row or text line it came from (None: no source row)."""

    date: date
    kind: str  # "off" | "makeup" (CalendarDay.Kind)
    name: str
    row: int | None = None


def parse_kind(value: object) -> str | None:
    """休息/放假/休 → "off", 补班/上班/班 → "makeup", anything else → None."""
    text = str(value or "").strip().lower()
    if text in OFF_WORDS:
        return "off"
    if text in MAKEUP_WORDS:
        return "makeup"
    return None


def parse_date(value: object) -> date | None:
    """A real Excel date or one of the text forms; None when it is not a valid date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = DATE_PATTERN.match(str(value or "").strip())
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _shown(value: object) -> str:
    """A cell as the user typed it, for error messages."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_row(
    number: int, raw_date: object, raw_kind: object, raw_name: object
) -> tuple[ScheduleRow | None, list[str]]:
    """One row's three cells → the row, or the Chinese errors naming row and field."""
    errors = []
    day = parse_date(raw_date)
    kind = parse_kind(raw_kind)
    name = str(raw_name or "").strip()
    if raw_date in (None, ""):
        errors.append(f"第 {number} 行：日期不能为空，{DATE_HINT}")
    elif day is None:
        errors.append(f"第 {number} 行：日期“{_shown(raw_date)}”无效，{DATE_HINT}")
    if raw_kind in (None, ""):
        errors.append(f"第 {number} 行：类型不能为空，{KIND_HINT}")
    elif kind is None:
        errors.append(f"第 {number} 行：类型“{_shown(raw_kind)}”无法识别，{KIND_HINT}")
    if not name:
        errors.append(f"第 {number} 行：名称不能为空（如“春节”）")
    elif len(name) > 40:
        errors.append(f"第 {number} 行：名称“{name[:40]}…”过长，最多 40 个字")
    if errors:
        return None, errors
    return ScheduleRow(date=day, kind=kind, name=name, row=number), []


# ---------------------------------------------------------------------------------------------------
# Spreadsheet.


def _not_xlsx(file_name: str) -> ValidationError:
    return ValidationError(
        f"文件“{file_name}”不是有效的 Excel 工作簿（.xlsx）。请用本页提供的模板填写，"
        "或在 Excel/WPS 中“另存为”.xlsx 格式后再导入。"
    )


def _open_sheet(file, file_name: str):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    size = getattr(file, "size", None)
    data = b"" if size and size > MAX_FILE_BYTES else file.read(MAX_FILE_BYTES + 1)
    if (size and size > MAX_FILE_BYTES) or len(data) > MAX_FILE_BYTES:
        raise ValidationError(f"文件“{file_name}”过大，放假安排表格应小于 2 MB。")
    if not file_name.lower().endswith(".xlsx") and not zipfile.is_zipfile(io.BytesIO(data)):
        raise _not_xlsx(file_name)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise _not_xlsx(file_name) from exc
    return book.worksheets[0]


def _header_columns(cells: tuple) -> dict[str, int] | None:
    """Column indexes of 日期/类型/名称 when `cells` is the header row."""
    texts = [str(cell or "").strip() for cell in cells]
    found = {}
    for key in ("日期", "类型", "名称"):
        for index, text in enumerate(texts):
            if text.startswith(key):
                found[key] = index
                break
    return found if len(found) == 3 else None


def _cell(cells: tuple, index: int) -> object:
    value = cells[index] if index < len(cells) else None
    return value.strip() if isinstance(value, str) else value


def read_schedule_xlsx(file, *, file_name: str) -> list[ScheduleRow]:
    """Every day listed in the workbook's first sheet; ValidationError listing every bad row."""
    sheet = _open_sheet(file, file_name)
    rows = sheet.iter_rows(values_only=True)
    columns = None
    number = 0
    for number, cells in enumerate(rows, start=1):
        columns = _header_columns(cells)
        if columns or number >= HEADER_SEARCH_ROWS:
            break
    if not columns:
        raise ValidationError(
            f"文件“{file_name}”的前 {HEADER_SEARCH_ROWS} 行中找不到表头：需要“日期”“类型”“名称”三列（见模板）。"
        )
    parsed, errors = [], []
    for row_number, cells in enumerate(rows, start=number + 1):
        values = [_cell(cells, columns[key]) for key in ("日期", "类型", "名称")]
        if all(value in (None, "") for value in values):
            continue
        if len(parsed) + len(errors) >= MAX_ROWS:
            raise ValidationError(f"文件“{file_name}”的数据行超过 {MAX_ROWS} 行，不像是一年的放假安排。")
        row, row_errors = parse_row(row_number, *values)
        errors += row_errors
        if row:
            parsed.append(row)
    if errors:
        raise ValidationError(errors)
    if not parsed:
        raise ValidationError(f"文件“{file_name}”中没有任何日期行（表头下方应逐行填写日期、类型、名称）。")
    return parsed


def schedule_template_xlsx(year: int, rows: list[ScheduleRow], *, note: str) -> bytes:
    """A filled-in template for `year`: title, header, one row per day, a 说明 column."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet(f"{year}年")
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    day = book.add_format({"num_format": "yyyy-mm-dd", "border": 1})
    plain = book.add_format({"border": 1})
    sheet.write(0, 0, f"{year}年部分节假日安排（放假和补班日期）", title)
    sheet.write(1, 0, note)
    for col, (text, width) in enumerate((("日期", 14), ("类型", 10), ("名称", 16), ("说明", 40))):
        sheet.write(2, col, text, head)
        sheet.set_column(col, col, width)
    for index, row in enumerate(rows, start=3):
        sheet.write_datetime(index, 0, row.date, day)
        sheet.write(index, 1, "休息" if row.kind == "off" else "补班", plain)
        sheet.write(index, 2, row.name, plain)
        sheet.write(index, 3, "", plain)
    sheet.data_validation(3, 1, 3 + max(len(rows), 60), 1, {"validate": "list", "source": ["休息", "补班"]})
    sheet.freeze_panes(3, 0)
    book.close()
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------
# Text lines (按国务院通知录入).


def parse_schedule_text(text: str) -> list[ScheduleRow]:
    """Lines `2027-02-06 休 春节` (blank lines and lines starting with # skipped); errors name the line."""
    parsed, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(maxsplit=2)
        if len(parts) < 3:
            errors.append(
                f"第 {number} 行：“{line}”应为“日期 类型 名称”三项，以空格分隔，如“2027-02-06 休 春节”"
            )
            continue
        row, row_errors = parse_row(number, *parts)
        errors += row_errors
        if row:
            parsed.append(row)
    if errors:
        raise ValidationError(errors)
    if not parsed:
        raise ValidationError("没有填写任何日期：每行一天，如“2027-02-06 休 春节”。")
    return parsed
