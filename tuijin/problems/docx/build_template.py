"""Build the Word templates of the four slips (四单: 交办单, 转办单, 提醒单, 督办单), `slip_<kind>.docx` beside
this file, with python-docx (the title is literal text, one file per kind). `problems.slips.slip_docx` fills them with docxtpl.

    uv run python -m tuijin.problems.docx.build_template

The templates are committed; an office may restyle one in Word or WPS and upload it (文书模板 page) as
long as the `{{ … }}` tags stay. A4 portrait: title, number line 〔2024〕第12号, a two-column table
(受文单位, 项目, 问题/事项, 内容, 办理要求, 办理期限, 签发), and the 签收栏 for the receiving unit.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from tuijin.documents.docx_build import add_paragraph, set_font

HERE = Path(__file__).resolve().parent
KINDS = ("assign", "transfer", "remind", "supervise")
TITLES = {
    "assign": "重大项目问题交办单",
    "transfer": "重大项目问题转办单",
    "remind": "重大项目问题提醒单",
    "supervise": "重大项目问题督办单",
}
ROWS = (
    ("受文单位", "{{ to_unit }}"),
    ("项目名称", "{{ project }}"),
    ("问题（事项）", "{{ subject }}"),
    ("具体内容", "{{ content }}"),
    ("办理要求", "{{ requirement }}"),
    ("办理期限", "{{ deadline }}"),
    ("签发", "{{ issued_unit }}　{{ issued_by }}　{{ issued_on }}"),
    ("签收", "签收人：{{ acknowledged_by }}　　签收时间：{{ acknowledged_on }}"),
)


def path_of(kind: str) -> Path:
    return HERE / f"slip_{kind}.docx"


def _paragraph(document, text: str, *, size: float, font: str = "仿宋", bold=False, align=None):
    return add_paragraph(document, text, size=size, font=font, bold=bold, align=align)


def build(kind: str) -> Path:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.6)
    _paragraph(document, TITLES[kind], size=22, font="方正小标宋简体", align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, "{{ number }}", size=16, align=WD_ALIGN_PARAGRAPH.CENTER)
    table = document.add_table(rows=len(ROWS), cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, (label, tag) in zip(table.rows, ROWS, strict=True):
        row.cells[0].width, row.cells[1].width = Cm(3.2), Cm(12.6)
        for cell, text, bold in ((row.cells[0], label, True), (row.cells[1], tag, False)):
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            set_font(cell.paragraphs[0].add_run(text), "仿宋", 14, bold=bold)
    _paragraph(document, "{{ footer }}", size=12)
    target = path_of(kind)
    document.save(target)
    return target


def main() -> None:
    for kind in KINDS:
        sys.stdout.write(f"{build(kind)}\n")


if __name__ == "__main__":
    main()
