"""The blank project list template (issue 3 part 6; REQ B6): our headers under a title and a units row,
an example row, drop-down lists for the choices and a 填表说明 sheet. It is the layout the import reads
and the export writes (sheet_columns), written with xlsxwriter. No Django.
"""

from __future__ import annotations

import io

import xlsxwriter

from . import rules
from .sheet_columns import IMPORTED, Column

TEMPLATE_NOTES = (
    "每个项目填一行；第 1 行标题、第 2 行单位可以保留或删除，表头（第 3 行）请勿修改。",
    "金额单位为万元；也可在单元格中写单位，如“5亿元”“3000万元”。千位分隔符和全角数字都可以。",
    "日期可写 2024-03-15、2024年3月15日（精确到日），2024年3月、2024.03（精确到月），"
    "2024年第11周、2024年3月第2周（精确到周），2024年3月上旬/中旬/下旬。",
    "项目类别、计划类型、所处阶段、产业类型请从下拉列表中选择，也可填常用叫法（如“产业”“建设口”“新开工”）。",
    "项目级别、配合单位有多个时用“、”分隔；资金来源写成“地方政府专项债 5000；企业自筹”。",
    "责任单位、主管部门、所在街道、配合单位填写系统中的单位全称或简称；挂点领导、服务专员填写姓名。"
    "系统中找不到的名称会在导入预览中列出，可选择对应的现有单位或人员，选择会被记住。",
    "可以按类别分段，在段首加一行分类标题（如“一、产业项目（25个）”），该段的项目类别可不填；"
    "合计、小计行和表格下方的“注：”等说明会自动跳过。",
    "再次导入时，按项目代码（没有代码时按项目名称和责任单位）找到已有项目并更新，不会重复新增；"
    "留空的单元格不会清除系统中已有的内容。",
    "填写了计划类型或年度计划投资的项目，会列入所选年度的年度计划；填写实际开工时间的项目，会记录开工。",
    "整张表格全部无误才会导入；有错误时一行也不会导入，请按预览中列出的行号和列名修改后重新上传。",
)
EXAMPLE_ROW = {
    "name": "示例：东湖区智能制造产业园一期",
    "code": "2024-360102-34-01-000001",
    "category": "产业项目",
    "sector": "工业",
    "tags": "市重点、区重点",
    "content": "新建标准厂房 12 万平方米及配套设施",
    "address": "东湖区某某路 88 号",
    "total_investment": 120000,
    "planned_investment": 30000,
    "plan_type": "计划新开工",
    "stage": "前期",
    "planned_start": "2024年3月第2周",
    "planned_completion": "2026年6月",
    "planned_production": "2026年12月",
    "lead_leader": "（挂点领导姓名）",
    "responsible_unit": "（责任单位全称或简称）",
    "owner": "某某科技有限公司",
    "funding": "地方政府专项债 5000；企业自筹",
    "image_progress": "正在办理施工许可",
}
CHOICE_LISTS = {
    "category": rules.CATEGORIES,
    "sector": rules.SECTORS,
    "plan_type": rules.PLAN_TYPES,
    "stage": rules.STAGES,
}


def template_xlsx(*, title: str = "重大重点项目实施计划清单") -> bytes:
    """The blank template: our headers, an example row, drop-down lists for the choices and a 填表说明
    sheet (REQ B6). It is the same layout the import reads and the export writes."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("项目清单")
    bold = {"bold": True, "valign": "vcenter"}
    head = book.add_format({**bold, "align": "center", "text_wrap": True, "border": 1, "bg_color": "#DDEBF7"})
    need = book.add_format({**bold, "align": "center", "text_wrap": True, "border": 1, "bg_color": "#FCE4D6"})
    example = book.add_format({"font_color": "#7F7F7F", "italic": True})
    columns = IMPORTED
    sheet.merge_range(
        0, 0, 0, len(columns), title, book.add_format({**bold, "font_size": 16, "align": "center"})
    )
    sheet.merge_range(1, 0, 1, len(columns), "单位：万元", book.add_format({"align": "right"}))
    sheet.write(2, 0, "序号", head)
    sheet.set_column(0, 0, 6)
    sheet.write(3, 0, 1, example)
    for col, column in enumerate(columns, start=1):
        sheet.write(2, col, column.header, need if column.required else head)
        sheet.set_column(col, col, column.width)
        value = EXAMPLE_ROW.get(column.key)
        if value is not None:
            sheet.write(3, col, value, example)
        if column.key in CHOICE_LISTS:
            sheet.data_validation(
                3,
                col,
                2002,
                col,
                {
                    "validate": "list",
                    "source": list(CHOICE_LISTS[column.key].values()),
                    "error_type": "warning",
                    "error_message": f"请从下拉列表中选择{column.header}。",
                },
            )
        if column.help:
            sheet.write_comment(2, col, column.help)
    sheet.set_row(2, 36)
    sheet.freeze_panes(3, 2)
    notes = book.add_worksheet("填表说明")
    notes.set_column(0, 0, 22)
    notes.set_column(1, 1, 8)
    notes.set_column(2, 2, 90)
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    notes.write_row(0, 0, ["列名", "是否必填", "说明"], head)
    for row, column in enumerate(columns, start=1):
        notes.write_row(
            row, 0, [column.header, "必填" if column.required else "", _column_help(column)], wrap
        )
    start = len(columns) + 2
    notes.write(start, 0, "填写要求", book.add_format(bold))
    for offset, text in enumerate(TEMPLATE_NOTES, start=1):
        notes.merge_range(start + offset, 0, start + offset, 2, f"{offset}. {text}", wrap)
        notes.set_row(start + offset, 32)
    book.close()
    return out.getvalue()


def _column_help(column: Column) -> str:
    parts = [column.help] if column.help else []
    if column.key in CHOICE_LISTS:
        parts.append("可选：" + "、".join(CHOICE_LISTS[column.key].values()))
    if column.kind == "date":
        parts.append("如 2024-03-15、2024年3月、2024年第11周")
    if column.kind == "money":
        parts.append("万元")
    if column.key == "started_on":
        parts.append("已开工项目填写，精确到日；导入后记为项目的实际开工")
    if column.aliases:
        parts.append("也认：" + "、".join(column.aliases))
    return "；".join(parts)
