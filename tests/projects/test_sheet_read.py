"""Finding the table in workbooks as offices keep them (sheet_read): no database."""

import io
from decimal import Decimal

import openpyxl
import pytest

from tests.projects.sheets import PLAIN_HEADER, office_sheet, plain_rows, xlsx
from tuijin.projects.sheet_read import SheetError, read_bytes, read_workbook


def _read(data: bytes, **kw):
    return read_workbook(data, file_name="清单.xlsx", **kw)


def _save(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_office_sheet_title_units_and_two_row_merged_headers():
    table = _read(office_sheet()).tables[0]
    assert table.title == "东湖区2024年重大重点项目实施计划清单"
    assert table.unit == Decimal(1)
    assert table.header_rows == (3, 4)
    texts = [h.text for h in table.headers]
    assert texts[6:11] == [
        "计划开竣工时间/开工",
        "计划开竣工时间/竣工",
        "责任分工/挂点领导",
        "责任分工/责任单位",
        "责任分工/服务专员",
    ]
    assert texts[:2] == ["序号", "项目名称"]


def test_office_sheet_rows_keep_their_excel_numbers_and_sub_heading_categories():
    table = _read(office_sheet()).tables[0]
    assert [r.number for r in table.rows] == [6, 7, 8, 11, 12]
    assert [r.context.get("category") for r in table.rows] == ["industry"] * 3 + ["urban_construction"] * 2


def test_subtotals_headings_and_notes_are_skipped():
    table = _read(office_sheet()).tables[0]
    assert [(s.number, s.reason) for s in table.skipped] == [
        (5, "分类标题行"),
        (9, "合计/小计行"),
        (10, "分类标题行"),
        (13, "合计/小计行"),
    ]
    # reading stops at the notes: 注：… and 制表人 are not rows


def test_the_year_comes_from_the_title():
    assert _read(office_sheet()).year == 2024
    assert _read(xlsx([PLAIN_HEADER, *plain_rows(1)])).year is None


def test_a_month_formatted_excel_date_keeps_its_format():
    row = _read(office_sheet()).tables[0].rows[1]
    assert row.cells[6].number_format == 'yyyy"年"m"月"'


def test_one_row_header_under_a_title_and_units_row():
    data = xlsx([PLAIN_HEADER, *plain_rows(3)], title="2025年项目清单", units="单位：亿元")
    table = _read(data).tables[0]
    assert table.header_rows == (3, 3)
    assert table.unit == Decimal(10000)
    assert [r.number for r in table.rows] == [4, 5, 6]


def test_a_column_number_row_under_the_header_is_skipped():
    data = xlsx([PLAIN_HEADER, [1, 2, 3, 4, 5, 6, 7], *plain_rows(2)])
    table = _read(data).tables[0]
    assert [r.number for r in table.rows] == [3, 4]
    assert table.skipped[0].reason == "栏次行"


def test_blank_rows_are_skipped_and_rows_after_them_read():
    data = xlsx([PLAIN_HEADER, *plain_rows(1), [], [None, "  "], *plain_rows(1, start=2)])
    assert [r.number for r in _read(data).tables[0].rows] == [2, 5]


def test_heading_number_in_the_sequence_column():
    data = xlsx([PLAIN_HEADER, ["三", "民生社会事业项目（1个）"], *plain_rows(1)])
    table = _read(data).tables[0]
    assert table.rows[0].context == {"category": "livelihood"}


def test_plan_type_sub_sections_inside_a_category():
    rows = [
        PLAIN_HEADER,
        ["一、产业项目"],
        ["（一）新开工项目"],
        *plain_rows(1),
        ["（二）续建项目"],
        *plain_rows(1, start=2),
        ["二、城市管理项目"],
        *plain_rows(1, start=3),
    ]
    contexts = [r.context for r in _read(xlsx(rows)).tables[0].rows]
    assert contexts == [
        {"category": "industry", "plan_type": "new_start"},
        {"category": "industry", "plan_type": "continuing"},
        {"category": "urban_management"},
    ]


def test_a_heading_like_row_with_a_responsible_unit_is_data():
    data = xlsx([PLAIN_HEADER, [1, "一、产业项目", "", 100, "区发改委"]])
    assert [r.number for r in _read(data).tables[0].rows] == [2]


def test_the_templates_example_row_is_skipped():
    data = xlsx([PLAIN_HEADER, [1, "示例：某某产业园", "产业项目", 100, "某单位"], *plain_rows(1)])
    table = _read(data).tables[0]
    assert [r.number for r in table.rows] == [3]
    assert table.skipped[0].reason == "示例行"


def test_every_sheet_with_a_header_is_read_and_its_name_sets_the_category():
    book = openpyxl.Workbook()
    first = book.active
    first.title = "产业项目"
    for row in [PLAIN_HEADER, *plain_rows(2)]:
        first.append(row)
    second = book.create_sheet("城市建设项目")
    for row in [PLAIN_HEADER, *plain_rows(1, start=3)]:
        second.append(row)
    book.create_sheet("填表说明").append(["说明文字"])
    hidden = book.create_sheet("旧数据")
    hidden.sheet_state = "hidden"
    for row in [PLAIN_HEADER, *plain_rows(1, start=9)]:
        hidden.append(row)
    result = _read(_save(book))
    assert [t.sheet for t in result.tables] == ["产业项目", "城市建设项目"]
    assert result.tables[1].rows[0].context == {"category": "urban_construction"}
    assert result.ignored_sheets == []
    assert result.row_count == 3


def test_remembered_headers_find_the_header_row():
    data = xlsx([["序号", "工程名称", "牵头部门"], [1, "某工程", "区发改委"]])
    with pytest.raises(SheetError):
        _read(data)
    remembered = {"工程名称": "name"}
    table = _read(data, guess=remembered.get).tables[0]
    assert table.header_rows == (1, 1)


def test_a_csv_is_not_a_workbook():
    with pytest.raises(SheetError, match="不是有效的 Excel 工作簿"):
        read_bytes(io.BytesIO("项目名称,总投资\n".encode()), file_name="清单.csv")


def test_a_broken_zip_is_not_a_workbook():
    with pytest.raises(SheetError, match="不是有效的 Excel 工作簿"):
        _read(b"PK\x03\x04broken")


def test_a_sheet_without_our_headers_says_what_it_looks_for():
    with pytest.raises(SheetError, match="找不到项目清单的表头.*项目名称"):
        _read(xlsx([["姓名", "电话"], ["张三", "123"]]))


def test_a_header_without_rows_is_refused():
    with pytest.raises(SheetError, match="没有任何项目行"):
        _read(xlsx([PLAIN_HEADER, ["合计", "", "", 0]]))


def test_a_first_row_of_texts_under_a_header_with_a_blank_cell_is_data():
    header = ["项目名称", "项目类别", None, "总投资", "责任单位"]
    data = xlsx([header, ["河道整治", "城建", "备注文字", "一千", "区住建局"]])
    table = _read(data).tables[0]
    assert table.header_rows == (1, 1)
    assert [r.number for r in table.rows] == [2]
