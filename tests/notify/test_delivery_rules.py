from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from tuijin.notify.delivery_rules import (
    after_interruption,
    after_retryable,
    quiet_until,
    retry_delay,
    sms_text,
)

TZ = ZoneInfo("Asia/Shanghai")


def at(h, m, day=3):
    return datetime(2024, 6, day, h, m, tzinfo=TZ)


def test_quiet_window_wrapping_midnight():
    assert quiet_until(at(23, 0), time(22), time(7, 30)) == at(7, 30, 4)
    assert quiet_until(at(6, 0), time(22), time(7, 30)) == at(7, 30)
    assert quiet_until(at(7, 30), time(22), time(7, 30)) is None
    assert quiet_until(at(12, 0), time(22), time(7, 30)) is None


def test_quiet_window_within_a_day_and_none():
    assert quiet_until(at(12, 15), time(12), time(14)) == at(14, 0)
    assert quiet_until(at(14, 0), time(12), time(14)) is None
    assert quiet_until(at(12, 15), None, time(14)) is None
    assert quiet_until(at(12, 15), time(12), time(12)) is None


def test_backoff_doubles_and_is_capped():
    assert [retry_delay(n, 60).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert retry_delay(20, 60) == timedelta(seconds=60 * 32)


def test_retry_until_max_attempts():
    now = at(9, 0)
    assert after_retryable(attempts=1, max_attempts=3, now=now, base_seconds=60).next_attempt_at == at(9, 1)
    assert after_retryable(attempts=3, max_attempts=3, now=now, base_seconds=60).status == "failed"


def test_a_retry_waits_past_quiet_hours():
    def retry_at(now, quiet=(time(22), time(7, 30))):
        return after_retryable(
            attempts=1, max_attempts=5, now=now, base_seconds=60, quiet=quiet
        ).next_attempt_at

    assert retry_at(at(21, 59)) == at(7, 30, 4)  # 22:00 falls in the window: wait until it ends
    assert retry_at(at(21, 58)) == at(21, 59)
    assert retry_at(at(6, 0)) == at(7, 30)
    assert retry_at(at(23, 0), quiet=None) == at(23, 1)


def test_interruption_requeues_only_idempotent_channels():
    assert after_interruption(idempotent=True, attempts=1, max_attempts=5) == "queued"
    assert after_interruption(idempotent=True, attempts=5, max_attempts=5) == "unknown"
    assert after_interruption(idempotent=False, attempts=1, max_attempts=5) == "unknown"


def test_sms_text_keeps_sign_and_link_and_cuts_the_body():
    text = sms_text(sign="【项目办】", body="甲" * 500, link="https://x.cn/p/1/", limit=100)
    assert (
        len(text) == 100
        and text.startswith("【项目办】甲")
        and text.endswith("……（全文见链接） 详见 https://x.cn/p/1/")
    )
    assert len(sms_text(sign="【项目办】", body="甲" * 500, limit=100)) == 100  # no link: "……" only
    assert sms_text(sign="【项目办】", body="短") == "【项目办】短"
