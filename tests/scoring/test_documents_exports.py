"""The assessment's documents, opened back (openpyxl, python-docx): the ranking (Excel, one worksheet per
group; Word, one table per group) and the quarterly score sheet in WH19 附件3's layout (columns 序号、考评内容、
考评指标、过程管理、指标权重、分类权重 word for word, then 扣分/加分明细 and 得分; one worksheet or section per
unit). The numbers are the stored ones: 区发改委 96 × 40% + 100 × 30% + 92 × 30% − 2 = 94.00."""

import io

from docx import Document
from openpyxl import load_workbook

from tests.scoring.page_factories import scored
from tuijin.documents.services import check_template
from tuijin.scoring import documents

SHEET_HEADER = ["序号", "考评内容", "考评指标", "过程管理", "指标权重", "分类权重", "扣分/加分明细", "得分"]


def _get(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Disposition"].startswith("attachment")
    return response.content


def _rows(ws) -> list[list]:
    return [[c for c in row] for row in ws.iter_rows(values_only=True)]


def test_ranking_to_excel_one_sheet_per_group(world, client_for):
    s = scored(world)
    book = load_workbook(io.BytesIO(_get(client_for(world.admin), f"/scoring/{s.period.pk}/ranking.xlsx")))
    assert book.sheetnames == ["区直单位", "镇街"]
    rows = _rows(book["区直单位"])
    assert rows[0][0] == "东湖区2024年第2季度项目推进目标考评排名（区直单位）"
    assert rows[2] == [
        "名次",
        "单位",
        "新开工项目情况（40）",
        "在建项目推进情况（30）",
        "会议议定事项限期办结（30）",
        "加减分",
        "总分",
        "首末位",
        "整改报告",
    ]
    assert rows[3] == ["1", "区住房和城乡建设局", 100, 100, 100, 0, 100, "首位席", None]
    assert rows[4] == ["2", "区发展和改革委员会", 96, 100, 92, -2, 94, "末位席", "是"]
    notes = [r[0] for r in rows[5:]]
    assert notes[0].startswith("排名规则：总分相同时，依次比较“新开工项目情况”")
    assert "wuhan-pages@1" in notes[1]
    assert notes[2] == "计算说明：上一期间 2024Q1 尚未计算，首末位加减分未计入"
    assert _rows(book["镇街"])[3][:2] == ["1", "公园街道办事处"]


def test_ranking_to_word_one_table_per_group(world, client_for):
    s = scored(world)
    doc = Document(io.BytesIO(_get(client_for(world.admin), f"/scoring/{s.period.pk}/ranking.docx")))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "东湖区2024年第2季度项目推进目标考评排名" in text
    assert "区直单位（2 个单位参加排名）" in text and "镇街（1 个单位参加排名）" in text
    assert "区发展和改革委员会：末位席、须提交整改报告" in text
    assert "排名规则：总分相同时" in text
    assert len(doc.tables) == 2
    cells = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert cells[0] == [
        "名次",
        "单位",
        "新开工项目情况",
        "在建项目推进情况",
        "会议议定事项限期办结",
        "加减分",
        "总分",
    ]
    assert cells[2] == ["2", "区发展和改革委员会", "96.00", "100.00", "92.00", "-2", "94.00"]


def test_score_sheet_to_excel_one_sheet_per_unit(world, client_for):
    s = scored(world)
    book = load_workbook(io.BytesIO(_get(client_for(world.admin), f"/scoring/{s.period.pk}/sheet.xlsx")))
    assert book.sheetnames == ["区住房和城乡建设局", "区发展和改革委员会", "公园街道办事处"]
    rows = _rows(book["区发展和改革委员会"])
    assert rows[0][0] == "东湖区重大产业项目推进目标季度考评计分细则（2024年第2季度）"
    assert "单位：区发展和改革委员会" in rows[1][0] and "名次：第 2 名" in rows[1][0]
    assert rows[2] == SHEET_HEADER
    first = rows[3]
    assert first[:2] == ["1", "新开工项目情况"] and first[4:6] == ["100", "40"]
    assert "（1）延期开工 -4 分（WH19 附件3 第1行 1(1)）" in first[2]
    assert "2024-06-01 项目《东湖区数字经济产业园》计划 2024-05-31 开工" in first[6] and first[6].endswith(
        "（-4）"
    )
    assert first[7] == 96
    assert rows[4][1] == "在建项目推进情况" and rows[4][6] == "无" and rows[4][7] == 100
    assert rows[5][1] == "会议议定事项限期办结" and "扣 8 分（-8）" in rows[5][6] and rows[5][7] == 92
    other = rows[6]
    assert other[1] == "其它情况" and other[4:6] == ["/", "下个季度考评总分扣分、加分"]
    assert "（1）红牌警告 -2 分（WH19 附件3 第4行 2）" in other[2] and other[7] == -2
    assert rows[7][0].startswith("总分") and rows[7][7] == 94


def test_score_sheet_to_word_for_one_unit(world, client_for):
    s = scored(world)
    url = f"/scoring/{s.period.pk}/sheet.docx?unit={world.other_dept.pk}"
    doc = Document(io.BytesIO(_get(client_for(world.admin), url)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "东湖区重大产业项目推进目标季度考评计分细则（2024年第2季度）" in text
    assert "单位：区住房和城乡建设局" in text and "名次：第 1 名" in text
    assert len(doc.tables) == 1
    cells = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert cells[0] == SHEET_HEADER
    assert cells[1][:2] == ["1", "新开工项目情况"] and cells[1][4:6] == ["100", "40"]
    assert "延期开工" in cells[1][2] and "［已免扣分］" in cells[1][6] and cells[1][7] == "100.00"
    assert cells[2][6] == "无"
    assert cells[-1][-1] == "100.00"


def test_score_sheet_word_has_a_section_per_unit(world, client_for):
    s = scored(world)
    doc = Document(io.BytesIO(_get(client_for(world.admin), f"/scoring/{s.period.pk}/sheet.docx")))
    assert len(doc.tables) == 3
    assert [t.rows[0].cells[1].text for t in doc.tables] == ["考评内容"] * 3
    text = "\n".join(p.text for p in doc.paragraphs)
    assert text.count("单位：") == 3


def test_unit_staff_export_their_own_sheet_only(world, client_for):
    s = scored(world)
    client = client_for(world.reporter)  # 区发改委
    book = load_workbook(io.BytesIO(_get(client, f"/scoring/{s.period.pk}/sheet.xlsx")))
    assert book.sheetnames == ["区发展和改革委员会"]
    assert client.get(f"/scoring/{s.period.pk}/sheet.xlsx?unit={world.other_dept.pk}").status_code == 404
    assert client.get(f"/scoring/{s.period.pk}/ranking.xlsx").status_code == 200  # the ranking is announced
    assert client_for(world.discipline).get(f"/scoring/{s.period.pk}/ranking.xlsx").status_code == 403


def test_the_templates_can_be_replaced_by_an_office(world, client_for):
    page = client_for(world.admin).get("/problems/templates/").content.decode()
    assert "考核排名表" in page and "季度考评计分表（WH19 附件3）" in page
    for key in (documents.RANKING_KEY, documents.SHEET_KEY):
        download = client_for(world.admin).get(f"/problems/templates/{key}/download/")
        assert download.status_code == 200 and download.content.startswith(b"PK")
        assert check_template(key, download.content) == ""  # the committed template passes the upload check


def test_file_names_say_what_and_when(world, client_for):
    s = scored(world)
    response = client_for(world.admin).get(f"/scoring/{s.period.pk}/ranking.docx")
    assert "2024%E5%B9%B4" in response["Content-Disposition"]  # 2024年… in the RFC 5987 file name
    assert (
        documents.export_filename(s.period, "sheet", "xlsx", "区发改委")
        == "东湖区2024年第2季度考评计分表（区发改委）.xlsx"
    )
