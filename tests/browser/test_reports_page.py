"""The unit's week page in a real browser: a reporter fills every project's card, saves a draft and
submits the week; the head approves; the office returns one project with a reason; the reporter sees the
returned card highlighted with the reason (desktop and phone). Screenshots: var/screenshots/reports-*.png."""

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def projects(world_live):
    from tests.projects.factories import project

    return [
        project(world_live, name=name, stage="construction")
        for name in ("东湖文化艺术中心", "滨江智能制造产业园一期", "老旧小区改造提升工程")
    ]


def test_week_page_fill_submit_return(page_as, world_live, projects):
    from tuijin.reports.models import Report

    page = page_as("unit_reporter")
    page.goto("/reports/weekly/")
    assert page.locator(".report-card").count() == 3
    page.fill("#id_unit_head_name", "周文博")
    for i, p in enumerate(projects):
        page.fill(f"#p{p.pk}-basic_facts", f"总投资 {p.total_investment} 万元，建设内容见项目库。")
        page.fill(f"#p{p.pk}-progress", f"本周完成桩基 {12 + i} 根，主体结构施工至第 {3 + i} 层。")
        page.fill(f"#p{p.pk}-plan_next", "完成主体结构封顶，启动外立面施工。")
        page.fill(f"#p{p.pk}-responsible_person", "张伟")
    page.fill(f"#p{projects[1].pk}-needs", "需协调临时用电接入。")
    page.click("#btn-save")
    page.wait_for_selector(".alert-success")
    assert Report.objects.filter(status="draft").count() == 3
    screenshot(page, "reports-week-draft")
    page.on("dialog", lambda d: d.accept())
    page.click("#btn-submit")
    page.wait_for_selector(".alert-success")
    assert Report.objects.filter(status="submitted").count() == 3
    assert page.locator('[data-status="submitted"]').count() == 3

    head = page_as("unit_head")
    head.goto("/reports/approvals/")
    head.click("#btn-approve")
    head.wait_for_selector(".alert-success")
    assert Report.objects.filter(status="approved").count() == 3

    office = page_as("office_admin")
    office.goto("/reports/review/weekly/")
    screenshot(office, "reports-review-overview")
    office.click(f'#review-table tr[data-unit="{world_live.dept.pk}"] a')
    card = office.locator(f"#report-{Report.objects.get(project=projects[0]).pk}")
    card.locator("input[name=reason]").fill("进展未写明完成比例，请补充")
    card.locator(".btn-return").click()
    office.wait_for_selector(".alert-success")
    screenshot(office, "reports-review-unit")

    page.goto("/reports/weekly/")
    returned = page.locator(f"#row-{projects[0].pk}")
    assert "is-returned" in returned.get_attribute("class")
    assert "进展未写明完成比例" in returned.inner_text()
    screenshot(page, "reports-week-returned")

    phone = page_as("unit_reporter", mobile=True)
    phone.goto("/reports/weekly/")
    assert phone.locator(f"#p{projects[0].pk}-progress").is_visible()
    screenshot(phone, "reports-week-phone")
