"""Each channel's wire format, against the real sinks on 127.0.0.1 (signatures checked by the sink)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tuijin.notify import delivery
from tuijin.notify.channels import PermanentError, RetryableError, get_channel
from tuijin.notify.channels.email import message_id
from tuijin.notify.channels.sms import uid_for
from tuijin.notify.models import Message, MessageStatus
from tuijin.notify.services import messages_queue

from .helpers import outgoing, person, robot

pytestmark = pytest.mark.django_db
NOW = datetime(2024, 6, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def queue_to_robot(world, endpoint, **kw):
    messages_queue(jurisdiction=world.district, to_endpoints=[(endpoint, outgoing(**kw))], now=NOW)
    return Message.objects.get(endpoint=endpoint)


def test_email_reaches_the_smtp_sink_with_link_and_attachment(world, smtp_sink, settings):
    settings.SITE_URL = "https://tj.example.cn"
    path = default_storage.save("notify-test/通报.pdf", ContentFile(b"%PDF-1.4 test"))
    chen = person(world, phone="")
    messages_queue(
        jurisdiction=world.district,
        to_people=[(chen, outgoing(attachments=(("2024年5月通报.pdf", path),)))],
        now=NOW,
    )
    msg = Message.objects.get()
    assert msg.channel == "email" and msg.key == "digest:2024-06-03:person:1:email"
    result = delivery.dispatch(now=NOW)
    assert result.sent == 1
    mail = smtp_sink.messages[0]
    assert mail["To"] == "chen@example.cn"
    assert mail["Subject"] == "本周重点项目推进提示"
    assert mail["Message-ID"] == message_id(msg.key)
    text = mail.get_body(("plain",)).get_content()
    assert "区体育中心" in text and "https://tj.example.cn/projects/17/" in text
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "2024年5月通报.pdf"
    assert attachment.get_content() == b"%PDF-1.4 test"
    msg.refresh_from_db()
    assert msg.status == MessageStatus.SENT and msg.receipt["message_id"] == message_id(msg.key)
    default_storage.delete(path)


def test_email_4xx_is_retryable_and_5xx_permanent(world, smtp_sink):
    msg = Message(key="k1", address="chen@example.cn", subject="s", body="b", channel="email")
    smtp_sink.fail = "451 4.3.0 Try again later"
    with pytest.raises(RetryableError, match="暂时拒收"):
        get_channel("email").send(msg)
    smtp_sink.fail = "554 5.7.1 Rejected"
    with pytest.raises(PermanentError, match="拒收"):
        get_channel("email").send(msg)


def test_wecom_markdown_to_the_group_and_text_with_mention_to_a_person(world, webhook_sink):
    endpoint = robot(world, webhook_sink, "wecom")
    msg = queue_to_robot(world, endpoint)
    assert msg.key == f"digest:2024-06-03:person:1:wecom:{endpoint.pk}"
    assert delivery.dispatch(now=NOW).sent == 1
    req = webhook_sink.requests[0]
    assert req["path"] == "/cgi-bin/webhook/send" and req["query"] == {"key": "sink-wecom-key"}
    assert req["body"]["msgtype"] == "markdown"
    assert req["body"]["markdown"]["content"].startswith("### 本周重点项目推进提示")
    assert "/projects/17/" in req["body"]["markdown"]["content"]
    assert req["headers"]["X-Idempotency-Key"] == msg.key
    msg.refresh_from_db()
    assert msg.status == MessageStatus.SENT and msg.receipt["answer"] == {"errcode": 0, "errmsg": "ok"}

    chen = person(world)
    from tuijin.notify.models import Preference

    Preference.objects.create(person=chen, channels=[f"robot:{endpoint.pk}"])
    messages_queue(jurisdiction=world.district, to_people=[(chen, outgoing(key="todo:1"))], now=NOW)
    delivery.dispatch(now=NOW)
    body = webhook_sink.requests[1]["body"]
    assert body["msgtype"] == "text"
    assert body["text"]["mentioned_mobile_list"] == ["13800138000"]
    assert body["text"]["content"].startswith("【本周重点项目推进提示】")


def test_wecom_errcode_is_permanent_failure(world, webhook_sink):
    endpoint = robot(world, webhook_sink, "wecom")
    webhook_sink.mode = "reject"
    msg = queue_to_robot(world, endpoint)
    assert delivery.dispatch(now=NOW).failed == 1
    msg.refresh_from_db()
    assert msg.status == MessageStatus.FAILED and msg.attempts == 1
    assert "errcode 93000" in msg.last_error and "Webhook 地址" in msg.last_error


def test_dingtalk_signed_request_is_accepted_by_the_sink(world, webhook_sink):
    endpoint = robot(world, webhook_sink, "dingtalk")
    msg = queue_to_robot(world, endpoint)
    delivery.dispatch(now=NOW)
    req = webhook_sink.requests[0]
    assert req["path"] == "/robot/send"
    assert req["query"]["access_token"] == "sink-dingtalk-token"
    assert len(req["query"]["timestamp"]) == 13  # milliseconds
    assert req["sign_ok"] is True
    assert req["body"]["msgtype"] == "markdown" and req["body"]["markdown"]["title"] == "本周重点项目推进提示"
    assert req["body"]["at"] == {"atMobiles": [], "isAtAll": False}
    msg.refresh_from_db()
    assert msg.status == MessageStatus.SENT


def test_dingtalk_wrong_secret_fails_with_the_reason(world, webhook_sink):
    endpoint = robot(world, webhook_sink, "dingtalk", secret="SECwrong")
    msg = queue_to_robot(world, endpoint)
    delivery.dispatch(now=NOW)
    assert webhook_sink.requests[0]["sign_ok"] is False
    msg.refresh_from_db()
    assert msg.status == MessageStatus.FAILED
    assert "310000" in msg.last_error and "加签密钥" in msg.last_error


def test_feishu_signed_body_is_accepted_by_the_sink(world, webhook_sink):
    endpoint = robot(world, webhook_sink, "feishu")
    msg = queue_to_robot(world, endpoint)
    delivery.dispatch(now=NOW)
    req = webhook_sink.requests[0]
    assert req["path"] == "/open-apis/bot/v2/hook/sink-feishu-hook"
    assert req["sign_ok"] is True
    body = req["body"]
    assert body["msg_type"] == "text" and len(body["timestamp"]) == 10
    assert body["content"]["text"].startswith("【本周重点项目推进提示】")
    msg.refresh_from_db()
    assert msg.status == MessageStatus.SENT and msg.receipt["answer"]["code"] == 0


def test_feishu_bad_signature_is_permanent(world, webhook_sink):
    endpoint = robot(world, webhook_sink, "feishu", secret="SECwrong")
    msg = queue_to_robot(world, endpoint)
    delivery.dispatch(now=NOW)
    msg.refresh_from_db()
    assert msg.status == MessageStatus.FAILED and "19001" in msg.last_error


def test_sms_253_json_with_uid(world, webhook_sink, settings):
    settings.SMS_SIGN = "【东湖区项目办】"
    settings.SITE_URL = "https://tj.example.cn"
    chen = person(world, email="")
    messages_queue(jurisdiction=world.district, to_people=[(chen, outgoing())], now=NOW)
    msg = Message.objects.get()
    assert msg.channel == "sms" and msg.address == "13800138000"
    assert delivery.dispatch(now=NOW).sent == 1
    req = webhook_sink.requests[0]
    assert req["path"] == "/msg/send/json"
    body = req["body"]
    assert body["account"] == settings.SMS_ACCOUNT and body["password"] == settings.SMS_PASSWORD
    assert body["phone"] == "13800138000"
    assert body["uid"] == uid_for(msg.key) and len(body["uid"]) <= 64
    assert body["msg"].startswith("【东湖区项目办】您分管的")
    assert body["msg"].endswith("详见 https://tj.example.cn/projects/17/")
    msg.refresh_from_db()
    assert msg.status == MessageStatus.SENT and msg.receipt["answer"]["code"] == "0"


def test_sms_rejected_number_fails_without_retry(world, webhook_sink):
    chen = person(world, email="", phone="10086")
    webhook_sink.rejected_phones.add("10086")
    messages_queue(jurisdiction=world.district, to_people=[(chen, outgoing())], now=NOW)
    assert delivery.dispatch(now=NOW).failed == 1
    msg = Message.objects.get()
    assert msg.status == MessageStatus.FAILED and msg.attempts == 1 and msg.next_attempt_at is None
    assert "拒绝号码 10086" in msg.last_error and "不再重试" in msg.last_error
    assert len(webhook_sink.requests) == 1


def test_sms_without_gateway_is_a_configuration_failure(world, settings):
    settings.SMS_GATEWAY_URL = ""
    msg = Message(key="k", address="13800138000", subject="s", body="b", channel="sms")
    with pytest.raises(PermanentError, match="未配置短信网关"):
        get_channel("sms").send(msg)


def test_no_channel_counts_as_idempotent():
    # 253's uid is a reusable label and the robots take no key: passed on, not relied upon
    for name in ("sms", "email", "wecom", "dingtalk", "feishu"):
        assert get_channel(name).idempotent is False


def test_email_recipient_refused_with_4xx_is_retried_and_5xx_failed(world, smtp_sink):
    msg = Message(key="k1", address="chen@example.cn", subject="s", body="b", channel="email")
    smtp_sink.refuse = {"chen@example.cn": "450 4.2.1 Mailbox busy, try again later"}
    with pytest.raises(RetryableError, match="暂时拒收收件人地址"):
        get_channel("email").send(msg)
    smtp_sink.refuse = {"chen@example.cn": "550 5.1.1 No such user"}
    with pytest.raises(PermanentError, match="拒收收件人地址"):
        get_channel("email").send(msg)
    assert smtp_sink.messages == []

    chen = person(world, phone="")
    smtp_sink.refuse = {"chen@example.cn": "451 4.7.1 Greylisted, please retry"}
    messages_queue(jurisdiction=world.district, to_people=[(chen, outgoing())], now=NOW)
    assert delivery.dispatch(now=NOW).retried == 1
    queued = Message.objects.get()
    assert queued.status == MessageStatus.QUEUED and "暂时拒收" in queued.last_error
    smtp_sink.refuse = {}
    assert delivery.dispatch(now=NOW + timedelta(minutes=5)).sent == 1
    assert len(smtp_sink.messages) == 1


# ---------------------------------------------------------------------------------------------------
# A long digest keeps its title and link on every channel: only the body is cut, in UTF-8 bytes


def long_digest_body() -> str:
    lines = ["陈立新同志：您挂点和分管的 60 个项目，红灯40个、黄灯20个。", "", "一、红黄灯项目"]
    lines += [
        f"【红灯】区体育中心二期{i}号楼（区城投公司）：开工滞后 {i} 个工作日，土地尚未交付。"
        for i in range(400)
    ]
    return "\n".join(lines) + "\n"


LINK = "https://tj.example.cn/projects/17/"


@pytest.mark.parametrize(
    ("kind", "to_person", "limit"),
    [("wecom", True, 2048), ("wecom", False, 4096), ("dingtalk", True, 20000), ("feishu", False, 20000)],
)
def test_long_body_is_cut_but_title_and_link_arrive(world, webhook_sink, settings, kind, to_person, limit):
    settings.SITE_URL = "https://tj.example.cn"
    body = long_digest_body()
    assert len(body.encode()) > 30000
    endpoint = robot(world, webhook_sink, kind)
    item = outgoing(body=body)
    if to_person:
        from tuijin.notify.models import Preference

        chen = person(world)
        Preference.objects.create(person=chen, channels=[f"robot:{endpoint.pk}"])
        messages_queue(jurisdiction=world.district, to_people=[(chen, item)], now=NOW)
    else:
        messages_queue(jurisdiction=world.district, to_endpoints=[(endpoint, item)], now=NOW)
    assert delivery.dispatch(now=NOW).sent == 1
    [req] = webhook_sink.requests
    assert req["answer"] is not None and req["sign_ok"] in (True, None)
    payload = req["body"]
    if kind == "wecom":
        section = "text" if to_person else "markdown"
        assert payload["msgtype"] == section
        text = payload[section]["content"]
        size = len(text.encode("utf-8"))  # WeCom limits the content
    elif kind == "dingtalk":
        text = payload["markdown"]["text"]
        assert payload["markdown"]["title"] == "本周重点项目推进提示"
        assert payload["at"]["atMobiles"] == ["13800138000"] and text.endswith("\n\n@13800138000")
        size = len(req["raw"].encode("utf-8"))  # DingTalk limits the whole request body
    else:
        text = payload["content"]["text"]
        size = len(req["raw"].encode("utf-8"))  # so does Feishu
    assert limit - 200 < size <= limit  # cut as little as needed
    assert "本周重点项目推进提示" in text.split("\n", 1)[0]  # the title, first
    assert "陈立新同志：您挂点和分管的 60 个项目" in text  # the body's start
    assert "……（全文见链接）" in text and LINK in text  # marked, and the link kept after the mark
    assert text.index("……（全文见链接）") < text.index(LINK)
    assert text.rstrip("@0123456789\n").endswith((f"详见：{LINK}", f"[查看详情]({LINK})"))


def test_short_body_is_not_marked(world, webhook_sink):
    for kind in ("wecom", "dingtalk", "feishu"):
        queue_to_robot(world, robot(world, webhook_sink, kind), key=f"k:{kind}")
    assert delivery.dispatch(now=NOW).sent == 3
    assert all("全文见链接" not in req["raw"] and "区体育中心" in req["raw"] for req in webhook_sink.requests)


def test_long_sms_keeps_sign_and_link_within_the_limit(world, webhook_sink, settings):
    from tuijin.notify.delivery_rules import SMS_MAX_CHARS

    settings.SMS_SIGN = "【东湖区项目办】"
    settings.SITE_URL = "https://tj.example.cn"
    chen = person(world, email="")
    messages_queue(
        jurisdiction=world.district, to_people=[(chen, outgoing(body=long_digest_body()))], now=NOW
    )
    assert delivery.dispatch(now=NOW).sent == 1
    # a text message carries the summary paragraph and the link; the lists are behind the link
    msg = webhook_sink.requests[0]["body"]["msg"]
    assert msg == f"【东湖区项目办】陈立新同志：您挂点和分管的 60 个项目，红灯40个、黄灯20个。 详见 {LINK}"
    # a summary too long for one message is cut, keeping the sign and the link
    messages_queue(
        jurisdiction=world.district,
        to_people=[(chen, outgoing(key="long-summary", body="陈立新同志" + "甲" * 600))],
        now=NOW,
    )
    assert delivery.dispatch(now=NOW).sent == 1
    msg = webhook_sink.requests[1]["body"]["msg"]
    assert len(msg) == SMS_MAX_CHARS
    assert msg.startswith("【东湖区项目办】陈立新同志")
    assert msg.endswith(f"……（全文见链接） 详见 {LINK}")
