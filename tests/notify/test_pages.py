"""Push-record pages (推送记录, NC20 四(二) 督查问责办跟踪问效) and the office's group robots."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.notify.page_factories import message, robot
from tuijin.notify.models import Endpoint, FollowUp, Message

pytestmark = pytest.mark.django_db


def test_list_shows_who_was_pushed_what_and_counts_per_status(world, client_for):
    message(world, status="sent")
    message(world, status="failed", last_error="号码被运营商拒收")
    message(world, status="unknown", kind="reminder")
    message(world, status="queued", unit=world.dept, channel="email", kind="todo")
    page = client_for(world.supervisor).get("/notify/messages/")
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count('class="message-row"') == 4
    assert "林志远" in text and "区发改委" in text and "号码被运营商拒收" in text
    counts = dict((c["value"], c["count"]) for c in page.context["counts"])
    assert counts == {"queued": 1, "sending": 0, "sent": 1, "failed": 1, "unknown": 1, "cancelled": 0}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=failed", {"failed"}),
        ("kind=reminder", {"unknown"}),
        ("channel=email", {"queued"}),
        (lambda w: f"unit={w.dept.pk}", {"queued"}),
        ("who=林志远", {"sent", "failed", "unknown"}),
        ("who=13800000001", {"sent", "failed", "unknown"}),
        ("batch=reminders:2026-06-02", {"unknown"}),
    ],
)
def test_filters(world, client_for, query, expected):
    message(world, status="sent")
    message(world, status="failed")
    message(world, status="unknown", kind="reminder", batch="reminders:2026-06-02")
    message(world, status="queued", unit=world.dept, channel="email", kind="todo")
    query = query(world) if callable(query) else query
    page = client_for(world.admin).get(f"/notify/messages/?{query}")
    assert {r["status"] for r in page.context["page"]} == expected


def test_date_range_in_local_days(world, client_for):
    old = message(world, status="sent")
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    message(world, status="failed")
    today = timezone.localdate()
    client = client_for(world.admin)
    page = client.get(f"/notify/messages/?from={today:%Y-%m-%d}&to={today:%Y-%m-%d}")
    assert [r["status"] for r in page.context["page"]] == ["failed"]
    page = client.get(f"/notify/messages/?to={today - timedelta(days=5):%Y-%m-%d}")
    assert [r["id"] for r in page.context["page"]] == [old.pk]
    assert client.get("/notify/messages/?from=not-a-date").status_code == 200


def test_list_query_count_does_not_grow(world, client_for, django_assert_max_num_queries):
    client = client_for(world.supervisor)
    for i in range(3):
        message(world, status="sent", unit=world.dept if i % 2 else None)
    with django_assert_max_num_queries(20) as few:
        client.get("/notify/messages/")
    for i in range(40):
        message(world, status="failed" if i % 3 else "sent", unit=world.dept if i % 2 else None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/notify/messages/")
    assert len(page.context["page"]) == 43


def test_unit_staff_see_their_unit_and_their_own_only(world, client_for):
    ours = message(world, unit=world.dept)
    mine = message(world, person=world.unit_head.person)
    theirs = message(world, unit=world.other_dept)
    leaders = message(world)
    foreign = message(world, unit=world.foreign_unit, jurisdiction=world.other_district)
    head = client_for(world.unit_head)
    assert {r["id"] for r in head.get("/notify/messages/").context["page"]} == {ours.pk, mine.pk}
    assert head.get(f"/notify/messages/{theirs.pk}/").status_code == 404
    assert head.get(f"/notify/messages/{leaders.pk}/").status_code == 404
    admin = client_for(world.admin)
    ids = {r["id"] for r in admin.get("/notify/messages/").context["page"]}
    assert ids == {ours.pk, mine.pk, theirs.pk, leaders.pk}
    assert admin.get(f"/notify/messages/{foreign.pk}/").status_code == 404


def test_detail_shows_body_attempts_receipt_and_follow_ups(world, client_for):
    m = message(world, status="sent")
    FollowUp.objects.create(message=m, result="acting", note="已电话核实，正在落实", by=world.supervisor)
    page = client_for(world.leader).get(f"/notify/messages/{m.pk}/")
    text = page.content.decode()
    assert "本周您联系的项目中 1 个红灯" in text
    assert text.count('class="attempt-row"') == 1 and "msgId" in text
    assert 'id="message-receipt"' in text
    assert "已电话核实，正在落实" in text and "正在落实" in text
    assert 'id="follow-up-form"' not in text  # a leader reads, the supervision office follows up
    assert 'id="review-form"' not in text


def test_supervisor_records_a_follow_up(world, client_for):
    m = message(world, status="sent")
    client = client_for(world.supervisor)
    url = f"/notify/messages/{m.pk}/follow-up/"
    bad = client.post(url, {"result": "done", "note": " "})
    assert bad.status_code == 400 and not FollowUp.objects.exists()
    assert client.post(url, {"result": "done", "note": "项目已开工，核实无误"}).status_code == 302
    f = FollowUp.objects.get(message=m)
    assert (f.result, f.by, f.note) == ("done", world.supervisor, "项目已开工，核实无误")
    assert client_for(world.leader).post(url, {"result": "done", "note": "x"}).status_code == 403


def test_review_buttons_call_the_delivery_services(world, client_for):
    unknown = message(world, status="unknown")
    failed = message(world, status="failed")
    client = client_for(world.admin)
    page = client.get(f"/notify/messages/{unknown.pk}/").content.decode()
    assert 'id="btn-resend"' in page and 'id="btn-delivered"' in page and 'id="btn-cancel"' in page

    response = client.post(f"/notify/messages/{unknown.pk}/review/delivered/", {"note": ""})
    assert response.status_code == 400  # the service wants to know how it was checked
    response = client.post(f"/notify/messages/{unknown.pk}/review/delivered/", {"note": "电话确认已收到"})
    assert response.status_code == 302
    unknown.refresh_from_db()
    assert unknown.status == "sent" and "电话确认已收到" in unknown.resolution

    assert client.post(f"/notify/messages/{failed.pk}/review/resend/").status_code == 302
    failed.refresh_from_db()
    assert failed.status == "queued" and failed.resolved_by == world.admin

    assert (
        client.post(f"/notify/messages/{failed.pk}/review/cancel/", {"note": "地址已失效"}).status_code == 302
    )
    failed.refresh_from_db()
    assert failed.status == "cancelled"
    page = client.get(f"/notify/messages/{failed.pk}/").content.decode()
    assert "地址已失效" in page and 'id="review-form"' not in page

    assert client.post(f"/notify/messages/{failed.pk}/review/resend/").status_code == 400  # not reviewable
    assert client.post(f"/notify/messages/{failed.pk}/review/nonsense/").status_code == 404


def test_sent_message_has_no_review_buttons(world, client_for):
    m = message(world, status="sent")
    page = client_for(world.admin).get(f"/notify/messages/{m.pk}/").content.decode()
    assert 'id="review-form"' not in page


# ---------------------------------------------------------------------------------------------------
# Group robots


def test_office_adds_edits_disables_robots(world, client_for):
    client = client_for(world.admin)
    assert "尚未添加群机器人" in client.get("/notify/endpoints/").content.decode()
    data = {
        "kind": "dingtalk",
        "name": "东湖区重点项目调度群",
        "url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
        "secret": "SECret",
        "is_active": "on",
    }
    assert client.post("/notify/endpoints/new/", data).status_code == 302
    e = Endpoint.objects.get()
    assert (e.jurisdiction, e.kind, e.secret, e.is_active, e.created_by) == (
        world.district,
        "dingtalk",
        "SECret",
        True,
        world.admin,
    )
    again = client.post("/notify/endpoints/new/", data)
    assert again.status_code == 400 and "已有名为" in again.content.decode()

    edit = client.get(f"/notify/endpoints/{e.pk}/").content.decode()
    assert "SECret" not in edit  # the secret is never shown back
    changed = {**data, "name": "调度群", "secret": "", "is_active": "on"}
    assert client.post(f"/notify/endpoints/{e.pk}/", changed).status_code == 302
    e.refresh_from_db()
    assert (e.name, e.secret) == ("调度群", "SECret")  # blank keeps the stored secret
    assert client.post(f"/notify/endpoints/{e.pk}/", {**changed, "clear_secret": "on"}).status_code == 302
    e.refresh_from_db()
    assert e.secret == ""

    assert client.post(f"/notify/endpoints/{e.pk}/toggle/").status_code == 302
    e.refresh_from_db()
    assert e.is_active is False
    assert "已停用" in client.get("/notify/endpoints/").content.decode()


def test_send_test_queues_a_test_message(world, client_for):
    e = robot(world)
    client = client_for(world.admin)
    response = client.post(f"/notify/endpoints/{e.pk}/test/")
    m = Message.objects.get(endpoint=e)
    assert response.status_code == 302 and response["Location"] == f"/notify/messages/{m.pk}/"
    assert m.kind == "test" and m.channel == "dingtalk"
    page = client.get("/notify/endpoints/").content.decode()
    assert f"/notify/messages/{m.pk}/" in page
    e.is_active = False
    e.save()
    refused = client.post(f"/notify/endpoints/{e.pk}/test/", follow=True)
    assert "已停用" in refused.content.decode()


def test_robots_of_another_district_are_out_of_reach(world, client_for):
    foreign = robot(world, name="青山湖区调度群", jurisdiction=world.other_district)
    client = client_for(world.admin)
    assert "青山湖区调度群" not in client.get("/notify/endpoints/").content.decode()
    assert client.get(f"/notify/endpoints/{foreign.pk}/").status_code == 403
    assert client.post(f"/notify/endpoints/{foreign.pk}/toggle/").status_code == 403
    assert client_for(world.supervisor).get("/notify/endpoints/").status_code == 403
