"""Build the Word template of a meeting's minutes (会议纪要), `meeting_minutes.docx` beside this file, with
python-docx and the shared `documents.docx_build` helpers. `meetings.documents.minutes_docx` fills it with
docxtpl.

    uv run python -m tuijin.meetings.docx.build_template

The template is committed; an office may restyle it in Word or WPS and upload it (文书模板 page) as long
as the `{{ … }}` tags stay. A4 portrait: title, 〔2024〕第N期, the issuing office and date, time / place /
chair, the summary, 出席 and 请假, each agenda item with its minutes, the decided matters table (序号, 事项,
牵头单位, 责任单位, 办结时限), 主送, 抄送, and the issuing line.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from tuijin.documents.docx_build import add_paragraph, fill_cell, fixed_layout, repeat_header

HERE = Path(__file__).resolve().parent
PATH = HERE / "meeting_minutes.docx"
BODY = "仿宋"
HEAD = "黑体"
COLUMNS = (("序号", 1.3), ("事项", 6.0), ("牵头单位", 2.8), ("责任单位", 3.3), ("办结时限", 2.4))


def _p(document, text: str, *, size: float = 16, font: str = BODY, bold=False, align=None, indent=False):
    paragraph = add_paragraph(document, text, size=size, font=font, bold=bold, align=align, after=0)
    paragraph.paragraph_format.line_spacing = Pt(28)
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    return paragraph


def _tag(document, text: str):
    """A docxtpl paragraph tag ({%p … %}): the paragraph disappears when rendered."""
    return add_paragraph(document, text, size=10, font=BODY, after=0)


def build() -> Path:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    _p(document, "{{ title }}", size=22, font="方正小标宋简体", align=WD_ALIGN_PARAGRAPH.CENTER)
    _tag(document, "{%p if draft %}")
    _p(document, "（征求意见稿）", size=16, font="楷体", align=WD_ALIGN_PARAGRAPH.CENTER)
    _tag(document, "{%p endif %}")
    _p(document, "{{ number }}", size=16, align=WD_ALIGN_PARAGRAPH.CENTER)
    _p(document, "{{ issuer }}　　　　{{ issued_on }}", size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    _p(document, "")
    _p(document, "会议时间：{{ date }}{{ time }}", indent=True)
    _p(document, "会议地点：{{ place }}", indent=True)
    _p(document, "主 持 人：{{ chair }}", indent=True)
    _p(document, "出席人员：{{ present }}", indent=True)
    _tag(document, "{%p if leave %}")
    _p(document, "请假人员：{{ leave }}", indent=True)
    _tag(document, "{%p endif %}")
    _tag(document, "{%p for para in summary %}")
    _p(document, "{{ para }}", indent=True)
    _tag(document, "{%p endfor %}")
    _tag(document, "{%p for it in items %}")
    _p(document, "{{ it.no }}、{{ it.title }}", font=HEAD, indent=True)
    _tag(document, "{%p for para in it.paras %}")
    _p(document, "{{ para }}", indent=True)
    _tag(document, "{%p endfor %}")
    _tag(document, "{%p endfor %}")
    _p(document, "议定事项", font=HEAD, align=WD_ALIGN_PARAGRAPH.CENTER)
    table = document.add_table(rows=3, cols=len(COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    fixed_layout(table, side_margin_dxa=60)
    for cell, (label, width) in zip(table.rows[0].cells, COLUMNS, strict=True):
        cell.width = Cm(width)
        fill_cell(cell, label, font=HEAD, size=12)
    repeat_header(table.rows[0])
    loop, body = table.rows[1], table.rows[2]
    fill_cell(loop.cells[0], "{%tr for m in matters %}", font=BODY, size=12)
    for cell, (_, width) in zip(loop.cells, COLUMNS, strict=True):
        cell.width = Cm(width)
    tags = ("{{ m.no }}", "{{ m.title }}", "{{ m.lead_unit }}", "{{ m.units }}", "{{ m.deadline }}")
    for cell, tag, (_, width) in zip(body.cells, tags, COLUMNS, strict=True):
        cell.width = Cm(width)
        fill_cell(cell, tag, font=BODY, size=12, center=tag in ("{{ m.no }}", "{{ m.deadline }}"))
    end = table.add_row()
    fill_cell(end.cells[0], "{%tr endfor %}", font=BODY, size=12)
    _tag(document, "{%p if not matters %}")
    _p(document, "本次会议未形成需跟踪办理的议定事项。", indent=True)
    _tag(document, "{%p endif %}")
    _p(document, "")
    _p(document, "主送：{{ recipients }}", size=14)
    _p(document, "抄送：{{ cc }}", size=14)
    _p(document, "{{ issuer }}　　　　{{ issued_on }}印发", size=14)
    document.save(PATH)
    return PATH


def main() -> None:
    sys.stdout.write(f"{build()}\n")


if __name__ == "__main__":
    main()
