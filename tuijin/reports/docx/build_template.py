"""Build the Word template of the weekly table (WH19 附件2 重点项目进展情况一览表), `weekly_table.docx`
beside this file, with python-docx. `reports.export.table_docx` fills it with docxtpl (through
`tuijin.documents`, so an office may upload its own version under the key `wh19_weekly_table`).

    uv run python -m tuijin.reports.docx.build_template

The template is committed: officials may restyle it in Word or WPS as long as the `{{ … }}` and
`{%tr … %}` tags stay. Landscape A4 as 附件2: title with the unit's name, 单位主要负责人, the date line
(填报日期), then the eight columns of 附件2 with one numbered row (一、二、三…) per project.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm

from tuijin.documents.docx_build import add_paragraph, fill_cell, fixed_layout, repeat_header
from tuijin.reports.docx.form import HEADERS, TEMPLATE

BODY_FONT = "仿宋"
TITLE_FONT = "方正小标宋简体"
TITLE_FALLBACK = "黑体"
# column widths in cm (27.7 cm in all): 序号, 部门, 负责人, 项目名称, 基本情况, 最新工作进展, 未来两周工作计划, 责任人
WIDTHS = (1.2, 2.4, 1.6, 3.2, 6.2, 5.6, 5.6, 1.9)
CELLS = (
    "{{ r.number }}",
    "{{ r.unit }}",
    "{{ r.unit_head }}",
    "{{ r.project }}",
    "{{ r.basic }}",
    "{{ r.progress }}",
    "{{ r.plan_next }}",
    "{{ r.person }}",
)


def _paragraph(container, text: str, *, size: float, font: str = BODY_FONT, bold=False, align=None):
    return add_paragraph(container, text, size=size, font=font, bold=bold, align=align, after=4)


def _cell(cell, text: str, *, size: float = 10, bold: bool = False, center: bool = True) -> None:
    fill_cell(cell, text, font=BODY_FONT, size=size, bold=bold, center=center)


def _table(document) -> None:
    table = document.add_table(rows=6, cols=len(HEADERS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    fixed_layout(table)
    for row in table.rows:
        for cell, width in zip(row.cells, WIDTHS, strict=True):
            cell.width = Cm(width)
    for cell, text in zip(table.rows[0].cells, HEADERS, strict=True):
        _cell(cell, text, size=11, bold=True)
    repeat_header(table.rows[0])
    _cell(table.rows[1].cells[0], "{%tr for r in rows %}")
    for index, (cell, text) in enumerate(zip(table.rows[2].cells, CELLS, strict=True)):
        _cell(cell, text, center=index in (0, 2, 7))
    _cell(table.rows[3].cells[0], "{%tr endfor %}")
    _cell(table.rows[4].cells[0], "{%tr if not rows %}")
    empty = table.rows[5].cells
    empty[0].merge(empty[-1])
    _cell(table.rows[5].cells[0], "（{{ empty }}）")
    closing = table.add_row()
    _cell(closing.cells[0], "{%tr endif %}")


def build(path: Path = TEMPLATE) -> Path:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.0)
    section.top_margin = section.bottom_margin = Cm(1.5)
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    _paragraph(document, "附件2", size=14, font="黑体")
    title = _paragraph(document, "{{ title }}", size=20, font=TITLE_FONT, align=WD_ALIGN_PARAGRAPH.CENTER)
    title.runs[0]._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:hAnsi"), TITLE_FALLBACK)
    _paragraph(document, "{{ period }}", size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, "单位主要负责人：{{ unit_head }}", size=12)
    _paragraph(document, "填报日期：{{ filled }}", size=12, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _table(document)
    _paragraph(document, "{{ note }}", size=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


if __name__ == "__main__":
    sys.stdout.write(f"{build()}\n")
