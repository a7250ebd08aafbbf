"""Workbooks as offices keep them, built with openpyxl, for the import tests.

`office_sheet()` is the messy-but-right sheet of 东湖区 (the `world` fixture's units and leader): a title
row, "单位：万元", two-row merged headers (计划开竣工时间 over 开工/竣工, 责任分工 over 挂点领导/责任单位/
服务专员), category sub-headings, a 小计 and a 合计 row, notes under the table, full-width digits, thousands
separators, Chinese dates and Excel dates shown as months. `office_sheet(broken=True)` is the same sheet
with the mistakes the issue names. `xlsx(rows)` builds a plain one-row-header sheet.
"""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
from openpyxl.styles import Alignment, Font

HEADERS_TOP = [
    "序号",
    "项目名称",
    "项目代码",
    "建设内容及规模",
    "总投资（万元）",
    "2024年计划投资",
    "计划开竣工时间",
    None,
    "责任分工",
    None,
    None,
    "项目类型",
    "项目级别",
    "资金来源",
    "备注",
]
HEADERS_SUB = [None, None, None, None, None, None, "开工", "竣工", "挂点领导", "责任单位", "服务专员"]
TITLE = "东湖区2024年重大重点项目实施计划清单"

# 序号, 名称, 代码, 内容, 总投资, 年度计划, 开工, 竣工, 挂点领导, 责任单位, 服务专员, 项目类型, 级别, 资金来源, 备注
INDUSTRY = [
    [
        1,
        "东湖智能制造产业园一期",
        "2024-360102-34-01-000001",
        "新建标准厂房12万平方米",
        "１２０，０００",
        "30,000",
        "2024年3月",
        "2026.06",
        "林志远（副区长）",
        "区发改委",
        "周文博",
        "计划新开工",
        "市重点、区重点",
        "专项债 5000；企业自筹",
        "",
    ],
    [
        2,
        "光电产业基地",
        "",
        "新建厂房及研发楼",
        "1.2亿元",
        8000,
        datetime(2024, 5, 1),  # typed as 2024年5月: an Excel date shown as a month
        "2025年12月",
        "林志远",
        "区发展和改革委员会",
        "",
        "新开工",
        "区重点",
        "",
        "",
    ],
    [
        3,
        "生物医药孵化器",
        "",
        "改造厂房2万平方米",
        "25,000.5",
        "5,000",
        "2024年第11周",
        "2024年12月",
        "林志远",
        "区发改委",
        "",
        "续建",
        "",
        "中央预算内资金 2,000万元、区财政 0.1亿",
        "已开工",
    ],
]
CITY = [
    [
        4,
        "滨江路改造工程",
        "",
        "道路改造3公里",
        "8,600",
        "4,000",
        "2024.03",
        "2024年10月",
        "林志远",
        "区住建局",
        "吴晓",
        "计划新开工",
        "",
        "",
        "",
    ],
    [
        5,
        "老旧小区改造（二期）",
        "",
        "改造小区12个",
        "６５００",
        "６５００",
        "2024年4月上旬",
        "2024年11月",
        "林志远",
        "区住房和城乡建设局",
        "",
        "计划竣工",
        "",
        "",
        "",
    ],
]


def _mistakes(industry: list[list], city: list[list]) -> None:
    """The issue's bad input, one per row: an impossible date, negative and non-numeric money, completion
    before start, a duplicate code, an unknown unit."""
    industry[0][6] = "2024年13月"  # row 6: impossible date
    industry[1][4] = "-500"  # row 7: negative money
    industry[2][5] = "约五千"  # row 8: non-numeric money
    city[0][7] = "2023年12月"  # row 11: completion before start
    city[0][2] = "2024-360102-34-01-000001"  # row 11: same code as row 6
    city[1][9] = "区建设局"  # row 12: unknown unit


def office_sheet(*, broken: bool = False) -> bytes:
    industry = [list(r) for r in INDUSTRY]
    city = [list(r) for r in CITY]
    if broken:
        _mistakes(industry, city)
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "项目清单"
    width = len(HEADERS_TOP)
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([None] * (width - 2) + ["单位：万元"])
    ws.append(HEADERS_TOP)
    ws.append(HEADERS_SUB)
    for col, head in enumerate(HEADERS_TOP, start=1):
        if head and (col > len(HEADERS_SUB) or HEADERS_SUB[col - 1] is None):
            ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    ws.merge_cells("G3:H3")
    ws.merge_cells("I3:K3")
    ws.append(["一", "产业项目（3个）"])  # row 5
    for row in industry:  # rows 6-8
        ws.append(row)
    ws.append(["", "小计", "", "", "=SUM(E6:E8)"])  # row 9
    ws.append(["二、城市建设项目（2个）"])  # row 10
    for row in city:  # rows 11-12
        ws.append(row)
    ws.append(["合  计", "", "", "", "=SUM(E9,E11:E12)"])  # row 13
    ws.append([])  # row 14
    ws.append(["注：1. 本表金额单位为万元；2. 计划开工时间精确到周。"])  # row 15
    ws.append(["制表人：张三"])
    ws["G7"].number_format = 'yyyy"年"m"月"'
    return _save(book)


def xlsx(
    rows: list[list], *, title: str | None = None, units: str | None = None, sheet: str = "Sheet1"
) -> bytes:
    """A plain sheet: optional title and units rows, then `rows` (the first is the header)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    if title:
        ws.append([title])
    if units:
        ws.append([units])
    for row in rows:
        ws.append(row)
    return _save(book)


def _save(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


PLAIN_HEADER = ["序号", "项目名称", "项目类别", "总投资（万元）", "责任单位", "计划开工时间", "计划竣工时间"]


def plain_rows(n: int, *, unit: str = "区发改委", start: int = 1) -> list[list]:
    """`n` right rows under PLAIN_HEADER."""
    return [
        [i, f"测试导入项目{i:05d}", "产业项目", 1000 + i, unit, "2024年3月", "2025年6月"]
        for i in range(start, start + n)
    ]
