"""Services of meeting series, meetings, agenda, attendance, minutes and issuing (issue 6 parts 1–2)."""

from __future__ import annotations

import io
import logging
import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.meetings.factories import TODAY, escalated_problem, meeting, red_project, seeded, series
from tuijin.core.access import AccessDenied
from tuijin.meetings import rules, selectors, services
from tuijin.meetings.documents import minutes_docx
from tuijin.meetings.models import AgendaItem, Matter, Meeting, MeetingSeries


def _messages(excinfo) -> str:
    return "；".join(excinfo.value.messages)


# ---------------------------------------------------------------------------------------------------
# Series


def test_sync_makes_one_series_per_meeting_cadence_of_dh24(world):
    seeded(world)
    assert services.series_sync(actor=world.admin, jurisdiction=world.district) == (2, 0)
    by_key = {s.key: s for s in MeetingSeries.objects.filter(jurisdiction=world.district)}
    assert set(by_key) == {"ten_day_consultation", "monthly_notice"}  # 周督查 is supervision, not a meeting
    assert by_key["ten_day_consultation"].name == "旬会商"
    assert by_key["ten_day_consultation"].frequency == "ten_days"
    assert by_key["monthly_notice"].source == "DH24 五(三)"
    assert services.series_sync(actor=world.admin, jurisdiction=world.district) == (0, 0)


def test_sync_keeps_the_office_edits_and_deletes_nothing(world):
    seeded(world)
    services.series_sync(actor=world.admin, jurisdiction=world.district)
    s = MeetingSeries.objects.get(jurisdiction=world.district, key="ten_day_consultation")
    services.series_save(
        actor=world.admin,
        jurisdiction=world.district,
        series=s,
        chair_person=world.leader_person,
        member_units=[world.dept],
        name="旬会商",
        kind="consultation",
        frequency="ten_days",
        chair="领导小组办公室（区公建中心）",
        level_key="project_office",
        weekday=2,
    )
    MeetingSeries.objects.filter(pk=s.pk).update(frequency="weekly")  # drifted from the rule set
    own = series(world, name="区重大重点项目月度调度会")
    assert services.series_sync(actor=world.admin, jurisdiction=world.district) == (0, 1)
    s.refresh_from_db()
    assert s.frequency == "ten_days"  # the rule set's again
    assert (s.level_key, s.chair_person_id, s.weekday) == ("project_office", world.leader_person.pk, 2)
    assert list(s.member_units.all()) == [world.dept]
    assert MeetingSeries.objects.filter(pk=own.pk).exists()


def test_sync_takes_the_level_whose_cadence_names_the_series(world):
    seeded(world, "nanchang-2020")
    services.series_sync(actor=world.admin, jurisdiction=world.district)
    levels = dict(MeetingSeries.objects.filter(jurisdiction=world.district).values_list("key", "level_key"))
    assert levels["monthly_vice_mayors"]
    assert levels["quarterly_standing"]
    assert all(levels.values())


def test_sync_without_a_rule_set_is_a_chinese_error(world):
    with pytest.raises(ValidationError) as excinfo:
        services.series_sync(actor=world.admin, jurisdiction=world.district)
    assert "尚未选用规则集" in _messages(excinfo)


def test_only_the_office_of_the_subtree_manages_series(world):
    seeded(world)
    with pytest.raises(AccessDenied):
        services.series_sync(actor=world.leader, jurisdiction=world.district)
    with pytest.raises(AccessDenied):
        services.series_sync(actor=world.foreign_admin, jurisdiction=world.district)


