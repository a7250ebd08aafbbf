"""Group robots: 企业微信 (WeCom), 钉钉 (DingTalk, 加签), 飞书 (Feishu, 签名校验). Wire formats in __init__.py.

Size limits, counted in UTF-8 bytes (a Chinese character is 3):
- 企业微信 text content ≤ 2048 bytes, markdown content ≤ 4096 bytes (errcode 40058 beyond);
- 钉钉 the whole request body ≤ 20000 bytes (errcode 460101 "message too long, exceed 20000 bytes");
- 飞书 the whole request body ≤ 20 KB (taken as 20000 bytes; 19036 / 9499 beyond).
A message too long for its robot keeps its title and its link (and the @mention): only the BODY is
shortened, ending with "……（全文见链接）" (without a link "……（全文请登录系统查看）"), so a long digest still
reaches the group with the way to read the rest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import quote_plus

from .base import Channel, PermanentError, RetryableError, absolute, post_json, register_channel

WECOM_TEXT_BYTES = 2048
WECOM_MARKDOWN_BYTES = 4096
DINGTALK_BODY_BYTES = 20000
FEISHU_BODY_BYTES = 20000
CUT_MARK = "……（全文见链接）"
CUT_MARK_NO_LINK = "……（全文请登录系统查看）"

T = TypeVar("T")


def dingtalk_sign(secret: str, timestamp_ms: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: str) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _endpoint(message):
    endpoint = message.endpoint
    if endpoint is None:
        raise PermanentError("消息没有指定群机器人")
    if not endpoint.is_active:
        raise PermanentError(f"群机器人“{endpoint.name}”已停用")
    return endpoint


def _mobile(message) -> str:
    person = message.person
    return (person.phone or "") if person is not None else ""


def _text(subject: str, body: str, link: str, *, markdown: bool, mention: str = "") -> str:
    if markdown:
        text = f"### {subject}\n\n{body}"
        if link:
            text += f"\n\n[查看详情]({link})"
    else:
        text = f"【{subject}】\n{body}"
        if link:
            text += f"\n详见：{link}"
    if mention:
        text += f"\n\n@{mention}"
    return text


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


def json_size(payload: dict) -> int:
    """Bytes of the request body exactly as `post_json` sends it."""
    return len(json.dumps(payload, ensure_ascii=False).encode("utf-8"))


def fit_body(build: Callable[[str], T], body: str, *, size: Callable[[T], int], limit: int, link: str) -> T:
    """build(body) when it is within `limit` (as measured by `size`); else build(shortened body), the body
    cut as little as needed and marked "……（全文见链接）". Title, link and mention are built around the body
    by `build`, so they always arrive. Raises PermanentError when even an empty body does not fit."""
    whole = build(body)
    if size(whole) <= limit:
        return whole
    mark = CUT_MARK if link else CUT_MARK_NO_LINK
    if size(build(mark)) > limit:
        raise PermanentError(f"消息标题和链接已超过群机器人 {limit} 字节的长度上限，无法发送")
    lo, hi = 0, len(body)  # the longest prefix that fits: size(build(body[:n] + mark)) grows with n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if size(build(body[:mid] + mark)) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return build(body[:lo].rstrip() + mark)


def _receipt(kind: str, status: int, answer) -> dict:
    return {"channel": kind, "http_status": status, "answer": answer}


class WeComChannel(Channel):
    name = "wecom"
    label = "企业微信群机器人"
    idempotent = False
    RETRY_CODES = {-1, 45009, 45033}

    def send(self, message) -> dict:
        endpoint = _endpoint(message)
        mobile = _mobile(message)
        link = absolute(message.url)
        markdown = not mobile  # to a person: text with @mention (markdown cannot mention by mobile)
        content = fit_body(
            lambda body: _text(message.subject, body, link, markdown=markdown),
            message.body,
            size=utf8_size,
            limit=WECOM_MARKDOWN_BYTES if markdown else WECOM_TEXT_BYTES,
            link=link,
        )
        if mobile:
            payload = {"msgtype": "text", "text": {"content": content, "mentioned_mobile_list": [mobile]}}
        else:
            payload = {"msgtype": "markdown", "markdown": {"content": content}}
        status, answer = post_json(endpoint.url, payload, key=message.key, what="企业微信机器人")
        code = answer.get("errcode") if isinstance(answer, dict) else None
        if code == 0:
            return _receipt(self.name, status, answer)
        errmsg = answer.get("errmsg", "") if isinstance(answer, dict) else str(answer)[:200]
        if code in self.RETRY_CODES:
            raise RetryableError(
                f"企业微信机器人暂时不可用（errcode {code}：{errmsg}），稍后重试", response=answer
            )
        raise PermanentError(
            f"企业微信机器人拒绝消息（errcode {code}：{errmsg}），请检查 Webhook 地址", response=answer
        )


class DingTalkChannel(Channel):
    name = "dingtalk"
    label = "钉钉群机器人"
    idempotent = False
    RETRY_CODES = {-1, 130101, 130102}

    def send(self, message) -> dict:
        endpoint = _endpoint(message)
        url = endpoint.url
        if endpoint.secret:
            ts = str(int(time.time() * 1000))
            sign = quote_plus(dingtalk_sign(endpoint.secret, ts))
            url += ("&" if "?" in url else "?") + f"timestamp={ts}&sign={sign}"
        mobile = _mobile(message)
        link = absolute(message.url)

        def build(body: str) -> dict:
            text = _text(message.subject, body, link, markdown=True, mention=mobile)
            return {
                "msgtype": "markdown",
                "markdown": {"title": message.subject, "text": text},
                "at": {"atMobiles": [mobile] if mobile else [], "isAtAll": False},
            }

        payload = fit_body(build, message.body, size=json_size, limit=DINGTALK_BODY_BYTES, link=link)
        status, answer = post_json(url, payload, key=message.key, what="钉钉机器人")
        code = answer.get("errcode") if isinstance(answer, dict) else None
        if code == 0:
            return _receipt(self.name, status, answer)
        errmsg = answer.get("errmsg", "") if isinstance(answer, dict) else str(answer)[:200]
        if code in self.RETRY_CODES:
            raise RetryableError(
                f"钉钉机器人暂时不可用（errcode {code}：{errmsg}），稍后重试", response=answer
            )
        if code == 310000:
            raise PermanentError(
                f"钉钉机器人拒绝消息（errcode 310000：{errmsg}）：加签密钥、关键词或 IP 白名单与机器人设置不符",
                response=answer,
            )
        raise PermanentError(
            f"钉钉机器人拒绝消息（errcode {code}：{errmsg}），请检查 Webhook 地址", response=answer
        )


class FeishuChannel(Channel):
    name = "feishu"
    label = "飞书群机器人"
    idempotent = False
    RETRY_CODES = {11232, 11233}

    def send(self, message) -> dict:
        endpoint = _endpoint(message)
        signed: dict = {}
        if endpoint.secret:
            ts = str(int(time.time()))
            signed = {"timestamp": ts, "sign": feishu_sign(endpoint.secret, ts)}
        link = absolute(message.url)

        def build(body: str) -> dict:
            text = _text(message.subject, body, link, markdown=False)
            return {**signed, "msg_type": "text", "content": {"text": text}}

        payload = fit_body(build, message.body, size=json_size, limit=FEISHU_BODY_BYTES, link=link)
        status, answer = post_json(endpoint.url, payload, key=message.key, what="飞书机器人")
        if not isinstance(answer, dict):
            raise RetryableError("飞书机器人应答无法识别，稍后重试", response=answer)
        code = answer.get("code", answer.get("StatusCode"))
        if code == 0:
            return _receipt(self.name, status, answer)
        msg = answer.get("msg", answer.get("StatusMessage", ""))
        if code in self.RETRY_CODES:
            raise RetryableError(f"飞书机器人发送过于频繁（code {code}：{msg}），稍后重试", response=answer)
        if code == 19021:
            raise PermanentError(
                f"飞书机器人签名校验失败（code 19021：{msg}），请检查签名密钥", response=answer
            )
        raise PermanentError(
            f"飞书机器人拒绝消息（code {code}：{msg}），请检查 Webhook 地址和安全设置", response=answer
        )


register_channel(WeComChannel())
register_channel(DingTalkChannel())
register_channel(FeishuChannel())
