"""The to-do framework (待办, issue 5 part 7): sources registered by the apps, gathered per user, shown on
the home page, on /todo/ and as a count in the navigation. Two fake sources stand in for the apps."""

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tuijin.dashboard import todo as todo_mod
from tuijin.dashboard.todo import (
    TodoItem,
    TodoSource,
    register_todo_source,
    todo_count,
    todo_for,
    unregister_todo_source,
)
from tuijin.org.models import Role, User

TODAY = date(2024, 6, 12)


def _reports_items(user, today):
    """Two weekly reports due for the user's unit: one overdue, one due Friday."""
    return [
        TodoItem(
            "《东湖路改造》第23周周报", "/reports/1/", date(2024, 6, 7), overdue=date(2024, 6, 7) < today
        ),
        TodoItem(
            "《体育中心》第24周周报",
            "/reports/2/",
            date(2024, 6, 14),
            overdue=False,
            detail="退回原因：进展不实",
        ),
    ]


def _slip_count(user, today):
    # one real query, as a source's count must be: the office admins of the user's jurisdiction
    return User.objects.filter(role=Role.OFFICE_ADMIN, jurisdiction=user.jurisdiction).count()


def _slip_items(user, today):
    return [
        TodoItem(f"督办单 〔2024〕第{n}号", f"/problems/slips/{n}/", None, overdue=False)
        for n in range(1, _slip_count(user, today) + 1)
    ]


REPORTS = TodoSource(
    key="test.reports_due",
    title="待填报的周报",
    icon="file-pencil",
    roles=frozenset({Role.UNIT_REPORTER, Role.UNIT_HEAD}),
    items=_reports_items,
    count=lambda user, today: len(_reports_items(user, today)),
    order=10,
)
SLIPS = TodoSource(
    key="test.slips_to_sign",
    title="待签发的督办单",
    icon="file-certificate",
    roles=frozenset({Role.OFFICE_ADMIN, Role.UNIT_HEAD}),
    items=_slip_items,
    count=_slip_count,
    url="/problems/slips/",
    order=20,
)


@pytest.fixture
def sources():
    """Only the two fake sources (whatever the apps registered is set aside for the test)."""
    saved = dict(todo_mod._SOURCES)
    todo_mod._SOURCES.clear()
    register_todo_source(SLIPS)  # registered first, shown second (order)
    register_todo_source(REPORTS)
    yield
    todo_mod._SOURCES.clear()
    todo_mod._SOURCES.update(saved)


def test_groups_follow_the_roles(world, sources):
    assert [g.key for g in todo_for(world.reporter, TODAY)] == ["test.reports_due"]
    assert [g.key for g in todo_for(world.unit_head, TODAY)] == ["test.reports_due", "test.slips_to_sign"]
    assert [g.key for g in todo_for(world.admin, TODAY)] == ["test.slips_to_sign"]
    for persona in (world.leader, world.supervisor, world.discipline):
        assert todo_for(persona, TODAY) == []
        assert todo_count(persona, TODAY) == 0


def test_counts_and_overdue(world, sources):
    groups = todo_for(world.unit_head, TODAY)
    reports, slips = groups
    assert reports.count == 2 and reports.overdue_count == 1
    assert reports.items[0].overdue and not reports.items[1].overdue
    assert slips.count == 1  # build_world has one office admin in 东湖区
    assert todo_count(world.unit_head, TODAY) == 3
    assert todo_count(world.reporter, TODAY) == 2


def test_empty_groups_are_left_out(world, sources):
    User.objects.filter(role=Role.OFFICE_ADMIN).update(role=Role.LEADER)
    assert [g.key for g in todo_for(world.unit_head, TODAY)] == ["test.reports_due"]


def test_inactive_user_has_nothing(world, sources):
    world.reporter.is_active = False
    assert todo_for(world.reporter, TODAY) == []
    assert todo_count(world.reporter, TODAY) == 0


def test_registering_a_key_again_replaces_it(world, sources):
    register_todo_source(
        TodoSource(
            key="test.reports_due",
            title="待填报的月报",
            icon="file",
            roles=frozenset({Role.UNIT_REPORTER}),
            items=lambda u, t: [TodoItem("月报", "/m/", None, False)],
            count=lambda u, t: 1,
        )
    )
    assert [(g.title, g.count) for g in todo_for(world.reporter, TODAY)] == [("待填报的月报", 1)]
    unregister_todo_source("test.reports_due")
    assert todo_for(world.reporter, TODAY) == []


