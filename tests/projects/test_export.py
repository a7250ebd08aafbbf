"""The `.xlsx` export of the filtered list: opened back with openpyxl and checked."""

import io
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import quote

import openpyxl
import pytest
from django.utils import timezone

from tests.projects.test_list import YEAR, make_project
from tuijin.projects.models import FundingSource, InvestmentEntry, StageTransition
from tuijin.projects.rules import check_character
from tuijin.projects.sheet_columns import COLUMNS

HEADERS = ["序号", *(c.header for c in COLUMNS)]
CODE = "2024-360102-38-03-00000" + check_character("2024360102380300000")  # a valid check character
MONDAY = date(YEAR + 2, 3, 6) - timedelta(days=date(YEAR + 2, 3, 6).weekday())  # week dates are Mondays
COL = {header: number for number, header in enumerate(HEADERS, start=1)}


def open_export(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def data_rows(sheet):
    """Rows under the header up to the 合计 row, as {header: value}."""
    rows = []
    for values in sheet.iter_rows(min_row=4, values_only=True):
        if values[0] == "合计":
            break
        rows.append(dict(zip(HEADERS, values, strict=False)))
    return rows


def total_row(sheet):
    for values in sheet.iter_rows(min_row=4, values_only=True):
        if values[0] == "合计":
            return dict(zip(HEADERS, values, strict=False))
    raise AssertionError("no 合计 row")


@pytest.fixture
def exported(world):
    plant = make_project(
        world,
        "新能源电池工厂",
        code=CODE,
        owner="赣江新能源有限公司",
        sector="industrial",
        content="年产 10GWh 电池",
        address="东湖区滨江路 1 号",
        longitude=Decimal("115.912345"),
        latitude=Decimal("28.681234"),
        total_investment=Decimal("250000.25"),
        tags=["省重点", "三看"],
        stage="construction",
        planned_start=date(YEAR, 3, 1),
        planned_start_precision="month",
        planned_completion=date(YEAR + 1, 12, 1),
        planned_completion_precision="month",
        planned_production=MONDAY,
        planned_production_precision="week",
        lead_leader=world.leader_person,
        street=world.street_unit,
        supervising_unit=world.other_dept,
        image_progress="主体结构施工",
        plan_type="continuing",
        planned=Decimal("60000"),
    )
    plant.secondary_units.set([world.other_dept, world.street_unit])
    FundingSource.objects.create(project=plant, kind="special_bond", amount=Decimal("5000"))
    FundingSource.objects.create(project=plant, kind="enterprise")
    StageTransition.objects.create(
        project=plant, from_stage="preparation", to_stage="started", on=date(YEAR, 3, 18)
    )
    StageTransition.objects.create(
        project=plant, from_stage="started", to_stage="construction", on=date(YEAR, 4, 2)
    )
    InvestmentEntry.objects.create(project=plant, year=YEAR - 1, month=12, amount=Decimal("1000.5"))
    InvestmentEntry.objects.create(project=plant, year=YEAR, month=1, amount=Decimal("2000"))
    InvestmentEntry.objects.create(project=plant, year=YEAR, month=2, amount=Decimal("3000"))
    school = make_project(
        world,
        "八一学校扩建",
        category="livelihood",
        total_investment=Decimal("12000"),
        responsible_unit=world.other_dept,
        plan_type="new_start",
        planned=Decimal("3000.5"),
    )
    formula = make_project(
        world,
        '=HYPERLINK("http://x")',
        category="livelihood",
        total_investment=Decimal("1"),
        responsible_unit=world.other_dept,
    )
    make_project(
        world, "青山湖物流园", jurisdiction=world.other_district, responsible_unit=world.foreign_unit
    )
    return {"plant": plant, "school": school, "formula": formula}


def test_export_layout_and_values(world, exported, client_for):
    response = client_for(world.admin).get("/projects/export/?sort=-total")
    sheet = open_export(response)
    assert sheet["A1"].value == f"东湖区{YEAR}年重大重点项目清单"
    assert sheet["A2"].value == "单位：万元"
    assert [c.value for c in sheet[3]] == HEADERS
    assert sheet.freeze_panes == "C4"
    rows = data_rows(sheet)
    assert [r["项目名称"] for r in rows] == ["新能源电池工厂", "八一学校扩建", '=HYPERLINK("http://x")']
    plant = rows[0]
    assert plant["序号"] == 1
    assert plant["项目代码"] == CODE
    assert plant["项目类别"] == "产业项目"
    assert plant["产业类型"] == "工业"
    assert plant["项目级别"] == "省重点、三看"
    assert plant["建设内容及规模"] == "年产 10GWh 电池"
    assert plant["建设地点"] == "东湖区滨江路 1 号"
    assert plant["经度"] == pytest.approx(115.912345) and plant["纬度"] == pytest.approx(28.681234)
    assert plant["总投资（万元）"] == pytest.approx(250000.25)
    assert plant["年度计划投资（万元）"] == 60000
    assert plant["计划类型"] == "续建"
    assert plant["所处阶段"] == "在建"
    assert plant["计划开工时间"] == f"{YEAR}年3月"
    assert plant["计划竣工时间"] == f"{YEAR + 1}年12月"
    week = MONDAY.isocalendar()
    assert plant["计划投产时间"] == f"{week[0]}年第{week[1]}周"
    assert plant["实际开工时间"] == f"{YEAR}-03-18"
    assert plant["挂点领导"] == "林志远"
    assert plant["责任单位"] == "区发展和改革委员会"
    assert plant["主管部门"] == "区住房和城乡建设局"
    assert plant["所在街道"] == "公园街道办事处"
    assert plant["配合单位"] == "区住房和城乡建设局、公园街道办事处"
    assert plant["资金来源"] == "地方政府专项债 5000；企业自筹"
    assert plant["形象进度"] == "主体结构施工"
    assert plant["累计完成投资（万元）"] == pytest.approx(6000.5)
    assert plant["本年完成投资（万元）"] == 5000
    school = rows[1]
    assert school["计划类型"] == "计划新开工" and school["年度计划投资（万元）"] == pytest.approx(3000.5)
    assert school["累计完成投资（万元）"] is None and school["挂点领导"] is None
    # a name that looks like a formula stays text
    cell = sheet.cell(row=6, column=COL["项目名称"])
    assert cell.data_type == "s"
    # money is a number with two decimals
    money = sheet.cell(row=4, column=COL["总投资（万元）"])
    assert money.number_format == "#,##0.00"


def test_total_row_sums_the_money(world, exported, client_for):
    sheet = open_export(client_for(world.admin).get("/projects/export/"))
    total = total_row(sheet)
    assert total["项目名称"] == "共 3 个项目"
    assert total["总投资（万元）"] == "=SUM(K4:K6)"
    cached = openpyxl.load_workbook(
        io.BytesIO(client_for(world.admin).get("/projects/export/").content), data_only=True
    ).active
    sums = total_row(cached)
    assert sums["总投资（万元）"] == pytest.approx(262001.25)
    assert sums["年度计划投资（万元）"] == pytest.approx(63000.5)
    assert sums["累计完成投资（万元）"] == pytest.approx(6000.5)
    assert sums["本年完成投资（万元）"] == pytest.approx(5000)


def test_file_name_is_chinese_rfc5987(world, exported, client_for):
    response = client_for(world.admin).get("/projects/export/")
    today = timezone.localdate()
    name = f"东湖区{YEAR}年重大重点项目清单（{today:%Y%m%d}导出）.xlsx"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote(name)}" in disposition


