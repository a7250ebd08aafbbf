"""Issue 6 "Done when", in a real browser on the demo district (东湖区, DH24's rule set): the office prepares
the upcoming monthly meeting the demo leaves 筹备中 — the proposed agenda carries escalated problems and
red projects by name — records attendance, the minutes and two decisions (one with a deadline, one
without), issues the minutes (〔2024〕第N期) and downloads them as Word (opened with python-docx: the
number, an agenda item and a matter are in it); the matters list then tracks both. Then a unit that had
no card: the office supervises both matters (two 督办单 from the matter pages), the monthly card review
issues the two yellow cards they proposed, the supervision office issues the red card they make, and the
unit's card page shows two yellows and a red, the red card's evidence naming both 督办单.

The clock is moved to Monday 2024-07-01 09:00 (Asia/Shanghai) with time_machine (ticking) and the demo is
built for that day. Screenshots: var/screenshots/flow6-*.png."""

import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import _seed_level_tags, screenshot

pytestmark = pytest.mark.browser

DAY = date(2024, 7, 1)  # a Monday
NOW = datetime(2024, 7, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
WITH_DEADLINE = "浏览器测试：限期完成施工许可办理"
WITHOUT_DEADLINE = "浏览器测试：持续协调供电线路迁改"


@pytest.fixture
def demo_flow(transactional_db, live_server):
    import time_machine

    from tuijin.core.calendar_selectors import calendar_refresh
    from tuijin.core.calendar_services import calendar_seed
    from tuijin.core.ruleset_services import ruleset_seed
    from tuijin.demo.services import demo_build

    # transactional tests flush the tables after each test, migration data included: seed it again
    calendar_seed()
    calendar_refresh()
    _seed_level_tags()
    ruleset_seed()
    with time_machine.travel(NOW, tick=True):
        demo_build(today=DAY)
        yield live_server


@pytest.fixture
def login(browser, demo_flow):
    from tuijin.demo.services import DEMO_PASSWORD

    contexts = []

    def open_as(username: str):
        context = browser.new_context(
            viewport={"width": 1366, "height": 900}, locale="zh-CN", base_url=demo_flow.url
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("dialog", lambda dialog: dialog.accept())  # 印发、签发前的确认框
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{demo_flow.url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def no_error(page) -> None:
    errors = page.locator(".alert-danger, .invalid-feedback")
    assert not errors.count(), errors.all_inner_texts()


def test_monthly_meeting_minutes_matters_and_a_unit_s_yellow_and_red_cards(login, tmp_path):
    from docx import Document

    from tuijin.meetings.models import Matter, Meeting
    from tuijin.org.models import Unit
    from tuijin.supervision.models import Card

    meeting = (
        Meeting.objects.filter(status="preparing", series__frequency="monthly", date__gte=DAY)
        .order_by("date")
        .select_related("series", "jurisdiction")
        .first()
    )
    assert meeting is not None, "演示数据应留下一次筹备中的月度会议"
    carded = set(Card.objects.values_list("unit_id", flat=True))
    unit = (
        Unit.objects.filter(jurisdiction=meeting.jurisdiction, kind="department")
        .exclude(pk__in=carded)
        .order_by("sort", "id")
        .first()
    )
    assert unit is not None, "应有一个还没有黄牌红牌的单位"

    admin = login("admin")

    # ---- 1. prepare: the proposed agenda comes from escalated problems and red projects ---------------
    admin.goto(f"/meetings/{meeting.pk}/")
    admin.wait_for_selector("#meeting-page")
    screenshot(admin, "flow6-01-meeting-preparing")
    admin.click("#agenda-propose")
    admin.wait_for_selector("#propose-form")
    problems = admin.locator(".propose-group[data-kind=problem] .candidate")
    reds = admin.locator(".propose-group[data-kind=red_project] .candidate")
    assert problems.count() >= 1, "议程建议应有上报到本层级的问题"
    assert reds.count() >= 1, "议程建议应有红灯项目"
    problem_title = problems.first.inner_text().splitlines()[0].strip()
    red_title = reds.first.inner_text().splitlines()[0].strip()
    assert "：" in problem_title and "（红灯）" in red_title  # 项目名：问题概述 / 项目名（红灯）
    screenshot(admin, "flow6-02-agenda-proposal")
    for candidates in (problems, reds):
        box = candidates.first.locator("input[type=checkbox]")
        if not box.is_checked():
            box.check()
    admin.click("#propose-add")
    admin.wait_for_selector("#meeting-page")
    no_error(admin)
    agenda = admin.locator("#agenda-list .agenda-item").all_inner_texts()
    assert any(problem_title.split("：")[-1] in text for text in agenda), agenda
    assert any(red_title.removesuffix("（红灯）") in text for text in agenda), agenda

    # ---- 2. attendance, minutes, two decisions -----------------------------------------------------
    rows = admin.locator("#attendance-form .attendance-row")
    if rows.count():
        admin.locator("#attendance-form select[name$=-status]").first.select_option("leave")
        admin.locator("#attendance-form input[name$=-note]").first.fill("出差，委托副职参会")
        admin.click("#attendance-save")
        admin.wait_for_selector("#meeting-page")
        no_error(admin)
    for k, area in enumerate(admin.locator("#minutes-form textarea").all()):
        area.fill(
            "会议听取了汇报，要求抓紧推进。"
            if k
            else "7月1日上午，区长主持召开主任办公会，研究重点项目推进中的问题。"
        )
    admin.click("#minutes-save")
    admin.wait_for_selector("#meeting-page")
    no_error(admin)
    screenshot(admin, "flow6-03-minutes-attendance")

    def decide(title: str, *, deadline: str | None) -> None:
        form = admin.locator("#matter-decide-form")
        form.locator("[name=title]").fill(title)
        form.locator("[name=content]").fill(f"{title}，由{unit.name}牵头办理。")
        form.locator("[name=lead_unit]").select_option(str(unit.pk))
        if deadline:
            form.locator("[name=deadline]").fill(deadline)
        else:
            form.locator("[name=no_deadline]").check()
        admin.click("#matter-decide-submit")
        admin.wait_for_selector("#meeting-page")
        no_error(admin)

    decide(WITH_DEADLINE, deadline="2024-07-15")
    decide(WITHOUT_DEADLINE, deadline=None)
    matters_block = admin.inner_text("#meeting-matters")
    assert WITH_DEADLINE in matters_block and "时限 2024-07-15" in matters_block
    assert WITHOUT_DEADLINE in matters_block and "无时限" in matters_block

    # ---- 3. issue the minutes: numbered and frozen; the Word file ------------------------------------
    admin.click("#minutes-issue")
    admin.wait_for_selector("#meeting-frozen")
    number = admin.inner_text("#minutes-number")
    assert re.fullmatch(r"〔2024〕第\d+期", number), number
    assert not admin.locator("#matter-decide-form, #minutes-form").count()
    screenshot(admin, "flow6-04-minutes-issued")
    with admin.expect_download() as download:
        admin.click("#minutes-docx")
    path = tmp_path / "minutes.docx"
    download.value.save_as(path)
    document = Document(io.BytesIO(path.read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert number in text or number.replace("〔", "[").replace("〕", "]") in text, text[:500]
    assert problem_title.split("：")[-1] in text, "纪要应写有议题"
    assert WITH_DEADLINE in text and WITHOUT_DEADLINE in text, "纪要应写有议定事项"

    # ---- 4. the matters list tracks both -------------------------------------------------------------
    admin.goto(f"/meetings/matters/?meeting={meeting.pk}")
    listed = admin.inner_text("body")
    assert WITH_DEADLINE in listed and WITHOUT_DEADLINE in listed
    screenshot(admin, "flow6-05-matters-tracked")
    matters = list(Matter.objects.filter(meeting=meeting, lead_unit=unit).order_by("number"))
    assert [m.title for m in matters] == [WITH_DEADLINE, WITHOUT_DEADLINE]
    assert matters[0].deadline == date(2024, 7, 15) and matters[1].deadline is None

    # ---- 5. two 督办单 to the unit from the matter pages -------------------------------------------------
    slips = []
    for matter in matters:
        admin.goto(f"/meetings/matters/{matter.pk}/")
        form = admin.locator("#step-supervise")
        form.locator("textarea").first.fill("请按会议议定要求加快办理，按期报送办理情况。")
        form.locator("button[type=submit]").click()
        admin.wait_for_selector("#slips .slip-row[data-kind=supervise]")
        no_error(admin)
        slip_text = admin.locator("#slips .slip-row[data-kind=supervise] strong").first.inner_text()
        slips.append(re.search(r"〔2024〕第\d+号", slip_text).group(0))
    screenshot(admin, "flow6-06-matter-supervised")
    assert len(set(slips)) == 2, slips

    # ---- 6. the monthly card review issues the unit's two yellow cards --------------------------------
    proposed = list(Card.objects.filter(unit=unit, color="yellow", status="proposed").order_by("pk"))
    assert len(proposed) == 2, "每份督办单拟发一张黄牌"
    admin.goto("/supervision/cards/review/")
    admin.wait_for_selector("#review-form")
    for row in admin.locator(".review-row").all():
        mine = row.get_attribute("data-unit") == str(unit.pk)
        row.locator(".review-decision").select_option("issue" if mine else "later")
    screenshot(admin, "flow6-07-card-review")
    admin.click("#review-submit")
    admin.wait_for_selector("#review-held")
    no_error(admin)
    assert Card.objects.filter(unit=unit, color="yellow", status="issued").count() == 2

    # ---- 7. the supervision office issues the red card ------------------------------------------------
    supervisor = login("supervisor")
    supervisor.goto(f"/supervision/cards/unit/{unit.pk}/")
    supervisor.locator(".unit-card[data-color=red] a").first.click()
    supervisor.wait_for_selector("#card-page[data-color=red]")
    screenshot(supervisor, "flow6-08-red-card-proposed")
    supervisor.click("#issue-red")
    supervisor.wait_for_selector("#card-page[data-status=issued]")
    no_error(supervisor)

    # ---- 8. the unit's card page: two yellows and a red, each with its evidence ------------------------
    admin.goto(f"/supervision/cards/unit/{unit.pk}/")
    assert admin.inner_text("#unit-yellow").strip() == "2"
    assert admin.inner_text("#unit-red").strip() == "1"
    screenshot(admin, "flow6-09-unit-cards")
    admin.locator(".unit-card[data-color=red] a").first.click()
    admin.wait_for_selector("#card-evidence")
    evidence = admin.locator("#card-evidence .evidence-item").all_inner_texts()
    assert len(evidence) == 2, evidence
    for slip in slips:
        assert any(slip in item for item in evidence), (slip, evidence)
    screenshot(admin, "flow6-10-red-card-evidence")
    for card in Card.objects.filter(unit=unit, color="yellow"):
        admin.goto(f"/supervision/cards/{card.pk}/")
        assert card.slip.number_text in admin.inner_text("#card-evidence")