def test_series_checks_level_units_and_weekday(world):
    with pytest.raises(ValidationError) as excinfo:
        series(world, level_key="mayor")
    assert "不在本辖区规则集的逐级协调层级中" in _messages(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        series(world, units=[world.foreign_unit])
    assert "不属于东湖区" in _messages(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        series(world, weekday=8)
    assert "惯常星期" in _messages(excinfo)
    assert MeetingSeries.objects.count() == 0


def test_one_series_per_leader(world):
    seeded(world)
    made = services.series_for_leaders(
        actor=world.admin,
        jurisdiction=world.district,
        name="分管领导月度调度会",
        persons=[world.leader_person],
        level_key="leader",
    )
    (s,) = made
    assert s.name == "分管领导月度调度会（林志远）"
    assert s.chair_person == world.leader_person
    assert list(s.member_units.all()) == [world.dept]  # the units the leader is in charge of
    again = services.series_for_leaders(
        actor=world.admin,
        jurisdiction=world.district,
        name="分管领导月度调度会",
        persons=[world.leader_person],
    )
    assert again == []


# ---------------------------------------------------------------------------------------------------
# Meetings and the agenda


def test_meeting_create_defaults_title_chair_and_attendance(world):
    s = series(world, chair_person=world.leader_person)
    m = meeting(world, s, on=date(2024, 6, 5))
    assert m.title == "区重大重点项目月度调度会（2024年6月）"
    assert m.status == "preparing"
    assert m.chair == "副区长林志远"
    rows = list(m.attendance.order_by("order").values_list("person__name", "unit__name"))
    assert rows == [("林志远", None), (None, "区发展和改革委员会"), (None, "区住房和城乡建设局")]
    with pytest.raises(ValidationError) as excinfo:
        meeting(world, s, on=date(2024, 6, 5))
    assert "已有会议" in _messages(excinfo)


def test_agenda_proposal_reads_the_series_level(world):
    s = series(world, level_key="leader")
    m = meeting(world, s)
    mine = escalated_problem(world, title="用地红线未确定", level="leader")
    escalated_problem(world, title="临时用电未接入", level="leading_group")
    red = red_project(world, name="东湖文化中心")
    proposal = selectors.agenda_proposal(m, TODAY)
    keys = {c["key"]: c for c in proposal}
    assert f"problem:{mine.pk}" in keys
    assert all("临时用电" not in c["title"] for c in proposal)  # escalated to another level
    assert keys[f"project:{red.pk}"]["kind"] == "red_project"
    assert "开工节点超期" in keys[f"project:{red.pk}"]["reason"]
    assert keys[f"problem:{mine.pk}"]["url"] == f"/problems/{mine.pk}/"
    assert "上报至“项目挂点区领导”" in keys[f"problem:{mine.pk}"]["reason"]


def test_a_leaders_series_proposes_that_leaders_projects_only(world):
    s = series(world, name="林志远调度会", chair_person=world.leader_person, level_key="leader")
    m = meeting(world, s)
    own = red_project(world, name="东湖文化中心", leader=world.leader_person)
    red_project(world, name="别人的项目")
    keys = [c["key"] for c in selectors.agenda_proposal(m, TODAY) if c["kind"] == "red_project"]
    assert keys == [f"project:{own.pk}"]


def test_ticked_candidates_are_added_once(world):
    m = meeting(world, series(world))
    problem = escalated_problem(world)
    red = red_project(world)
    added = services.agenda_add_candidates(
        actor=world.admin, meeting=m, keys=[f"problem:{problem.pk}", f"project:{red.pk}"], today=TODAY
    )
    assert [a.kind for a in added] == ["problem", "red_project"]
    assert [a.order for a in added] == [1, 2]
    again = services.agenda_add_candidates(
        actor=world.admin, meeting=m, keys=[f"problem:{problem.pk}"], today=TODAY
    )
    assert again == []
    assert m.agenda.count() == 2
    flags = {c["key"]: c["added"] for c in selectors.agenda_proposal(m, TODAY)}
    assert flags == {f"problem:{problem.pk}": True, f"project:{red.pk}": True}
    with pytest.raises(ValidationError) as excinfo:
        services.agenda_add_candidates(actor=world.admin, meeting=m, keys=["problem:999999"], today=TODAY)
    assert "不在建议清单中" in _messages(excinfo)


def test_free_items_remove_and_reorder(world):
    m = meeting(world, series(world))
    a = services.agenda_add_item(
        actor=world.admin, meeting=m, title="一季度投资完成情况", presenter="区发改委"
    )
    b = services.agenda_add_item(actor=world.admin, meeting=m, title="下阶段工作安排")
    c = services.agenda_add_item(actor=world.admin, meeting=m, title="其他事项")
    services.agenda_move(actor=world.admin, meeting=m, item=c, direction="up")
    assert list(m.agenda.order_by("order").values_list("pk", flat=True)) == [a.pk, c.pk, b.pk]
    services.agenda_remove(actor=world.admin, meeting=m, item=a)
    assert list(m.agenda.order_by("order").values_list("order", "pk")) == [(1, c.pk), (2, b.pk)]
    services.agenda_reorder(actor=world.admin, meeting=m, ids=[b.pk, c.pk])
    assert list(m.agenda.order_by("order").values_list("pk", flat=True)) == [b.pk, c.pk]
    with pytest.raises(ValidationError):
        services.agenda_add_item(actor=world.admin, meeting=m, title="  ")


def test_the_proposal_takes_a_fixed_number_of_queries(world):
    from tests.projects.factories import project

    m = meeting(world, series(world))
    escalated_problem(world, title="问题一")
    red_project(world, name="红灯一")
    m = Meeting.objects.select_related("series", "jurisdiction").get(pk=m.pk)
    with CaptureQueriesContext(connection) as few:
        selectors.agenda_proposal(m, TODAY)
    for i in range(4):
        escalated_problem(world, title=f"问题{i + 2}", project=project(world, name=f"项目{i}"))
        red_project(world, name=f"红灯{i + 2}")
    m = Meeting.objects.select_related("series", "jurisdiction").get(pk=m.pk)
    with CaptureQueriesContext(connection) as many:
        proposal = selectors.agenda_proposal(m, TODAY)
    assert len(proposal) >= 10
    assert len(many.captured_queries) == len(few.captured_queries)


# ---------------------------------------------------------------------------------------------------
# Attendance, minutes, versions


def _with_item(world, **kw):
    m = meeting(world, series(world), **kw)
    item = services.agenda_add_item(actor=world.admin, meeting=m, title="东湖数字产业园用地问题")
    m.refresh_from_db()
    return m, item


def test_attendance_is_replaced_and_checked(world):
    m, _ = _with_item(world)
    rows = [
        {"unit": world.dept, "name": "周文博", "post": "主任", "status": "present"},
        {"unit": world.other_dept, "name": "", "status": "leave", "note": "出差"},
        {"unit": None, "name": "", "status": "present"},  # a blank line of the form
    ]
    services.attendance_save(actor=world.admin, meeting=m, rows=rows, version=m.version, today=TODAY)
    assert list(m.attendance.values_list("unit__name", "status", "note")) == [
        ("区发展和改革委员会", "present", ""),
        ("区住房和城乡建设局", "leave", "出差"),
    ]
    m.refresh_from_db()
    assert m.status == "held"  # the meeting day has come
    with pytest.raises(ValidationError) as excinfo:
        services.attendance_save(
            actor=world.admin, meeting=m, rows=[{"unit": world.dept, "status": "leave"}], version=m.version
        )
    assert "请假请在“说明”中写明" in _messages(excinfo)
    assert m.attendance.count() == 2  # nothing half-saved


def test_two_editors_of_the_minutes_the_later_is_told(world):
    m, item = _with_item(world)
    read_at = m.version
    services.minutes_save(
        actor=world.admin,
        meeting=m,
        version=read_at,
        summary="6月3日召开月度调度会。",
        items={item.pk: "会议要求……"},
    )
    with pytest.raises(ValidationError) as excinfo:
        services.minutes_save(
            actor=world.admin,
            meeting=m,
            version=read_at,
            summary="另一人的导语",
            items={item.pk: "另一人的纪要"},
        )
    assert "会议已由admin于" in _messages(excinfo)
    assert "尚未保存" in _messages(excinfo)
    m.refresh_from_db()
    item.refresh_from_db()
    assert (m.summary, item.minutes) == ("6月3日召开月度调度会。", "会议要求……")


# ---------------------------------------------------------------------------------------------------
# Issuing and freezing


def _ready(world, on=TODAY):
    m, item = _with_item(world, on=on)
    services.minutes_save(
        actor=world.admin, meeting=m, version=m.version, summary="导语", items={item.pk: "纪要"}
    )
    return m, item


def test_issue_is_refused_without_agenda_or_minutes(world):
    m = meeting(world, series(world))
    with pytest.raises(ValidationError) as excinfo:
        services.meeting_issue(actor=world.admin, meeting=m, today=TODAY)
    assert "还没有议题" in _messages(excinfo)
    services.agenda_add_item(actor=world.admin, meeting=m, title="议题")
    with pytest.raises(ValidationError) as excinfo:
        services.meeting_issue(actor=world.admin, meeting=m, today=TODAY)
    assert "纪要还没有内容" in _messages(excinfo)
    m.refresh_from_db()
    assert m.status == "preparing"
    assert m.minutes_number is None


def test_issue_numbers_per_jurisdiction_and_year(world):
    s = series(world)
    first, _ = _ready(world, on=date(2024, 6, 3))
    services.meeting_issue(actor=world.admin, meeting=first, today=TODAY)
    second, _ = _with_item(world, on=date(2024, 6, 4))
    services.minutes_save(actor=world.admin, meeting=second, version=second.version, summary="导语", items={})
    services.meeting_issue(actor=world.admin, meeting=second, today=date(2024, 6, 5))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.minutes_year, first.minutes_number, second.minutes_number) == (2024, 1, 2)
    assert selectors.minutes_number(second) == "〔2024〕第2期"
    assert first.status == second.status == "issued"
    # an imported meeting numbered 7 this year: the next number is above it
    Meeting.objects.filter(pk=second.pk).update(minutes_number=7)
    third = meeting(world, s, on=date(2024, 6, 6))
    services.agenda_add_item(actor=world.admin, meeting=third, title="议题")
    services.minutes_save(
        actor=world.admin, meeting=Meeting.objects.get(pk=third.pk), summary="导语", items={}
    )
    services.meeting_issue(actor=world.admin, meeting=third, today=date(2024, 6, 7))
    third.refresh_from_db()
    assert third.minutes_number == 8
    # a new year starts again at 1
    fourth = meeting(world, s, on=date(2024, 12, 30))
    services.agenda_add_item(actor=world.admin, meeting=fourth, title="议题")
    services.minutes_save(
        actor=world.admin, meeting=Meeting.objects.get(pk=fourth.pk), summary="导语", items={}
    )
    services.meeting_issue(actor=world.admin, meeting=fourth, today=date(2025, 1, 3))
    fourth.refresh_from_db()
    assert (fourth.minutes_year, fourth.minutes_number) == (2025, 1)


def test_issued_minutes_are_frozen_and_the_attempt_logged(world, caplog):
    m, item = _ready(world)
    services.meeting_issue(actor=world.admin, meeting=m, today=TODAY)
    attempts = [
        lambda: services.minutes_save(actor=world.admin, meeting=m, summary="改", items={item.pk: "改"}),
        lambda: services.agenda_add_item(actor=world.admin, meeting=m, title="补一个议题"),
        lambda: services.agenda_remove(actor=world.admin, meeting=m, item=item),
        lambda: services.attendance_save(actor=world.admin, meeting=m, rows=[]),
        lambda: services.meeting_update(actor=world.admin, meeting=m, title="改名", date=TODAY),
        lambda: services.meeting_issue(actor=world.admin, meeting=m, today=TODAY),
    ]
    caplog.set_level(logging.WARNING, logger="tuijin.meetings")
    for attempt in attempts:
        with pytest.raises(ValidationError) as excinfo:
            attempt()
        assert "会议纪要〔2024〕第1期已于2024年06月03日印发，不能修改" in _messages(excinfo)
    logged = [r for r in caplog.records if r.name == "tuijin.meetings"]
    assert len(logged) == len(attempts)
    assert f"meeting {m.pk}" in logged[0].getMessage()
    assert "admin" in logged[0].getMessage()
    item.refresh_from_db()
    assert item.minutes == "纪要"
    assert m.agenda.count() == 1


def test_an_upcoming_meeting_is_not_issued(world):
    m, _ = _ready(world, on=date(2024, 6, 20))
    with pytest.raises(ValidationError) as excinfo:
        services.meeting_issue(actor=world.admin, meeting=m, today=TODAY)
    assert "尚未召开" in _messages(excinfo)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between connections: PostgreSQL")
def test_two_meetings_issued_at_once_get_two_numbers(transactional_db):
    from tests.factories import build_world

    world = build_world()
    one, _ = _ready(world, on=date(2024, 6, 3))
    two, _ = _with_item(world, on=date(2024, 6, 4))
    services.minutes_save(actor=world.admin, meeting=two, version=two.version, summary="导语", items={})
    failures: list[Exception] = []
    start = threading.Barrier(2)

    def issue(m):
        try:
            start.wait(5)
            services.meeting_issue(actor=world.admin, meeting=m, today=date(2024, 6, 5))
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(m,)) for m in (one, two)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert failures == []
    assert sorted(Meeting.objects.values_list("minutes_number", flat=True)) == [1, 2]


