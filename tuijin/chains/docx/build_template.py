"""Build the Word template of the start plan (WH19 附件1 项目开工推进计划表), `start_plan.docx` beside
this file, with python-docx. `chains.export.plan_docx` fills it with docxtpl.

    uv run python -m tuijin.chains.docx.build_template

The template is committed: officials may restyle it in Word or WPS as long as the `{{ … }}` and
`{%tr … %}` tags stay. Landscape A4; one row per project; each procedure's cell holds its completion
deadline, the original one when re-planned, and the actual date (实); signature lines under the table.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from tuijin.chains.docx.form import PROCEDURES, SIGNATURES, TEMPLATE
from tuijin.documents.docx_build import add_paragraph, fill_cell, fixed_layout, repeat_header, set_font

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
# column widths in cm: 序号, 项目名称, 总投资, 责任单位/责任人, twelve procedures, 计划开工 (27.7 cm in all)
WIDTHS = (0.8, 3.1, 1.5, 2.4) + (1.5,) * len(PROCEDURES) + (1.9,)
HEADERS = (
    ("序号", "项目名称", "总投资（万元）", "责任单位／责任人")
    + tuple(n for _, n in PROCEDURES)
    + ("计划开工（到周）",)
)
CELLS = (
    ("{{ r.number }}", "{{ r.name }}", "{{ r.investment }}", "{{ r.unit_person }}")
    + tuple(f"{{{{ r.steps[{i}] }}}}" for i in range(len(PROCEDURES)))
    + ("{{ r.start }}",)
)


def _paragraph(container, text: str, *, size: float, font: str = BODY_FONT, bold=False, align=None):
    return add_paragraph(container, text, size=size, font=font, bold=bold, align=align, after=2)


def _cell(cell, text: str, *, size: float = 7, bold: bool = False, center: bool = True) -> None:
    fill_cell(cell, text, font=BODY_FONT, size=size, bold=bold, center=center)


def _fixed_layout(table) -> None:
    fixed_layout(table, side_margin_dxa=40)


def _widths(table) -> None:
    for row in table.rows:
        for cell, width in zip(row.cells, WIDTHS, strict=True):
            cell.width = Cm(width)


def _plan_table(document) -> None:
    table = document.add_table(rows=6, cols=len(HEADERS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _fixed_layout(table)
    _widths(table)
    for cell, text in zip(table.rows[0].cells, HEADERS, strict=True):
        _cell(cell, text, size=7.5, bold=True)
    repeat_header(table.rows[0])
    _cell(table.rows[1].cells[0], "{%tr for r in rows %}")
    for index, (cell, text) in enumerate(zip(table.rows[2].cells, CELLS, strict=True)):
        _cell(cell, text, center=index not in (1, 3))
    _cell(table.rows[3].cells[0], "{%tr endfor %}")
    _cell(table.rows[4].cells[0], "{%tr if not rows %}")
    empty = table.rows[5].cells
    empty[0].merge(empty[-1])
    _cell(table.rows[5].cells[0], "（本{{ kind }}暂无已编制推进链条的项目）")
    # the closing tag needs its own row
    closing = table.add_row()
    _cell(closing.cells[0], "{%tr endif %}")


def _signatures(document) -> None:
    table = document.add_table(rows=1, cols=3)
    table.autofit = False
    for cell, text, width in zip(table.rows[0].cells, SIGNATURES, (11.0, 9.0, 7.7), strict=True):
        cell.width = Cm(width)
        paragraph = cell.paragraphs[0]
        paragraph.paragraph_format.space_before = Pt(12)
        set_font(paragraph.add_run(text), BODY_FONT, 11)


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
    _paragraph(document, "附件1", size=12, font=TITLE_FONT)
    _paragraph(document, "{{ title }}", size=18, font=TITLE_FONT, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(
        document,
        "{{ kind }}：{{ place }}　　　　单位：万元　　　　导出日期：{{ exported }}",
        size=10.5,
    )
    _plan_table(document)
    _paragraph(document, "{{ note }} 各手续栏：上为完成时限，“实”为实际完成日期。", size=8)
    _signatures(document)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


if __name__ == "__main__":
    sys.stdout.write(f"{build()}\n")
