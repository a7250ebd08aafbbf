"""Issue 3 "Done when", in one real browser session as the office: filter the list, open a project, edit
it, move it to 开工, import a messy sheet (refused with row errors), fix it and import it whole, export,
and open the exported file back."""

from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest

from tests.browser.conftest import screenshot
from tests.projects.factories import project
from tests.projects.sheets import office_sheet

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _library(world):
    """A few projects of two units and two categories, one of them ready to start."""
    today = date.today()
    ready = project(
        world,
        name="东湖区文化艺术中心",
        category="livelihood",
        total_investment=Decimal("36000"),
        planned_start=today - timedelta(days=10),
        planned_start_precision="week",
        lead_leader=world.leader_person,
        responsible_unit=world.dept,
        tags=["区重点"],
    )
    project(
        world, name="东湖区城市排涝工程", category="urban_construction", responsible_unit=world.other_dept
    )
    project(world, name="东湖区社区养老服务中心", category="livelihood", responsible_unit=world.other_dept)
    project(world, name="东湖区智能制造产业园", category="industry", responsible_unit=world.dept)
    return ready


def _upload(page, data: bytes, name: str) -> None:
    page.goto("/projects/import/")
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": XLSX, "buffer": data}])
    page.click("button:has-text('上传并检查')")
    page.wait_for_selector("#import-summary")


def test_the_office_runs_the_library_end_to_end(page_as, world_live):
    from tuijin.projects.models import Project, StageTransition

    ready = _library(world_live)
    page = page_as("office_admin")

    # filter the list: 民生社会事业 projects only, then search within them
    page.click("#navbar-menu >> text=项目库")
    assert page.inner_text("#project-count") == "4"
    with page.expect_response(lambda r: "/projects/" in r.url and "category=livelihood" in r.url):
        page.select_option("#f-category", "livelihood")
    page.wait_for_function("document.querySelector('#project-count').innerText === '2'")
    table = page.inner_text("#project-table")
    assert "东湖区文化艺术中心" in table and "东湖区社区养老服务中心" in table
    assert "东湖区城市排涝工程" not in table
    assert "category=livelihood" in page.url  # the filter is in the address, so it can be shared
    screenshot(page, "flow-list-filtered")

    # open the project and edit it
    page.click("#project-table >> text=东湖区文化艺术中心")
    page.wait_for_url(f"**/projects/{ready.pk}/")
    page.click("#edit-project")
    page.fill("#id_total_investment", "abc")
    page.click("#save-project")
    assert "总投资" in page.inner_text("#field-total_investment")
    page.fill("#id_total_investment", "38,500")
    page.fill("#id_content", "新建剧场、展厅和配套用房，总建筑面积约 4.2 万平方米。")
    page.click("#save-project")
    page.wait_for_url(f"**/projects/{ready.pk}/")
    assert "3.85亿元" in page.inner_text("#project-total")
    assert "3.60亿元" in page.inner_text("#history")

    # move it to 开工
    page.select_option("#id_to_stage", "started")
    page.fill("#id_document", "施工许可证 360102202600007")
    page.click("#stage-form button[type=submit]")
    page.wait_for_url(f"**/projects/{ready.pk}/#stage")
    assert page.inner_text("#project-stage").strip() == "开工"
    move = StageTransition.objects.get(project=ready, to_stage="started")
    assert move.recorded_by.username == "admin"
    screenshot(page, "flow-project-started")

    # import a messy sheet: refused with the rows' errors, nothing saved
    before = Project.objects.count()
    _upload(page, office_sheet(broken=True), "东湖区项目清单（初稿）.xlsx")
    assert "未导入任何数据" in page.inner_text("#import-refused")
    errors = page.inner_text("#row-errors")
    assert "第 6 行" in errors and "不是有效日期" in errors
    assert "金额不能为负数" in errors
    assert page.is_disabled("#btn-confirm")
    assert Project.objects.count() == before
    screenshot(page, "flow-import-refused")

    # the fixed sheet lands whole
    _upload(page, office_sheet(), "东湖区项目清单.xlsx")
    assert "检查通过" in page.inner_text("#import-ready")
    page.click("#btn-confirm")
    page.wait_for_url("**/projects/")
    assert "导入完成：新增 5 个项目" in page.inner_text("body")
    assert Project.objects.count() == before + 5

    # export the list and open the file back
    with page.expect_download() as download:
        page.click("#btn-export")
    with open(download.value.path(), "rb") as handle:  # Playwright's file has no .xlsx suffix
        book = openpyxl.load_workbook(handle)
    sheet = book.active
    cells = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header_row = next(i for i, row in enumerate(cells) if "项目名称" in row)
    headers = cells[header_row]
    data = [row for row in cells[header_row + 1 :] if row[0] != "合计"]
    names = [row[headers.index("项目名称")] for row in data]
    assert cells[header_row + 1 + len(data)][1] == "共 9 个项目"
    assert len(names) == Project.objects.count() == 9
    assert "东湖区文化艺术中心" in names and "东湖智能制造产业园一期" in names
    row = data[names.index("东湖区文化艺术中心")]
    assert Decimal(str(row[headers.index("总投资（万元）")])) == Decimal("38500")
    assert row[headers.index("所处阶段")] == "开工"
    screenshot(page, "flow-exported")
