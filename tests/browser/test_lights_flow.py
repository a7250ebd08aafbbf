"""Issue 4 "Done when", in a real browser on the demo district pinned to 2024-06-30 (the date
tests/test_demo_lights.py pins): the office follows the board from a unit's red count to the late node and
reads why it is red, sees the Gantt, fills the node's actual date and sees it turn 已完成 (and the project
green) on the page it lands on; a 2027 deadline carries the 暂定日历 marker; the wall screen shows the
board's totals.

The server's "today" is pinned too (django.utils.timezone.localdate, which every view and service reads):
otherwise saving a node recomputes its project for the real date and the demo's 2024 story reads as years
late."""

import re
from collections import Counter
from datetime import date
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import SCREENSHOTS, _seed_level_tags, screenshot

pytestmark = pytest.mark.browser

TODAY = date(2024, 6, 30)
LATE = re.compile(r"超期 \d+ 个工作日|应开未开|应竣未竣|投资滞后|周报缺报|督查")
TOTALS = ("red", "yellow", "green", "done", "total")  # board cards #total-red … #total-all, wall #wall-red …


@pytest.fixture
def demo_live(transactional_db, live_server, monkeypatch):
    from django.utils import timezone

    from tuijin.core.calendar_selectors import calendar_refresh
    from tuijin.core.calendar_services import calendar_seed
    from tuijin.demo.services import demo_build

    # transactional tests flush the tables after each test, migration data included: seed it again
    calendar_seed()
    calendar_refresh()
    _seed_level_tags()
    demo_build(today=TODAY)
    real_localdate = timezone.localdate

    def pinned(value=None, tz=None):
        return TODAY if value is None else real_localdate(value, tz)

    monkeypatch.setattr(timezone, "localdate", pinned)
    return live_server


@pytest.fixture
def demo_page(browser, demo_live):
    from tuijin.demo.services import DEMO_PASSWORD

    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="zh-CN", base_url=demo_live.url
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{demo_live.url}/")
    yield page
    context.close()


def _db_totals() -> dict[str, int]:
    from tuijin.lights.models import ProjectLight

    shown = Counter(ProjectLight.objects.values_list("shown", flat=True))
    return {
        "red": shown["red"],
        "yellow": shown["yellow"],
        "green": shown["green"],
        "done": shown["done"] + shown["exempt"],
        "total": sum(shown.values()),
    }


def _board_totals(page) -> dict[str, int]:
    return {key: int(page.inner_text(f"#total-{'all' if key == 'total' else key} .h1")) for key in TOTALS}


def _red_project_to_follow():
    """A red project whose only late item is one node that takes an actual date (approval or milestone),
    in the unit with the most red projects: filling that node should turn the project green."""
    from tuijin.lights.models import NodeLight, ProjectLight

    reds = ProjectLight.objects.filter(shown="red").select_related("project__responsible_unit", "node")
    red_per_unit = Counter(light.project.responsible_unit_id for light in reds)
    late = Counter(NodeLight.objects.filter(shown__in=("red", "yellow")).values_list("project_id", flat=True))
    candidates = [
        light
        for light in reds
        if light.node is not None
        and light.node.phase in ("approval", "milestone")
        and not light.node.stage
        and late[light.project_id] == 1
        and not (light.should_start or light.should_finish)
        and not (light.investment_behind or light.reports_missing)
    ]
    assert candidates, "演示数据里应有只因一个可填报节点超期而亮红灯的项目"
    candidates.sort(key=lambda light: (-red_per_unit[light.project.responsible_unit_id], light.project_id))
    return candidates[0], red_per_unit[candidates[0].project.responsible_unit_id]


