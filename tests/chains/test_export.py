"""The signed start plan (WH19 附件1 项目开工推进计划表) of a unit or a street, exported to Excel and Word and
opened back with openpyxl and python-docx: title, rows, deadlines and actual dates, the planned start to
the week, signature lines; who may export which unit's plan."""

import io
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document

from tests.chains.test_clocks import chain_for
from tests.factories import account
from tests.projects.factories import project
from tuijin.chains import export
from tuijin.chains.export import Target, export_targets, plan_docx, plan_xlsx, resolve_target, start_plan
from tuijin.chains.models import ChainNode
from tuijin.org.models import AccessDenial, Person, Role

D = date.fromisoformat
TODAY = D("2024-04-12")


@pytest.fixture
def plans(world):
    """区发改委's two projects with chains (one with dates filled in), one without a chain, and 区住建局's
    project in 公园街道."""
    person = Person.objects.create(jurisdiction=world.district, name="郑晓明", unit=world.dept)
    first = project(
        world,
        name="临空港智能制造基地",
        total_investment=Decimal("125000.50"),
        planned_start=D("2024-06-28"),
        street=world.street_unit,
    )
    chain_for(
        first,
        actual={"demolition": D("2024-01-15"), "land_auction": D("2024-03-01")},
        exempt={"eia"},
        person=person,
    )
    second = project(
        world,
        name="航空物流园",
        planned_start=D("2024-09-01"),
        planned_start_precision="month",
        total_investment=Decimal("30000"),
    )
    chain_for(second)
    project(world, name="无链条项目", planned_start=D("2024-05-01"))
    street_only = project(
        world,
        name="公园街道城市更新",
        responsible_unit=world.other_dept,
        street=world.street_unit,
        planned_start=D("2024-07-15"),
    )
    chain_for(street_only)
    return first, second, street_only


def unit_target(world) -> Target:
    return Target("unit", world.dept.pk, world.dept.name)


def node(p, key) -> ChainNode:
    return ChainNode.objects.get(project=p, key=key)


# ---------------------------------------------------------------------------------------------------
# The rows


def test_rows_are_the_units_projects_with_a_chain_by_planned_start(world, plans):
    first, second, _ = plans
    plan = start_plan(world.admin, unit_target(world), today=TODAY)
    assert plan.title == "区发展和改革委员会项目开工推进计划表"
    assert [r.name for r in plan.rows] == ["临空港智能制造基地", "航空物流园"]
    row = plan.rows[0]
    assert (row.number, row.investment, row.unit, row.person) == (
        1,
        Decimal("125000.50"),
        "区发展和改革委员会",
        "郑晓明",
    )
    assert row.start == "2024年第26周（6月24日—6月30日）"
    assert plan.rows[1].start == "2024年9月（未定到周）"
    names = [name for _, name in export.PROCEDURES]
    assert len(names) == 12 and names[0] == "征收拆迁" and names[-1] == "施工许可证"
    auction = row.steps[names.index("土地招拍挂")]
    assert (auction.deadline, auction.actual) == (node(first, "land_auction").deadline, D("2024-03-01"))
    assert row.steps[names.index("环评")].deadline_text() == "免办"
    assert plan.filename("xlsx") == "区发展和改革委员会项目开工推进计划表（2024-04-12）.xlsx"


def test_a_streets_plan_takes_the_projects_in_that_street(world, plans):
    plan = start_plan(
        world.admin, Target("street", world.street_unit.pk, world.street_unit.name), today=TODAY
    )
    assert [r.name for r in plan.rows] == ["临空港智能制造基地", "公园街道城市更新"]
    assert plan.rows[1].unit == "区住房和城乡建设局"


def test_a_procedure_missing_from_the_chain_reads_as_a_dash(world, plans):
    first = plans[0]
    node(first, "site_prep").delete()
    row = start_plan(world.admin, unit_target(world), today=TODAY).rows[0]
    step = row.steps[[n for _, n in export.PROCEDURES].index("七通一平")]
    assert (step.present, step.deadline_text(), step.actual_text()) == (False, "—", "—")


def test_replanned_deadline_shows_the_original_in_word(world, plans):
    first = plans[0]
    ChainNode.objects.filter(project=first, key="land_contract").update(deadline=D("2024-03-29"))
    original = node(first, "land_contract").baseline
    row = start_plan(world.admin, unit_target(world), today=TODAY).rows[0]
    step = row.steps[[n for _, n in export.PROCEDURES].index("签订土地出让合同")]
    assert step.replanned
    assert step.cell_text() == f"2024.03.29\n（原 {original:%Y.%m.%d}）"


