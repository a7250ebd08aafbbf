"""Build the default Word templates of the weekly briefing, the monthly notice and the quarterly report
(`bulletin_*.docx` beside this file) with python-docx. `tuijin.documents.bulletin_docx` fills them with
docxtpl; offices may replace them on 文书模板.

    uv run python -m tuijin.documents.docx.build_bulletins

公文 look (GB/T 9704 in spirit): A4, margins 3.7/3.5/2.8/2.6 cm; the issuer in red 小标宋-like 黑体 with a
red rule under the number line (通报〔2024〕6号, 签发人); the title in 黑体 二号; the body in 仿宋 三号;
tables in 仿宋 五号 (paragraph styles 表格文字/表格表头, no formatting in the cells' runs; fixed layout,
explicit grid and borders — LibreOffice converts a 500-row table quickly) with a header row repeated on
every page; the issuer and date at the end. The monthly notice lists the red projects with their reasons
and counts the yellow ones per unit in one paragraph (`yellow_note`; a city has a couple of thousand).
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from tuijin.documents.docx_build import add_paragraph, repeat_header

HERE = Path(__file__).resolve().parent
BODY_FONT = "仿宋"
TITLE_FONT = "黑体"
RED = RGBColor(0xE0, 0x00, 0x00)
TEXT_WIDTH = 15.6  # cm between the margins


def _p(container, text: str, *, size: float = 16, font: str = BODY_FONT, bold=False, align=None, after=0):
    return add_paragraph(container, text, size=size, font=font, bold=bold, align=align, after=after)


def _heading(document, text: str) -> None:
    _p(document, text, font=TITLE_FONT, after=4)


def _red_rule(paragraph) -> None:
    """A red line under the paragraph (the 公文 separator under the number)."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "4"), ("w:color", "E00000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _masthead(document) -> None:
    issuer = _p(document, "{{ issuer }}", size=26, font=TITLE_FONT, align=WD_ALIGN_PARAGRAPH.CENTER, after=12)
    issuer.runs[0].font.color.rgb = RED
    _p(document, "{% if draft %}送审稿{% endif %}", size=12, align=WD_ALIGN_PARAGRAPH.RIGHT)
    number = _p(
        document,
        "{{ number }}{% if signer %}　　签发人：{{ signer }}{% endif %}",
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=18,
    )
    _red_rule(number)
    _p(document, "{{ title }}", size=22, font=TITLE_FONT, align=WD_ALIGN_PARAGRAPH.CENTER, after=18)


def _summary(document) -> None:
    _p(document, "{%p for s in summary %}")
    paragraph = _p(document, "{{ s }}")
    paragraph.paragraph_format.first_line_indent = Pt(32)
    _p(document, "{%p endfor %}")


CELL_STYLE = ("TableText", "表格文字")
HEAD_STYLE = ("TableHead", "表格表头")
CENTERED = (
    "no",
    "rank",
    "total",
    "light",
    "color",
    "on",
    "due",
    "days",
    "date",
    "projects",
    "started",
    "red",
)
CENTERED += ("yellow", "place", "issued_on", "investment")


def _table_styles(document) -> None:
    """Paragraph styles of the table cells (表格文字, 表格表头 bold and centred): the cells carry no run
    formatting of their own, so a 500-row table stays small and LibreOffice converts it to PDF quickly."""
    for (style_id, name), bold in ((CELL_STYLE, False), (HEAD_STYLE, True)):
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.element.styleId = style_id
        style.base_style = document.styles["Normal"]
        style.quick_style = True
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.line_spacing = 1.0
        style.font.name = BODY_FONT
        style.font.size = Pt(10.5)
        style.font.bold = bold
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
        if bold:
            style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _cell(cell, text: str, *, head: bool = False, center: bool = True) -> None:
    """One paragraph of the cell's style, one run without formatting (the style gives font and size)."""
    paragraph = cell.paragraphs[0]
    paragraph.style = HEAD_STYLE[1] if head else CELL_STYLE[1]
    if not head:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    paragraph.add_run(text)


def _element(tag: str, **attributes: str):
    element = OxmlElement(tag)
    for key, value in attributes.items():
        element.set(qn(f"w:{key}"), value)
    return element


