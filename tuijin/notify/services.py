"""The only writer of `Message` rows: queueing (other parts call `messages_queue`), review of 结果不明 and
发送失败 messages, and the robot test message. Delivery itself (claiming, sending, recording the outcome)
is `delivery.py`.

Who receives what (decided here, H1):
- A person: the channels of their `Preference` ("email", "sms", "robot:<endpoint id>"); without a row,
  e-mail when they have an address and SMS when they have a mobile number. A row with no channel means the
  person turned pushes off (skipped, with the reason). A channel without an address is skipped with a
  Chinese reason; a person no longer in post (is_active off) is skipped. Quiet hours: the row's, else the jurisdiction's default from the [notify] rule set
  (`pushes.default_quiet_hours(jurisdiction)`, H2); a message made inside them waits
  (`not_before`) until they end.
- A unit: the persons of its active accounts with the role 单位负责人 or 单位填报员 (User.unit, user.person),
  each by their own channels; an account without a person but with an e-mail address gets e-mail. A
  unit with nobody reachable is skipped with a reason.
- An endpoint (group robot): one message to the robot; inactive robots are skipped. A robot named in a
  person's Preference ("robot:<id>") is used only when it belongs to the person's jurisdiction or one of
  its ancestors (as `pushes.channel_choices` offers them); any other is skipped with a reason.
- Retries keep to the same quiet hours (`recipient_quiet`, used by delivery when it schedules a retry).

Keys: person `"{outgoing.key}:{channel}"` (robots `"{outgoing.key}:{channel}:{endpoint id}"`); for a unit's
recipients the person is in the key: `"{outgoing.key}:person:{id}:{channel}"` (accounts without a person
`…:user:{id}:email`); an endpoint `"{outgoing.key}:{channel}:{endpoint id}"`. Queueing the same content
twice never makes a second message (the key is UNIQUE; existing keys are counted, not rewritten).
`QueueResult.created` counts the rows this call inserted, read back after the insert (a concurrent run
queueing the same keys counts them as existing).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tuijin.core.access import require

from . import delivery_rules
from .models import Channel, Endpoint, Message, MessageKind, MessageStatus, Preference

KEY_MAX = 200


@dataclass(frozen=True)
class Outgoing:
    key: str  # idempotency key of the CONTENT, e.g. "digest:2024-06-03:person:17"; the channel is appended
    kind: str  # MessageKind value
    subject: str  # short title (e-mail subject, robot title)
    body: str  # plain text, Chinese; SMS sends it whole (channel may shorten with a link)
    url: str = ""  # path in the app ("/documents/bulletins/3/"); channels make it absolute with SITE_URL
    ref: str = ""  # "bulletin:3", "node:17", "matter:5", "problem:9" …
    batch: str = ""  # "digest:2024-06-03", "reminders:2024-06-03", "bulletin:3"
    attachments: tuple[tuple[str, str], ...] = ()  # (file name, default-storage path) — e-mail only


@dataclass(frozen=True)
class QueueResult:
    created: int
    existing: int
    skipped: list[str] = field(default_factory=list)  # Chinese reasons (person without any address …)


# ---------------------------------------------------------------------------------------------------
# Queueing


def _default_quiet(jurisdiction: Any):
    """The jurisdiction's default quiet hours ([notify] rule set, H2's `pushes.default_quiet_hours`)."""
    try:
        from .pushes import default_quiet_hours
    except ImportError:  # pragma: no cover - H2's module absent
        return None
    try:
        return default_quiet_hours(jurisdiction)
    except Exception:  # a broken rule set must not stop pushes: no quiet hours then
        return None


def _quiet_of(pref, default_quiet):
    """A person's quiet hours: their Preference's window when both ends are set, else the default."""
    if pref is not None and pref.quiet_start and pref.quiet_end:
        return (pref.quiet_start, pref.quiet_end)
    return default_quiet


def recipient_quiet(message: Message):
    """The quiet window (start, end) of a message's recipient, or None: the person's own, else the
    jurisdiction's default (robots and accounts without a person: the default). Delivery clamps retries
    with it."""
    if message.person_id:
        pref = Preference.objects.filter(person_id=message.person_id).first()
        if pref is not None and pref.quiet_start and pref.quiet_end:
            return (pref.quiet_start, pref.quiet_end)
    return _default_quiet(message.jurisdiction)


def _not_before(now: datetime, quiet) -> datetime | None:
    if not quiet:
        return None
    start, end = quiet
    return delivery_rules.quiet_until(timezone.localtime(now), start, end)


def _message(
    jurisdiction,
    outgoing: Outgoing,
    *,
    key: str,
    channel: str,
    address: str,
    person=None,
    unit=None,
    endpoint=None,
    not_before=None,
) -> Message:
    if len(key) > KEY_MAX:
        raise ValueError(f"消息幂等键过长（{len(key)} 字符）：{key[:60]}…")
    attachments = (
        [{"name": name, "path": path} for name, path in outgoing.attachments]
        if channel == Channel.EMAIL
        else []
    )
    return Message(
        key=key,
        jurisdiction=jurisdiction,
        kind=outgoing.kind,
        channel=channel,
        endpoint=endpoint,
        person=person,
        unit=unit,
        address=delivery_rules.short(address, 254),
        subject=delivery_rules.short(outgoing.subject, 200),
        body=outgoing.body,
        url=outgoing.url[:300],
        ref=outgoing.ref[:60],
        batch=outgoing.batch[:60],
        attachments=attachments,
        status=MessageStatus.QUEUED,
        not_before=not_before,
    )


def messages_queue(
    *,
    jurisdiction,
    to_people: Sequence[tuple[Any, Outgoing]] = (),
    to_units: Sequence[tuple[Any, Outgoing]] = (),
    to_endpoints: Sequence[tuple[Endpoint, Outgoing]] = (),
    now: datetime | None = None,
    exclude_robots: Collection[int] = (),
) -> QueueResult:
    """Queue one Message per (recipient, channel); idempotent and bulk (a fixed number of queries).

    `exclude_robots`: robots (endpoint ids) that already get this message as a group post in this call
    (a bulletin's distribution): a person's or unit account's "robot:<id>" choice of one of them adds no
    second post to that group; the person still counts as reached."""
    from tuijin.org.models import Jurisdiction, Role, User

    now = now or timezone.now()
    excluded = frozenset(exclude_robots)
    skipped: list[str] = []
    for _, outgoing in [*to_people, *to_units, *to_endpoints]:
        if outgoing.kind not in MessageKind.values:
            raise ValueError(f"未知的消息类别：{outgoing.kind}")

    # a unit's recipients: persons of its unit staff accounts (one query)
    unit_ids = {unit.pk for unit, _ in to_units}
    accounts_by_unit: dict[int, list] = {}
    if unit_ids:
        accounts = (
            User.objects.filter(
                unit_id__in=unit_ids, is_active=True, role__in=[Role.UNIT_HEAD, Role.UNIT_REPORTER]
            )
            .select_related("person")
            .order_by("id")
        )
        for user in accounts:
            accounts_by_unit.setdefault(user.unit_id, []).append(user)

    person_ids = {p.pk for p, _ in to_people}
    for users in accounts_by_unit.values():
        person_ids |= {u.person_id for u in users if u.person_id}
    prefs = {p.person_id: p for p in Preference.objects.filter(person_id__in=person_ids)}
    robot_ids = set()
    for pref in prefs.values():
        robot_ids |= {
            int(c.split(":", 1)[1]) for c in pref.channels if c.startswith("robot:") and c[6:].isdigit()
        }
    # a preference's robot must belong to the person's jurisdiction path (own or an ancestor's)
    preferred_robots = bool(robot_ids)
    robot_ids |= {e.pk for e, _ in to_endpoints}
    robots = (
        {e.pk: e for e in Endpoint.objects.filter(pk__in=robot_ids).select_related("jurisdiction")}
        if robot_ids
        else {}
    )
    paths: dict[int, str] = {}
    if preferred_robots:
        holders = {p.jurisdiction_id for p, _ in to_people}
        for users in accounts_by_unit.values():
            holders |= {u.person.jurisdiction_id for u in users if u.person_id}
        paths = dict(Jurisdiction.objects.filter(pk__in=holders).values_list("pk", "path"))
    default_quiet = _default_quiet(jurisdiction)

    candidates: dict[str, Message] = {}

    def add(msg: Message) -> None:
        candidates.setdefault(msg.key, msg)

    def for_person(person, outgoing: Outgoing, key_prefix: str, unit=None) -> int:
        if not person.is_active:
            skipped.append(f"{person.name}：已不在职，不再推送")
            return 0
        pref = prefs.get(person.pk)
        quiet = _quiet_of(pref, default_quiet)
        if pref is not None:
            channels = list(pref.channels)
            if not channels:
                skipped.append(f"{person.name}：已关闭全部推送渠道")
                return 0
        else:
            channels = [c for c, addr in (("email", person.email), ("sms", person.phone)) if addr]
            if not channels:
                skipped.append(f"{person.name}：没有邮箱和手机号，也未设置接收渠道")
                return 0
        not_before = _not_before(now, quiet)
        made = 0
        for choice in channels:
            if choice == "email":
                if not person.email:
                    skipped.append(f"{person.name}：选择了电子邮件但没有邮箱")
                    continue
                add(
                    _message(
                        jurisdiction,
                        outgoing,
                        key=f"{key_prefix}:email",
                        channel=Channel.EMAIL,
                        address=person.email,
                        person=person,
                        unit=unit,
                        not_before=not_before,
                    )
                )
            elif choice == "sms":
                if not person.phone:
                    skipped.append(f"{person.name}：选择了短信但没有手机号")
                    continue
                add(
                    _message(
                        jurisdiction,
                        outgoing,
                        key=f"{key_prefix}:sms",
                        channel=Channel.SMS,
                        address=person.phone,
                        person=person,
                        unit=unit,
                        not_before=not_before,
                    )
                )
            elif choice.startswith("robot:"):
                robot = robots.get(int(choice[6:])) if choice[6:].isdigit() else None
                if robot is not None and robot.pk in excluded:
                    made += 1
                    continue
                if robot is None or not robot.is_active:
                    skipped.append(f"{person.name}：所选群机器人不存在或已停用")
                    continue
                if not paths.get(person.jurisdiction_id, "").startswith(robot.jurisdiction.path):
                    skipped.append(f"{person.name}：所选群机器人“{robot.name}”不属于本人所在辖区或上级辖区")
                    continue
                add(
                    _message(
                        jurisdiction,
                        outgoing,
                        key=f"{key_prefix}:{robot.kind}:{robot.pk}",
                        channel=robot.kind,
                        address=robot.name,
                        person=person,
                        unit=unit,
                        endpoint=robot,
                        not_before=not_before,
                    )
                )
            else:
                skipped.append(f"{person.name}：未知的接收渠道“{choice}”")
                continue
            made += 1
        return made

    for person, outgoing in to_people:
        for_person(person, outgoing, outgoing.key)

    for unit, outgoing in to_units:
        users = accounts_by_unit.get(unit.pk, [])
        reached = 0
        seen_persons: set[int] = set()
        for user in users:
            if user.person_id:
                if user.person_id in seen_persons:
                    continue
                seen_persons.add(user.person_id)
                reached += for_person(
                    user.person, outgoing, f"{outgoing.key}:person:{user.person_id}", unit=unit
                )
            elif user.email:
                add(
                    _message(
                        jurisdiction,
                        outgoing,
                        key=f"{outgoing.key}:user:{user.pk}:email",
                        channel=Channel.EMAIL,
                        address=user.email,
                        unit=unit,
                        not_before=_not_before(now, default_quiet),
                    )
                )
                reached += 1
        if not reached:
            skipped.append(f"{unit}：没有可接收推送的单位负责人或填报员")

    for endpoint, outgoing in to_endpoints:
        robot = robots.get(endpoint.pk, endpoint)
        if not robot.is_active:
            skipped.append(f"{robot.name}：群机器人已停用")
            continue
        add(
            _message(
                jurisdiction,
                outgoing,
                key=f"{outgoing.key}:{robot.kind}:{robot.pk}",
                channel=robot.kind,
                address=robot.name,
                endpoint=robot,
                not_before=_not_before(now, default_quiet),
            )
        )

    keys = list(candidates)
    existing: set[str] = set()
    for i in range(0, len(keys), 500):
        existing |= set(Message.objects.filter(key__in=keys[i : i + 500]).values_list("key", flat=True))
    new = [m for k, m in candidates.items() if k not in existing]
    created = 0
    with transaction.atomic():
        if new:
            Message.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
            # count what this call inserted: a row is ours when it carries the created_at stamped on our
            # object (a concurrent run that inserted the same key first made its own row)
            stamps = {m.key: m.created_at for m in new}
            new_keys = list(stamps)
            for i in range(0, len(new_keys), 500):
                rows = Message.objects.filter(key__in=new_keys[i : i + 500]).values_list("key", "created_at")
                created += sum(1 for key, at in rows if at == stamps[key])
        if any(m.not_before is None or m.not_before <= now for m in new):
            _dispatch_on_commit()
    return QueueResult(created=created, existing=len(candidates) - created, skipped=skipped)


def _dispatch_on_commit() -> None:
    def enqueue() -> None:
        from . import tasks

        tasks.dispatch.enqueue()

    transaction.on_commit(enqueue)


# ---------------------------------------------------------------------------------------------------
# Review (office admin, supervisor)

_REVIEWABLE = (MessageStatus.UNKNOWN, MessageStatus.FAILED)


def _locked(message: Message) -> Message:
    return Message.objects.select_for_update().get(pk=message.pk)


def message_resend(*, actor, message: Message) -> Message:
    """Send a 结果不明 or 发送失败 message again (the person checked it did not arrive / fixed the address).

    `attempts` is not reset: it only grows, so a stale worker's late answer (matched on the attempts it
    claimed with) can never be taken for a later claim's; the retry limit counts the tries since the
    resend (`delivery.tries_this_round`)."""
    require(actor, "notify.review", message)
    with transaction.atomic():
        msg = _locked(message)
        if msg.status not in _REVIEWABLE:
            raise ValidationError(
                f"只有“结果不明”或“发送失败”的消息可以重发，本消息为“{msg.get_status_display()}”"
            )
        msg.status = MessageStatus.QUEUED
        msg.next_attempt_at = None
        msg.not_before = None
        msg.resolved_by = actor
        msg.resolution = "已核实未送达，重新发送"
        msg.save(update_fields=["status", "next_attempt_at", "not_before", "resolved_by", "resolution"])
        _dispatch_on_commit()
    return msg


def message_mark_delivered(*, actor, message: Message, note: str) -> Message:
    """Record that a 结果不明 / 发送失败 message did reach its recipient (checked by phone, in the group…)."""
    require(actor, "notify.review", message)
    note = (note or "").strip()
    if not note:
        raise ValidationError("请说明如何核实已送达（如：电话确认、群内已见）")
    with transaction.atomic():
        msg = _locked(message)
        if msg.status not in _REVIEWABLE:
            raise ValidationError(
                f"只有“结果不明”或“发送失败”的消息可以核实为已送达，本消息为“{msg.get_status_display()}”"
            )
        msg.status = MessageStatus.SENT
        msg.sent_at = msg.sent_at or timezone.now()
        msg.resolved_by = actor
        msg.resolution = delivery_rules.short(f"核实已送达：{note}", 200)
        msg.save(update_fields=["status", "sent_at", "resolved_by", "resolution"])
    return msg


def message_cancel(*, actor, message: Message, note: str) -> Message:
    """Give a message up (待发送, 结果不明 or 发送失败): it is never sent (again)."""
    require(actor, "notify.review", message)
    note = (note or "").strip()
    if not note:
        raise ValidationError("请填写取消原因")
    with transaction.atomic():
        msg = _locked(message)
        if msg.status not in (*_REVIEWABLE, MessageStatus.QUEUED):
            raise ValidationError(f"“{msg.get_status_display()}”的消息不能取消")
        msg.status = MessageStatus.CANCELLED
        msg.next_attempt_at = None
        msg.resolved_by = actor
        msg.resolution = delivery_rules.short(f"已取消：{note}", 200)
        msg.save(update_fields=["status", "next_attempt_at", "resolved_by", "resolution"])
    return msg


def endpoint_test(*, actor, endpoint: Endpoint) -> Message:
    """A test message to a group robot (the endpoints page's 发送测试); each click is a new message."""
    require(actor, "notify.manage_endpoints", endpoint)
    if not endpoint.is_active:
        raise ValidationError("群机器人已停用，请先启用再发送测试消息")
    now = timezone.now()
    stamp = timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S")
    outgoing = Outgoing(
        key=f"test:endpoint:{endpoint.pk}:{now.timestamp():.6f}",
        kind=MessageKind.TEST,
        subject="推进平台测试消息",
        body=f"这是一条测试消息：{endpoint.name} 已接入重大项目推进平台（{stamp}）。",
        ref=f"endpoint:{endpoint.pk}",
        batch="test",
    )
    with transaction.atomic():
        msg = _message(
            endpoint.jurisdiction,
            outgoing,
            key=f"{outgoing.key}:{endpoint.kind}:{endpoint.pk}",
            channel=endpoint.kind,
            address=endpoint.name,
            endpoint=endpoint,
        )
        msg.save()
        _dispatch_on_commit()
    return msg
