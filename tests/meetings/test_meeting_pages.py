"""The meeting pages through the test client: who reads what, the version conflict shown with what was
typed, frozen minutes refused on the page, the Word download rules."""

from datetime import date

from tests.factories import account
from tests.meetings.factories import TODAY, meeting, series
from tuijin.meetings import services
from tuijin.org.models import Role


def _minutes_post(m, item, text, version):
    return {"version": version, "summary": "导语", f"item-{item.pk}": text, "recorder": ""}


def _with_item(world):
    m = meeting(world, series(world))
    item = services.agenda_add_item(actor=world.admin, meeting=m, title="东湖数字产业园用地问题")
    m.refresh_from_db()
    return m, item


def test_calendar_and_list_pages(world, client_for):
    s = series(world, name="区重大重点项目月度调度会")
    m = meeting(world, s, on=date(2024, 6, 5))
    client = client_for(world.admin)
    page = client.get("/meetings/?month=2024-06").content.decode()
    assert "2024年6月" in page
    assert f'data-meeting="{m.pk}"' in page
    assert "区重大重点项目月度调度会" in page
    assert client.get("/meetings/?month=2024-13").status_code == 200  # a bad month falls back to today's
    listing = client.get("/meetings/list/?status=open").content.decode()
    assert m.title in listing


def test_unit_staff_read_the_meetings_of_their_unit_only(world, client_for):
    mine = meeting(world, series(world, units=[world.dept]))
    other = meeting(world, series(world, name="另一个会", units=[world.other_dept]))
    client = client_for(world.reporter)
    assert client.get(f"/meetings/{mine.pk}/").status_code == 200
    assert client.get(f"/meetings/{other.pk}/").status_code == 404
    listing = client.get("/meetings/list/").content.decode()
    assert mine.title in listing and "另一个会" not in listing
    # a unit that attends reads it too
    clerk = account("clerk", Role.UNIT_REPORTER, world.district, world.other_dept)
    assert client_for(clerk).get(f"/meetings/{mine.pk}/").status_code == 404
    services.attendance_save(
        actor=world.admin, meeting=mine, rows=[{"unit": world.other_dept, "status": "present"}]
    )
    assert client_for(clerk).get(f"/meetings/{mine.pk}/").status_code == 200


def test_the_later_editor_is_told_and_keeps_the_text(world, client_for):
    m, item = _with_item(world)
    client = client_for(world.admin)
    first = client.post(f"/meetings/{m.pk}/minutes/", _minutes_post(m, item, "第一人的纪要", m.version))
    assert first.status_code == 302
    second = client.post(f"/meetings/{m.pk}/minutes/", _minutes_post(m, item, "第二人的纪要", m.version))
    assert second.status_code == 400
    page = second.content.decode()
    assert "您本次填写的内容尚未保存，仍保留在表单中" in page
    assert "第二人的纪要" in page  # what was typed is still in the form
    assert "当前已保存的纪要" in page and "第一人的纪要" in page  # beside what the other saved
    item.refresh_from_db()
    assert item.minutes == "第一人的纪要"
    # told, the second editor saves deliberately: the form came back at the current version
    m.refresh_from_db()
    assert f'name="version" value="{m.version}"' in page
    third = client.post(f"/meetings/{m.pk}/minutes/", _minutes_post(m, item, "第二人的纪要", m.version))
    assert third.status_code == 302
    item.refresh_from_db()
    assert item.minutes == "第二人的纪要"


def test_frozen_minutes_are_refused_on_the_page(world, client_for):
    m, item = _with_item(world)
    services.minutes_save(actor=world.admin, meeting=m, summary="导语", items={item.pk: "纪要"})
    client = client_for(world.admin)
    assert client.post(f"/meetings/{m.pk}/issue/").status_code == 302
    m.refresh_from_db()
    response = client.post(f"/meetings/{m.pk}/minutes/", _minutes_post(m, item, "改", m.version))
    assert response.status_code == 400
    assert "印发，不能修改会议纪要" in response.content.decode()
    response = client.post(f"/meetings/{m.pk}/agenda/{item.pk}/remove/", follow=True)
    assert "印发，不能修改议程" in response.content.decode()
    item.refresh_from_db()
    assert item.minutes == "纪要"


def test_issue_without_minutes_is_explained(world, client_for):
    m, _ = _with_item(world)
    response = client_for(world.admin).post(f"/meetings/{m.pk}/issue/")
    assert response.status_code == 400
    assert "会议纪要还没有内容，不能印发" in response.content.decode()


def test_word_download_rules(world, client_for):
    m, item = _with_item(world)
    services.minutes_save(actor=world.admin, meeting=m, summary="导语", items={item.pk: "纪要"})
    assert client_for(world.leader).get(f"/meetings/{m.pk}/minutes.docx").status_code == 404
    preview = client_for(world.admin).get(f"/meetings/{m.pk}/minutes.docx")
    assert preview.status_code == 200
    assert "%E5%BE%81%E6%B1%82%E6%84%8F%E8%A7%81%E7%A8%BF" in preview["Content-Disposition"]  # 征求意见稿
    services.meeting_issue(actor=world.admin, meeting=m, today=TODAY)
    issued = client_for(world.leader).get(f"/meetings/{m.pk}/minutes.docx")
    assert issued.status_code == 200
    assert issued.content.startswith(b"PK")


def test_prepare_from_a_planned_slot(world, client_for):
    s = series(world)
    client = client_for(world.admin)
    page = client.get(f"/meetings/new/?series={s.pk}&date=2024-06-03").content.decode()
    assert "区重大重点项目月度调度会（2024年6月）" in page
    response = client.post("/meetings/new/", {"series": s.pk, "date": "2024-06-03", "title": ""})
    assert response.status_code == 302
    again = client.post("/meetings/new/", {"series": s.pk, "date": "2024-06-03"})
    assert again.status_code == 400
    assert "已有会议" in again.content.decode()


def test_the_minutes_template_is_on_the_templates_page(world, client_for):
    page = client_for(world.admin).get("/problems/templates/").content.decode()
    assert "调度会议纪要" in page
    download = client_for(world.admin).get("/problems/templates/meeting_minutes/download/")
    assert download.status_code == 200 and download.content.startswith(b"PK")
