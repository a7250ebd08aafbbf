"""The weekly table (WH19 附件2 重点项目进展情况一览表) exported to Word and Excel and opened back with
python-docx and openpyxl: title with the unit's name, 单位主要负责人, 填报日期, 附件2's header cells exactly,
rows numbered 一、二、三, cell contents; which reports are listed; who may export what; the page."""

import io
from datetime import date
from urllib.parse import quote

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document

from tests.projects.factories import project
from tuijin.reports import export, services
from tuijin.reports.docx.form import HEADERS
from tuijin.reports.models import Report

TODAY = date(2024, 6, 28)  # Friday, the due day of the week of 2024-06-24
WEEK = date(2024, 6, 24)
ANNEX2_HEADER = [
    "序号",
    "部门",
    "负责人",
    "项目名称",
    "基本情况",
    "最新工作进展",
    "未来两周工作计划",
    "责任人",
]


@pytest.fixture(autouse=True)
def _travel():
    with time_machine.travel("2024-06-28 16:00 +0800", tick=False):
        yield


def _row(p, n):
    return {
        "basic_facts": f"{p.name}总投资{n}亿元",
        "needs": "需协调供电接入" if n == 1 else "",
        "progress": f"1.完成桩基{n}0%\n2.塔吊进场",
        "plan_next": f"1.主体施工至{n}层",
        "responsible_person": f"责任人{n}",
        "unit_head_name": "周文博",
    }


@pytest.fixture
def week(world):
    """区发改委's three projects: two submitted and accepted, one only submitted; another unit's project
    accepted through 代填; a draft of a fourth."""
    mine = [
        project(world, stage="construction", name=name)
        for name in ("临空港智能制造基地", "航空物流园", "数字产业园")
    ]
    rows = {p.pk: _row(p, n) for n, p in enumerate(mine, start=1)}
    services.report_submit(
        user=world.reporter, unit=world.dept, kind="weekly", period_start=WEEK, rows=rows, today=TODAY
    )
    services.report_approve(
        user=world.unit_head, unit=world.dept, kind="weekly", period_start=WEEK, today=TODAY
    )
    accepted = Report.objects.filter(project__in=mine[:2])
    services.report_accept(user=world.admin, reports=list(accepted), today=TODAY)
    # the third stays approved (待项目办审核)
    other = project(world, stage="construction", name="老城区管网改造", responsible_unit=world.other_dept)
    services.report_proxy_fill(
        user=world.admin,
        unit=world.other_dept,
        kind="weekly",
        period_start=WEEK,
        rows={other.pk: {**_row(other, 9), "unit_head_name": "李建华"}},
        today=TODAY,
    )
    draft = project(world, stage="construction", name="草稿项目")
    services.report_save_draft(
        user=world.reporter,
        unit=world.dept,
        kind="weekly",
        period_start=WEEK,
        rows={draft.pk: {"progress": "未完"}},
        today=TODAY,
    )
    return {"mine": mine, "other": other, "draft": draft}


def _unit_target(world):
    return export.Target("unit", world.dept.pk, world.dept.name)


def _all_target(world):
    return export.Target("all", world.district.pk, world.district.name)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "一"),
        (2, "二"),
        (10, "十"),
        (11, "十一"),
        (20, "二十"),
        (21, "二十一"),
        (100, "一百"),
        (105, "一百零五"),
        (110, "一百一十"),
        (999, "九百九十九"),
        (1000, "一千"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
    ],
)
def test_chinese_row_numbers(n, text):
    assert export.chinese_number(n) == text


def test_unit_table_lists_accepted_reports_by_default(world, week):
    table = export.weekly_table(world.admin, _unit_target(world), WEEK, today=TODAY)
    assert table.title == f"{world.dept.name}重点项目进展情况一览表"
    assert [r.project for r in table.rows] == ["临空港智能制造基地", "航空物流园"]
    assert table.unit_head == "周文博"
    assert table.filled_on == TODAY
    assert table.left_out == 2  # the approved one and the draft
    assert "另有 2 份" in table.note


