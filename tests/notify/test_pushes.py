"""The push services and the periodic job (H2): Monday digests, units' to-dos and deadline reminders are
queued through `services.messages_queue` under keys that make reruns harmless."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.lights.boards import node
from tests.notify.push_factories import TODAY, digest_scene
from tests.projects.factories import project
from tuijin.notify import push_tasks, pushes
from tuijin.notify.models import Message, MessageKind

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def reachable_leader(world):
    p = world.leader_person
    p.email, p.phone = "lin@example.cn", "13800138001"
    p.save()
    return p


def reachable_head(world):
    head = world.unit_head.person
    head.phone = "13900139001"
    head.save()
    return head


def test_digests_are_queued_once_per_leader_and_week(world):
    digest_scene(world)
    leader = reachable_leader(world)
    result = pushes.digests_queue(jurisdiction=world.district, today=TODAY, now=at(TODAY, 8))
    assert (result.created, result.existing) == (2, 0)
    msgs = Message.objects.filter(kind=MessageKind.DIGEST).order_by("channel")
    assert [m.key for m in msgs] == [
        f"digest:2024-06-03:person:{leader.pk}:email",
        f"digest:2024-06-03:person:{leader.pk}:sms",
    ]
    m = msgs[0]
    assert (
        m.person_id == leader.pk
        and m.batch == "digest:2024-06-03"
        and m.url == f"/lights/projects/?leader={leader.pk}"
    )
    assert m.subject == "项目推进周报推送（6月3日）：红灯1个、黄灯1个"
    assert "【红灯】东湖数字产业园（区住建局）：施工许可节点超期 12 个工作日" in m.body
    # a rerun, even later in the week, adds nothing
    again = pushes.digests_queue(jurisdiction=world.district, today=date(2024, 6, 5), now=at(TODAY, 9))
    assert (again.created, again.existing) == (0, 2)
    assert Message.objects.count() == 2


def test_a_leader_without_projects_or_address_is_not_pushed(world):
    from tuijin.org.models import Person

    Person.objects.create(jurisdiction=world.district, name="无项目", is_leader=True, phone="13700000000")
    p = project(world, name="甲", lead_leader=world.leader_person)  # 林志远 has no address
    assert p.pk
    result = pushes.digests_queue(jurisdiction=world.district, today=TODAY, now=at(TODAY, 8))
    assert result.created == 0 and Message.objects.count() == 0
    assert any("林志远" in reason for reason in result.skipped)


def test_a_leader_without_projects_still_hears_of_the_meetings_ahead(world):
    from tests.meetings import matter_factories as mf
    from tuijin.org.models import Person

    other = Person.objects.create(
        jurisdiction=world.district, name="赵刚", is_leader=True, phone="13700000001"
    )
    chaired = mf.meeting(world, on=date(2024, 6, 4), status="planned", title="周例会")
    chaired.chair_person = other
    chaired.save()
    result = pushes.digests_queue(jurisdiction=world.district, today=TODAY, now=at(TODAY, 8))
    assert result.created == 1
    m = Message.objects.get(person=other)
    assert m.subject == "项目推进周报推送（6月3日）"
    assert m.body.startswith("赵刚同志：您目前没有挂点和分管的在建项目，近期会议1场。")
    assert "六、近期会议（1）" in m.body and "周例会" in m.body


def test_the_digest_link_lists_the_leaders_projects(world, client_for):
    scene = digest_scene(world)
    leader = reachable_leader(world)
    pushes.digests_queue(jurisdiction=world.district, today=TODAY, now=at(TODAY, 8))
    url = Message.objects.filter(person=leader).first().url
    assert url == f"/lights/projects/?leader={leader.pk}"
    page = client_for(world.leader).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert scene.led.name in html  # 挂点 (lead_leader) projects
    assert scene.other.name not in html
    # the lights list filters by lead leader only: the projects of the units in charge are not listed
    assert scene.charged.name not in html


def test_the_job_reruns_reminders_for_a_unit_reached_later_that_day(world):
    from tests.scoring.score_factories import use_wuhan

    use_wuhan(world)
    node(project(world, name="丙"), "施工许可", deadline=date(2024, 6, 6))
    first = push_tasks.pushes_run(now=at(TODAY, 9, 0))
    assert first["reminders"] == 0 and first["skipped"] >= 1  # nobody of 区发改委 has an address yet
    reachable_head(world)
    later = push_tasks.pushes_run(now=at(TODAY, 9, 15))
    assert later["reminders"] >= 1
    assert push_tasks.pushes_run(now=at(TODAY, 9, 30))["reminders"] == 0


def test_reminders_are_keyed_by_deadline_and_day(world):
    head = reachable_head(world)
    p = project(world, name="东湖数字产业园")
    n = node(p, "施工许可", deadline=date(2024, 6, 6))
    result = pushes.reminders_queue(jurisdiction=world.district, today=TODAY, now=at(TODAY, 9))
    key = f"reminder:node:{n.pk}:2024-06-06:d3:person:{head.pk}:sms"
    assert result.created == 1 and Message.objects.get().key == key
    m = Message.objects.get()
    assert m.unit_id == world.dept.pk and m.kind == MessageKind.REMINDER and m.url == f"/chains/node/{n.pk}/"
    assert m.subject == "到期提醒：东湖数字产业园—施工许可" and m.batch == "reminders:2024-06-03"
    # a rerun never doubles
    assert pushes.reminders_queue(jurisdiction=world.district, today=TODAY).created == 0
    # the deadline moves to Friday 06-07: Tuesday is 3 working days before it, reminded again
    n.deadline = date(2024, 6, 7)
    n.save()
    moved = pushes.reminders_queue(
        jurisdiction=world.district, today=date(2024, 6, 4), now=at(date(2024, 6, 4), 9)
    )
    assert moved.created == 2  # the node, and the week's report due that Friday
    assert Message.objects.filter(key__contains=f"node:{n.pk}:2024-06-07:d3:").count() == 1
    # the lapse day
    lapse = pushes.reminders_queue(
        jurisdiction=world.district, today=date(2024, 6, 7), now=at(date(2024, 6, 7), 9)
    )
    assert lapse.created == 2  # the node, and the week's report due that Friday (not submitted)
    assert (
        Message.objects.filter(ref__startswith="report:weekly:2024-06-03", key__contains=":due:").count() == 1
    )
    node_due = Message.objects.get(key__contains=f"node:{n.pk}:2024-06-07:due:")
    assert node_due.subject == "今日到期：东湖数字产业园—施工许可"


def test_unit_todos_are_queued_per_unit_and_week(world):
    from tuijin.dashboard.todo import TodoItem, TodoSource, register_todo_source, unregister_todo_source
    from tuijin.org.models import Role

    head = reachable_head(world)
    register_todo_source(
        TodoSource(
            key="test.push",
            title="待签收的交办单",
            icon="x",
            roles=frozenset({Role.UNIT_HEAD, Role.UNIT_REPORTER}),
            items=lambda user, today: (
                [TodoItem("交办单〔2024〕3号", "/problems/3/", date(2024, 5, 31), True)]
                if user.unit_id == world.dept.pk
                else []
            ),
            count=lambda user, today: 1,
        )
    )
    try:
        result = pushes.unit_todos_queue(jurisdiction=world.district, today=TODAY, now=at(TODAY, 8))
        again = pushes.unit_todos_queue(jurisdiction=world.district, today=TODAY, now=at(TODAY, 8))
    finally:
        unregister_todo_source("test.push")
    assert result.created == 1 and again.created == 0
    m = Message.objects.get()
    assert m.key == f"todo:2024-06-03:unit:{world.dept.pk}:person:{head.pk}:sms"
    assert m.subject == "本周待办（6月3日）：区发改委 1 项"
    assert "交办单〔2024〕3号，已逾期，期限 5月31日" in m.body


def test_the_periodic_job_queues_at_the_rule_sets_weekday_and_time(world):
    from tests.scoring.score_factories import use_wuhan

    use_wuhan(world)
    digest_scene(world)
    reachable_leader(world)
    reachable_head(world)
    node(project(world, name="丙"), "施工许可", deadline=date(2024, 6, 6))
    assert push_tasks.pushes_run(now=at(TODAY, 7, 45))["digests"] == 0  # before 08:00
    first = push_tasks.pushes_run(now=at(TODAY, 8, 0))
    assert first["digests"] == 2 and first["reminders"] == 0  # reminders from 09:00
    assert "360102:digest+todos" in first["jurisdictions"]
    later = push_tasks.pushes_run(now=at(TODAY, 9, 15))
    assert later["digests"] == 0 and later["reminders"] >= 1
    assert push_tasks.pushes_run(now=at(TODAY, 9, 30))["reminders"] == 0
    tuesday = push_tasks.pushes_run(now=at(date(2024, 6, 4), 8, 0))
    assert tuesday["digests"] == 0
    assert Message.objects.filter(kind=MessageKind.DIGEST).count() == 2


def test_the_job_and_task_are_registered():
    from tuijin.core.schedule import periodic_jobs

    job = next(j for j in periodic_jobs() if j.name == "notify-pushes")
    assert job.task_path == push_tasks.TASK and job.cron == "*/15 * * * *"


def test_default_quiet_hours_come_from_the_rule_set(world):
    from datetime import time

    assert pushes.default_quiet_hours(world.district) == (time(22, 0), time(7, 30))  # no rule set: defaults


def test_the_cli_entry_points_queue_regardless_of_weekday(world):
    digest_scene(world)
    reachable_leader(world)
    reachable_head(world)
    node(project(world, name="丁"), "施工许可", deadline=date(2024, 6, 6))
    wednesday = date(2024, 6, 5)
    summary = push_tasks.digests_run(today=wednesday, jurisdiction=world.district)
    assert summary["digests"] == 2
    assert push_tasks.digests_run(today=TODAY, jurisdiction=world.district)["digests"] == 0  # same week
    assert push_tasks.reminders_run(today=TODAY, jurisdiction=world.district)["reminders"] >= 1
    assert push_tasks.digests_run(today=TODAY)["digests"] == 0  # no rule set anywhere: nothing to walk


def test_bulk_todos_say_what_the_todo_page_says(world):
    """The sources read for all units at once (`pushes.BULK_TODOS`) give the same lines as the sources
    themselves (`todo_for`) for the unit's head."""
    from tests.notify.push_factories import matter, problem
    from tuijin.dashboard.todo import todo_for

    p = project(world, name="东湖数字产业园")
    problem(world, p, title="逾期的问题", due=date(2024, 5, 31))
    problem(world, p, title="未到期的问题", due=date(2024, 6, 20), status="assigned")
    matter(world, title="牵头的事项", deadline=date(2024, 5, 20), lead=world.dept)
    shared = matter(world, title="配合的事项", deadline=date(2024, 6, 30), lead=world.other_dept)
    shared.units.add(world.dept)
    mine = next(t for t in pushes.unit_todos(world.district, TODAY) if t.unit_id == world.dept.pk)
    page = {
        g.title: [(i.title, i.due_on, i.overdue) for i in g.items] for g in todo_for(world.unit_head, TODAY)
    }
    pushed = {g.title: [(i.title, i.due_on, i.overdue) for i in g.items] for g in mine.groups}
    assert pushed == page
    assert len(pushed["交办本单位的问题"]) == 2 and len(pushed["议定事项待办理"]) == 2
