"""The project page in a real browser: the office opens a project, edits it and moves it to 开工."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.browser.conftest import screenshot
from tests.projects.factories import entry, invest, move, plan, project

pytestmark = pytest.mark.browser


def _rich_project(world):
    today = date.today()
    p = project(
        world,
        name="东湖区数字经济产业园",
        code="2019-360102-47-01-000123",
        code_note="2019 年赋码，早于校验位规则（GB/T 40058-2021），未校验最后一位。",
        total_investment=Decimal("52000"),
        content="新建标准厂房 12 栋及配套研发楼，总建筑面积约 18 万平方米。",
        address="东湖区公园街道某路 1 号",
        longitude=Decimal("115.912345"),
        latitude=Decimal("28.681234"),
        planned_start=today - timedelta(days=40),
        planned_start_precision="week",
        planned_completion=date(today.year + 2, 6, 1),
        planned_completion_precision="month",
        lead_leader=world.leader_person,
        street=world.street_unit,
        owner="东湖城投公司",
        tags=["省重点", "区重点"],
        funding=[("special_bond", Decimal("20000")), ("enterprise", Decimal("32000"))],
    )
    move(p, "landed", today - timedelta(days=90), world.admin, document="土地出让合同")
    move(p, "preparation", today - timedelta(days=60), world.admin)
    year = plan(world, today.year)
    entry(year, p, planned_investment=Decimal("12000"), monthly_targets=[1000] * 12)
    for month in range(1, today.month):
        invest(p, today.year, month, 900 + month * 10)
    return p


def test_office_opens_edits_and_starts_a_project(page_as, world_live):
    p = _rich_project(world_live)
    page = page_as("office_admin")
    page.goto(f"/projects/{p.pk}/")
    assert page.locator("#project-detail").is_visible()
    assert "早于校验位规则" in page.inner_text("#project-code-note")
    assert "应开工未开工" in page.inner_text("#dates") or "逾期" in page.inner_text("#dates")
    screenshot(page, "project-detail")

    page.click("#edit-project")
    page.fill("#id_total_investment", "-5")
    page.click("#save-project")
    screenshot(page, "project-edit-error")
    assert "总投资不能为负数" in page.inner_text("#field-total_investment")
    page.fill("#id_total_investment", "６０,０００")
    page.fill("#id_content", "新建标准厂房 14 栋及配套研发楼。")
    page.click("#save-project")
    page.wait_for_url(f"**/projects/{p.pk}/")
    assert "6.00亿元" in page.inner_text("#project-total")
    history = page.inner_text("#history")
    assert "5.20亿元" in history and "6.00亿元" in history and "admin" in history

    page.select_option("#id_to_stage", "started")
    page.fill("#id_document", "施工许可证 360102202400001")
    page.click("#stage-form button[type=submit]")
    page.wait_for_url(f"**/projects/{p.pk}/#stage")
    assert page.inner_text("#project-stage").strip() == "开工"
    assert "实际开工" in page.inner_text("#stage-timeline")
    screenshot(page, "project-started")


def test_project_page_fits_a_phone(page_as, world_live):
    p = _rich_project(world_live)
    page = page_as("office_admin", mobile=True)
    page.goto(f"/projects/{p.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "project-detail-mobile")
    page.goto(f"/projects/{p.pk}/edit/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "project-edit-mobile")


def test_unit_reporter_edits_only_content_and_location(page_as, world_live):
    p = _rich_project(world_live)
    page = page_as("unit_reporter")
    page.goto(f"/projects/{p.pk}/edit/")
    assert page.locator("#id_name").count() == 0
    page.fill("#id_image_progress", "主体结构封顶")
    page.click("#save-project")
    page.wait_for_url(f"**/projects/{p.pk}/")
    assert "主体结构封顶" in page.inner_text("#overview")
    screenshot(page, "project-reporter")


def test_office_creates_a_project_with_the_pickers(page_as, world_live):
    from tuijin.projects.models import ProjectTag

    ProjectTag.objects.get_or_create(name="区重点")  # transactional tests flush the seeded tags
    page = page_as("office_admin")
    page.goto("/projects/new/")
    page.fill("#id_name", "东湖区智慧停车项目")
    page.select_option("#id_category", "urban_construction")
    page.fill("#id_total_investment", "8,500")
    page.click("#field-responsible_unit .ts-control")
    page.click("#field-responsible_unit .ts-dropdown .option:has-text('区住建局')")
    page.click("#field-tags .ts-control")
    page.click("#field-tags .ts-dropdown .option:has-text('区重点')")
    page.select_option("#id_funding-0-kind", "fiscal")
    page.fill("#id_funding-0-amount", "3000")
    screenshot(page, "project-create")
    page.click("#save-project")
    page.wait_for_url("**/projects/*/")
    assert "东湖区智慧停车项目" in page.inner_text("h2.page-title")
    assert "区住建局" in page.inner_text("#responsibilities")
    assert "区重点" in page.inner_text("#overview")
    assert "3,000.00万元" in page.inner_text("#funding")
