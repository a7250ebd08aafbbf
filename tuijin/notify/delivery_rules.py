"""Pure rules of delivery (no Django): quiet hours, retry back-off, what an interrupted send becomes, and
the SMS text. Times are aware datetimes; quiet hours are read in the zone of `now`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

SMS_MAX_CHARS = 300  # 253 allows more (long SMS are split and billed per 67 characters); keep pushes short
SMS_CUT_MARK = "……（全文见链接）"
BACKOFF_CAP_FACTOR = 32


def quiet_until(now: datetime, start: time | None, end: time | None) -> datetime | None:
    """The end of the quiet window (免打扰时段) `now` falls in, or None when it is outside (or no window).

    start == end means no window. A window may wrap midnight (22:00–07:00). `now` must be aware and in the
    recipient's zone (Asia/Shanghai); the answer is in the same zone."""
    if start is None or end is None or start == end:
        return None
    t = now.timetz().replace(tzinfo=None)
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    candidate = now.replace(hour=end.hour, minute=end.minute, second=end.second, microsecond=0)
    if candidate <= now:
        candidate += timedelta(days=1)
    return candidate


def retry_delay(attempts: int, base_seconds: int) -> timedelta:
    """Back-off after the `attempts`-th failed try: base, 2×base, 4×base … capped at 32×base."""
    factor = min(2 ** max(attempts - 1, 0), BACKOFF_CAP_FACTOR)
    return timedelta(seconds=base_seconds * factor)


@dataclass(frozen=True)
class RetryDecision:
    status: str  # "queued" (try again) or "failed"
    next_attempt_at: datetime | None


def after_retryable(
    *,
    attempts: int,
    max_attempts: int,
    now: datetime,
    base_seconds: int,
    quiet: tuple[time | None, time | None] | None = None,
) -> RetryDecision:
    """A retryable failure (5xx, timeout, connection refused, rate limited): again later, or 发送失败
    after max_attempts tries (`attempts` = the tries since the message was queued or last resent).
    A retry falling inside the recipient's quiet hours (`quiet` = (start, end)) waits until they end;
    `now` must be in the recipient's zone (Asia/Shanghai)."""
    if attempts >= max_attempts:
        return RetryDecision("failed", None)
    when = now + retry_delay(attempts, base_seconds)
    if quiet:
        when = quiet_until(when, *quiet) or when
    return RetryDecision("queued", when)


def after_interruption(*, idempotent: bool, attempts: int, max_attempts: int) -> str:
    """A send that never came back (worker killed, lease over): queue it again only when the channel drops
    a repeat of the same key; otherwise nobody knows whether it arrived — 结果不明, for a person to check."""
    if not idempotent:
        return "unknown"
    return "queued" if attempts < max_attempts else "unknown"


def sms_text(*, sign: str, body: str, link: str = "", limit: int = SMS_MAX_CHARS) -> str:
    """【签名】+ body (+ " 详见 <link>"), at most `limit` characters (SMS gateways count characters, a
    Chinese one is 1). A body too long is cut and marked "……（全文见链接）" (without a link "……"); the sign
    and the link are always kept whole, so the reader opens the rest in the app."""
    tail = f" 详见 {link}" if link else ""
    text = body.strip()
    if len(sign) + len(text) + len(tail) <= limit:
        return f"{sign}{text}{tail}"
    mark = SMS_CUT_MARK if link else "……"
    room = max(limit - len(sign) - len(tail) - len(mark), 0)
    return f"{sign}{text[:room].rstrip()}{mark}{tail}"


def short(text: str, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"
