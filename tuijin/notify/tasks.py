"""Background work of notify: send what is due (enqueued after every queueing commit, and every minute),
and sweep sends interrupted mid-way (every two minutes). Registered when the app is ready."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from tuijin.core.schedule import register_periodic
from tuijin.core.tasks import describe_task

from . import delivery


@task()
def dispatch() -> dict:
    """Send every due message (待发送, past its quiet hours and back-off)."""
    return asdict(delivery.dispatch())


@task()
def sweep() -> dict:
    """Messages left 发送中 past their lease: 结果不明, for review (no channel of ours is idempotent)."""
    return asdict(delivery.sweep())


describe_task("tuijin.notify.tasks.dispatch", label_zh="发送待发消息", max_attempts=1)
describe_task("tuijin.notify.tasks.sweep", label_zh="清理中断的消息发送", max_attempts=1)
register_periodic(
    "notify-dispatch", "* * * * *", "tuijin.notify.tasks.dispatch", label_zh="每分钟发送待发消息"
)
register_periodic("notify-sweep", "*/2 * * * *", "tuijin.notify.tasks.sweep", label_zh="清理中断的消息发送")