def test_the_office_follows_a_red_count_to_the_late_node_and_fills_it(demo_page, demo_live):
    from tuijin.chains.models import ChainNode
    from tuijin.core.calendar_selectors import current_calendar
    from tuijin.lights.models import LightChange, NodeLight, ProjectLight
    from tuijin.lights.rules import LIGHTS

    page = demo_page
    light, red_in_unit = _red_project_to_follow()
    project, node, unit = light.project, light.node, light.project.responsible_unit
    node_reason = NodeLight.objects.get(node=node).reason

    # 1. 挂图作战 → 亮灯看板: the totals are the stored lights', the unit's red count opens its projects
    page.click("#navbar-menu >> text=挂图作战")
    page.click("#navbar-menu >> text=亮灯看板")
    page.wait_for_url("**/lights/")
    assert "2024-06-30" in page.inner_text("#board-status")
    board_before = _board_totals(page)
    assert board_before == _db_totals()
    red_link = f'a[href="/lights/projects/?unit={unit.pk}&light=red"]'
    row = page.locator("#board-table tbody tr", has=page.locator(red_link))
    red_cell = row.locator(red_link)
    assert row.locator("td").first.inner_text().startswith(unit.short_name or unit.name)
    shown_red = int(red_cell.inner_text())
    assert shown_red == red_in_unit >= 1
    screenshot(page, "lights-flow-1-board")

    red_cell.click()
    page.wait_for_url(lambda url: urlparse(url).path == "/lights/projects/")
    query = parse_qs(urlparse(page.url).query)
    assert query["light"] == ["red"] and query["unit"] == [str(unit.pk)]
    assert int(page.inner_text("#drill-count")) == shown_red
    rows = page.locator("#drill-table tbody tr")
    assert rows.count() == shown_red
    for i in range(shown_red):
        assert "红灯" in rows.nth(i).locator(".badge").first.inner_text()
        assert LATE.search(rows.nth(i).locator(".light-reason").inner_text())
    drill_row = page.locator(f"#drill-{project.pk}")
    assert drill_row.locator(".light-reason").inner_text() == light.reason
    assert node.name in drill_row.locator(".late-nodes").inner_text()
    screenshot(page, "lights-flow-2-drill")

    # the project's chain page: the late node's row with its light and reason, the Gantt with bars
    drill_row.locator("a.project-link").click()
    page.wait_for_url(f"**/chains/project/{project.pk}/")
    page.wait_for_selector("#chain-page")
    node_row = page.locator(f"#node-{node.pk}")
    assert node_row.locator(".badge", has_text=re.compile("^(红灯|黄灯)$")).count() == 1
    assert "红灯" in node_row.inner_text()
    assert node_reason in node_row.locator(".light-reason").inner_text()
    assert light.reason in page.inner_text("#project-light")
    assert page.locator("#gantt").is_visible()
    bars = page.locator("#gantt .g-plan, #gantt .g-point")
    assert bars.count() > 5 and bars.first.is_visible()
    screenshot(page, "lights-flow-3-chain-red")
    page.locator("#chain-info").screenshot(path=str(SCREENSHOTS / "lights-flow-3-chain-info.png"))
    page.locator("#gantt").screenshot(path=str(SCREENSHOTS / "lights-flow-3-gantt.png"))

    # 2. fill the node's actual date: back on the chain page it is 已完成 and the project's light follows
    node_row.get_by_role("link", name="填报").click()
    page.wait_for_url(f"**/chains/node/{node.pk}/")
    page.fill("#id_actual", TODAY.isoformat())
    page.fill("#id_note", "已完成，现场核实")
    screenshot(page, "lights-flow-4-node-form")
    page.click("#node-form button[type=submit]")
    page.wait_for_url(f"**/chains/project/{project.pk}/#node-{node.pk}")
    page.wait_for_selector("#chain-page")
    assert f"“{node.name}”已保存" in page.inner_text("body")

    node_after = NodeLight.objects.get(node=node)
    project_after = ProjectLight.objects.get(project=project)
    assert node_after.shown == "done"
    assert project_after.shown == "green", project_after.reason  # it was the project's only late item
    change = LightChange.objects.filter(project=project, node=None).last()
    assert (change.old, change.new, change.on) == ("red", "green", TODAY)
    node_row = page.locator(f"#node-{node.pk}")
    assert node_row.locator(".badge").first.inner_text() == LIGHTS[node_after.shown] == "已完成"
    assert node_after.reason in node_row.inner_text() and "2024-06-30" in node_row.inner_text()
    assert "红灯" not in node_row.inner_text()
    assert page.locator("#project-light .badge").first.inner_text() == LIGHTS[project_after.shown]
    assert project_after.reason in page.inner_text("#project-light")
    screenshot(page, "lights-flow-5-chain-done")
    page.locator(f"#phase-{node.phase}").screenshot(path=str(SCREENSHOTS / "lights-flow-5-phase.png"))

    # 3. a deadline in 2027, a year with no State Council schedule yet, is marked 暂定日历
    calendar = current_calendar()
    assert calendar.is_provisional(date(2027, 6, 1)) and not calendar.is_provisional(date(2024, 6, 1))
    later = ChainNode.objects.filter(deadline__year=2027).order_by("project_id", "sort", "pk").first()
    assert later is not None, "演示数据里应有完成时限在 2027 年的节点"
    earlier = (
        ChainNode.objects.filter(project_id=later.project_id, deadline__year__lte=2025).order_by("pk").first()
    )
    page.goto(f"/chains/project/{later.project_id}/")
    page.wait_for_selector("#chain-page")
    assert "暂定日历" in page.locator(f"#node-{later.pk} .deadline").inner_text()
    assert "暂定日历" in page.inner_text("#chain-info")
    later_light = page.locator(f"#node-{later.pk}").locator("td").nth(4).inner_text()
    assert ("含暂定日历" in later_light) == NodeLight.objects.get(node=later).provisional
    if earlier is not None:
        assert "暂定日历" not in page.locator(f"#node-{earlier.pk} .deadline").inner_text()
    screenshot(page, "lights-flow-6-provisional")
    for part, name in (("chain-info", "chain-info"), ("gantt", "gantt"), (f"phase-{later.phase}", "phase")):
        page.locator(f"#{part}").screenshot(path=str(SCREENSHOTS / f"lights-flow-6-{name}.png"))

    # 4. the wall screen shows the board's totals (the filled node moved one project from red to green)
    page.click("#navbar-menu >> text=挂图作战")
    page.click("#navbar-menu >> text=亮灯看板")
    page.wait_for_url("**/lights/")
    board_after = _board_totals(page)
    assert board_after == _db_totals()
    assert board_after["red"] == board_before["red"] - 1
    assert board_after["green"] == board_before["green"] + 1
    with page.context.expect_page() as opened:
        page.click("#btn-wall")
    wall = opened.value
    wall.wait_for_selector("#wall-red")
    wall_totals = {key: int(wall.inner_text(f"#wall-{key}")) for key in TOTALS}
    assert wall_totals == board_after
    screenshot(wall, "lights-flow-7-wall")
