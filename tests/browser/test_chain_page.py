"""The chain page in a real browser: the office reads a project's promotion chain (lights, baseline beside a
re-planned deadline, Gantt, approval clock); the unit's reporter fills a node's actual date and sees its
light turn to 已完成 on the page."""

import importlib
from datetime import date, timedelta

import pytest
from django.apps import apps

from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.projects.factories import move, project
from tuijin.chains import services
from tuijin.chains.models import ChainTemplate

pytestmark = pytest.mark.browser


def _seed_templates() -> None:
    """Transactional tests flush migration data: seed the preset templates again."""
    importlib.import_module("tuijin.chains.migrations.0002_preset_templates").seed(apps, None)


def _worked_chain(world):
    """A WH19 industry project due to start in five weeks, halfway through its procedures."""
    _seed_templates()
    today = date.today()
    p = project(
        world,
        name="东湖区智能制造产业园",
        planned_start=today + timedelta(days=35),
        planned_start_precision="day",
        planned_completion=date(today.year + 2, 6, 1),
        planned_completion_precision="month",
    )
    template = ChainTemplate.objects.get(jurisdiction=None, name__startswith="产业项目")
    chain = services.chain_apply_template(actor=world.admin, project=p, template=template)
    services.chain_update(
        actor=world.admin, chain=chain, signed_by="区自然资源局 王建国", signed_on=today - timedelta(days=200)
    )
    services.chain_confirm(actor=world.admin, chain=chain)
    nodes = {n.key: n for n in chain.nodes.all()}
    for key in ("demolition", "land_conversion", "filing", "red_line", "land_auction"):
        done = min(nodes[key].deadline + timedelta(days=3), today)
        services.node_update(actor=world.admin, node=nodes[key], actual=done)
    services.node_replan(
        actor=world.admin,
        node=nodes["land_contract"],
        deadline=nodes["land_contract"].deadline + timedelta(days=4),
        reason="出让金分期缴纳，合同签订顺延 4 天",
    )
    services.node_update(actor=world.admin, node=nodes["site_prep"], exempt_reason="园区已完成七通一平")
    services.milestone_add(
        actor=world.admin, project=p, name="基础完成", deadline=today + timedelta(days=130)
    )
    services.milestone_add(
        actor=world.admin, project=p, name="主体封顶", deadline=today + timedelta(days=300)
    )
    move(p, "preparation", today - timedelta(days=100), world.admin)
    return chain


def test_office_reads_the_chain_and_a_reporter_fills_a_node(page_as, world_live):
    chain = _worked_chain(world_live)
    page = page_as("office_admin")
    page.goto(f"/projects/{chain.project_id}/")
    page.click("#chain-link")
    page.wait_for_selector("#chain-page")
    assert "前期手续" in page.inner_text("#phase-approval")
    assert "形象进度" in page.inner_text("#phase-milestone")
    assert page.locator(".baseline-old").count() >= 1
    assert page.locator("#gantt .g-plan").count() > 5
    assert "土地摘牌" in page.inner_text("#approval-clock")
    screenshot(page, "chain-page-office")
    for part in ("chain-info", "approval-clock", "gantt", "phase-approval"):  # readable close-ups
        page.locator(f"#{part}").screenshot(path=str(SCREENSHOTS / f"chain-page-{part}.png"))

    filing_free = chain.nodes.get(key="eia")  # 环评: 区发改委 by fallback, still open
    reporter = page_as("unit_reporter")
    reporter.goto(f"/chains/project/{chain.project_id}/")
    row = reporter.locator(f"#node-{filing_free.pk}")
    assert "已完成" not in row.inner_text()
    row.get_by_role("link", name="填报").click()
    reporter.fill("#id_actual", (date.today() - timedelta(days=1)).isoformat())
    reporter.fill("#id_note", "环评批复已取得")
    screenshot(reporter, "chain-node-reporter")
    reporter.click("#node-form button[type=submit]")
    reporter.wait_for_selector("#chain-page")
    assert "已完成" in reporter.locator(f"#node-{filing_free.pk}").inner_text()
    screenshot(reporter, "chain-page-reporter")
