"""A real worker killed with SIGKILL in the middle of a send loses nothing and repeats nothing confirmed.

The test process holds the sinks and the database; `python manage.py worker --batch` runs as a separate
process against the same database (PostgreSQL: the test database itself; SQLite: the in-memory test
database is copied to a file for the worker and copied back afterwards). The webhook sink hangs on chosen
messages, so the worker is caught mid-send and killed with -9, then the lease runs out, `sweep` runs and a
new worker finishes the queue:

- a robot message interrupted mid-send (no idempotency key at the robot) → 结果不明, never sent again;
- an SMS interrupted mid-send → 结果不明 too (253's uid is a reusable label, not a de-duplication key);
- messages not yet claimed stay 待发送 and the restarted worker sends them;
- every message confirmed 已发送 reached the sink exactly once, each interrupted one at most once; every
  message ends 已发送 or 结果不明, none 待发送 or 发送中 (none lost); the sink counts every arrival;
- a reviewer's 重发 of a 结果不明 message sends it exactly once more.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from tuijin.notify import delivery
from tuijin.notify.models import Attempt, AttemptOutcome, Message, MessageStatus
from tuijin.notify.services import message_resend, messages_queue

from .helpers import outgoing, person, robot
from .sinks import SMS_ACCOUNT, SMS_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

pytestmark = pytest.mark.django_db(transaction=True)


class WorkerDb:
    """Where the worker subprocess finds the test's database."""

    def __init__(self, tmp_path: Path) -> None:
        self.vendor = connection.vendor
        self.file = tmp_path / "worker.sqlite3"

    def env(self, sink) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TASKS_BACKEND", "TUIJIN_SQLITE")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="tuijin.settings",
            TUIJIN_VAR_DIR=str(self.file.parent),
            NOTIFY_SEND_TIMEOUT_SECONDS="60",
            NOTIFY_LEASE_SECONDS=str(django_settings.NOTIFY_LEASE_SECONDS),  # the test's sweep uses it
            SMS_GATEWAY_URL=sink.url("sms"),
            SMS_ACCOUNT=SMS_ACCOUNT,
            SMS_PASSWORD=SMS_PASSWORD,
            SITE_URL="http://127.0.0.1:8000",
        )
        if self.vendor == "sqlite":
            env["TUIJIN_SQLITE"] = str(self.file)
        else:
            s = connection.settings_dict
            auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
            env["DATABASE_URL"] = (
                f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
            )
        return env

    def hand_over(self) -> None:
        """Before a worker runs: the in-memory SQLite test database → the worker's file."""
        if self.vendor != "sqlite":
            return
        connection.ensure_connection()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.file}{suffix}").unlink(missing_ok=True)
        target = sqlite3.connect(self.file)
        connection.connection.backup(target)
        target.close()

    def take_back(self) -> None:
        """After a worker ran: the file → the in-memory test database the ORM reads."""
        if self.vendor != "sqlite":
            return
        source = sqlite3.connect(self.file)
        source.backup(connection.connection)
        source.close()


