"""Gathering the leaders' digests and today's reminders (H2): what is in a leader's digest, and a fixed
number of queries whatever the number of leaders."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.notify.push_factories import TODAY, digest_scene, many_leaders, matter, problem
from tests.projects.factories import project
from tuijin.core.calendar_selectors import current_calendar
from tuijin.notify import facts
from tuijin.notify import rules as r
from tuijin.org.models import Person

pytestmark = pytest.mark.django_db


def digest_of(world, person, today=TODAY):
    return next(d for d in facts.leader_digests(world.district, today, r.DEFAULT) if d.person_id == person.pk)


def test_a_leaders_digest_holds_their_projects_facts(world):
    scene = digest_scene(world)
    d = digest_of(world, world.leader_person)
    assert d.name == "林志远" and d.post == "副区长"
    assert d.projects == 3  # led + the two of 区发改委 (in charge); not `other`
    assert {(i.project, i.color, i.reason) for i in d.lights} == {
        ("东湖数字产业园", "red", "施工许可节点超期 12 个工作日"),
        ("滨江智造基地", "yellow", "用地预审节点超期 3 个工作日"),
    }
    assert [(n.node_id, n.deadline) for n in d.nodes] == [(scene.node_due.pk, date(2024, 6, 5))]
    assert [(p.id, p.unit, p.project) for p in d.problems] == [
        (scene.problem.pk, "区住建局", "东湖数字产业园")
    ]
    assert [m.id for m in d.matters] == [scene.matter.pk]
    assert [(m.id, m.title) for m in d.meetings] == [(scene.meeting.pk, "6月调度会")]


def test_an_override_shows_its_own_reason_and_done_projects_drop_out(world):
    scene = digest_scene(world)
    light = scene.charged.light
    light.override_color, light.override_reason, light.shown = "red", "督查发现进度不实", "red"
    light.save()
    scene.led.stage = "completed"
    scene.led.save()
    d = digest_of(world, world.leader_person)
    assert [(i.project, i.color, i.reason) for i in d.lights] == [("滨江智造基地", "red", "督查发现进度不实")]
    assert d.projects == 2 and d.problems == ()


def test_meetings_chaired_or_attended_count_and_leaders_without_projects_get_an_empty_digest(world):
    from tests.meetings import matter_factories as mf
    from tuijin.meetings.models import Attendance

    other = Person.objects.create(jurisdiction=world.district, name="赵刚", is_leader=True)
    chaired = mf.meeting(world, on=date(2024, 6, 4), status="planned", title="周例会")
    chaired.chair_person = other
    chaired.save()
    attended = mf.meeting(world, on=date(2024, 6, 7), status="preparing", title="现场会")
    Attendance.objects.create(meeting=attended, person=other, name="赵刚")
    mf.meeting(world, on=date(2024, 6, 5), status="cancelled", title="取消的会")
    d = digest_of(world, other)
    assert d.projects == 0
    assert [m.title for m in d.meetings] == ["周例会", "现场会"]


def test_inactive_people_and_other_jurisdictions_are_not_gathered(world):
    Person.objects.create(jurisdiction=world.district, name="退休", is_leader=True, is_active=False)
    Person.objects.create(jurisdiction=world.other_district, name="外区", is_leader=True)
    assert [d.name for d in facts.leader_digests(world.district, TODAY, r.DEFAULT)] == ["林志远"]


def test_the_number_of_queries_does_not_grow_with_leaders(world):
    digest_scene(world)
    many_leaders(world, 3)
    calendar = current_calendar()  # read before: the digest's overdue nodes count its working days
    with CaptureQueriesContext(connection) as few:
        small = facts.leader_digests(world.district, TODAY, r.DEFAULT, calendar)
    many_leaders(world, 40)
    with CaptureQueriesContext(connection) as more:
        large = facts.leader_digests(world.district, TODAY, r.DEFAULT, calendar)
    assert len(large) == len(small) + 40
    assert len(more.captured_queries) == len(few.captured_queries) <= 9
    d = next(d for d in large if d.name == "领导42")
    assert d.projects == 2 and len(d.lights) == 2 and len(d.nodes) == 2 and len(d.problems) == 1


def test_overdue_unfinished_nodes_are_their_own_part(world):
    from tests.lights.boards import node

    scene = digest_scene(world)
    late = node(scene.charged, "用地预审", deadline=date(2024, 5, 28))  # Tuesday: 4 working days ago
    node(scene.charged, "已办结的旧节点", deadline=date(2024, 5, 20), actual=date(2024, 5, 19))
    node(scene.other, "别人的超期节点", deadline=date(2024, 5, 28))
    d = next(
        d
        for d in facts.leader_digests(world.district, TODAY, r.DEFAULT, current_calendar())
        if d.person_id == world.leader_person.pk
    )
    assert [(n.node_id, n.late_workdays) for n in d.overdue_nodes] == [(late.pk, 4)]
    assert [n.node_id for n in d.nodes] == [scene.node_due.pk]  # the window part is unchanged
    body = r.digest_text(d, today=TODAY).body
    assert "二、已超期节点（1）\n1. 滨江智造基地—用地预审（区发改委），5月28日到期，超期 4 个工作日" in body
    assert "已超期节点1个" in r.digest_text(d, today=TODAY).summary


# --- reminders ------------------------------------------------------------------------------------


def test_reminder_items_of_today(world):
    from tests.lights.boards import node

    p = project(world, name="东湖数字产业园")
    n3 = node(p, "施工许可", deadline=date(2024, 6, 6))  # Thursday: 3 working days after Monday 06-03
    node(p, "不提醒", deadline=date(2024, 6, 7))
    node(p, "已办结", deadline=date(2024, 6, 6), actual=date(2024, 6, 1))
    lapse = problem(world, p, title="今天到期的问题", due=date(2024, 6, 3))
    problem(world, p, title="已答复", due=date(2024, 6, 3), status="replied")
    m = matter(world, title="周四到期的事项", deadline=date(2024, 6, 6))
    items = facts.reminder_items(world.district, TODAY, r.DEFAULT, current_calendar())
    got = {(i.kind, i.id, i.offset) for i in items if i.kind != "report"}
    assert got == {("node", n3.pk, 3), ("problem", lapse.pk, 0), ("matter", m.pk, 3)}
    node_item = next(i for i in items if i.kind == "node")
    assert node_item.title == "东湖数字产业园—施工许可" and node_item.unit == "区发改委"
    assert node_item.ref == f"node:{n3.pk}"


def test_report_reminders_for_units_with_projects_not_submitted(world):
    from tests.scoring.score_factories import use_wuhan

    use_wuhan(world)  # weekly reports due Friday, monthly on the 25th (WH19)
    project(world, name="甲")
    project(world, name="乙", responsible_unit=world.other_dept)
    # Wednesday 2024-06-05: the weekly report of the week is due Friday 06-07 (1 working day ahead)
    items = facts.reminder_items(world.district, date(2024, 6, 6), r.DEFAULT, current_calendar())
    reports = sorted((i.unit, i.offset, i.title) for i in items if i.kind == "report")
    assert reports == [
        ("区住建局", 1, "2024年第23周（6月3日—6月9日）周报（1 个项目未报送）"),
        ("区发改委", 1, "2024年第23周（6月3日—6月9日）周报（1 个项目未报送）"),
    ]
    assert items[0].ref.startswith("report:weekly:2024-06-03:unit:")
