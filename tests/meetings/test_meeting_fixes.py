"""Review fixes of the meetings area (review items 1, 12, 16, 17, 18, 22; the agenda's matters across the
series of one level and without a calendar year). Each test failed before its fix."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from tests.meetings.factories import TODAY, meeting, red_project, seeded, series
from tuijin.meetings import matter_services, selectors, services
from tuijin.meetings.documents import issued_minutes
from tuijin.meetings.matter_selectors import agenda_matters
from tuijin.meetings.models import Meeting
from tuijin.org.models import Person

ISSUED_ON = date(2024, 6, 4)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _held_with_matter(world, s=None, *, on=TODAY):
    m = meeting(world, s or series(world), on=on)
    item = services.agenda_add_item(actor=world.admin, meeting=m, title="东湖数字产业园用地问题")
    m.refresh_from_db()
    services.minutes_save(actor=world.admin, meeting=m, summary="导语", items={item.pk: "会议要求核定红线。"})
    matter = matter_services.matter_decide(
        actor=world.admin,
        meeting=m,
        title="核定东湖数字产业园用地红线",
        content="区自然资源分局牵头，6 月底前核定。",
        lead_unit=world.dept,
        units=[world.dept],
        deadline=date(2024, 6, 28),
        agenda_item=item,
        today=on,
    )
    return Meeting.objects.get(pk=m.pk), item, matter


def _own_template() -> SimpleUploadedFile:
    from tuijin.meetings.docx.build_template import PATH

    document = Document(io.BytesIO(PATH.read_bytes()))
    document.paragraphs[0].insert_paragraph_before("本辖区自定义纪要模板")
    out = io.BytesIO()
    document.save(out)
    return SimpleUploadedFile("纪要模板.docx", out.getvalue())


# ---------------------------------------------------------------------------------------------------
# Item 1: issued minutes are kept as a file


def test_issued_minutes_file_never_changes_afterwards(world, client_for):
    from tuijin.documents.services import template_upload

    m, _item, matter = _held_with_matter(world)
    services.meeting_issue(actor=world.admin, meeting=m, today=ISSUED_ON)
    m.refresh_from_db()
    assert m.minutes_file.name.endswith(".docx")
    first = client_for(world.leader).get(f"/meetings/{m.pk}/minutes.docx")
    assert first.status_code == 200
    assert "核定东湖数字产业园用地红线" in _text(first.content)
    assert "区住房和城乡建设局" in _text(first.content)  # a member unit: 主送

    matter_services.matter_cancel(actor=world.admin, matter=matter, reason="已并入其他事项")
    world.other_dept.name = "区住房和城乡建设局（已更名）"
    world.other_dept.save()
    template_upload(
        actor=world.admin, jurisdiction=world.district, key="meeting_minutes", upload=_own_template()
    )

    again = client_for(world.leader).get(f"/meetings/{m.pk}/minutes.docx")
    assert again.content == first.content
    text = _text(again.content)
    assert "核定东湖数字产业园用地红线" in text and "已更名" not in text and "自定义纪要模板" not in text


def test_the_draft_preview_stays_live(world, client_for):
    from tuijin.documents.services import template_upload

    m, _item, _matter = _held_with_matter(world)
    template_upload(
        actor=world.admin, jurisdiction=world.district, key="meeting_minutes", upload=_own_template()
    )
    world.other_dept.name = "区住房和城乡建设局（已更名）"
    world.other_dept.save()
    preview = client_for(world.admin).get(f"/meetings/{m.pk}/minutes.docx")
    text = _text(preview.content)
    assert "征求意见稿" in text and "自定义纪要模板" in text and "已更名" in text
    assert not Meeting.objects.get(pk=m.pk).minutes_file


def test_an_imported_issued_meeting_gets_its_file_rendered_once_on_import(world):
    from tests.meetings.exchange_scene import build_scene, clear_scene
    from tests.projects.test_exchange_library import empty_installation
    from tuijin.core.exchange.services import exchange_dumps, exchange_export, exchange_import
    from tuijin.problems.models import Counter

    build_scene(world)
    scene = exchange_export(actor=world.admin, jurisdiction=world.district)
    clear_scene()
    empty_installation()
    Counter.objects.all().delete()
    report = exchange_import(actor=None, data=exchange_dumps(scene).encode())
    assert report.ok, report.summary()
    issued = Meeting.objects.get(status="issued")
    assert issued.minutes_file
    kept = issued_minutes(issued)
    assert "〔2024〕第1期" in _text(kept) and "征求意见稿" not in _text(kept)
    assert not Meeting.objects.exclude(status="issued").exclude(minutes_file="").exists()
    # importing again leaves the kept file alone (frozen)
    report = exchange_import(actor=None, data=exchange_dumps(scene).encode())
    assert report.ok, report.summary()
    again = Meeting.objects.get(pk=issued.pk)
    assert again.minutes_file.name == issued.minutes_file.name
    assert issued_minutes(again) == kept


# ---------------------------------------------------------------------------------------------------
# Item 12: what each level's agenda proposes


def _due_for_a_card(world):
    from tests.problems.factories import assigned
    from tuijin.problems import services as problems

    seeded(world)
    problem = assigned(world)
    problems.problem_supervise(actor=world.admin, problem=problem, content="请加快办理", today=TODAY)


def test_card_units_only_on_a_monthly_series_not_a_leaders_own(world):
    _due_for_a_card(world)
    monthly = meeting(world, series(world, level_key="leading_group"))
    daily = meeting(world, series(world, name="项目责任单位每日调度", frequency="daily", level_key="unit"))
    own = meeting(world, series(world, name="林志远月度调度会", chair_person=world.leader_person))

    def card_units(m):
        return [c["key"] for c in selectors.agenda_proposal(m, TODAY) if c["kind"] == "card_unit"]

    assert card_units(monthly) == [f"unit:{world.dept.pk}"]
    assert card_units(daily) == []
    assert card_units(own) == []


def test_a_unit_level_series_proposes_its_member_units_red_projects_only(world):
    from tests.projects.factories import project
    from tuijin.lights.models import ProjectLight

    mine = red_project(world, name="区发改委的项目")  # responsible unit 区发改委
    theirs = project(world, name="别的单位的项目")
    theirs.responsible_unit = world.street_unit
    theirs.save()
    ProjectLight.objects.create(
        project=theirs, color="red", shown="red", reason="超期", days=3, computed_on=TODAY
    )
    unit_level = series(world, name="单位调度", frequency="weekly", level_key="unit", units=[world.dept])
    upper = series(world, name="区领导调度", level_key="leader", units=[world.dept])

    def reds(s):
        m = meeting(world, s)
        return {c["project_id"] for c in selectors.agenda_proposal(m, TODAY) if c["kind"] == "red_project"}

    assert reds(unit_level) == {mine.pk}
    assert reds(upper) == {mine.pk, theirs.pk}


# ---------------------------------------------------------------------------------------------------
# Item 16: attendance persons are checked


def test_attendance_refuses_a_foreign_or_retired_person(world):
    m = meeting(world, series(world))
    before = list(m.attendance.values_list("unit_id", "person_id", "name"))
    foreign = Person.objects.create(jurisdiction=world.other_district, name="外区领导", post="副区长")
    retired = Person.objects.create(
        jurisdiction=world.district, name="退休领导", post="原副区长", is_active=False
    )
    for person, words in ((foreign, "不是东湖区"), (retired, "已不在职")):
        m.refresh_from_db()
        with pytest.raises(ValidationError) as exc:
            services.attendance_save(
                actor=world.admin,
                meeting=m,
                version=m.version,
                rows=[{"person": person, "status": "present"}],
            )
        assert words in "；".join(exc.value.messages)
    assert list(m.attendance.values_list("unit_id", "person_id", "name")) == before


# ---------------------------------------------------------------------------------------------------
# Item 17: the issue message names the number


def test_the_issue_message_names_the_minutes_number(world, client_for):
    m, _item, _matter = _held_with_matter(world, on=date(2024, 5, 31))
    client = client_for(world.admin)
    response = client.post(f"/meetings/{m.pk}/issue/")
    assert response.status_code == 302
    texts = [str(x) for x in get_messages(response.wsgi_request)]
    year = Meeting.objects.get(pk=m.pk).minutes_year
    assert any(f"〔{year}〕第1期已印发" in t for t in texts), texts


# ---------------------------------------------------------------------------------------------------
# Item 18: the calendar's leader filter


def test_the_calendar_ignores_a_foreign_leader_id(world, client_for):
    from tuijin.meetings.models import MeetingSeries

    foreign = Person.objects.create(
        jurisdiction=world.other_district, name="青山湖区某副区长", post="副区长", is_leader=True
    )
    MeetingSeries.objects.create(
        jurisdiction=world.other_district,
        key="qsh",
        name="青山湖区调度会",
        frequency="monthly",
        chair="x",
        chair_person=foreign,
    )
    own = series(world, name="林志远月度调度会", chair_person=world.leader_person)
    page = client_for(world.admin).get(f"/meetings/?leader={foreign.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "青山湖区某副区长" not in html
    assert "林志远" in html
    assert own.name in html  # the unknown leader id filters nothing away


# ---------------------------------------------------------------------------------------------------
# Item 22: the agenda-remove refusal


def test_removing_an_item_whose_matter_was_cancelled_gives_no_impossible_advice(world):
    m, item, matter = _held_with_matter(world)
    matter_services.matter_cancel(actor=world.admin, matter=matter, reason="误录")
    with pytest.raises(ValidationError) as exc:
        services.agenda_remove(actor=world.admin, meeting=m, item=item)
    message = "；".join(exc.value.messages)
    assert "请先撤销" not in message and "已有议定事项" in message


# ---------------------------------------------------------------------------------------------------
# agenda_matters: other series of the same level; a calendar without the year


def test_matters_of_another_series_of_the_same_level_are_proposed(world):
    from tests.meetings.matter_factories import decided

    first = series(world, name="副区长甲月度调度会", level_key="leader")
    second = series(world, name="副区长乙月度调度会", level_key="leader")
    other_level = series(world, name="领导小组会议", level_key="leading_group")
    m = meeting(world, first, on=date(2024, 5, 10))
    late = decided(world, m, title="超期事项", deadline=date(2024, 5, 20))
    assert [r["matter_id"] for r in agenda_matters(second, TODAY)] == [late.pk]
    assert agenda_matters(other_level, TODAY) == []
    upcoming = meeting(world, second, on=TODAY)
    keys = {c["key"] for c in selectors.agenda_proposal(upcoming, TODAY)}
    assert f"matter:{late.pk}" in keys


class NoYearCalendar:
    """A calendar lacking the year (dates out of its range raise, as WorkCalendar does)."""

    first = date(2025, 1, 1)

    def _out(self, *args):
        raise ValueError("日期超出工作日历范围")

    previous_workday = workday_on_or_before = workday_on_or_after = workdays_between = _out
    add_workdays = is_workday = _out


def test_agenda_matters_without_the_calendar_year_says_so(world, monkeypatch):
    from tests.meetings.matter_factories import decided
    from tuijin.meetings import matter_selectors

    s = series(world)
    m = meeting(world, s, on=date(2024, 5, 10))
    decided(world, m, title="超期事项", deadline=date(2024, 5, 20))
    decided(world, m, title="未到期事项", deadline=date(2024, 6, 30))
    decided(world, m, title="无时限事项", deadline=None)
    monkeypatch.setattr(matter_selectors, "_calendar", NoYearCalendar)
    rows = {r["title"]: r for r in agenda_matters(s, TODAY)}
    assert set(rows) == {"超期事项", "无时限事项"}
    assert rows["超期事项"]["kind"] == "overdue_matter"
    assert "工作日历缺少2024年" in rows["超期事项"]["reason"]
    assert "已过时限 14 天" in rows["超期事项"]["reason"]