def test_export_takes_the_list_filters_and_every_page(world, exported, client_for):
    for n in range(30):
        make_project(world, f"民生项目{n:02d}", category="livelihood", total_investment=Decimal(n))
    sheet = open_export(
        client_for(world.admin).get("/projects/export/?category=livelihood&sort=total&page=2")
    )
    rows = data_rows(sheet)
    assert len(rows) == 32  # the whole filtered list, not one page of 20
    assert rows[0]["项目名称"] == "民生项目00" and rows[-1]["项目名称"] == "八一学校扩建"
    assert {r["项目类别"] for r in rows} == {"民生社会事业项目"}
    sheet = open_export(client_for(world.admin).get(f"/projects/export/?plan_type=continuing&year={YEAR}"))
    assert [r["项目名称"] for r in data_rows(sheet)] == ["新能源电池工厂"]


def test_export_is_scoped(world, exported, client_for):
    sheet = open_export(client_for(world.reporter).get("/projects/export/"))
    assert [r["项目名称"] for r in data_rows(sheet)] == ["新能源电池工厂"]
    sheet = open_export(client_for(world.foreign_admin).get("/projects/export/"))
    assert sheet["A1"].value == f"青山湖区{YEAR}年重大重点项目清单"
    assert [r["项目名称"] for r in data_rows(sheet)] == ["青山湖物流园"]
    response = client_for(world.discipline).get("/projects/export/")
    assert response.status_code == 403


def test_empty_export_still_has_header_and_total(world, client_for):
    sheet = open_export(client_for(world.admin).get("/projects/export/"))
    assert [c.value for c in sheet[3]] == HEADERS
    assert data_rows(sheet) == []
    assert total_row(sheet)["总投资（万元）"] == 0


def test_export_query_count_does_not_grow_with_rows(world, client_for, django_assert_num_queries):
    client = client_for(world.admin)
    client.get("/projects/export/")
    for n in range(40):
        project = make_project(world, f"项目{n}", tags=["区重点"], plan_type="continuing", planned=Decimal(5))
        project.secondary_units.add(world.other_dept)
        FundingSource.objects.create(project=project, kind="fiscal", amount=Decimal(1))
        InvestmentEntry.objects.create(project=project, year=YEAR, month=1, amount=Decimal(1))
    # session, user, then rows, plan entries, tags, secondary units, funding, starts, investment
    with django_assert_num_queries(9):
        sheet = open_export(client.get("/projects/export/"))
    assert len(data_rows(sheet)) == 40


def test_exported_file_imports_back_unchanged(world, exported, client_for):
    """The export's columns are the import's: re-importing the file changes nothing."""
    from tuijin.projects import import_services

    content = client_for(world.admin).get("/projects/export/").content
    preview = import_services.import_preview(
        user=world.admin, jurisdiction=world.district, file=content, year=None, file_name="清单.xlsx"
    )
    assert preview.messages() == [] and preview.ok
    assert preview.count("无变化") == 3 and preview.count("新增") == 0 and preview.count("更新") == 0


def test_the_exported_start_is_the_project_pages_start(world):
    """Review M4: a move straight into 在建 is a start; a move back to 前期 undoes it."""
    from datetime import date

    from tests.projects.factories import move, project
    from tuijin.projects.export import _started_on
    from tuijin.projects.models import Project

    straight = project(world, name="直接在建")
    move(straight, "construction", date(2024, 4, 1))
    undone = project(world, name="退回前期")
    move(undone, "started", date(2024, 3, 1))
    move(undone, "preparation", date(2024, 3, 20))
    started = _started_on(Project.objects.values("pk"))
    assert started == {straight.pk: date(2024, 4, 1)}