# ---------------------------------------------------------------------------------------------------
# Word


def _docx_text(data: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def test_issued_minutes_as_word(world):
    s = series(world, name="区重大重点项目月度调度会")
    m = meeting(world, s, on=TODAY)
    problem = escalated_problem(world)
    services.agenda_add_candidates(actor=world.admin, meeting=m, keys=[f"problem:{problem.pk}"], today=TODAY)
    item = m.agenda.get()
    m.refresh_from_db()
    services.attendance_save(
        actor=world.admin,
        meeting=m,
        version=m.version,
        rows=[
            {"unit": world.dept, "name": "周文博", "post": "主任", "status": "present"},
            {"unit": world.other_dept, "status": "leave", "note": "出差"},
        ],
    )
    m.refresh_from_db()
    services.minutes_save(
        actor=world.admin,
        meeting=m,
        version=m.version,
        summary="6月3日下午，区长主持召开月度调度会。\n会议听取了项目推进情况汇报。",
        items={item.pk: "会议要求区自然资源分局于6月底前核定红线。"},
    )
    Matter.objects.create(
        jurisdiction=world.district,
        meeting=m,
        series=s,
        agenda_item=item,
        number=1,
        title="核定东湖数字产业园用地红线",
        content="……",
        lead_unit=world.dept,
        deadline=date(2024, 6, 28),
    ).units.set([world.dept, world.other_dept])
    Matter.objects.create(
        jurisdiction=world.district,
        meeting=m,
        series=s,
        number=2,
        title="持续跟踪征收进度",
        content="……",
        lead_unit=world.other_dept,
    ).units.set([world.other_dept])
    draft = _docx_text(minutes_docx(Meeting.objects.get(pk=m.pk)))
    assert "征求意见稿" in draft
    services.meeting_issue(actor=world.admin, meeting=m, today=date(2024, 6, 4))
    text = _docx_text(minutes_docx(Meeting.objects.get(pk=m.pk)))
    assert "东湖区重大重点项目月度调度会会议纪要" in text
    assert "征求意见稿" not in text
    assert "〔2024〕第1期" in text
    assert "区政府第一会议室" in text
    assert "出席人员：区发改委 周文博（主任）" in text
    assert "请假人员：区住建局（请假：出差）" in text
    assert "一、东湖数字产业园：用地红线未确定" in text
    assert "会议要求区自然资源分局于6月底前核定红线。" in text
    assert "会议听取了项目推进情况汇报。" in text
    assert "1 | 核定东湖数字产业园用地红线 | 区发展和改革委员会 | 区住房和城乡建设局 | 2024年06月28日" in text
    assert "2 | 持续跟踪征收进度 | 区住房和城乡建设局 | —— | 无时限" in text
    assert "主送：区发展和改革委员会、区住房和城乡建设局" in text
    assert "东湖区重大重点项目推进工作领导小组办公室" in text
    assert "2024年6月4日印发" in text
    assert "{{" not in text and "{%" not in text


def test_the_default_template_passes_the_upload_check():
    from tuijin.documents.services import check_template
    from tuijin.meetings.docx.build_template import PATH

    assert check_template("meeting_minutes", PATH.read_bytes()) == ""


def test_minutes_number_text_rule():
    assert rules.minutes_number_text(2024, 12) == "〔2024〕第12期"


def test_agenda_items_keep_their_kind(world):
    m = meeting(world, series(world))
    red = red_project(world)
    services.agenda_add_candidates(actor=world.admin, meeting=m, keys=[f"project:{red.pk}"], today=TODAY)
    item = AgendaItem.objects.get(meeting=m)
    assert (item.kind, item.project_id, item.presenter) == ("red_project", red.pk, "区发改委")


def test_units_due_for_cards_are_proposed_once(world):
    from tests.problems.factories import assigned
    from tuijin.problems import services as problems

    seeded(world)
    problem = assigned(world)
    problems.problem_supervise(actor=world.admin, problem=problem, content="请加快办理", today=TODAY)
    m = meeting(world, series(world))
    units = [c for c in selectors.agenda_proposal(m, TODAY) if c["kind"] == "card_unit"]
    assert [c["key"] for c in units] == [f"unit:{world.dept.pk}"]
    assert "黄牌" in units[0]["reason"]
    assert units[0]["url"] == f"/supervision/cards/unit/{world.dept.pk}/"
    services.agenda_add_candidates(actor=world.admin, meeting=m, keys=[units[0]["key"]], today=TODAY)
    item = m.agenda.get()
    assert (item.kind, item.unit_id) == ("card_unit", world.dept.pk)
    again = [c for c in selectors.agenda_proposal(m, TODAY) if c["kind"] == "card_unit"]
    assert again[0]["added"] is True


def test_overdue_matters_of_earlier_meetings_are_proposed(world):
    s = series(world)
    earlier = meeting(world, s, on=date(2024, 5, 6))
    late = Matter.objects.create(
        jurisdiction=world.district,
        meeting=earlier,
        series=s,
        number=1,
        title="核定用地红线",
        content="……",
        lead_unit=world.dept,
        deadline=date(2024, 5, 20),
    )
    late.units.set([world.dept])
    m = meeting(world, s, on=TODAY)
    (candidate,) = [c for c in selectors.agenda_proposal(m, TODAY) if c["key"] == f"matter:{late.pk}"]
    assert candidate["kind"] == "overdue_matter"
    assert "已超期" in candidate["reason"]
    services.agenda_add_candidates(actor=world.admin, meeting=m, keys=[candidate["key"]], today=TODAY)
    item = m.agenda.get()
    assert (item.kind, item.matter_id, item.unit_id) == ("overdue_matter", late.pk, world.dept.pk)
    (again,) = [c for c in selectors.agenda_proposal(m, TODAY) if c["key"] == f"matter:{late.pk}"]
    assert again["added"] is True
