"""Build the Word templates of the assessment, beside this file, with python-docx and the shared
`documents.docx_build` helpers; `tuijin.scoring.documents` fills them with docxtpl.

    uv run python -m tuijin.scoring.docx.build_template

- `score_ranking.docx` (key `score_ranking`): the ranking of a period, one table per ranking group (名次,
  单位, one column per category — docxtpl `{%tc %}` column loop, so any rule set's categories fit (a year
  period: 季度平均分, 折算分) —, `{{ adjustments_label }}` (加减分; 奖励加分 in a year period), 总分), the
  tie-break rule, the rule-set version and the period's notes under it.
- `score_sheet.docx` (key `score_sheet`): WH19 附件3《项目推进目标季度考评计分细则》 filled in for each unit
  (one section per unit, a page each): 序号、考评内容、考评指标、过程管理、指标权重、分类权重 as 附件3, then
  扣分/加分明细 and 得分.

Both are committed; an office may restyle them in Word or WPS and upload them (系统设置 › 文书模板) as long
as the `{{ … }}` tags stay. A4 landscape.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Cm, Pt

from tuijin.documents.docx_build import add_paragraph, fill_cell, fixed_layout, repeat_header, set_font

HERE = Path(__file__).resolve().parent
RANKING = HERE / "score_ranking.docx"
SHEET = HERE / "score_sheet.docx"
BODY = "仿宋"
HEAD = "黑体"
TITLE_FONT = "方正小标宋简体"
# WH19 附件3's columns, in its order and words, then the filled-in columns
SHEET_COLUMNS = (
    ("序号", 1.1),
    ("考评内容", 2.4),
    ("考评指标", 7.6),
    ("过程管理", 2.6),
    ("指标权重", 1.5),
    ("分类权重", 1.9),
    ("扣分/加分明细", 7.2),
    ("得分", 1.5),
)


def _landscape(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)


def _p(container, text: str, *, size: float = 12, font: str = BODY, align=None, bold=False):
    return add_paragraph(container, text, size=size, font=font, bold=bold, align=align, after=2)


def _tag(container, text: str):
    """A docxtpl paragraph tag ({%p … %}): the paragraph disappears when rendered."""
    return add_paragraph(container, text, size=9, font=BODY, after=0)


def _cell_text(cell, text: str, *, size: float = 10.5, center: bool = False, font: str = BODY) -> None:
    fill_cell(cell, text, font=font, size=size, center=center)


def _cell_lines(cell, loop: str, line: str, empty: str, *, size: float = 10) -> None:
    """A cell of several paragraphs: {%p for … %} {{ line }} {%p endfor %}, then one that is never removed
    (an empty cell would not be valid Word)."""
    _cell_text(cell, loop, size=size)
    for text in (line, "{%p endfor %}", empty):
        paragraph = cell.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        set_font(paragraph.add_run(text), BODY, size)


def build_ranking() -> Path:
    document = Document()
    _landscape(document)
    _p(document, "{{ title }}", size=20, font=TITLE_FONT, align=WD_ALIGN_PARAGRAPH.CENTER)
    _p(document, "{{ subtitle }}", size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    _tag(document, "{%p for g in groups %}")
    _p(document, "{{ g.heading }}", size=14, font=HEAD)
    table = document.add_table(rows=4, cols=7)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = (
        "名次",
        "单位",
        "{%tc for c in categories %}",
        "{{ c }}",
        "{%tc endfor %}",
        "{{ adjustments_label }}",
        "总分",
    )
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        fill_cell(cell, text, font=HEAD, size=10.5)
    repeat_header(table.rows[0])
    fill_cell(table.rows[1].cells[0], "{%tr for r in g.rows %}", font=BODY, size=10)
    body = ("{{ r.rank }}", "{{ r.unit }}", "{%tc for s in r.scores %}", "{{ s }}", "{%tc endfor %}")
    for cell, text in zip(table.rows[2].cells, (*body, "{{ r.adjustments }}", "{{ r.total }}"), strict=True):
        fill_cell(cell, text, font=BODY, size=10.5, center=text != "{{ r.unit }}")
    fill_cell(table.rows[3].cells[0], "{%tr endfor %}", font=BODY, size=10)
    _tag(document, "{%p if g.marks %}")
    _p(document, "{{ g.marks }}", size=10.5)
    _tag(document, "{%p endif %}")
    _tag(document, "{%p endfor %}")
    _p(document, "说明：", size=10.5, font=HEAD)
    _tag(document, "{%p for n in notes %}")
    _p(document, "{{ n }}", size=10.5)
    _tag(document, "{%p endfor %}")
    _p(document, "{{ issuer }}　　{{ printed_on }}", size=12, align=WD_ALIGN_PARAGRAPH.RIGHT)
    document.save(RANKING)
    return RANKING


def build_sheet() -> Path:
    document = Document()
    _landscape(document)
    _tag(document, "{%p for s in sheets %}")
    _p(document, "{{ title }}", size=18, font=TITLE_FONT, align=WD_ALIGN_PARAGRAPH.CENTER)
    _p(
        document,
        "单位：{{ s.unit }}　　排名分组：{{ s.group }}　　名次：{{ s.rank }}　　总分：{{ s.total }}",
        size=12,
    )
    table = document.add_table(rows=4, cols=len(SHEET_COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    fixed_layout(table, side_margin_dxa=60)
    for cell, (label, width) in zip(table.rows[0].cells, SHEET_COLUMNS, strict=True):
        cell.width = Cm(width)
        fill_cell(cell, label, font=HEAD, size=10.5)
    repeat_header(table.rows[0])
    fill_cell(table.rows[1].cells[0], "{%tr for row in s.rows %}", font=BODY, size=10)
    cells = table.rows[2].cells
    for cell, (_, width) in zip(cells, SHEET_COLUMNS, strict=True):
        cell.width = Cm(width)
    _cell_text(cells[0], "{{ row.number }}", center=True)
    _cell_text(cells[1], "{{ row.name }}", center=True)
    _cell_lines(cells[2], "{%p for t in row.indicator %}", "{{ t }}", "")
    _cell_text(cells[3], "{{ row.process }}", center=True, size=10)
    _cell_text(cells[4], "{{ row.base }}", center=True)
    _cell_text(cells[5], "{{ row.weight }}", center=True, size=10)
    _cell_lines(cells[6], "{%p for d in row.details %}", "{{ d }}", "{{ row.empty }}")
    _cell_text(cells[7], "{{ row.score }}", center=True)
    fill_cell(table.rows[3].cells[0], "{%tr endfor %}", font=BODY, size=10)
    total = table.add_row().cells
    merged = total[0].merge(total[6])
    fill_cell(merged, "总分（各类得分 × 分类权重之和，加减分计入总分）", font=HEAD, size=10.5)
    fill_cell(total[7], "{{ s.total }}", font=HEAD, size=10.5)
    _tag(document, "{%p for n in s.notes %}")
    _p(document, "{{ n }}", size=10)
    _tag(document, "{%p endfor %}")
    _tag(document, "{%p if s.page_break %}")
    paragraph = document.add_paragraph()
    paragraph.add_run().add_break(WD_BREAK.PAGE)
    _tag(document, "{%p endif %}")
    _tag(document, "{%p endfor %}")
    _p(document, "{{ issuer }}　　{{ printed_on }}", size=12, align=WD_ALIGN_PARAGRAPH.RIGHT)
    document.save(SHEET)
    return SHEET


def main() -> None:
    sys.stdout.write(f"{build_ranking()}\n{build_sheet()}\n")


if __name__ == "__main__":
    main()
