"""The meeting pages in a real browser: the office opens the calendar (month grid and upcoming list),
prepares the month's meeting from its planned slot, takes the proposed agenda (an escalated problem and a
red project), records attendance and minutes, issues the minutes (〔2024〕第1期) and downloads them as Word;
on a phone the calendar is a list. The clock is Wednesday 2024-06-05 10:00 (time_machine, ticking).
Screenshots: var/screenshots/meetings-*.png."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

NOW = datetime(2024, 6, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def clock(world_live):
    import time_machine

    with time_machine.travel(NOW, tick=True):
        yield


def _setup(world):
    from tests.meetings.factories import escalated_problem, red_project, seeded, series
    from tuijin.meetings import services

    seeded(world)
    services.series_sync(actor=world.admin, jurisdiction=world.district)
    s = series(world, name="区重大重点项目月度调度会", level_key="leader", chair_person=world.leader_person)
    problem = escalated_problem(world, title="用地红线与地籍权属不一致", level="leader")
    problem.project.lead_leader = world.leader_person
    problem.project.save()
    red = red_project(world, name="东湖文化中心", leader=world.leader_person)
    return s, problem, red


def test_office_prepares_holds_and_issues_a_meeting(clock, world_live, page_as):
    s, problem, red = _setup(world_live)
    page = page_as("office_admin")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/meetings/")
    page.wait_for_selector("#cal-grid")
    assert page.inner_text("#cal-title") == "2024年6月"
    # the month's planned slot of the monthly series: June 3 (the first working day), and the 旬会商 of DH24
    june3 = page.locator('#cal-grid td[data-date="2024-06-03"]')
    assert "区重大重点项目月度调度会" in june3.inner_text()
    assert "旬会商" in page.inner_text('#cal-grid td[data-date="2024-06-11"]')
    assert "休" in page.inner_text('#cal-grid td[data-date="2024-06-10"]')  # 端午节
    screenshot(page, "meetings-calendar")

    june3.locator(f'.cal-planned[data-series="{s.pk}"] a.cal-prepare').click()
    page.wait_for_selector("#meeting-new-form")
    assert page.input_value("#id_title") == "区重大重点项目月度调度会（2024年6月）"
    page.fill("#id_date", "2024-06-05")
    page.fill("#id_place", "区政府第一会议室")
    page.click("#meeting-create")
    page.wait_for_selector("#meeting-page")
    assert "副区长林志远" in page.inner_text("#meeting-info")

    page.click("#agenda-propose")
    page.wait_for_selector("#propose-form")
    screenshot(page, "meetings-propose")
    problem_box = page.locator(f'.candidate[data-key="problem:{problem.pk}"]')
    assert "用地红线与地籍权属不一致" in problem_box.inner_text()
    assert "东湖文化中心" in page.inner_text(f'.candidate[data-key="project:{red.pk}"]')
    problem_box.locator("input").check()
    page.locator(f'.candidate[data-key="project:{red.pk}"] input').check()
    page.click("#propose-add")
    page.wait_for_selector("#agenda-list .agenda-item")
    assert page.locator("#agenda-list .agenda-item").count() == 2
    page.fill("#id_agenda-title", "下阶段重点工作安排")
    page.click("#agenda-add-form button")
    page.wait_for_selector("#agenda-list .agenda-item >> nth=2")
    # the third item moves to the top
    page.locator("#agenda-list .agenda-item >> nth=2").locator('button[title="上移"]').click()
    page.wait_for_load_state()
    page.locator("#agenda-list .agenda-item >> nth=1").locator('button[title="上移"]').click()
    page.wait_for_load_state()
    assert "下阶段重点工作安排" in page.locator("#agenda-list .agenda-item >> nth=0").inner_text()

    # attendance: 区住建局 asks for leave
    other = page.locator('#attendance-form .attendance-row[data-label="区住建局"]')
    other.locator('select[name$="-status"]').select_option("leave")
    other.locator('input[name$="-note"]').fill("出差")
    page.locator('#attendance-form .attendance-row[data-label="区发改委"] input[name$="-name"]').fill(
        "周文博"
    )
    page.click("#attendance-save")
    page.wait_for_selector("#attendance-form")
    saved = page.locator('#attendance-form .attendance-row[data-label="区住建局"] select[name$="-status"]')
    assert saved.input_value() == "leave"

    page.fill("#id_summary", "6月5日上午，副区长林志远主持召开区重大重点项目月度调度会。")
    textareas = page.locator("#minutes-form textarea[name^=item-]")
    assert textareas.count() == 3
    for i in range(3):
        textareas.nth(i).fill(f"会议议定第{i + 1}项：责任单位抓紧办理。")
    page.click("#minutes-save")
    page.wait_for_selector("#minutes-form")
    assert page.locator("#meeting-page").get_attribute("data-status") == "held"
    screenshot(page, "meetings-detail")

    page.click("#minutes-issue")
    page.wait_for_selector("#meeting-frozen")
    assert page.inner_text("#minutes-number") == "〔2024〕第1期"
    assert page.locator("#minutes-form").count() == 0
    screenshot(page, "meetings-issued")
    with page.expect_download() as info:
        page.click("#minutes-docx")
    from docx import Document

    with open(info.value.path(), "rb") as handle:
        text = "\n".join(p.text for p in Document(io.BytesIO(handle.read())).paragraphs)
    assert "〔2024〕第1期" in text
    assert "用地红线与地籍权属不一致" in text
    assert "请假人员：区住建局（请假：出差）" in text

    page.goto("/meetings/list/")
    assert "〔2024〕第1期" in page.inner_text("#meeting-table")
    page.goto("/meetings/series/")
    # 旬会商 and 月通报 of DH24, and the office's own
    assert page.locator("#series-table .series-row").count() == 3
    screenshot(page, "meetings-series")


def test_calendar_on_a_phone_is_a_list(clock, world_live, page_as):
    from datetime import date

    from tuijin.meetings import services

    s, problem, _ = _setup(world_live)
    m = services.meeting_create(
        actor=world_live.admin, series=s, date=date(2024, 6, 5), place="区政府第一会议室"
    )
    services.agenda_add_candidates(
        actor=world_live.admin, meeting=m, keys=[f"problem:{problem.pk}"], today=date(2024, 6, 5)
    )
    page = page_as("office_admin", mobile=True)
    page.goto("/meetings/")
    page.wait_for_selector("#cal-month-list")
    assert not page.locator("#cal-grid").is_visible()
    assert page.locator("#cal-month-list .cal-row").count() >= 4
    assert "旬会商" in page.inner_text("#cal-upcoming")
    screenshot(page, "meetings-calendar-phone")
    page.goto(f"/meetings/{m.pk}/")
    page.wait_for_selector("#agenda-list .agenda-item")
    screenshot(page, "meetings-detail-phone")
