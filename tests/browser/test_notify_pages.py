"""The push-record pages and the public page in a real browser (desktop and phone), with screenshots
var/screenshots/notify-*.png and public-*.png: the supervision office filters the records, opens a 结果不明
message and follows it up; the office adds a robot; an anonymous visitor reads the public ranking."""

import pytest
from django.utils import timezone

from tests.browser.conftest import screenshot
from tests.notify.page_factories import message, robot

pytestmark = pytest.mark.browser


def _records(w):
    from tuijin.notify.models import FollowUp

    sent = message(w, status="sent")
    message(w, status="sent", channel="email", subject="区发改委本周待办", unit=w.dept, kind="todo")
    message(w, status="failed", last_error="号码为空号，运营商拒收", kind="reminder", subject="节点到期提醒")
    unknown = message(w, status="unknown", kind="reminder", subject="节点到期提醒：土地摘牌")
    message(w, status="queued", endpoint=robot(w), channel="dingtalk", address="东湖区重点项目调度群")
    FollowUp.objects.create(
        message=sent, result="acting", note="已电话核实，区发改委正在落实", by=w.supervisor
    )
    return unknown


def test_push_records_in_the_browser(page_as, world_live):
    unknown = _records(world_live)
    page = page_as("supervisor")
    page.goto("/notify/messages/")
    assert page.locator(".message-row").count() == 5
    screenshot(page, "notify-messages")
    page.click('#status-tabs a[data-status="unknown"]')
    assert page.locator(".message-row").count() == 1
    page.click(f'.message-row[data-message="{unknown.pk}"] a')
    page.select_option("#id_result", "no_reply")
    page.fill("#id_note", "接收人未回应，已转责任单位督办")
    page.click("#follow-up-form button")
    assert "已记录跟进情况" in page.content()
    assert page.locator(".follow-up-row").count() == 1
    assert page.locator("#btn-resend").is_visible()
    screenshot(page, "notify-message")

    phone = page_as("supervisor", mobile=True)
    phone.goto("/notify/messages/")
    screenshot(phone, "notify-messages-phone")


def test_robots_in_the_browser(page_as, world_live):
    robot(world_live)
    page = page_as("office_admin")
    page.goto("/notify/endpoints/new/")
    page.select_option("#id_kind", "feishu")
    page.fill("#id_name", "东湖区项目办飞书群")
    page.fill("#id_url", "https://open.feishu.cn/open-apis/bot/v2/hook/abc")
    page.fill("#id_secret", "feishu-secret")
    screenshot(page, "notify-endpoint-form")
    page.click("#endpoint-form button.btn-primary")
    assert page.locator(".endpoint-row").count() == 2
    screenshot(page, "notify-endpoints")


def _city_scale_public(public: dict) -> dict:
    """The public part of a notice with 200 plan projects of 20 units (as the demo city has)."""
    lights = ("绿灯", "绿灯", "黄灯", "绿灯", "红灯", "已完成")
    projects = [
        {
            "name": f"{['滨江', '青山', '红谷', '象湖'][i % 4]}片区重点项目{i + 1:03d}号",
            "unit": f"区第{i % 20 + 1:02d}责任单位",
            "stage": "在建",
            "light": lights[i % len(lights)],
            "planned_investment": f"{(i % 9 + 1) * 1000}.00",
            "completed_investment": f"{(i % 9 + 1) * (i % 7) * 120}.00",
            "investment_rate": round((i % 7) * 12.0, 1),
        }
        for i in range(200)
    ]
    return {**public, "projects": sorted(projects, key=lambda p: p["unit"])}


def test_public_page_in_the_browser(browser, live_server, world_live):
    from tests.meetings.factories import seeded
    from tests.public.test_public_page import PUBLIC
    from tuijin.documents.models import Bulletin

    seeded(world_live, "donghu-2024")  # the header cites DH24's own source
    for month in (4, 5):
        Bulletin.objects.create(
            jurisdiction=world_live.district,
            kind="monthly_notice",
            period=f"2026-0{month}",
            title=f"2026年{month}月重大重点项目推进情况通报",
            status="published",
            public=True,
            content={"public": _city_scale_public(PUBLIC)},
            year=2026,
            seq=month,
            number=f"东湖重点办〔2026〕{month}号",
            drafted_by=world_live.admin,
            published_at=timezone.now(),
        )
    for name, viewport in (("public", (1366, 900)), ("public-phone", (390, 844))):
        context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN", base_url=live_server.url
        )
        page = context.new_page()
        page.goto(f"/public/{world_live.district.code}/")
        assert page.locator("#public-title").inner_text() == "东湖区重大重点项目推进排名公示"
        assert "林志远" not in page.content()
        assert "东湖区2024年重大重点项目推进工作方案" in page.locator("#public-basis").inner_text()
        page.wait_for_selector(".public-chart canvas")
        # 200 projects fold under 20 units' summary rows: the page stays a few screens long
        assert page.locator("details.unit-projects").count() == 20
        assert page.evaluate("document.documentElement.scrollHeight") < 4000
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport[0]
        screenshot(page, name)
        page.locator("details.unit-projects summary").nth(1).click()
        assert page.locator("details.unit-projects").nth(1).locator("tbody tr").count() == 10
        page.locator("details.unit-projects").nth(1).scroll_into_view_if_needed()
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport[0]
        screenshot(page, f"{name}-unit")
        context.close()
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    page.goto(f"/public/{world_live.other_district.code}/")
    screenshot(page, "public-empty")
    context.close()
