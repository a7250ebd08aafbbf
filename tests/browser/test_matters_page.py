"""Decided matters in the browser: the lead unit reports completion with an evidence file on the matter page,
the office closes it and sees the lateness and band kept; the list shows the band badges."""

from datetime import timedelta

from django.utils import timezone

from tests.browser.conftest import screenshot


def test_unit_replies_with_evidence_and_office_closes(page_as, world_live, tmp_path):
    from tests.meetings.matter_factories import decided, meeting
    from tuijin.meetings.models import Matter

    w = world_live
    today = timezone.localdate()
    m = meeting(w, on=today - timedelta(days=30), title="区重大项目月度调度会（上月）")
    matter = decided(
        w,
        m,
        title="协调东湖数字产业园用地报批",
        deadline=today - timedelta(days=10),
        units=[w.other_dept],
        today=m.date,
    )
    decided(w, m, title="推进学校配套道路征收", deadline=None, lead=w.other_dept, today=m.date)

    unit = page_as("unit_reporter")
    unit.goto(f"/meetings/matters/{matter.pk}/")
    assert "超期" in unit.locator("#matter-deadline").inner_text()
    evidence = tmp_path / "用地预审批复.pdf"
    evidence.write_bytes(b"%PDF-1.4 " + b"x" * 200)
    unit.fill("#step-reply textarea[name=note]", "已取得用地预审批复，附批复文件。")
    unit.set_input_files("#step-reply input[type=file]", str(evidence))
    unit.click("#step-reply button[type=submit]")
    unit.wait_for_selector(".alert-success, .alert")
    assert "已报办结" in unit.content()
    assert unit.locator("#matter-evidence").inner_text().count("用地预审批复.pdf") == 1
    screenshot(unit, "matters-unit-replied")

    office = page_as("office_admin")
    office.goto(f"/meetings/matters/{matter.pk}/")
    office.fill("#step-close textarea[name=note]", "材料齐全，同意销号。")
    office.click("#step-close button[type=submit]")
    office.wait_for_selector("#matter-closed")
    closed = office.locator("#matter-closed").inner_text()
    matter = Matter.objects.get(pk=matter.pk)
    assert matter.status == "closed" and matter.late_workdays > 0
    assert f"超期 {matter.late_workdays} 个工作日" in closed
    assert office.locator(".matter-band").first.get_attribute("data-band") == matter.band
    screenshot(office, "matters-office-closed")

    office.goto("/meetings/matters/")
    assert office.locator(".matter-row").count() == 2
    screenshot(office, "matters-list")
    phone = page_as("office_admin", mobile=True)
    phone.goto("/meetings/matters/")
    screenshot(phone, "matters-list-phone")


def test_office_records_a_decision_on_the_meeting_page(page_as, world_live):
    from tests.meetings.matter_factories import decided, meeting
    from tuijin.meetings.models import Matter

    w = world_live
    today = timezone.localdate()
    m = meeting(w, on=today - timedelta(days=2), title="区重大项目月度调度会（本月）")
    decided(
        w,
        m,
        title="协调施工临时用电接入",
        deadline=today + timedelta(days=14),
        units=[w.other_dept],
        today=m.date,
    )
    office = page_as("office_admin")
    office.goto(f"/meetings/{m.pk}/")
    block = office.locator("#meeting-matters")
    assert "协调施工临时用电接入" in block.inner_text()
    form = office.locator("#matter-decide-form")
    form.locator("input[name=title]").fill("明确雨污水管网接驳方案")
    form.locator("textarea[name=content]").fill("区城管局牵头确定接驳口位置，设计单位据此调整施工图。")
    form.locator("select[name=lead_unit]").select_option(label=w.other_dept.name)
    form.locator("select[name=units]").select_option(label=w.street_unit.name)
    form.locator("input[name=no_deadline]").check()
    form.locator("#matter-decide-submit").click()
    office.wait_for_selector(".meeting-matter >> nth=1")
    made = Matter.objects.get(title="明确雨污水管网接驳方案")
    assert (made.number, made.deadline, made.lead_unit) == (2, None, w.other_dept)
    assert "无时限" in office.locator("#meeting-matters").inner_text()
    office.locator("#meeting-matters").scroll_into_view_if_needed()
    screenshot(office, "matters-meeting-block")