def test_deadlines_on_a_provisional_year_are_starred_and_noted(world):
    p = project(world, name="二〇二七年项目", planned_start=D("2027-06-30"))
    chain_for(p)
    plan = start_plan(world.admin, unit_target(world), today=TODAY)
    assert plan.provisional_years == (2027,)
    permit = plan.rows[0].steps[-1]
    assert permit.deadline.year == 2027 and permit.deadline_text().endswith("*")
    assert "2027年" in plan.note and "暂定日历" in plan.note


def test_rows_are_read_in_a_constant_number_of_queries(world, plans):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            start_plan(world.admin, unit_target(world), today=TODAY)
        return len(ctx.captured_queries)

    few = count()
    for n in range(4):
        chain_for(project(world, name=f"追加项目{n}", planned_start=D("2024-10-08")))
    assert count() == few


# ---------------------------------------------------------------------------------------------------
# The files


def test_excel_file_has_title_header_rows_dates_and_signatures(world, plans):
    first, _, _ = plans
    plan = start_plan(world.admin, unit_target(world), today=TODAY)
    sheet = openpyxl.load_workbook(io.BytesIO(plan_xlsx(plan))).active
    assert sheet["A1"].value == "区发展和改革委员会项目开工推进计划表"
    assert "A1:AC1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.freeze_panes == "C5"
    assert [sheet.cell(3, c).value for c in (1, 2, 3, 4, 5, 7, 29)] == [
        "序号",
        "项目名称",
        "总投资（万元）",
        "责任单位/责任人",
        "征收拆迁",
        "土地农转",
        "计划开工（到周）",
    ]
    assert (sheet["E4"].value, sheet["F4"].value) == ("完成时限", "实际完成")
    assert [sheet.cell(r, 2).value for r in (5, 6)] == ["临空港智能制造基地", "航空物流园"]
    assert sheet["C5"].value == pytest.approx(125000.50)
    assert sheet["D5"].value == "区发展和改革委员会/郑晓明"
    # 征收拆迁: deadline as a date cell, actual 2024-01-15; 土地招拍挂 is the 4th procedure (columns K, L)
    assert sheet["E5"].value == datetime.combine(node(first, "demolition").deadline, datetime.min.time())
    assert sheet["F5"].value == datetime(2024, 1, 15)
    assert sheet["L5"].value == datetime(2024, 3, 1)
    assert sheet["AC5"].value == "2024年第26周（6月24日—6月30日）"
    assert sheet.column_dimensions["B"].width == pytest.approx(28, abs=1)
    texts = [c.value for row in sheet.iter_rows(min_row=7) for c in row if isinstance(c.value, str)]
    assert any(t.startswith("审批部门主要负责人（签字盖章）") for t in texts)
    assert "区重大项目办确认：" in texts and any(t.startswith("日期：") for t in texts)
    env = next(i for i, (_, n) in enumerate(export.PROCEDURES) if n == "环评")
    assert sheet.cell(5, 5 + 2 * env).value == "免办"


def test_word_file_has_title_rows_dates_and_signatures(world, plans):
    first, _, _ = plans
    plan = start_plan(world.admin, unit_target(world), today=TODAY)
    document = Document(io.BytesIO(plan_docx(plan)))
    section = document.sections[0]
    assert section.page_width > section.page_height  # landscape
    texts = [p.text for p in document.paragraphs]
    assert "区发展和改革委员会项目开工推进计划表" in texts
    assert any("责任单位：区发展和改革委员会" in t and "2024年4月12日" in t for t in texts)
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][:5] == [
        "序号",
        "项目名称",
        "总投资（万元）",
        "责任单位／责任人",
        "征收拆迁",
    ]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert [r[1] for r in rows] == ["临空港智能制造基地", "航空物流园"]
    assert rows[0][2] == "125,000.50" and rows[0][3] == "区发展和改革委员会\n郑晓明"
    auction = node(first, "land_auction").deadline
    assert rows[0][7] == f"{auction:%Y.%m.%d}\n实 2024.03.01"  # 土地招拍挂
    assert rows[0][12] == "免办"  # 环评
    assert rows[0][-1] == "2024年第26周（6月24日—6月30日）"
    signatures = " ".join(c.text for c in document.tables[1].rows[0].cells)
    assert "审批部门主要负责人（签字盖章）" in signatures and "区重大项目办确认" in signatures
    assert "日期" in signatures


