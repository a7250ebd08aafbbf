"""Cells as offices type them (sheet_parse): pure, no database."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from tuijin.projects import sheet_parse as parse
from tuijin.projects.sheet_parse import Cell, CellError, FundingItem


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024年3月", (date(2024, 3, 1), "month")),
        ("２０２４年３月", (date(2024, 3, 1), "month")),
        ("2024.03", (date(2024, 3, 1), "month")),
        ("2024.3", (date(2024, 3, 1), "month")),
        ("2024-03", (date(2024, 3, 1), "month")),
        ("2024/3", (date(2024, 3, 1), "month")),
        ("202403", (date(2024, 3, 1), "month")),
        ("2024-3-15", (date(2024, 3, 15), "day")),
        ("2024/03/15", (date(2024, 3, 15), "day")),
        ("2024.3.15", (date(2024, 3, 15), "day")),
        ("2024年3月15日", (date(2024, 3, 15), "day")),
        (" 2024 年 3 月 15 日 ", (date(2024, 3, 15), "day")),
        ("20240315", (date(2024, 3, 15), "day")),
        ("2024年第11周", (date(2024, 3, 11), "week")),
        ("2024年3月第2周", (date(2024, 3, 4), "week")),  # the week holding 8 March
        ("2024年3月上旬", (date(2024, 3, 4), "week")),  # the week holding the 10th
        ("2024年3月中旬", (date(2024, 3, 18), "week")),  # the week holding the 20th
        ("2024年3月下旬", (date(2024, 3, 1), "month")),
        ("2024年3月底", (date(2024, 3, 1), "month")),
        ("2024年3月前", (date(2024, 3, 1), "month")),
        ("2024年三季度", (date(2024, 9, 1), "month")),
        ("2024Q2", (date(2024, 6, 1), "month")),
        ("2024年上半年", (date(2024, 6, 1), "month")),
        ("2024年底", (date(2024, 12, 1), "month")),
        (datetime(2024, 3, 15), (date(2024, 3, 15), "day")),
        (date(2024, 3, 15), (date(2024, 3, 15), "day")),
        (45366, (date(2024, 3, 15), "day")),  # an Excel serial day number
        (45366.5, (date(2024, 3, 15), "day")),
        (2024.03, (date(2024, 3, 1), "month")),
        (20240315, (date(2024, 3, 15), "day")),
        (None, None),
        ("", None),
        ("—", None),
        ("待定", None),
    ],
)
def test_dates_as_offices_type_them(value, expected):
    assert parse.parse_date(value) == expected


def test_an_excel_date_shown_as_a_month_keeps_month_precision():
    assert parse.parse_date(datetime(2024, 5, 1), number_format='yyyy"年"m"月"') == (
        date(2024, 5, 1),
        "month",
    )
    assert parse.parse_date(datetime(2024, 5, 1), number_format="yyyy-mm-dd") == (date(2024, 5, 1), "day")


def test_2024_10_typed_as_a_number_with_two_decimals_is_october():
    assert parse.parse_date(2024.1, number_format="0.00") == (date(2024, 10, 1), "month")


@pytest.mark.parametrize("value", ["2024年13月", "2024-02-30", "2024年第54周", "明年", "3月", True, 2024.13])
def test_impossible_dates_say_what_is_expected(value):
    with pytest.raises(CellError) as caught:
        parse.parse_date(value)
    assert "不是有效日期" in caught.value.message
    assert "2024年3月、2024.03 或 2024-03-15" in caught.value.message


def test_the_date_error_quotes_the_cell():
    with pytest.raises(CellError, match="“2024年13月”不是有效日期"):
        parse.parse_date("2024年13月")


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("120,000", Decimal(1), Decimal("120000.00")),
        ("１２０，０００", Decimal(1), Decimal("120000.00")),
        ("1,234,567.891", Decimal(1), Decimal("1234567.89")),
        (12345.5, Decimal(1), Decimal("12345.50")),
        (8000, Decimal(1), Decimal("8000.00")),
        ("1.2亿元", Decimal(1), Decimal("12000.00")),
        ("1.2亿", Decimal(1), Decimal("12000.00")),
        ("5000万元", Decimal(10000), Decimal("5000.00")),  # a unit in the cell wins
        ("3", Decimal(10000), Decimal("30000.00")),  # column in 亿元
        ("300000元", Decimal(1), Decimal("30.00")),
        ("￥8,000", Decimal(1), Decimal("8000.00")),
        ("约5000", Decimal(1), Decimal("5000.00")),
        ("0", Decimal(1), Decimal("0.00")),
        ("", Decimal(1), None),
        ("-", Decimal(1), None),
        (None, Decimal(1), None),
    ],
)
def test_money_in_wan_yuan(value, unit, expected):
    assert parse.parse_money(value, unit=unit) == expected


@pytest.mark.parametrize(
    ("value", "message"), [("-500", "不能为负数"), ("－500", "不能为负数"), (-1, "不能为负数")]
)
def test_negative_money_is_refused(value, message):
    with pytest.raises(CellError, match=message):
        parse.parse_money(value)


@pytest.mark.parametrize("value", ["约五千", "五千万", "1.2.3", "12,34", "abc", True, datetime(2024, 1, 1)])
def test_non_numeric_money_is_refused(value):
    with pytest.raises(CellError, match="不是有效金额"):
        parse.parse_money(value)


def test_absurd_money_asks_about_the_unit():
    with pytest.raises(CellError, match="请确认单位"):
        parse.parse_money("12000000000000")


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("单位：万元", Decimal(1)),
        ("金额单位:亿元", Decimal(10000)),
        ("单位：元", Decimal("0.0001")),
        ("总投资（亿元）", Decimal(10000)),
        ("总投资(万元)", Decimal(1)),
        ("东湖区2024年重大重点项目实施计划清单", None),
        ("项目名称", None),
    ],
)
def test_money_units_in_units_rows_and_headers(text, unit):
    assert parse.money_unit_in(text) == unit


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("产业项目", "industry"),
        ("产业", "industry"),
        ("industry", "industry"),
        ("建设口", "urban_construction"),
        ("城建", "urban_construction"),
        ("城市管理项目", "urban_management"),
        ("民生口", "livelihood"),
        ("民生社会事业", "livelihood"),
        (" 产 业 项 目 ", "industry"),
    ],
)
def test_categories_by_name_or_alias(value, expected):
    assert parse.parse_category(value) == expected


@pytest.mark.parametrize(
    ("parser", "value", "expected"),
    [
        (parse.parse_stage, "在建", "construction"),
        (parse.parse_stage, "前期", "preparation"),
        (parse.parse_stage, "投产", "producing"),
        (parse.parse_stage, "运营", "producing"),
        (parse.parse_stage, "投产/运营", "producing"),
        (parse.parse_stage, "已开工", "started"),
        (parse.parse_plan_type, "计划新开工", "new_start"),
        (parse.parse_plan_type, "新开工", "new_start"),
        (parse.parse_plan_type, "续建", "continuing"),
        (parse.parse_plan_type, "续建项目", "continuing"),
        (parse.parse_plan_type, "计划竣工", "completion"),
        (parse.parse_plan_type, "储备", "reserve"),
        (parse.parse_sector, "工业", "industrial"),
        (parse.parse_sector, "现代服务业", "service"),
    ],
)
def test_stages_plan_types_and_sectors(parser, value, expected):
    assert parser(value) == expected


def test_an_unknown_choice_lists_the_choices():
    with pytest.raises(CellError) as caught:
        parse.parse_category("交通")
    assert (
        caught.value.message
        == "“交通”无法识别（应为：产业项目、城市建设项目、城市管理项目、民生社会事业项目）"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("省重点、市重点", ["省重点", "市重点"]),
        ("省重点，市重点;区重点", ["省重点", "市重点", "区重点"]),
        ("区发改委/区住建局", ["区发改委", "区住建局"]),
        ("区重点、区重点", ["区重点"]),
        ("8+1产业链", ["8+1产业链"]),
        ("", []),
        (None, []),
    ],
)
def test_lists_split_on_chinese_and_latin_separators(value, expected):
    assert parse.split_names(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "专项债 5000；企业自筹",
            [FundingItem("special_bond", Decimal("5000.00")), FundingItem("enterprise")],
        ),
        (
            "中央预算内资金 2,000万元、区财政 0.1亿",
            [FundingItem("central_budget", Decimal("2000.00")), FundingItem("fiscal", Decimal("1000.00"))],
        ),
        ("地方政府专项债 5000", [FundingItem("special_bond", Decimal("5000.00"))]),
        ("超长期特别国债：3000", [FundingItem("ultra_long_bond", Decimal("3000.00"))]),
        ("政策性银行贷款 1亿元", [FundingItem("bank_loan", Decimal("10000.00"), "政策性银行贷款")]),
        ("企业自筹,社会资本", [FundingItem("enterprise"), FundingItem("social")]),
        ("上级补助 300", [FundingItem("other", Decimal("300.00"), "上级补助")]),
        ("", []),
    ],
)
def test_funding_sources(value, expected):
    assert parse.parse_funding(value) == expected


def test_negative_funding_is_refused():
    with pytest.raises(CellError, match="不能为负数"):
        parse.parse_funding("专项债 -5000")


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("一、产业项目（25个）", {"category": "industry"}),
        ("二、城市建设项目(12个)", {"category": "urban_construction"}),
        ("（三）民生社会事业项目", {"category": "livelihood"}),
        ("产业项目（共25个项目）", {"category": "industry"}),
        ("一、新开工项目（30个）", {"plan_type": "new_start"}),
        ("（二）续建项目", {"plan_type": "continuing"}),
        ("三、其他", {}),
        ("东湖智能制造产业园一期", None),
        ("光电产业基地", None),
    ],
)
def test_sub_headings_set_the_category_or_plan_type(text, context):
    assert parse.heading_context(text) == context


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("合计", True),
        ("合  计", True),
        ("小计", True),
        ("总计", True),
        ("其中：产业", True),
        ("合肥路改造", False),
    ],
)
def test_subtotal_rows(text, expected):
    assert parse.is_subtotal(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("注：本表单位万元", True), ("备注:", True), ("制表人：张三", True), ("注册服务中心项目", False)],
)
def test_notes_under_the_table(text, expected):
    assert parse.is_note(text) is expected


def test_a_row_parses_each_column_and_collects_errors():
    row = parse.parse_row(
        {
            "name": Cell(" 东湖智能制造产业园 "),
            "total_investment": Cell("1.2亿元"),
            "planned_start": Cell("2024年3月"),
            "planned_completion": Cell("2024年13月"),
            "category": Cell(""),
            "tags": Cell("市重点、区重点"),
        },
        context={"category": "industry"},
    )
    assert row.values == {
        "name": "东湖智能制造产业园",
        "total_investment": Decimal("12000.00"),
        "planned_start": date(2024, 3, 1),
        "planned_start_precision": "month",
        "tags": ["市重点", "区重点"],
        "category": "industry",
    }
    assert row.errors == {
        "planned_completion": "“2024年13月”不是有效日期（应为 2024年3月、2024.03 或 2024-03-15）"
    }


def test_a_row_cell_wins_over_the_sub_heading():
    row = parse.parse_row({"category": Cell("民生")}, context={"category": "industry"})
    assert row.values["category"] == "livelihood"


def test_overlong_text_is_refused_with_its_length():
    row = parse.parse_row({"name": Cell("项" * 121)})
    assert "最多 120 个字" in row.errors["name"]