def start_worker(env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--batch", "--no-startup-delay", "--interval", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def kill_when_hung(proc, sink, count: int, timeout: float = 60) -> None:
    """Wait until the sink holds `count` requests (the last one hanging), then SIGKILL the worker."""
    deadline = time.monotonic() + timeout
    while len(sink.requests) < count:
        if proc.poll() is not None:
            pytest.fail(f"工作进程提前退出：{proc.stdout.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"等待发送超时：{proc.communicate()[0]}")
        time.sleep(0.05)
    time.sleep(0.2)  # let the worker sit in the send
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL


def finish(proc, timeout: float = 60) -> str:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out
    return out


def test_kill_minus_nine_mid_send_loses_nothing_and_repeats_nothing_confirmed(
    world, webhook_sink, settings, tmp_path
):
    settings.TASKS = DATABASE_TASKS
    db = WorkerDb(tmp_path)
    env = db.env(webhook_sink)
    # queued as of 09:00 today (Shanghai), outside any quiet hours, so the real clock finds them due
    now = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)

    endpoint = robot(world, webhook_sink, "wecom")
    texts = {name: f"项目{name}本周推进提示" for name in ("甲", "乙", "丙", "丁", "戊")}
    robot_out = [(endpoint, outgoing(key=f"kill:{name}", body=texts[name])) for name in ("甲", "乙")]
    people = [
        person(world, name, email="", phone=f"1380000000{i}") for i, name in enumerate(("丙", "丁", "戊"))
    ]
    sms_out = [(p, outgoing(key=f"kill:{p.name}", body=texts[p.name])) for p in people]
    # robots first: the worker claims in id order
    assert messages_queue(jurisdiction=world.district, to_endpoints=robot_out, now=now).created == 2
    assert messages_queue(jurisdiction=world.district, to_people=sms_out, now=now).created == 3
    by_name = {name: Message.objects.get(key__startswith=f"kill:{name}:") for name in texts}

    # round 1: the robot message 乙 hangs; kill the worker while it waits for the answer
    webhook_sink.modes = {texts["乙"]: "hang"}
    db.hand_over()
    kill_when_hung(start_worker(env), webhook_sink, count=2)
    db.take_back()
    assert Message.objects.get(pk=by_name["乙"].pk).status == MessageStatus.SENDING
    assert Message.objects.get(pk=by_name["甲"].pk).status == MessageStatus.SENT

    lease_over = timezone.now() + timedelta(seconds=django_settings.NOTIFY_LEASE_SECONDS + 1)
    assert delivery.sweep(now=lease_over).unknown == 1

    # round 2: SMS 丁 hangs; kill again (messages_queue enqueued the dispatch task; one more for this run)
    from tuijin.notify import tasks

    webhook_sink.modes = {texts["乙"]: "hang", texts["丁"]: "hang"}
    tasks.dispatch.enqueue()
    db.hand_over()
    kill_when_hung(start_worker(env), webhook_sink, count=4)
    db.take_back()
    assert Message.objects.get(pk=by_name["丁"].pk).status == MessageStatus.SENDING
    assert Message.objects.get(pk=by_name["丙"].pk).status == MessageStatus.SENT
    assert Message.objects.get(pk=by_name["戊"].pk).status == MessageStatus.QUEUED  # not yet claimed
    lease_over = timezone.now() + timedelta(seconds=django_settings.NOTIFY_LEASE_SECONDS + 1)
    swept = delivery.sweep(now=lease_over)
    assert (swept.requeued, swept.unknown) == (0, 1)  # an SMS is not idempotent either

    # round 3: the sink answers again; a fresh worker empties the queue
    webhook_sink.modes = {}
    tasks.dispatch.enqueue()
    db.hand_over()
    finish(start_worker(env))
    db.take_back()

    final = {name: Message.objects.get(pk=m.pk) for name, m in by_name.items()}
    assert {n: m.status for n, m in final.items()} == {
        "甲": MessageStatus.SENT,
        "乙": MessageStatus.UNKNOWN,
        "丙": MessageStatus.SENT,
        "丁": MessageStatus.UNKNOWN,
        "戊": MessageStatus.SENT,
    }
    # nothing lost: every message ends 已发送 or 结果不明
    assert not Message.objects.exclude(status__in=[MessageStatus.SENT, MessageStatus.UNKNOWN]).exists()

    # the sink counts every arrival: each confirmed message exactly once, each interrupted one at most
    # once (here once: it hung unanswered) and never tried again
    def arrivals() -> dict[str, int]:
        return {name: sum(t in r["raw"] for r in webhook_sink.requests) for name, t in texts.items()}

    def delivered() -> dict[str, int]:
        return {name: sum(t in r["raw"] for r in webhook_sink.delivered()) for name, t in texts.items()}

    assert arrivals() == {"甲": 1, "乙": 1, "丙": 1, "丁": 1, "戊": 1}
    assert delivered() == {"甲": 1, "乙": 0, "丙": 1, "丁": 0, "戊": 1}

    outcomes = {
        name: list(
            Attempt.objects.filter(message_id=m.pk).order_by("number").values_list("outcome", flat=True)
        )
        for name, m in by_name.items()
    }
    assert outcomes["乙"] == outcomes["丁"] == [AttemptOutcome.UNKNOWN]
    assert outcomes["甲"] == outcomes["丙"] == outcomes["戊"] == [AttemptOutcome.SENT]
    assert final["乙"].last_error.startswith("发送中断") and final["丁"].last_error.startswith("发送中断")

    # review: the office checked 丁 did not get the SMS and presses 重发 — it goes out once more
    message_resend(actor=world.admin, message=final["丁"])
    assert delivery.dispatch().messages == [by_name["丁"].pk]
    resent = Message.objects.get(pk=by_name["丁"].pk)
    assert resent.status == MessageStatus.SENT and resent.receipt["answer"]["code"] == "0"
    assert arrivals()["丁"] == 2 and delivered()["丁"] == 1
    assert list(
        Attempt.objects.filter(message=resent).order_by("number").values_list("outcome", flat=True)
    ) == [AttemptOutcome.UNKNOWN, AttemptOutcome.SENT]
    assert delivery.dispatch().messages == []  # nothing else to send
