"""What the scripts that build the committed Word templates share (python-docx): fonts that Word and WPS
show for Chinese text (the East Asian font set too), paragraphs, table cells, fixed table layout and a
header row repeated on every page. Used by `chains/docx`, `reports/docx` and `problems/docx`."""

from __future__ import annotations

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt


def set_font(run, name: str, size: float, *, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def add_paragraph(container, text: str, *, size: float, font: str, bold=False, align=None, after=None):
    """A paragraph of one run; `after` is the space after it in points (None: the style's)."""
    paragraph = container.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if after is not None:
        paragraph.paragraph_format.space_after = Pt(after)
    set_font(paragraph.add_run(text), font, size, bold=bold)
    return paragraph


def fill_cell(cell, text: str, *, font: str, size: float, bold: bool = False, center: bool = True) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    paragraph.paragraph_format.space_after = Pt(0)
    set_font(paragraph.add_run(text), font, size, bold=bold)


def fixed_layout(table, *, side_margin_dxa: int | None = None) -> None:
    """Column widths as set (Word otherwise fits them to the text); optional narrow side margins."""
    properties = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    properties.append(layout)
    if side_margin_dxa is None:
        return
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(side_margin_dxa))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    properties.append(margins)


def repeat_header(row) -> None:
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)
