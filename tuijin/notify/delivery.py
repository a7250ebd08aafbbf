"""Delivery (REQ J2, C6): the `Message` table is the queue. `dispatch` claims due messages one at a time
with a conditional UPDATE (待发送 → 发送中, attempts + 1, lease until now + NOTIFY_LEASE_SECONDS) and commits
an open `Attempt` BEFORE talking to the channel; then records the outcome:

- the channel's receipt → 已发送 (sent_at, receipt);
- RetryableError (5xx, timeout, refused connection, gateway busy) → 待发送 again after a back-off
  (NOTIFY_RETRY_SECONDS × 1, 2, 4 … capped at ×32, moved past the recipient's quiet hours), or 发送失败
  once NOTIFY_MAX_ATTEMPTS tries are used (tries since the message was queued or last resent);
- PermanentError (rejected number, wrong address or key, bad signature) → 发送失败 at once.
Every failure keeps its Chinese reason in `last_error` and the channel's answer in the Attempt.

`sweep` looks at messages still 发送中 after their lease (their worker died mid-send, or the send is
slower than the lease): a channel that drops repeats of the same key would get the message back as
待发送 (Attempt "中断，已重新排队") — none of ours does (see `channels/__init__.py`) — so the message becomes
结果不明 for a person to review (Attempt "中断，结果不明"). A message once 已发送 is never claimed again:
only 待发送 rows are claimed.

The claim token is the message's `attempts` counter, which only ever grows (a review's resend does not
reset it), together with the Attempt row written in the same transaction: a worker's result is recorded
only while `attempts` is still the value it claimed with, so a stale worker can never overwrite a later
claim's outcome. A confirmed send is never dropped: a success that comes back after the lease ran out
still records 已发送 with its receipt when the row is 结果不明, or 待发送 again but not yet re-claimed (a
reviewer's resend that has not gone out yet). If the row was claimed again meanwhile, the late success
is kept on its own Attempt (and logged) and the new claim's outcome stands.

Call these outside any transaction (a task, the `tuijin notify dispatch|sweep` command): each step
commits on its own, so a kill at any point leaves a consistent queue.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from . import delivery_rules
from .channels import PermanentError, RetryableError, get_channel
from .models import Attempt, AttemptOutcome, Message, MessageStatus

logger = logging.getLogger("tuijin.notify")

CLAIM_BATCH = 100


def default_worker() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"[-120:]


@dataclass
class DispatchResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    messages: list[int] = field(default_factory=list)


@dataclass
class SweepResult:
    requeued: int = 0
    unknown: int = 0
    messages: list[int] = field(default_factory=list)


def due_messages(now: datetime):
    return Message.objects.filter(
        Q(not_before__isnull=True) | Q(not_before__lte=now),
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        status=MessageStatus.QUEUED,
    )


def _claim(pk: int, attempts: int, now: datetime, worker: str) -> Attempt | None:
    """Take one message (conditional UPDATE) and write its open Attempt, in one committed transaction."""
    lease = timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
    with transaction.atomic():
        taken = Message.objects.filter(pk=pk, status=MessageStatus.QUEUED, attempts=attempts).update(
            status=MessageStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + lease
        )
        if not taken:
            return None
        # Attempt numbers run on across a review's resend
        last = Attempt.objects.filter(message_id=pk).aggregate(n=Max("number"))["n"] or 0
        attempt = Attempt.objects.create(message_id=pk, number=last + 1, worker=worker, started_at=now)
        attempt.round = attempts + 1  # the message's `attempts` after this claim: the claim token
        return attempt


def tries_this_round(attempt: Attempt) -> int:
    """How many tries the message had since it was queued or last resent by a review, this one included:
    the Attempts after the last one that ended the message (发送失败 or 结果不明 — a resend starts only
    from those)."""
    ended = (
        Attempt.objects.filter(
            message_id=attempt.message_id,
            number__lt=attempt.number,
            outcome__in=[AttemptOutcome.FAILED, AttemptOutcome.UNKNOWN],
        ).aggregate(n=Max("number"))["n"]
        or 0
    )
    return attempt.number - ended


def _response_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, ensure_ascii=False)[:2000]
    return str(value)[:2000]


def _finish(
    attempt: Attempt, *, status: str, outcome: str, now: datetime, response: str = "", **fields
) -> bool:
    """Record the outcome, only if the message is still ours: `attempts` is still the value we claimed
    with (nobody claimed it since). A failure counts only while the row is 发送中 (not swept meanwhile); a
    success also when the sweep made it 结果不明 or it is 待发送 again but not yet re-claimed — the channel
    confirmed it, so it must not go out a second time."""
    sent = status == MessageStatus.SENT
    allowed = (
        [MessageStatus.SENDING, MessageStatus.UNKNOWN, MessageStatus.QUEUED]
        if sent
        else [MessageStatus.SENDING]
    )
    with transaction.atomic():
        done = Message.objects.filter(
            pk=attempt.message_id, status__in=allowed, attempts=attempt.round
        ).update(status=status, **fields)
        closed = Attempt.objects.filter(pk=attempt.pk, outcome=AttemptOutcome.OPEN).update(
            outcome=outcome, finished_at=now, response=response
        )
        if not closed:
            # the sweep closed this attempt as interrupted before the answer came back
            late = f"（租约过期后才收到渠道应答）{response}"[:2000]
            logger.warning(
                "late %s for message %s attempt %s (recorded on the message: %s)",
                outcome,
                attempt.message_id,
                attempt.number,
                bool(done),
            )
            if sent:
                Attempt.objects.filter(pk=attempt.pk).update(
                    outcome=AttemptOutcome.SENT, finished_at=now, response=late
                )
            else:
                Attempt.objects.filter(pk=attempt.pk).update(response=late)
    return bool(done)


def send_one(attempt: Attempt, *, now: datetime | None = None) -> str:
    """Send a claimed message through its channel and record what happened; returns the new status."""
    message = Message.objects.select_related("endpoint", "person").get(pk=attempt.message_id)
    try:
        channel = get_channel(message.channel)
        receipt = channel.send(message)
    except PermanentError as error:
        when = now or timezone.now()
        _finish(
            attempt,
            status=MessageStatus.FAILED,
            outcome=AttemptOutcome.FAILED,
            now=when,
            response=_response_text(error.response) or str(error),
            last_error=str(error),
            next_attempt_at=None,
        )
        return MessageStatus.FAILED
    except Exception as error:  # RetryableError, or a bug in a channel: try again later
        when = now or timezone.now()
        if isinstance(error, RetryableError):
            reason, response = str(error), _response_text(error.response) or str(error)
        else:
            logger.exception("channel %s raised for message %s", message.channel, message.pk)
            reason, response = f"发送时出现内部错误：{type(error).__name__}: {error}", repr(error)[:2000]
        from .services import recipient_quiet

        tries = tries_this_round(attempt)
        decision = delivery_rules.after_retryable(
            attempts=tries,
            max_attempts=settings.NOTIFY_MAX_ATTEMPTS,
            now=timezone.localtime(when),
            base_seconds=settings.NOTIFY_RETRY_SECONDS,
            quiet=recipient_quiet(message),
        )
        if decision.status == MessageStatus.FAILED:
            reason = f"已尝试 {tries} 次仍未成功，不再重试。最后一次：{reason}"
            _finish(
                attempt,
                status=MessageStatus.FAILED,
                outcome=AttemptOutcome.FAILED,
                now=when,
                response=response,
                last_error=reason,
                next_attempt_at=None,
            )
            return MessageStatus.FAILED
        _finish(
            attempt,
            status=MessageStatus.QUEUED,
            outcome=AttemptOutcome.RETRY,
            now=when,
            response=response,
            last_error=reason,
            next_attempt_at=decision.next_attempt_at,
        )
        return MessageStatus.QUEUED
    when = now or timezone.now()
    _finish(
        attempt,
        status=MessageStatus.SENT,
        outcome=AttemptOutcome.SENT,
        now=when,
        response=_response_text(receipt),
        receipt=receipt,
        sent_at=when,
        last_error="",
        next_attempt_at=None,
    )
    return MessageStatus.SENT


def dispatch(now: datetime | None = None, limit: int | None = None, worker: str = "") -> DispatchResult:
    """Send the due messages, one claim at a time, until none is due (or `limit` were handled).
    `now` pins the clock (tests); without it each claim reads the clock afresh."""
    worker = worker or default_worker()
    result = DispatchResult()
    skip: set[int] = set()
    while limit is None or len(result.messages) < limit:
        current = now or timezone.now()
        batch = list(
            due_messages(current)
            .exclude(pk__in=skip)
            .order_by(F("next_attempt_at").asc(nulls_first=True), "id")
            .values_list("pk", "attempts")[:CLAIM_BATCH]
        )
        if not batch:
            break
        for pk, attempts in batch:
            if limit is not None and len(result.messages) >= limit:
                break
            skip.add(pk)  # each message at most once per dispatch run (a retry waits for the next run)
            attempt = _claim(pk, attempts, now or timezone.now(), worker)
            if attempt is None:
                continue  # another worker took it
            status = send_one(attempt, now=now)
            result.messages.append(pk)
            if status == MessageStatus.SENT:
                result.sent += 1
            elif status == MessageStatus.FAILED:
                result.failed += 1
            else:
                result.retried += 1
    return result


def sweep(now: datetime | None = None) -> SweepResult:
    """Messages still 发送中 after their lease: 结果不明 (back to 待发送 only for a channel that drops
    repeats of the same key — none of ours does)."""
    now = now or timezone.now()
    result = SweepResult()
    stale = list(
        Message.objects.filter(status=MessageStatus.SENDING, next_attempt_at__lte=now).values_list(
            "pk", "channel", "attempts"
        )
    )
    for pk, channel_name, attempts in stale:
        try:
            idempotent = get_channel(channel_name).idempotent
        except PermanentError:
            idempotent = False
        # `attempts` counts every try since the message was made; the limit is per round, but with no
        # idempotent channel this only matters for a future one (it then stops requeueing early, safely)
        status = delivery_rules.after_interruption(
            idempotent=idempotent, attempts=attempts, max_attempts=settings.NOTIFY_MAX_ATTEMPTS
        )
        if status == MessageStatus.QUEUED:
            outcome = AttemptOutcome.REQUEUED
            fields = {
                "next_attempt_at": now,
                "last_error": "发送中断（工作进程退出或超时），渠道支持幂等键，已重新排队",
            }
        else:
            outcome = AttemptOutcome.UNKNOWN
            fields = {
                "next_attempt_at": None,
                "last_error": "发送中断（工作进程退出或超时），无法确认对方是否收到，请核实后重发、标记已送达或取消",
            }
        with transaction.atomic():
            moved = Message.objects.filter(pk=pk, status=MessageStatus.SENDING, attempts=attempts).update(
                status=status, **fields
            )
            if not moved:
                continue
            Attempt.objects.filter(message_id=pk, outcome=AttemptOutcome.OPEN).update(
                outcome=outcome, finished_at=now, response="（未收到渠道应答：发送被中断）"
            )
        result.messages.append(pk)
        if status == MessageStatus.QUEUED:
            result.requeued += 1
        else:
            result.unknown += 1
    return result