def test_unit_table_with_pending_reports_marks_them(world, week):
    table = export.weekly_table(world.reporter, _unit_target(world), WEEK, accepted_only=False, today=TODAY)
    assert [r.project_cell for r in table.rows] == [
        "临空港智能制造基地",
        "航空物流园",
        "数字产业园\n（待审核）",
    ]
    assert table.left_out == 1  # the draft only


def test_whole_jurisdiction_lists_every_unit_and_marks_proxy(world, week):
    table = export.weekly_table(world.admin, _all_target(world), WEEK, today=TODAY)
    assert table.title == f"{world.district.name}重点项目进展情况一览表"
    assert {r.unit for r in table.rows} == {world.dept.name, world.other_dept.name}
    proxy = next(r for r in table.rows if r.project == "老城区管网改造")
    assert proxy.project_cell == "老城区管网改造\n（项目办代填）"
    assert proxy.unit_head == "李建华"
    assert table.unit_head == ""  # the jurisdiction's table: each row names its unit's head


def test_rows_read_in_fixed_queries(world, week):
    for i in range(20):
        p = project(world, stage="construction", name=f"加项{i}")
        services.report_proxy_fill(
            user=world.admin,
            unit=world.dept,
            kind="weekly",
            period_start=WEEK,
            rows={p.pk: _row(p, 2)},
            today=TODAY,
        )
    with CaptureQueriesContext(connection) as queries:
        table = export.weekly_table(world.admin, _all_target(world), WEEK, today=TODAY)
    assert len(table.rows) == 23
    assert len(queries.captured_queries) <= 4


def test_excel_matches_annex_2(world, week):
    table = export.weekly_table(world.admin, _unit_target(world), WEEK, accepted_only=False, today=TODAY)
    book = openpyxl.load_workbook(io.BytesIO(export.table_xlsx(table)))
    sheet = book.active
    assert sheet["A1"].value == f"{world.dept.name}重点项目进展情况一览表"
    assert "A1:H1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A2"].value == "2024年第26周（6月24日—6月30日）"
    assert sheet["A3"].value == "单位主要负责人：周文博"
    assert sheet["E3"].value == "填报日期：2024年6月28日"
    assert [c.value for c in sheet[4]] == ANNEX2_HEADER == list(HEADERS)
    assert [sheet.cell(row=r, column=1).value for r in (5, 6, 7)] == ["一", "二", "三"]
    first = [c.value for c in sheet[5]]
    assert first[1:4] == [world.dept.name, "周文博", "临空港智能制造基地"]
    assert first[4] == "1.临空港智能制造基地总投资1亿元\n2.需协调供电接入"
    assert first[5] == "1.完成桩基10%\n2.塔吊进场"
    assert first[6] == "1.主体施工至1层"
    assert first[7] == "责任人1"
    assert sheet["E6"].value.endswith("2.无")
    assert sheet["D7"].value == "数字产业园\n（待审核）"
    assert sheet["E5"].alignment.wrap_text
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9
    assert sheet.print_title_rows == "$4:$4"
    assert sheet.cell(row=9, column=1).value.startswith("注：")


def test_word_matches_annex_2(world, week):
    table = export.weekly_table(world.admin, _unit_target(world), WEEK, accepted_only=False, today=TODAY)
    document = Document(io.BytesIO(export.table_docx(table)))
    text = [p.text for p in document.paragraphs]
    assert text[0] == "附件2"
    assert f"{world.dept.name}重点项目进展情况一览表" in text
    assert "单位主要负责人：周文博" in text
    assert "填报日期：2024年6月28日" in text
    grid = document.tables[0]
    assert [c.text for c in grid.rows[0].cells] == ANNEX2_HEADER
    body = grid.rows[1:]
    assert len(body) == 3
    assert [r.cells[0].text for r in body] == ["一", "二", "三"]
    cells = [c.text for c in body[0].cells]
    assert cells[1:4] == [world.dept.name, "周文博", "临空港智能制造基地"]
    assert cells[4] == "1.临空港智能制造基地总投资1亿元\n2.需协调供电接入"
    assert cells[5] == "1.完成桩基10%\n2.塔吊进场"
    assert cells[7] == "责任人1"
    assert body[2].cells[3].text == "数字产业园\n（待审核）"
    assert document.sections[0].page_width > document.sections[0].page_height  # landscape


