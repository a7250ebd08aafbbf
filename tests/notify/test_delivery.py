"""Delivery against the real sinks: retries, time-outs, quiet hours, idempotent queueing, the sweep of
interrupted sends and the review of 结果不明 / 发送失败 messages."""

import threading
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from tuijin.notify import delivery
from tuijin.notify.models import Attempt, AttemptOutcome, Message, MessageStatus, Preference
from tuijin.notify.services import (
    endpoint_test,
    message_cancel,
    message_mark_delivered,
    message_resend,
    messages_queue,
)
from tuijin.org.models import Role

from .helpers import outgoing, person, robot

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 6, 3, 9, 0, tzinfo=TZ)


def test_500_is_retried_with_backoff_then_failed_after_max_attempts(world, webhook_sink, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    settings.NOTIFY_RETRY_SECONDS = 60
    endpoint = robot(world, webhook_sink, "wecom")
    webhook_sink.mode = "500"
    messages_queue(jurisdiction=world.district, to_endpoints=[(endpoint, outgoing())], now=NOW)
    msg = Message.objects.get()

    assert delivery.dispatch(now=NOW).retried == 1
    msg.refresh_from_db()
    assert msg.status == MessageStatus.QUEUED and msg.attempts == 1
    assert msg.next_attempt_at == NOW + timedelta(seconds=60)
    assert "HTTP 500" in msg.last_error
    assert delivery.dispatch(now=NOW + timedelta(seconds=30)).messages == []  # backing off

    delivery.dispatch(now=NOW + timedelta(seconds=60))
    msg.refresh_from_db()
    assert msg.attempts == 2 and msg.next_attempt_at == NOW + timedelta(seconds=180)  # 60 + 2 × 60

    assert delivery.dispatch(now=NOW + timedelta(seconds=180)).failed == 1
    msg.refresh_from_db()
    assert msg.status == MessageStatus.FAILED and msg.attempts == 3
    assert msg.last_error.startswith("已尝试 3 次仍未成功，不再重试")
    outcomes = list(Attempt.objects.filter(message=msg).values_list("number", "outcome"))
    assert outcomes == [(1, "retry"), (2, "retry"), (3, "failed")]
    assert len(webhook_sink.requests) == 3
    assert delivery.dispatch(now=NOW + timedelta(days=1)).messages == []


def test_a_retry_that_succeeds_is_sent(world, webhook_sink):
    endpoint = robot(world, webhook_sink, "feishu")
    webhook_sink.mode = "500"
    messages_queue(jurisdiction=world.district, to_endpoints=[(endpoint, outgoing())], now=NOW)
    delivery.dispatch(now=NOW)
    webhook_sink.mode = "ok"
    assert delivery.dispatch(now=NOW + timedelta(minutes=5)).sent == 1
    msg = Message.objects.get()
    assert msg.status == MessageStatus.SENT and msg.attempts == 2 and msg.last_error == ""


def test_hanging_webhook_times_out_and_is_retried(world, webhook_sink, settings):
    settings.NOTIFY_SEND_TIMEOUT_SECONDS = 0.5
    endpoint = robot(world, webhook_sink, "dingtalk")
    webhook_sink.mode = "hang"
    messages_queue(jurisdiction=world.district, to_endpoints=[(endpoint, outgoing())], now=NOW)
    assert delivery.dispatch(now=NOW).retried == 1
    msg = Message.objects.get()
    assert msg.status == MessageStatus.QUEUED and "超时" in msg.last_error
    webhook_sink.release()
    webhook_sink.mode = "ok"
    assert delivery.dispatch(now=NOW + timedelta(minutes=2)).sent == 1


def test_unreachable_endpoint_is_retried(world, webhook_sink):
    endpoint = robot(world, webhook_sink, "wecom")
    endpoint.url = "http://127.0.0.1:9/cgi-bin/webhook/send?key=x"  # discard port: refused
    endpoint.save()
    messages_queue(jurisdiction=world.district, to_endpoints=[(endpoint, outgoing())], now=NOW)
    assert delivery.dispatch(now=NOW).retried == 1
    assert "无法连接" in Message.objects.get().last_error


def test_queueing_twice_makes_one_message_and_a_sent_one_is_never_resent(world, smtp_sink):
    chen = person(world, phone="")
    first = messages_queue(jurisdiction=world.district, to_people=[(chen, outgoing())], now=NOW)
    assert (first.created, first.existing) == (1, 0)
    delivery.dispatch(now=NOW)
    assert len(smtp_sink.messages) == 1
    again = messages_queue(
        jurisdiction=world.district, to_people=[(chen, outgoing(body="改过的正文"))], now=NOW
    )
    assert (again.created, again.existing) == (0, 1)
    assert Message.objects.count() == 1
    assert delivery.dispatch(now=NOW + timedelta(days=1)).messages == []
    assert delivery.sweep(now=NOW + timedelta(days=1)).messages == []
    assert len(smtp_sink.messages) == 1


def test_queue_bulk_is_few_queries(world, django_assert_max_num_queries):
    people = [person(world, f"领导{i}", email=f"l{i}@example.cn", phone=f"1390000{i:04d}") for i in range(60)]
    Preference.objects.create(person=people[0], channels=["sms"])
    items = [(p, outgoing(key=f"digest:2024-06-03:person:{p.pk}")) for p in people]
    # preferences, jurisdiction, existing keys, savepoint, SQLite's insert batches, the read-back of
    # what was inserted (QueueResult.created), release
    with django_assert_max_num_queries(9):
        result = messages_queue(jurisdiction=world.district, to_people=items, now=NOW)
    assert result.created == 119 and result.skipped == []


def test_channels_from_preferences_and_defaults_with_reasons(world, webhook_sink):
    endpoint = robot(world, webhook_sink, "wecom")
    both = person(world, "甲")
    nothing = person(world, "乙", email="", phone="")
    off = person(world, "丙")
    Preference.objects.create(person=off, channels=[])
    robot_only = person(world, "丁", email="")
    Preference.objects.create(person=robot_only, channels=[f"robot:{endpoint.pk}", "email"])
    gone = person(world, "戊")
    gone.is_active = False
    gone.save()
    result = messages_queue(
        jurisdiction=world.district,
        to_people=[(p, outgoing(key=f"k:{p.pk}")) for p in (both, nothing, off, robot_only, gone)],
        now=NOW,
    )
    keys = set(Message.objects.values_list("key", flat=True))
    assert keys == {
        f"k:{both.pk}:email",
        f"k:{both.pk}:sms",
        f"k:{robot_only.pk}:wecom:{endpoint.pk}",
    }
    assert result.skipped == [
        "乙：没有邮箱和手机号，也未设置接收渠道",
        "丙：已关闭全部推送渠道",
        "丁：选择了电子邮件但没有邮箱",
        "戊：已不在职，不再推送",
    ]


def test_unit_messages_go_to_its_staff_persons(world):
    from tests.factories import account

    head = world.unit_head.person
    head.email = "zhou@example.cn"
    head.save()
    world.reporter.email = "reporter@example.cn"
    world.reporter.save()
    account("ex", Role.UNIT_REPORTER, world.district, world.dept, is_active=False, email="gone@example.cn")
    out = outgoing(key="todo:2024-06-03:unit:1", kind="todo")
    result = messages_queue(
        jurisdiction=world.district, to_units=[(world.dept, out), (world.other_dept, out)], now=NOW
    )
    rows = set(Message.objects.values_list("key", "address", "unit_id"))
    assert rows == {
        (f"todo:2024-06-03:unit:1:person:{head.pk}:email", "zhou@example.cn", world.dept.pk),
        (f"todo:2024-06-03:unit:1:user:{world.reporter.pk}:email", "reporter@example.cn", world.dept.pk),
    }
    assert result.skipped == ["区住建局：没有可接收推送的单位负责人或填报员"]


def test_quiet_hours_hold_a_message_until_they_end(world, smtp_sink):
    chen = person(world, phone="")
    Preference.objects.create(person=chen, channels=["email"], quiet_start=time(22, 0), quiet_end=time(7, 30))
    late = datetime(2024, 6, 2, 23, 10, tzinfo=TZ)
    messages_queue(jurisdiction=world.district, to_people=[(chen, outgoing())], now=late)
    msg = Message.objects.get()
    assert msg.not_before == datetime(2024, 6, 3, 7, 30, tzinfo=TZ)
    assert delivery.dispatch(now=late + timedelta(hours=1)).messages == []
    assert smtp_sink.messages == []
    assert delivery.dispatch(now=datetime(2024, 6, 3, 7, 30, tzinfo=TZ)).sent == 1
    assert len(smtp_sink.messages) == 1


def test_the_jurisdiction_default_quiet_hours_apply_without_a_preference(world):
    chen = person(world, phone="")
    late = datetime(2024, 6, 2, 23, 10, tzinfo=TZ)
    messages_queue(jurisdiction=world.district, to_people=[(chen, outgoing())], now=late)
    assert Message.objects.get().not_before == datetime(2024, 6, 3, 7, 30, tzinfo=TZ)  # [notify] 22:00–07:30


def test_outside_quiet_hours_nothing_waits(world):
    chen = person(world, phone="")
    Preference.objects.create(person=chen, channels=["email"], quiet_start=time(22, 0), quiet_end=time(7, 30))
    messages_queue(jurisdiction=world.district, to_people=[(chen, outgoing())], now=NOW)
    assert Message.objects.get().not_before is None


def _claim_and_abandon(now):
    """What a worker killed mid-send leaves behind: claimed (发送中, open attempt), never finished."""
    msg = delivery.due_messages(now).get()
    return delivery._claim(msg.pk, msg.attempts, now, "dead-worker")


def test_sweep_marks_any_interrupted_send_unknown_and_leaves_unclaimed_ones_queued(
    world, webhook_sink, settings
):
    settings.NOTIFY_LEASE_SECONDS = 120
    chen = person(world, email="")
    messages_queue(jurisdiction=world.district, to_people=[(chen, outgoing())], now=NOW)
    _claim_and_abandon(NOW)
    endpoint = robot(world, webhook_sink, "wecom")
    messages_queue(jurisdiction=world.district, to_endpoints=[(endpoint, outgoing(key="x"))], now=NOW)
    assert delivery.sweep(now=NOW + timedelta(seconds=60)).messages == []  # lease not over
    # an SMS is not idempotent (253's uid is a reusable label): 结果不明, never requeued
    swept = delivery.sweep(now=NOW + timedelta(seconds=121))
    assert (swept.requeued, swept.unknown) == (0, 1)
    sms = Message.objects.get(channel="sms")
    assert sms.status == MessageStatus.UNKNOWN and "无法确认" in sms.last_error
    assert Attempt.objects.get(message=sms).outcome == AttemptOutcome.UNKNOWN
    # the robot message was never claimed: still 待发送, and it is sent
    assert delivery.dispatch(now=NOW + timedelta(seconds=121)).sent == 1
    assert Message.objects.get(channel="wecom").status == MessageStatus.SENT
    assert len(webhook_sink.requests) == 1  # the SMS was not tried again

    assert delivery.dispatch(now=NOW + timedelta(days=1)).messages == []


def _send_in_thread(attempt):
    """Run a claimed send in another thread (its own DB connection), as a slow worker would."""
    from django.db import connection

    outcome = {}

    def run():
        try:
            outcome["status"] = delivery.send_one(attempt)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("review", ["none", "resend"])
def test_a_success_after_the_lease_ran_out_is_still_recorded_sent(world, webhook_sink, settings, review):
    settings.NOTIFY_LEASE_SECONDS = 120
    # real commits here: keep the queueing's dispatch task from sending at once
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    chen = person(world, email="")
    messages_queue(jurisdiction=world.district, to_people=[(chen, outgoing())], now=NOW)
    webhook_sink.mode = "hang"
    attempt = _claim_and_abandon(NOW)
    thread, outcome = _send_in_thread(attempt)
    assert webhook_sink.wait_for(1)  # the gateway holds the request: the send outlives the lease
    assert delivery.sweep(now=NOW + timedelta(seconds=121)).unknown == 1
    msg = Message.objects.get()
    assert msg.status == MessageStatus.UNKNOWN
    if review == "resend":  # a reviewer pressed 重发; it has not gone out yet
        message_resend(actor=world.admin, message=msg)
        assert Message.objects.get().status == MessageStatus.QUEUED

    webhook_sink.mode = "ok"
    webhook_sink.release("ok")  # the gateway confirms after all
    thread.join(30)
    assert outcome["status"] == MessageStatus.SENT
    msg.refresh_from_db()
    assert msg.status == MessageStatus.SENT and msg.receipt["answer"]["code"] == "0"
    assert msg.sent_at is not None and msg.last_error == "" and msg.attempts == 1
    late = Attempt.objects.get(message=msg)
    assert late.outcome == AttemptOutcome.SENT and "租约过期后" in late.response
    # confirmed once: nothing sends it again
    assert delivery.dispatch(now=NOW + timedelta(days=1)).messages == []
    assert len(webhook_sink.requests) == 1 and len(webhook_sink.delivered()) == 1


def test_a_stale_workers_late_answer_never_overwrites_a_later_claim(world, webhook_sink, settings):
    """Resend keeps `attempts` (the claim token): the first worker's late success after a resend and a
    new claim is kept on its own Attempt, the new claim's outcome stands (no ABA)."""
    settings.NOTIFY_LEASE_SECONDS = 120
    endpoint = robot(world, webhook_sink, "wecom")
    messages_queue(jurisdiction=world.district, to_endpoints=[(endpoint, outgoing())], now=NOW)
    first = _claim_and_abandon(NOW)
    assert delivery.sweep(now=NOW + timedelta(seconds=121)).unknown == 1
    msg = message_resend(actor=world.admin, message=Message.objects.get())
    assert msg.attempts == 1  # not reset
    second = _claim_and_abandon(NOW + timedelta(seconds=130))
    assert second.round == 2 and second.number == 2

    webhook_sink.mode = "reject"
    assert delivery.send_one(second) == MessageStatus.FAILED  # the new claim: the robot refused
    webhook_sink.mode = "ok"
    delivery.send_one(first)  # the stale worker's answer arrives only now
    msg.refresh_from_db()
    assert msg.status == MessageStatus.FAILED and msg.attempts == 2
    outcomes = list(Attempt.objects.filter(message=msg).order_by("number").values_list("outcome", flat=True))
    assert outcomes == [AttemptOutcome.SENT, AttemptOutcome.FAILED]  # what really happened to each try


def test_a_resend_gets_a_full_round_of_retries(world, webhook_sink, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    endpoint = robot(world, webhook_sink, "wecom")
    webhook_sink.mode = "500"
    messages_queue(jurisdiction=world.district, to_endpoints=[(endpoint, outgoing())], now=NOW)
    delivery.dispatch(now=NOW)
    assert delivery.dispatch(now=NOW + timedelta(minutes=5)).failed == 1
    msg = Message.objects.get()
    assert msg.attempts == 2 and msg.last_error.startswith("已尝试 2 次")

    message_resend(actor=world.admin, message=msg)
    assert delivery.dispatch(now=NOW + timedelta(minutes=10)).retried == 1  # not failed at once
    msg.refresh_from_db()
    assert msg.status == MessageStatus.QUEUED and msg.attempts == 3
    assert delivery.dispatch(now=NOW + timedelta(minutes=15)).failed == 1
    msg.refresh_from_db()
    assert msg.attempts == 4 and msg.last_error.startswith("已尝试 2 次")
    assert len(webhook_sink.requests) == 4


def test_retries_respect_the_recipients_quiet_hours(world, webhook_sink):
    chen = person(world, email="")
    Preference.objects.create(person=chen, channels=["sms"], quiet_start=time(22, 0), quiet_end=time(7, 0))
    endpoint = robot(world, webhook_sink, "wecom")
    evening = datetime(2024, 6, 3, 21, 59, 30, tzinfo=TZ)
    messages_queue(jurisdiction=world.district, to_people=[(chen, outgoing())], now=evening)
    messages_queue(jurisdiction=world.district, to_endpoints=[(endpoint, outgoing(key="g"))], now=evening)
    webhook_sink.mode = "500"
    assert delivery.dispatch(now=evening).retried == 2
    sms = Message.objects.get(channel="sms")
    group = Message.objects.get(channel="wecom")
    assert sms.next_attempt_at == datetime(2024, 6, 4, 7, 0, tzinfo=TZ)  # the person's own window
    assert group.next_attempt_at == datetime(2024, 6, 4, 7, 30, tzinfo=TZ)  # the [notify] default
    assert delivery.dispatch(now=datetime(2024, 6, 3, 23, 0, tzinfo=TZ)).messages == []


def test_a_preferred_robot_must_be_on_the_persons_jurisdiction_path(world, webhook_sink):
    own = robot(world, webhook_sink, "wecom", name="区调度群")
    city = robot(world, webhook_sink, "dingtalk", name="市调度群")
    city.jurisdiction = world.city
    city.save()
    other = robot(world, webhook_sink, "feishu", name="青山湖区调度群")
    other.jurisdiction = world.other_district
    other.save()
    chen = person(world, email="", phone="")
    Preference.objects.create(person=chen, channels=[f"robot:{r.pk}" for r in (own, city, other)])
    result = messages_queue(jurisdiction=world.district, to_people=[(chen, outgoing())], now=NOW)
    assert set(Message.objects.values_list("endpoint_id", flat=True)) == {own.pk, city.pk}
    assert result.created == 2
    assert result.skipped == [f"{chen.name}：所选群机器人“青山湖区调度群”不属于本人所在辖区或上级辖区"]


def test_review_resend_mark_delivered_cancel(world, webhook_sink):
    endpoint = robot(world, webhook_sink, "wecom")
    messages_queue(
        jurisdiction=world.district,
        to_endpoints=[(endpoint, outgoing(key=k)) for k in ("a", "b", "c")],
        now=NOW,
    )
    webhook_sink.mode = "reject"
    delivery.dispatch(now=NOW)
    a, b, c = Message.objects.order_by("key")
    assert {a.status, b.status, c.status} == {MessageStatus.FAILED}

    with pytest.raises(Exception):  # noqa: B017  (PermissionDenied for a unit reporter)
        message_resend(actor=world.reporter, message=a)

    webhook_sink.mode = "ok"
    message_resend(actor=world.admin, message=a)
    delivery.dispatch(now=NOW)
    a.refresh_from_db()
    assert a.status == MessageStatus.SENT and a.resolved_by == world.admin

    with pytest.raises(ValidationError, match="请说明"):
        message_mark_delivered(actor=world.supervisor, message=b, note="")
    message_mark_delivered(actor=world.supervisor, message=b, note="电话确认已看到")
    b.refresh_from_db()
    assert b.status == MessageStatus.SENT and b.resolution == "核实已送达：电话确认已看到"

    message_cancel(actor=world.admin, message=c, note="号码已停用")
    c.refresh_from_db()
    assert c.status == MessageStatus.CANCELLED
    with pytest.raises(ValidationError, match="只有"):
        message_resend(actor=world.admin, message=c)
    with pytest.raises(ValidationError, match="只有"):
        message_mark_delivered(actor=world.admin, message=a, note="x")


def test_endpoint_test_message(world, webhook_sink):
    endpoint = robot(world, webhook_sink, "dingtalk")
    msg = endpoint_test(actor=world.admin, endpoint=endpoint)
    assert msg.kind == "test" and msg.status == MessageStatus.QUEUED
    delivery.dispatch()
    msg.refresh_from_db()
    assert msg.status == MessageStatus.SENT
    assert "测试消息" in webhook_sink.requests[0]["body"]["markdown"]["text"]
    endpoint.is_active = False
    endpoint.save()
    with pytest.raises(ValidationError, match="已停用"):
        endpoint_test(actor=world.admin, endpoint=endpoint)


def test_notify_command_dispatches_and_sweeps(world, smtp_sink):
    from io import StringIO

    from django.core.management import call_command

    chen = person(world, phone="")
    messages_queue(jurisdiction=world.district, to_people=[(chen, outgoing())], now=NOW)
    out = StringIO()
    call_command("notify", "dispatch", stdout=out)
    assert "已发送 1 条" in out.getvalue() and len(smtp_sink.messages) == 1
    call_command("notify", "sweep", stdout=out)
    assert "重新排队 0 条，结果不明 0 条" in out.getvalue()


def test_tasks_and_periodic_jobs_are_registered(world, smtp_sink):
    from tuijin.core.schedule import periodic_jobs
    from tuijin.core.tasks import task_info
    from tuijin.notify import tasks

    jobs = {job.name: job for job in periodic_jobs()}
    assert jobs["notify-dispatch"].task_path == "tuijin.notify.tasks.dispatch"
    assert jobs["notify-sweep"].task_path == "tuijin.notify.tasks.sweep"
    assert task_info("tuijin.notify.tasks.dispatch").label_zh == "发送待发消息"
    chen = person(world, phone="")
    messages_queue(jurisdiction=world.district, to_people=[(chen, outgoing())], now=NOW)
    result = tasks.dispatch.enqueue()  # the test settings run tasks immediately
    assert result.return_value["sent"] == 1


def test_queueing_enqueues_dispatch_on_commit(world, smtp_sink, django_capture_on_commit_callbacks):
    chen = person(world, phone="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        messages_queue(jurisdiction=world.district, to_people=[(chen, outgoing())], now=NOW)
    assert len(callbacks) == 1
    assert Message.objects.get().status == MessageStatus.SENT and len(smtp_sink.messages) == 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        messages_queue(jurisdiction=world.district, to_people=[(chen, outgoing())], now=NOW)
    assert callbacks == []  # nothing new, nothing to send
