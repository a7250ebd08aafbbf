"""Small builders shared by H1's notify tests."""

from tuijin.notify.models import Endpoint, MessageKind
from tuijin.notify.services import Outgoing
from tuijin.org.models import Person

from .sinks import SINK_SECRET


def robot(world, sink, kind: str, *, name: str | None = None, secret: str | None = None) -> Endpoint:
    return Endpoint.objects.create(
        jurisdiction=world.district,
        kind=kind,
        name=name or f"{kind} 调度群",
        url=sink.url(kind),
        secret=SINK_SECRET if secret is None and kind in ("dingtalk", "feishu") else (secret or ""),
    )


def person(world, name="陈立新", *, email="chen@example.cn", phone="13800138000", leader=True) -> Person:
    return Person.objects.create(
        jurisdiction=world.district, name=name, email=email, phone=phone, is_leader=leader, post="副区长"
    )


def outgoing(key="digest:2024-06-03:person:1", **kw) -> Outgoing:
    values = {
        "key": key,
        "kind": MessageKind.DIGEST,
        "subject": "本周重点项目推进提示",
        "body": "您分管的 3 个项目亮红灯：区体育中心（开工滞后 12 个工作日）。",
        "url": "/projects/17/",
        "ref": "project:17",
        "batch": "digest:2024-06-03",
    }
    values.update(kw)
    return Outgoing(**values)
