"""The channel interface, its errors, the registry and the JSON-over-HTTP call the robots and SMS share."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote

from django.conf import settings


class DeliveryError(Exception):
    """A send that did not succeed; `str(error)` is the Chinese reason, `response` the channel's answer."""

    def __init__(self, message: str, *, response: Any = None) -> None:
        super().__init__(message)
        self.response = response


class RetryableError(DeliveryError):
    """Try again later (5xx, timeout, connection refused, rate limited, gateway busy)."""


class PermanentError(DeliveryError):
    """Never retry (rejected number, wrong address or key, bad signature, refused mailbox)."""


class Channel:
    """Hands one message to the outside world. `send` returns the receipt (a JSON-able dict) or raises."""

    name: str = ""
    label: str = ""
    idempotent: bool = False  # does the far end drop a repeat of the same key?

    def send(self, message) -> dict:  # pragma: no cover - interface
        raise NotImplementedError


_REGISTRY: dict[str, Channel] = {}


def register_channel(channel: Channel) -> Channel:
    _REGISTRY[channel.name] = channel
    return channel


def get_channel(name: str) -> Channel:
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise PermanentError(f"未知的推送渠道：{name}") from None


def channels() -> dict[str, Channel]:
    _load()
    return dict(_REGISTRY)


def _load() -> None:
    from . import email, robots, sms  # noqa: F401  (each registers itself)


def timeout() -> float:
    return float(settings.NOTIFY_SEND_TIMEOUT_SECONDS)


def absolute(url: str) -> str:
    if not url:
        return ""
    if url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL.rstrip("/") + "/" + url.lstrip("/")


def post_json(url: str, payload: dict, *, key: str = "", what: str) -> tuple[int, Any]:
    """POST JSON, return (HTTP status, parsed answer). Raises RetryableError for timeouts, refused
    connections and 5xx/429; PermanentError for other 4xx and unusable addresses."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "tuijin-notify/1"}
    if key:
        headers["X-Idempotency-Key"] = quote(key, safe=":/-_.@")  # header values are latin-1
    try:
        request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310
    except ValueError:
        raise PermanentError(f"{what}地址无效：{url[:80]}") from None
    try:
        with urllib.request.urlopen(request, timeout=timeout()) as response:  # noqa: S310 (configured address)
            status = response.status
            body = response.read()
    except urllib.error.HTTPError as error:
        status = error.code
        text = error.read()[:500].decode("utf-8", "replace")
        if status >= 500 or status == 429:
            raise RetryableError(f"{what}服务端错误（HTTP {status}），稍后重试", response=text) from None
        raise PermanentError(
            f"{what}拒绝请求（HTTP {status}），请检查地址和密钥配置", response=text
        ) from None
    except TimeoutError:
        raise RetryableError(f"{what}在 {timeout():g} 秒内没有应答（超时），稍后重试") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise RetryableError(f"{what}在 {timeout():g} 秒内没有应答（超时），稍后重试") from None
        raise RetryableError(f"无法连接{what}：{reason}，稍后重试") from None
    except (ConnectionError, OSError) as error:
        raise RetryableError(f"与{what}的连接中断：{error}，稍后重试") from None
    try:
        answer = json.loads(body.decode("utf-8")) if body else None
    except ValueError:
        raise RetryableError(
            f"{what}的应答不是 JSON，稍后重试", response=body[:300].decode("utf-8", "replace")
        ) from None
    return status, answer
