"""Real SMTP and webhook sinks on 127.0.0.1 for the notify tests (and H5's browser test). No mocks: the
channels talk to these over the network exactly as they would to a mail server, the group robots and the
SMS gateway.

Fixtures (exposed by tests/notify/conftest.py; elsewhere: `from tests.notify.sinks import smtp_sink,
webhook_sink  # noqa: F401` in your conftest or test module):

``smtp_sink`` — an aiosmtpd server on a random port; the fixture also points settings.EMAIL_HOST/PORT at
it (TLS/SSL off).
    .host, .port
    .messages        list[email.message.EmailMessage], parsed, in arrival order
    .envelopes       list[(mail_from, [rcpt_tos])]
    .fail = None     or an SMTP reply such as "451 4.3.0 稍后再试" (every DATA is refused with it)
    .refuse = {}     {recipient address: SMTP reply such as "450 4.2.1 Mailbox busy"} refused at RCPT TO
    .clear()

``webhook_sink`` — a threaded HTTP server on a random port answering like each service by path:
    /cgi-bin/webhook/send?key=…            企业微信群机器人   {"errcode":0,"errmsg":"ok"}
    /robot/send?access_token=…&timestamp=&sign=   钉钉群机器人 (sign checked)  {"errcode":0,"errmsg":"ok"}
    /open-apis/bot/v2/hook/<token>          飞书群机器人 (sign checked)  {"code":0,"msg":"success","data":{}}
    /msg/send/json                          创蓝253 短信 JSON   {"code":"0","msgId":…,"time":…,"errorMsg":""}
  The fixture also sets settings.SMS_GATEWAY_URL (+ SMS_ACCOUNT/SMS_PASSWORD) to its SMS address.
    .url(kind)       the address for "wecom" | "dingtalk" | "feishu" | "sms"
    .secret          the signing secret the sink checks DingTalk/Feishu signatures with ("SECtest…")
    .mode = "ok"     "ok" | "500" | "hang" | "reject": how to answer every request; "reject" answers 200
                     with the service's own error (WeCom 93000, DingTalk 310000, Feishu 19001, 253 code
                     "107" 手机号码格式错误); "hang" holds the request open until .release() or teardown
    .modes = {}      {substring of the raw body: mode} — per-message modes, checked before .mode
    .rejected_phones set of numbers the SMS gateway rejects (code "107") in any mode
    .requests        list[dict]: {"kind", "path", "query" (dict), "headers" (dict), "body" (parsed JSON
                     or None), "raw" (str), "answer" (dict or None), "sign_ok" (bool or None),
                     "key" (SMS uid or X-Idempotency-Key header or "")}; a hung request is recorded
                     when it arrives (answer None)
    .delivered()     every request answered OK, repeats included: like the real 253 gateway and robots,
                     the sink drops nothing for a repeated uid or X-Idempotency-Key
    .wait_for(n, timeout=10) -> bool   until at least n requests arrived
    .release(mode="500")  let hung requests go; they then answer as `mode` ("500", "ok" or "reject")
    .clear()
"""

from __future__ import annotations

import pytest

from tuijin.notify.sink import (  # noqa: F401  (re-exported for tests)
    SINK_SECRET,
    SMS_ACCOUNT,
    SMS_PASSWORD,
    SmtpSink,
    WebhookSink,
    dingtalk_sign,
    feishu_sign,
)

# ---------------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def smtp_sink(settings):
    sink = SmtpSink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    yield sink
    sink.stop()


@pytest.fixture
def webhook_sink(settings):
    sink = WebhookSink()
    settings.SMS_GATEWAY_URL = sink.url("sms")
    settings.SMS_ACCOUNT = SMS_ACCOUNT
    settings.SMS_PASSWORD = SMS_PASSWORD
    yield sink
    sink.stop()


__all__ = [
    "SmtpSink",
    "WebhookSink",
    "dingtalk_sign",
    "feishu_sign",
    "smtp_sink",
    "webhook_sink",
]