def test_word_of_an_empty_week_says_so(world):
    table = export.weekly_table(world.admin, _unit_target(world), WEEK, today=TODAY)
    document = Document(io.BytesIO(export.table_docx(table)))
    grid = document.tables[0]
    assert [c.text for c in grid.rows[0].cells] == ANNEX2_HEADER
    assert "本周暂无审核通过的周报" in grid.rows[1].cells[0].text
    assert "    年    月    日" in "".join(p.text for p in document.paragraphs)


def test_the_office_template_replaces_the_default(world, week, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from docx import Document as New

    from tuijin.documents.services import template_upload

    settings.MEDIA_ROOT = str(tmp_path)
    own = New()
    own.add_paragraph("东湖区自定义：{{ title }}（{{ period }}）")
    own.add_paragraph("{% for r in rows %}{{ r.number }}、{{ r.project }}；{% endfor %}")
    buffer = io.BytesIO()
    own.save(buffer)
    template_upload(
        actor=world.admin,
        jurisdiction=world.district,
        key="wh19_weekly_table",
        upload=SimpleUploadedFile("周报.docx", buffer.getvalue()),
    )
    table = export.weekly_table(world.admin, _unit_target(world), WEEK, today=TODAY)
    text = [p.text for p in Document(io.BytesIO(export.table_docx(table))).paragraphs]
    assert (
        text[0] == f"东湖区自定义：{world.dept.name}重点项目进展情况一览表（2024年第26周（6月24日—6月30日））"
    )
    assert text[1] == "一、临空港智能制造基地；二、航空物流园；"


def test_targets_unit_staff_only_their_unit(world):
    project(world, stage="construction", name="甲")
    project(world, stage="construction", name="乙", responsible_unit=world.other_dept)
    assert [t.value for t in export.export_targets(world.reporter)] == [f"unit:{world.dept.pk}"]
    office = [t.value for t in export.export_targets(world.admin)]
    assert office[0] == f"all:{world.district.pk}"
    assert {f"unit:{world.dept.pk}", f"unit:{world.other_dept.pk}"} <= set(office)


# ---------------------------------------------------------------------------------------------------
# The page


def test_page_renders_the_picker(world, week, client_for):
    response = client_for(world.admin).get("/reports/export/")
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="export-form"' in text and "全辖区各单位" in text
    assert 'id="f-accepted" checked' in text  # 仅已通过 on for the office
    reporter = client_for(world.reporter).get("/reports/export/").content.decode()
    assert 'id="f-accepted" checked' not in reporter
    assert world.other_dept.name not in reporter


def test_download_excel_and_word(world, week, client_for):
    client = client_for(world.admin)
    response = client.get(
        f"/reports/export/?target=unit:{world.dept.pk}&week=2024-W26&format=xlsx&accepted=1"
    )
    assert response.status_code == 200
    assert (
        quote(f"{world.dept.name}重点项目进展情况一览表（2024年第26周）.xlsx")
        in response["Content-Disposition"]
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [sheet.cell(row=r, column=4).value for r in (5, 6)] == ["临空港智能制造基地", "航空物流园"]
    response = client.get(f"/reports/export/?target=all:{world.district.pk}&week=2024-W26&format=docx")
    assert response.status_code == 200
    grid = Document(io.BytesIO(response.content)).tables[0]
    assert len(grid.rows) == 4  # header + the three accepted reports of the district


def test_unit_staff_cannot_export_another_unit(world, week, client_for):
    response = client_for(world.reporter).get(
        f"/reports/export/?target=unit:{world.other_dept.pk}&week=2024-W26&format=xlsx"
    )
    assert response.status_code == 404
    assert "不在您可导出的范围内" in response.content.decode()


def test_bad_format_and_future_week(world, client_for):
    client = client_for(world.admin)
    bad = client.get(f"/reports/export/?target=all:{world.district.pk}&week=2024-W26&format=pdf")
    assert bad.status_code == 400 and "导出格式“pdf”无效" in bad.content.decode()
    future = client.get(f"/reports/export/?target=all:{world.district.pk}&week=2024-W30&format=xlsx")
    assert future.status_code == 400 and "还没到" in future.content.decode()
