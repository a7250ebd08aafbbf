"""Word to PDF with LibreOffice headless: Chinese text extractable, fonts embedded, Chinese errors;
conversions at once each in their own profile; the Chinese font names mapped to installed CJK fonts; the
templates' tables in the shape LibreOffice converts quickly."""

import io
import shutil
import zipfile
from concurrent.futures import ThreadPoolExecutor
from xml.etree import ElementTree

import pytest

from tests.documents.bulletin_factories import pdf_fonts, pdf_text
from tuijin.documents import bulletin_docx as docx
from tuijin.documents import bulletin_rules as rules
from tuijin.documents.pdf import PdfError, docx_to_pdf, fontconfig_text

needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")


@needs_soffice
def test_monthly_notice_pdf_has_chinese_text_and_embedded_fonts():
    data = docx.bulletin_docx_from_content(
        rules.MONTHLY, docx.sample_content(rules.MONTHLY, units=3), number="通报〔2024〕6号"
    )
    pdf = docx_to_pdf(data)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "东湖区重大重点项目推进情况通报" in text
    assert "示例单位001" in text
    fonts = pdf_fonts(pdf)
    assert fonts and all(fonts.values()), fonts
    assert any("CJK" in name or "Song" in name or "Hei" in name or "Fang" in name for name in fonts), fonts
    # 仿宋 is not installed here: fontconfig's fallback (DejaVu Sans) would need a glyph fallback for every
    # Chinese run; the per-conversion fontconfig file maps it to a CJK font directly.
    assert not any("DejaVu" in name for name in fonts), fonts


@needs_soffice
def test_two_conversions_at_once_both_succeed():
    """Each conversion has its own LibreOffice profile: none waits for or silently loses to the other."""
    documents = [
        docx.bulletin_docx_from_content(
            rules.MONTHLY, docx.sample_content(rules.MONTHLY, units=n), number=f"通报〔2024〕{n}号"
        )
        for n in (2, 4)
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        pdfs = list(pool.map(docx_to_pdf, documents))
    for n, pdf in zip((2, 4), pdfs, strict=True):
        text = pdf_text(pdf)
        assert f"通报〔2024〕{n}号" in text
        assert f"示例单位{n:03d}" in text
        assert f"示例单位{n + 1:03d}" not in text


def test_fontconfig_file_includes_the_system_one_and_maps_chinese_font_names():
    text = fontconfig_text("/etc/fonts/fonts.conf")
    root = ElementTree.fromstring(text.split("\n", 2)[2])  # after the XML and DOCTYPE lines
    assert root.find("include").text == "/etc/fonts/fonts.conf"
    aliases = {a.find("family").text: [f.text for f in a.find("accept")] for a in root.findall("alias")}
    assert "Noto Serif CJK SC" in aliases["仿宋"]
    assert "Noto Sans CJK SC" in aliases["黑体"]
    assert aliases["仿宋"].index("FangSong") < aliases["仿宋"].index(
        "Noto Serif CJK SC"
    )  # the real font first


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.mark.parametrize("kind", [rules.WEEKLY, rules.MONTHLY, rules.QUARTERLY])
def test_template_tables_are_fixed_with_styled_cells(kind):
    """What keeps the 500-unit notice's PDF under 10 s: fixed layout with the grid equal to the cells'
    widths, no table style, and cells whose runs carry no formatting (the 表格文字/表格表头 styles do)."""
    source = docx.DEFAULTS[kind].read_bytes()
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        body = ElementTree.fromstring(archive.read("word/document.xml"))
        styles = ElementTree.fromstring(archive.read("word/styles.xml"))
    style_ids = {s.get(f"{W}styleId") for s in styles.iter(f"{W}style")}
    assert {"TableText", "TableHead"} <= style_ids
    tables = list(body.iter(f"{W}tbl"))
    assert tables
    for table in tables:
        properties = table.find(f"{W}tblPr")
        assert properties.find(f"{W}tblStyle") is None
        assert [e.get(f"{W}type") for e in properties.findall(f"{W}tblLayout")] == ["fixed"]
        grid = [int(c.get(f"{W}w")) for c in table.find(f"{W}tblGrid")]
        header = table.find(f"{W}tr")
        assert [int(c.find(f"{W}tcPr/{W}tcW").get(f"{W}w")) for c in header.findall(f"{W}tc")] == grid
        assert int(properties.find(f"{W}tblW").get(f"{W}w")) == sum(grid)
        for paragraph in table.iter(f"{W}p"):
            assert paragraph.find(f"{W}pPr/{W}pStyle").get(f"{W}val") in ("TableText", "TableHead")
            assert all(run.find(f"{W}rPr") is None for run in paragraph.iter(f"{W}r"))


def test_missing_libreoffice_is_a_chinese_error(settings):
    settings.LIBREOFFICE_BIN = "/nonexistent/soffice"
    with pytest.raises(PdfError, match="没有安装 LibreOffice"):
        docx_to_pdf(b"PK")


def test_a_file_that_is_not_word_is_a_chinese_error():
    with pytest.raises(PdfError, match="不是 Word"):
        docx_to_pdf(b"this is not a word file")


def test_a_failing_libreoffice_is_a_chinese_error(settings, tmp_path):
    broken = tmp_path / "soffice"
    broken.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n")
    broken.chmod(0o755)
    settings.LIBREOFFICE_BIN = str(broken)
    with pytest.raises(
        PdfError, match="未能把 Word 文件转换为 PDF（退出码 1）：Error: source file could not be loaded"
    ):
        docx_to_pdf(b"PK")


def test_a_hanging_conversion_times_out(settings, tmp_path):
    slow = tmp_path / "soffice"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    settings.LIBREOFFICE_BIN = str(slow)
    with pytest.raises(PdfError, match="超时"):
        docx_to_pdf(b"PK", timeout=0.5)