def _table_properties(table, widths: list[int]) -> None:
    """tblPr in schema order, written whole: centred, width and grid = the columns' widths (twips), fixed
    layout (Word and LibreOffice take the widths as given instead of measuring every cell), single borders
    (no table style to resolve for every cell), narrow side margins."""
    tbl = table._tbl
    properties = tbl.tblPr
    for child in list(properties):
        properties.remove(child)
    properties.append(_element("w:tblW", w=str(sum(widths)), type="dxa"))
    properties.append(_element("w:jc", val="center"))
    borders = _element("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_element(f"w:{side}", val="single", sz="4", space="0", color="000000"))
    properties.append(borders)
    properties.append(_element("w:tblLayout", type="fixed"))
    margins = _element("w:tblCellMar")
    for side in ("left", "right"):
        margins.append(_element(f"w:{side}", w="60", type="dxa"))
    properties.append(margins)
    properties.append(
        _element(
            "w:tblLook",
            val="0000",
            firstRow="0",
            lastRow="0",
            firstColumn="0",
            lastColumn="0",
            noHBand="1",
            noVBand="1",
        )
    )
    grid = tbl.tblGrid
    for column, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        column.set(qn("w:w"), str(width))


def _table(document, items: str, columns: list[tuple[str, str, float]], empty: str) -> None:
    """A table over `items`: columns are (header, the row's field, width share); one row per item, or the
    `empty` sentence across the table when there is none."""
    total = sum(w for _, _, w in columns)
    twips = [round(TEXT_WIDTH * w / total * 567) for _, _, w in columns]
    table = document.add_table(rows=6, cols=len(columns))
    _table_properties(table, twips)
    for row in table.rows:
        for cell, width in zip(row.cells, twips, strict=True):
            cell.width = width * 635  # EMU per twip
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for cell, (header, _, _) in zip(table.rows[0].cells, columns, strict=True):
        _cell(cell, header, head=True)
    repeat_header(table.rows[0])
    _cell(table.rows[1].cells[0], f"{{%tr for r in {items} %}}")
    for cell, (_, field, _) in zip(table.rows[2].cells, columns, strict=True):
        _cell(cell, f"{{{{ r.{field} }}}}", center=field in CENTERED)
    _cell(table.rows[3].cells[0], "{%tr endfor %}")
    _cell(table.rows[4].cells[0], f"{{%tr if not {items} %}}")
    cells = table.rows[5].cells
    cells[0].merge(cells[-1])
    _cell(table.rows[5].cells[0], empty)
    _cell(table.add_row().cells[0], "{%tr endif %}")
    for row in table.rows:  # the tags' rows' other cells and the merged cell's leftovers too
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                if paragraph.style.name not in (CELL_STYLE[1], HEAD_STYLE[1]):
                    paragraph.style = CELL_STYLE[1]
    _p(document, "", size=6)


def _flagged(document, number: str) -> None:
    _heading(document, f"{number}、红灯、黄灯项目")
    _table(
        document,
        "flagged",
        [
            ("序号", "no", 1),
            ("项目名称", "project", 4),
            ("责任单位", "unit", 3),
            ("亮灯", "light", 1.3),
            ("原因", "reason", 5),
        ],
        "（没有亮红灯、黄灯的项目）",
    )


def _closing(document) -> None:
    _p(document, "", after=12)
    _p(document, "{{ issuer }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _p(document, "{{ date }}", align=WD_ALIGN_PARAGRAPH.RIGHT)


MOVES = [
    ("序号", "no", 1),
    ("项目名称", "project", 5),
    ("责任单位", "unit", 4),
    ("总投资（万元）", "investment", 2.2),
    ("日期", "on", 1.8),
]
HANDOVERS = [
    ("序号", "no", 1),
    ("移交类型", "kind", 3),
    ("项目名称", "project", 4),
    ("移交单位", "from_unit", 2.6),
    ("接收单位", "to_unit", 2.6),
    ("期限", "due", 1.6),
    ("移交日期", "on", 1.6),
]
LAND = [
    ("序号", "no", 1),
    ("项目名称", "project", 5),
    ("责任单位", "unit", 4),
    ("节点", "node", 3),
    ("完成日期", "on", 1.8),
]


def _weekly(document) -> None:
    _heading(document, "一、本周总体情况")
    _summary(document)
    _heading(document, "二、本周新开工项目")
    _table(document, "starts", MOVES, "（本周没有新开工项目）")
    _flagged(document, "三")
    _heading(document, "四、逾期未办结的问题")
    _table(
        document,
        "problems",
        [
            ("序号", "no", 1),
            ("问题", "title", 4),
            ("项目", "project", 4),
            ("承办单位", "unit", 3),
            ("期限", "due", 1.6),
            ("逾期（天）", "days", 1.4),
        ],
        "（没有逾期未办结的问题）",
    )
    _heading(document, "五、逾期未办结的会议议定事项")
    _table(
        document,
        "matters",
        [
            ("序号", "no", 1),
            ("事项", "title", 5),
            ("牵头单位", "unit", 3),
            ("会议", "meeting", 3),
            ("时限", "due", 1.6),
            ("逾期（天）", "days", 1.4),
        ],
        "（没有逾期未办结的议定事项）",
    )
    _heading(document, "六、本周及下周会议")
    _table(
        document,
        "meetings",
        [("日期", "date", 1.6), ("会议", "title", 6), ("地点", "place", 3), ("状态", "status", 2)],
        "（本周及下周没有会议安排）",
    )


def _monthly(document) -> None:
    _heading(document, "一、总体情况")
    _summary(document)
    _heading(document, "二、各责任单位项目推进情况")
    _table(
        document,
        "by_unit",
        [
            ("序号", "no", 1),
            ("责任单位", "unit", 6),
            ("项目数", "projects", 1.5),
            ("本月开工", "started", 1.5),
            ("红灯", "red", 1.2),
            ("黄灯", "yellow", 1.2),
        ],
        "（没有纳入调度的项目）",
    )
    _heading(document, "三、考核排名")
    _p(document, "{{ ranking_note }}", size=12)
    _table(
        document,
        "ranking",
        [
            ("分组", "group", 2.5),
            ("名次", "rank", 1.6),
            ("单位", "unit", 6),
            ("总分", "total", 1.8),
            ("首末位", "place", 1.5),
        ],
        "（本月考核排名尚未计算）",
    )
    _p(document, "首位：{{ first }}；末位：{{ last }}。", size=14)
    _heading(document, "四、本月黄牌、红牌")
    _table(
        document,
        "cards",
        [
            ("序号", "no", 1),
            ("类别", "color", 1.2),
            ("单位", "unit", 3.5),
            ("编号", "number", 3),
            ("依据", "reason", 5),
            ("发牌日期", "issued_on", 1.8),
        ],
        "（本月没有发出黄牌、红牌）",
    )
    _heading(document, "五、红灯、黄灯项目")
    _p(document, "（一）红灯项目", size=14)
    _table(
        document,
        "flagged",
        [
            ("序号", "no", 1),
            ("项目名称", "project", 4),
            ("责任单位", "unit", 3),
            ("亮灯", "light", 1.3),
            ("原因", "reason", 5),
        ],
        "（没有亮红灯的项目）",
    )
    _p(document, "（二）黄灯项目", size=14)
    paragraph = _p(document, "{{ yellow_note }}")
    paragraph.paragraph_format.first_line_indent = Pt(32)


def _quarterly(document) -> None:
    _heading(document, "一、总体情况")
    _summary(document)
    _heading(document, "二、新签约项目")
    _table(document, "signed", MOVES, "（本季度没有新签约项目）")
    _heading(document, "三、新注册项目")
    _table(document, "registered", MOVES, "（本季度没有新注册项目）")
    _heading(document, "四、新开工项目")
    _table(document, "starts", MOVES, "（本季度没有新开工项目）")
    _heading(document, "五、土地收储和出让")
    _p(document, "（一）土地收储", size=14)
    _table(document, "land_storage", LAND, "（本季度没有完成土地收储）")
    _p(document, "（二）土地出让", size=14)
    _table(document, "land_transfer", LAND, "（本季度没有完成土地出让）")
    _heading(document, "六、项目移交（招商局→项目办→经发局）")
    _table(document, "handovers", HANDOVERS, "（本季度没有完成的项目移交）")
    _p(document, "逾期未移交：", size=14)
    _table(document, "handovers_overdue", HANDOVERS, "（没有逾期未移交的项目）")
    _flagged(document, "七")


BODIES = {"weekly_briefing": _weekly, "monthly_notice": _monthly, "quarterly_report": _quarterly}


def build_one(kind: str, path: Path) -> Path:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    _table_styles(document)
    _masthead(document)
    BODIES[kind](document)
    _closing(document)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def build() -> list[Path]:
    return [build_one(kind, HERE / f"bulletin_{kind}.docx") for kind in BODIES]


if __name__ == "__main__":
    for built in build():
        sys.stdout.write(f"{built}\n")