def test_group_anchor():
    group = todo_mod.TodoGroup(key="reports.weekly_due", title="", icon="", count=0)
    assert group.anchor == "todo-reports-weekly-due"


@time_machine.travel("2024-06-12 09:00 +0800")
def test_home_shows_my_todo(world, client_for, sources):
    text = client_for(world.unit_head).get("/").content.decode()
    assert 'id="home-todo"' in text
    assert "待填报的周报" in text and "待签发的督办单" in text
    assert "《东湖路改造》第23周周报" in text and "已逾期 · 6月7日前" in text
    assert "6月14日前" in text and "退回原因：进展不实" in text
    assert 'id="home-todo-total">3<' in text
    assert 'id="nav-todo-count" data-todo-count="3">3<' in text  # the badge, without another request
    assert "/todo/count/" not in text
    assert 'href="/problems/slips/"' in text  # the group's own "全部" page


@time_machine.travel("2024-06-12 09:00 +0800")
def test_home_shows_five_items_per_group_and_links_to_the_rest(world, client_for, sources):
    many = [TodoItem(f"事项{n}", f"/x/{n}/", None, False) for n in range(1, 8)]
    register_todo_source(
        TodoSource(
            key="test.many",
            title="很多事项",
            icon="list",
            roles=frozenset({Role.LEADER}),
            items=lambda u, t: many,
            count=lambda u, t: len(many),
        )
    )
    text = client_for(world.leader).get("/").content.decode()
    assert "事项5<" in text and "事项6<" not in text
    assert "查看全部 7 项" in text and 'href="/todo/#todo-test-many"' in text
    page = client_for(world.leader).get("/todo/").content.decode()
    assert "事项7<" in page and "查看全部" not in page


@time_machine.travel("2024-06-12 09:00 +0800")
def test_empty_state(world, client_for, sources):
    text = client_for(world.leader).get("/").content.decode()
    assert "暂无待办事项" in text and 'id="nav-todo-count"' not in text
    page = client_for(world.leader).get("/todo/").content.decode()
    assert 'id="todo-empty"' in page and "暂无待办事项" in page


@time_machine.travel("2024-06-12 09:00 +0800")
def test_todo_page_lists_every_group(world, client_for, sources):
    response = client_for(world.unit_head).get("/todo/")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.index("待填报的周报") < text.index("待签发的督办单")
    assert "督办单 〔2024〕第1号" in text and 'data-todo-count="3">3<' in text
    assert "我的待办" in text


def test_todo_page_needs_login(client, db):
    response = client.get("/todo/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@time_machine.travel("2024-06-12 09:00 +0800")
def test_other_pages_load_the_badge_after_the_page(world, client_for, sources):
    """A page that did not gather the to-do list pays nothing for the badge: htmx fetches /todo/count/."""
    client = client_for(world.admin)
    client.get("/calendar/")  # warm caches
    register_todo_source(SLIPS)
    with CaptureQueriesContext(connection) as with_source:
        text = client.get("/calendar/").content.decode()
    assert 'hx-get="/todo/count/"' in text and 'id="nav-todo-count"' not in text
    unregister_todo_source(SLIPS.key)
    with CaptureQueriesContext(connection) as without_source:
        client.get("/calendar/")
    assert len(with_source.captured_queries) == len(without_source.captured_queries)


@time_machine.travel("2024-06-12 09:00 +0800")
def test_badge_count_costs_one_query_per_source(world, client_for, sources):
    client = client_for(world.unit_head)
    client.get("/todo/count/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/todo/count/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    text = response.content.decode()
    assert 'id="nav-todo-count" data-todo-count="3">3<' in text and "<html" not in text
    slip_queries = [q for q in queries.captured_queries if "org_user" in q["sql"] and "COUNT" in q["sql"]]
    assert len(slip_queries) == 1  # the slips source counts once (its items are not listed)
    empty = client_for(world.leader).get("/todo/count/").content.decode()
    assert 'data-todo-count="0"' in empty and "nav-todo-count" not in empty


def test_badge_needs_login(client, db):
    assert client.get("/todo/count/").status_code == 302


@time_machine.travel("2024-06-12 09:00 +0800")
def test_sources_receive_the_server_date(world, client_for, sources):
    seen = []
    register_todo_source(
        TodoSource(
            key="test.clock",
            title="日期",
            icon="clock",
            roles=frozenset({Role.SUPERVISOR}),
            items=lambda u, t: seen.append(t) or [],
            count=lambda u, t: seen.append(t) or 0,
        )
    )
    client_for(world.supervisor).get("/")
    client_for(world.supervisor).get("/todo/")
    assert seen and set(seen) == {TODAY}