def test_word_file_of_a_unit_with_no_projects_says_so(world):
    plan = start_plan(world.admin, unit_target(world), today=TODAY)
    document = Document(io.BytesIO(plan_docx(plan)))
    rows = document.tables[0].rows
    assert len(rows) == 2 and "暂无已编制推进链条的项目" in rows[1].cells[0].text


def test_names_with_markup_characters_are_escaped(world):
    chain_for(project(world, name="A&B <新城> 项目", planned_start=D("2024-06-28")))
    document = Document(io.BytesIO(plan_docx(start_plan(world.admin, unit_target(world), today=TODAY))))
    assert document.tables[0].rows[1].cells[1].text == "A&B <新城> 项目"


# ---------------------------------------------------------------------------------------------------
# Who may export what, and the page


def test_readers_of_the_district_pick_any_unit_or_street_with_chained_projects(world, plans):
    units, streets = export_targets(world.leader)
    assert [(t.name, t.projects) for t in units] == [("区发展和改革委员会", 2), ("区住房和城乡建设局", 1)]
    assert [(t.name, t.projects) for t in streets] == [("公园街道办事处", 2)]
    assert export_targets(world.foreign_admin) == ([], [])


def test_unit_staff_export_only_their_own_unit(world, plans):
    units, streets = export_targets(world.reporter)
    assert [t.value for t in units + streets] == [f"unit:{world.dept.pk}"]
    assert resolve_target(units + streets, f"unit:{world.other_dept.pk}") is None
    assert resolve_target(units + streets, f"street:{world.street_unit.pk}") is None
    clerk = account("street_clerk", Role.UNIT_REPORTER, world.district, world.street_unit)
    units, streets = export_targets(clerk)
    assert [t.value for t in units + streets] == [f"street:{world.street_unit.pk}"]


def test_page_offers_the_choices_and_downloads_a_file_named_in_chinese(world, plans, client_for):
    client = client_for(world.admin)
    page = client.get("/chains/export/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f'value="unit:{world.dept.pk}"' in text and f'value="street:{world.street_unit.pk}"' in text
    response = client.get(f"/chains/export/?target=unit:{world.dept.pk}&format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    disposition = response["Content-Disposition"]
    assert disposition.lower().startswith("attachment; filename*=utf-8''")  # RFC 6266/5987, any case
    assert quote("区发展和改革委员会项目开工推进计划表（") in disposition
    assert openpyxl.load_workbook(io.BytesIO(response.content)).active["B5"].value == "临空港智能制造基地"
    word = client.get(f"/chains/export/?target=street:{world.street_unit.pk}&format=docx")
    assert word["Content-Type"].endswith("wordprocessingml.document")
    assert "公园街道办事处项目开工推进计划表" in [
        p.text for p in Document(io.BytesIO(word.content)).paragraphs
    ]


def test_unit_staff_asking_for_another_units_plan_get_404_in_chinese(world, plans, client_for):
    client = client_for(world.reporter)
    response = client.get(f"/chains/export/?target=unit:{world.other_dept.pk}&format=xlsx")
    assert response.status_code == 404
    assert "不在您可导出的范围内" in response.content.decode()
    own = client.get(f"/chains/export/?target=unit:{world.dept.pk}&format=docx")
    assert own.status_code == 200


def test_unknown_target_and_format_are_refused_with_chinese_messages(world, plans, client_for):
    client = client_for(world.admin)
    assert client.get(f"/chains/export/?target=unit:{world.foreign_unit.pk}&format=xlsx").status_code == 404
    assert client.get("/chains/export/?target=nonsense&format=xlsx").status_code == 404
    bad = client.get(f"/chains/export/?target=unit:{world.dept.pk}&format=pdf")
    assert bad.status_code == 400 and "导出格式“pdf”无效" in bad.content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("office_admin", 200),
        ("leader", 200),
        ("supervisor", 200),
        ("unit_head", 200),
        ("unit_reporter", 200),
        ("discipline", 403),
    ],
)
def test_each_persona_downloading_the_departments_plan(world, plans, client_for, role, status):
    user = world.personas()[role]
    response = client_for(user).get(f"/chains/export/?target=unit:{world.dept.pk}&format=xlsx")
    assert response.status_code == status
    if status == 403:
        assert "无权导出开工推进计划表" in response.content.decode()
        assert AccessDenial.objects.filter(user=user, path="/chains/export/").exists()
