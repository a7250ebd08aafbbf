"""Issue 7 "Done when" in a real browser: the office computes a quarter on the 考核排名 page, lands on the
ranking, clicks 区发改委, sees the −4 entry of its late start and follows the entry's node link to the chain
page, scrolled to that node. 东湖区 scores with wuhan-2019; its project 东湖区数字经济产业园 was planned to
start 2024-05-15 and has not started. The server's "today" is pinned to 2024-07-10 (so the form offers
2024Q2 as the latest quarter that has ended). Screenshots of the three pages on desktop and phone:
var/screenshots/scoring-*.png."""

import importlib
from datetime import date

import pytest
from django.apps import apps

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

TODAY = date(2024, 7, 10)


@pytest.fixture
def scenario(world_live, monkeypatch):
    from django.utils import timezone

    from tests.scoring.page_factories import late_with_chain
    from tests.scoring.score_factories import use_wuhan

    # transactional tests flush migration data: the chain templates are seeded again
    importlib.import_module("tuijin.chains.migrations.0002_preset_templates").seed(apps, None)
    use_wuhan(world_live)
    chain = late_with_chain(world_live, planned_start=date(2024, 5, 15))
    real_localdate = timezone.localdate

    def pinned(value=None, tz=None):
        return TODAY if value is None else real_localdate(value, tz)

    monkeypatch.setattr(timezone, "localdate", pinned)
    return chain


def test_from_a_units_rank_to_the_node_that_cost_four_points(page_as, world_live, scenario, live_server):
    from tuijin.scoring.models import ScoreEntry, ScorePeriod

    office = page_as("office_admin")
    office.goto("/scoring/")
    assert office.locator("#id_period").input_value() == "2024Q2"
    assert "2024年第2季度" in office.locator("#id_period option:checked").inner_text()
    office.click("#compute-submit")
    office.wait_for_selector(".rank-row")
    period = ScorePeriod.objects.get(jurisdiction=world_live.district, key="2024Q2")
    assert office.url == f"{live_server.url}/scoring/{period.pk}/"
    assert "已计算2024年第2季度" in office.locator(".alert-success").inner_text()
    row = office.locator(f".rank-row[data-unit='{world_live.dept.pk}']")
    assert row.count() == 1
    assert "排名规则" in office.locator(".tie-break").first.inner_text()
    screenshot(office, "scoring-ranking")

    row.locator("td.unit a").click()
    office.wait_for_selector("#unit-entries")
    late = ScoreEntry.objects.get(period=period, unit=world_live.dept, kind="late_start")
    entry = office.locator(f"#entry-{late.pk}")
    assert entry.locator(".entry-points").inner_text() == "-4"
    assert "延期开工" in entry.inner_text()
    screenshot(office, "scoring-unit")

    entry.locator(".evidence-link[data-kind=node]").click()
    office.wait_for_url(f"**/chains/project/{scenario.project.pk}/#node-{late.node_id}")
    node = office.locator(f"#node-{late.node_id}")
    assert node.is_visible()
    assert office.evaluate("location.hash") == f"#node-{late.node_id}"
    assert office.evaluate(f"document.getElementById('node-{late.node_id}').matches(':target')")

    office.goto("/scoring/")
    assert office.locator(f"#period-{period.pk}").count() == 1
    screenshot(office, "scoring-index")

    phone = page_as("office_admin", mobile=True)
    for name, url in (
        ("index", "/scoring/"),
        ("ranking", f"/scoring/{period.pk}/"),
        ("unit", f"/scoring/{period.pk}/units/{world_live.dept.pk}/"),
    ):
        phone.goto(url)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{name} page is {width}px wide on a phone"
        screenshot(phone, f"scoring-{name}-phone")


def test_a_refusal_shows_beside_the_form(page_as, world_live, scenario):
    office = page_as("office_admin")
    office.goto("/scoring/")
    office.evaluate("document.getElementById('id_period').options[0].value = '2024Q5'")
    office.select_option("#id_period", index=0)
    office.click("#compute-submit")
    office.wait_for_selector("#id_period.is-invalid")
    assert "季度应为 Q1–Q4" in office.locator("#compute-panel").inner_text()
    assert office.url.endswith("/scoring/")  # the panel was swapped in place


def test_the_unit_page_explains_exempted_and_adjusted_points(page_as, world_live, scenario):
    """A stored period with every kind of entry (a matter band, a red card, an exemption): the unit pages
    read on desktop and phone (screenshots scoring-unit-detail*.png)."""
    from tests.scoring.page_factories import scored

    s = scored(world_live, key="2024Q1")
    office = page_as("office_admin")
    office.goto(f"/scoring/{s.period.pk}/units/{world_live.dept.pk}/")
    assert office.locator(".score-entry").count() == 3
    assert office.locator("#unit-total-cell").inner_text() == "94.00"
    assert office.locator(".score-entry[data-kind=red_card]").is_visible()
    screenshot(office, "scoring-unit-detail")
    office.goto(f"/scoring/{s.period.pk}/units/{world_live.other_dept.pk}/")
    assert "已免扣分" in office.locator(".entry-note.exempted").inner_text()
    office.goto(f"/scoring/{s.period.pk}/")
    screenshot(office, "scoring-ranking-detail")
    phone = page_as("unit_reporter", mobile=True)
    phone.goto(f"/scoring/{s.period.pk}/units/{world_live.dept.pk}/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "scoring-unit-detail-phone")


def test_a_year_computed_by_the_system_reads_for_the_annual_review(page_as, world_live, scenario):
    """A year period computed by the system (by=None): the ranking shows 季度平均分, 折算分 (占专项目标 35 分中的
    10 分) and 奖励加分; the unit page the same; the index lists one year at a time (screenshots
    scoring-year-*.png, desktop and phone)."""
    from tests.scoring.page_factories import scored, year_period

    scored(world_live, key="2023Q4")
    period = year_period(world_live)
    office = page_as("office_admin")
    office.goto(f"/scoring/{period.pk}/")
    row = office.locator(f".rank-row[data-unit='{world_live.dept.pk}']")
    assert row.locator(".year-average").inner_text() == "97.00"
    assert row.locator(".year-review").inner_text() == "9.70"
    assert row.locator(".year-bonus").inner_text() == "+2"
    assert "系统 计算" in office.locator("#period-status").inner_text()
    screenshot(office, "scoring-year-ranking")
    office.goto(f"/scoring/{period.pk}/units/{world_live.dept.pk}/")
    assert office.locator("#year-review").inner_text() == "9.70"
    screenshot(office, "scoring-year-unit")
    office.goto("/scoring/")
    assert office.locator(".period-row").count() == 1  # 2024 only
    office.click("#period-years >> text=2023年")
    office.wait_for_url("**/scoring/?year=2023")
    assert office.locator(".period-row").count() == 1
    screenshot(office, "scoring-year-index")
    phone = page_as("office_admin", mobile=True)
    for name, url in (
        ("index", "/scoring/"),
        ("ranking", f"/scoring/{period.pk}/"),
        ("unit", f"/scoring/{period.pk}/units/{world_live.dept.pk}/"),
    ):
        phone.goto(url)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{name} page is {width}px wide on a phone"
        screenshot(phone, f"scoring-year-{name}-phone")
