"""Messages, attempts and robots for the push-record page tests and access rows (written with the ORM:
the pages read what the delivery services would have stored)."""

from datetime import timedelta

from django.utils import timezone

from tuijin.notify.models import Attempt, Endpoint, Message

_SEQ = [0]


def message(w, *, status="sent", kind="digest", channel="sms", person=None, unit=None, endpoint=None, **kw):
    _SEQ[0] += 1
    person = person if person is not None else (None if unit or endpoint else w.leader_person)
    defaults = {
        "key": f"test:{_SEQ[0]}:{kind}:{channel}",
        "jurisdiction": w.district,
        "address": "13800000001" if channel == "sms" else "x@example.com",
        "subject": "本周重点项目推进情况",
        "body": "林志远同志：本周您联系的项目中 1 个红灯……",
        "batch": "digest:2026-06-01",
        "attempts": 1,
    }
    defaults.update(kw)
    m = Message.objects.create(
        kind=kind, channel=channel, status=status, person=person, unit=unit, endpoint=endpoint, **defaults
    )
    if status in ("sent", "failed", "unknown"):
        now = timezone.now()
        Attempt.objects.create(
            message=m,
            number=1,
            worker="w1",
            started_at=now - timedelta(seconds=2),
            finished_at=now,
            outcome={"sent": "sent", "failed": "failed", "unknown": "unknown"}[status],
            response='{"code": "0", "msgId": "1701"}' if status == "sent" else "HTTP 500",
        )
    if status == "sent":
        Message.objects.filter(pk=m.pk).update(sent_at=timezone.now(), receipt={"code": "0", "msgId": "1701"})
        m.refresh_from_db()
    return m


def robot(w, name="东湖区重点项目调度群", kind="dingtalk", jurisdiction=None, **kw):
    return Endpoint.objects.create(
        jurisdiction=jurisdiction or w.district,
        kind=kind,
        name=name,
        url=kw.pop("url", "https://oapi.dingtalk.com/robot/send?access_token=abc"),
        secret=kw.pop("secret", "SECabc"),
        **kw,
    )
