"""迟报缺报 (issue 5 part 4) in a browser: the office opens it from 挂图作战, reads a week's counts per unit,
drills into a unit's missing reports; the page works on a phone. Screenshots: var/screenshots/lights-reports-*.png."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

W23 = date(2024, 6, 3)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _week(world):
    from tests.projects.factories import project
    from tuijin.reports.models import Report

    def report(p, submitted=None, status="submitted"):
        at = datetime.combine(submitted, time(9), tzinfo=SHANGHAI) if submitted else None
        Report.objects.create(
            project=p,
            unit=p.responsible_unit,
            kind="weekly",
            period_start=W23,
            due_on=date(2024, 6, 7),
            status=status,
            first_submitted_at=at,
        )

    report(project(world, name="东湖数字产业园", stage="construction"), date(2024, 6, 6))
    report(project(world, name="公园路综合改造", stage="construction"), date(2024, 6, 11))
    project(world, name="滨江智慧物流园", stage="construction")
    report(project(world, name="城东污水处理厂", stage="started"), status="draft")
    project(world, name="老城区管网改造", stage="construction", responsible_unit=world.other_dept)


def test_the_office_reads_a_week_s_late_and_missing_reports(page_as, world_live):
    _week(world_live)
    page = page_as("office_admin")
    page.click("#navbar-menu >> text=挂图作战")
    page.click("#navbar-menu >> text=迟报缺报")
    page.wait_for_url("**/lights/reports/")
    page.goto("/lights/reports/?week=2024-W23")
    assert "2024年第23周" in page.inner_text("#week-label")
    assert page.inner_text("#state-missing .count") == "3"
    assert page.inner_text("#state-late .count") == "1"
    assert page.inner_text("#state-on_time .count") == "1"
    row = page.locator(f"#unit-{world_live.dept.pk}")
    assert row.locator("td").nth(1).inner_text() == "4"
    screenshot(page, "lights-reports-1-week")
    row.locator("td.red a").click()
    page.wait_for_selector("#drill")
    assert page.inner_text("#drill-count") == "2"
    names = page.inner_text("#drill-table")
    assert "滨江智慧物流园" in names and "城东污水处理厂" in names and "老城区管网改造" not in names
    screenshot(page, "lights-reports-2-drill")
    page.click("#week-prev")
    assert "第22周" in page.inner_text("#week-label")

    phone = page_as("unit_reporter", mobile=True)
    phone.goto("/lights/reports/?week=2024-W23&state=missing")
    assert "老城区管网改造" not in phone.inner_text("body")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(phone, "lights-reports-3-phone")
