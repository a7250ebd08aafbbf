"""短信: the 创蓝253 JSON API (protocol in __init__.py). A digest of the message key travels as `uid` —
passed on, not relied upon: 253's uid is a reusable label, not a de-duplication key."""

from __future__ import annotations

import hashlib

from django.conf import settings

from ..delivery_rules import sms_text
from .base import Channel, PermanentError, RetryableError, absolute, post_json, register_channel


def summary(body: str) -> str:
    """What a text message carries of the body: its first paragraph (every push starts with a one-line
    summary, `tuijin.notify.rules`); the rest is behind the link."""
    return body.strip().split("\n\n", 1)[0]


# 253 submit answer codes → Chinese reason
CODES = {
    "101": "无此用户（短信账号错误）",
    "102": "密码错误",
    "103": "提交过快（超过流速限制）",
    "104": "短信平台系统忙",
    "105": "含敏感词的短信",
    "106": "短信长度错误",
    "107": "手机号码有误",
    "108": "手机号码个数错误",
    "109": "无发送额度",
    "110": "不在发送时间内",
    "111": "超出该账户当月发送额度限制",
    "112": "无此产品，用户没有订购该产品",
    "113": "扩展码格式错误",
    "115": "自动审核驳回",
    "116": "签名不合法或未带签名",
    "117": "IP 地址认证错误，请求 IP 不在白名单内",
    "118": "用户没有相应的发送权限",
    "119": "用户已过期",
    "120": "违反防盗用策略",
    "123": "发送类型错误",
    "124": "白模板匹配错误",
    "125": "匹配驳回模板，提交失败",
    "127": "定时发送时间格式错误",
    "128": "内容编码失败",
    "129": "JSON 格式错误",
    "130": "请求参数错误",
}
RETRY_CODES = {"103", "104", "110"}
REJECTED_NUMBER = {"107", "108"}


def uid_for(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class SmsChannel(Channel):
    name = "sms"
    label = "短信"
    idempotent = False  # 253's uid is a reusable label, not de-duplication; see the package docstring

    def send(self, message) -> dict:
        if not settings.SMS_GATEWAY_URL:
            raise PermanentError("未配置短信网关（SMS_GATEWAY_URL），无法发送短信")
        payload = {
            "account": settings.SMS_ACCOUNT,
            "password": settings.SMS_PASSWORD,
            "msg": sms_text(sign=settings.SMS_SIGN, body=summary(message.body), link=absolute(message.url)),
            "phone": message.address,
            "report": "true",
            "uid": uid_for(message.key),
        }
        status, answer = post_json(settings.SMS_GATEWAY_URL, payload, key=message.key, what="短信网关")
        if not isinstance(answer, dict):
            raise RetryableError("短信网关应答无法识别，稍后重试", response=answer)
        code = str(answer.get("code", ""))
        if code == "0":
            return {"channel": "sms", "http_status": status, "uid": payload["uid"], "answer": answer}
        reason = CODES.get(code) or answer.get("errorMsg") or "未知错误"
        if code in RETRY_CODES:
            raise RetryableError(f"短信网关暂不可用（{code} {reason}），稍后重试", response=answer)
        if code in REJECTED_NUMBER:
            raise PermanentError(
                f"短信网关拒绝号码 {message.address}（{code} {reason}），不再重试", response=answer
            )
        raise PermanentError(f"短信网关拒绝发送（{code} {reason}）", response=answer)


register_channel(SmsChannel())
