"""The office imports a messy project list in a real browser: refused with every row's error, maps an
unknown unit, fixes the sheet, and the whole list lands (issue 3 "Done when")."""

import pytest

from tests.browser.conftest import screenshot
from tests.projects.sheets import office_sheet

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(page, data: bytes, name: str) -> None:
    page.goto("/projects/import/")
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": XLSX, "buffer": data}])
    page.click("button:has-text('上传并检查')")
    page.wait_for_selector("#import-summary")


def test_office_imports_a_messy_sheet_refused_then_fixed(page_as):
    from tuijin.projects.models import ColumnMapping, NameMapping, Project

    page = page_as("office_admin")
    page.goto("/projects/import/")
    assert "导入项目清单" in page.inner_text("h2.page-title")
    screenshot(page, "import-upload")

    _upload(page, office_sheet(broken=True), "东湖区2024年项目清单（初稿）.xlsx")
    assert "表格有 6 处错误，未导入任何数据" in page.inner_text("#import-refused")
    errors = page.inner_text("#row-errors")
    assert (
        "第 6 行" in errors and "“2024年13月”不是有效日期（应为 2024年3月、2024.03 或 2024-03-15）" in errors
    )
    assert "金额不能为负数" in errors
    assert "“约五千”不是有效金额" in errors
    assert "计划竣工 2023年12月 早于计划开工 2024年3月" in errors
    assert "与第 6 行重复" in errors
    assert page.is_disabled("#btn-confirm")
    screenshot(page, "import-refused")

    # the unknown unit is mapped once; the choice is remembered
    page.select_option("#name-mapping select", label="区住房和城乡建设局")
    assert page.is_disabled("#btn-confirm")
    page.click("#btn-recheck")
    page.wait_for_selector("#import-refused")
    assert "表格有 5 处错误" in page.inner_text("#import-refused")
    assert page.locator("#name-mapping").count() == 0
    assert NameMapping.objects.get().text == "区建设局"
    screenshot(page, "import-mapped")

    _upload(page, office_sheet(), "东湖区2024年项目清单.xlsx")
    assert "检查通过" in page.inner_text("#import-ready")
    assert "新增" in page.inner_text("#import-sample")
    screenshot(page, "import-ready")
    page.click("#btn-confirm")
    page.wait_for_url("**/projects/")
    assert "导入完成：新增 5 个项目" in page.inner_text("body")
    screenshot(page, "import-landed")
    assert Project.objects.count() == 5
    assert set(Project.history.values_list("history_user__username", flat=True)) == {"admin"}
    assert not ColumnMapping.objects.exists()  # our headers and their aliases needed no mapping


def test_the_mapping_step_on_a_phone(page_as):
    page = page_as("office_admin", mobile=True)
    _upload(page, office_sheet(broken=True), "清单.xlsx")
    assert "表格有 6 处错误" in page.inner_text("#import-refused")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "import-refused-mobile")
