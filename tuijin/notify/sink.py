"""Sinks that stand in for the mail server, the group robots and the SMS gateway (tests and the demo).

`SmtpSink` (aiosmtpd) and `WebhookSink` (a threaded HTTP server answering like WeCom, DingTalk with 加签,
Feishu with 签名校验 and the 创蓝253 JSON SMS API, by path) listen on 127.0.0.1. The test fixtures
`smtp_sink` and `webhook_sink` (tests/notify/sinks.py, interface documented there) wrap them; the command
`tuijin notify sink` runs both for the demo and writes what arrives to var/sink/*.json.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

SINK_SECRET = "SECtest0123456789abcdef"
SMS_ACCOUNT = "N1234567"
SMS_PASSWORD = "sink-password"


# ---------------------------------------------------------------------------------------------------
# SMTP


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.fail: str | None = None
        self.refuse: dict[str, str] = {}  # {recipient address: SMTP reply} refused at RCPT TO
        self.on_message = None  # callable(EmailMessage) — the demo sink writes each to a file
        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
                if address in sink.refuse:
                    return sink.refuse[address]
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
                if sink.fail:
                    return sink.fail
                sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
                sink.messages.append(parsed)
                if sink.on_message is not None:
                    sink.on_message(parsed)
                return "250 OK"

        self.host = host
        self.port = port or _free_port()
        self._controller = Controller(Handler(), hostname=self.host, port=self.port)
        self._controller.start()

    def clear(self) -> None:
        self.messages.clear()
        self.envelopes.clear()

    def stop(self) -> None:
        self._controller.stop()


# ---------------------------------------------------------------------------------------------------
# Webhooks


def dingtalk_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


_OK = {
    "wecom": {"errcode": 0, "errmsg": "ok"},
    "dingtalk": {"errcode": 0, "errmsg": "ok"},
    "feishu": {"code": 0, "msg": "success", "data": {}},
}
_REJECT = {
    "wecom": {"errcode": 93000, "errmsg": "invalid webhook url"},
    "dingtalk": {"errcode": 310000, "errmsg": "sign not match"},
    "feishu": {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"},
    "sms": {"code": "107", "msgId": "", "time": "", "errorMsg": "包含错误的手机号码"},
}


class WebhookSink:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.requests: list[dict] = []
        self.mode = "ok"
        self.modes: dict[str, str] = {}
        self.rejected_phones: set[str] = set()
        self.secret = SINK_SECRET
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._release_mode = "500"
        self.on_request = None  # callable(dict) after each answer — the demo sink writes each to a file
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                sink._handle(self)

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    # -- interface
    def url(self, kind: str) -> str:
        return {
            "wecom": f"{self.base}/cgi-bin/webhook/send?key=sink-wecom-key",
            "dingtalk": f"{self.base}/robot/send?access_token=sink-dingtalk-token",
            "feishu": f"{self.base}/open-apis/bot/v2/hook/sink-feishu-hook",
            "sms": f"{self.base}/msg/send/json",
        }[kind]

    def wait_for(self, n: int, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.requests) >= n:
                return True
            time.sleep(0.02)
        return len(self.requests) >= n

    def delivered(self) -> list[dict]:
        """Every request answered OK, repeats included (no gateway or robot drops a repeated key)."""
        return [req for req in list(self.requests) if _answer_ok(req)]

    def release(self, mode: str = "500") -> None:
        """Let hung requests go; they then answer as `mode` ("500" by default, or "ok" / "reject")."""
        self._release_mode = mode
        self._release.set()

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
        self._release = threading.Event()
        self._release_mode = "500"

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    # -- the server side
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode("utf-8", "replace")
        parts = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        kind = _kind_of(parts.path)
        key = unquote(handler.headers.get("X-Idempotency-Key", ""))
        if kind == "sms" and isinstance(body, dict):
            key = str(body.get("uid") or "")
        req = {
            "kind": kind,
            "path": parts.path,
            "query": query,
            "headers": dict(handler.headers.items()),
            "body": body,
            "raw": raw,
            "answer": None,
            "sign_ok": self._sign_ok(kind, query, body),
            "key": key,
        }
        with self._lock:
            self.requests.append(req)
        mode = next((m for text, m in self.modes.items() if text in raw), self.mode)
        if mode == "hang":
            released = self._release.wait(120)
            mode = self._release_mode if released else "500"
        if mode == "500":
            self._reply(handler, 500, {"error": "internal error"}, req)
            return
        if kind is None:
            self._reply(handler, 404, {"error": "not found"}, req)
            return
        if mode == "reject" or req["sign_ok"] is False:
            self._reply(handler, 200, _REJECT[kind], req)
            return
        if kind == "sms":
            if (
                not isinstance(body, dict)
                or body.get("account") != SMS_ACCOUNT
                or body.get("password") != SMS_PASSWORD
            ):
                answer = {"code": "101", "msgId": "", "time": "", "errorMsg": "无此用户"}
            elif str(body.get("phone", "")) in self.rejected_phones:
                answer = _REJECT["sms"]
            else:
                answer = {
                    "code": "0",
                    "msgId": uuid.uuid4().hex[:17],
                    "time": time.strftime("%Y%m%d%H%M%S"),
                    "errorMsg": "",
                }
            self._reply(handler, 200, answer, req)
            return
        self._reply(handler, 200, _OK[kind], req)

    def _sign_ok(self, kind: str | None, query: dict, body) -> bool | None:
        if kind == "dingtalk" and "sign" in query:
            return hmac.compare_digest(query["sign"], dingtalk_sign(self.secret, query.get("timestamp", "")))
        if kind == "dingtalk":
            return False  # the sink's robot has 加签 on: an unsigned call is refused
        if kind == "feishu":
            if not isinstance(body, dict) or "sign" not in body:
                return False
            return hmac.compare_digest(
                str(body["sign"]), feishu_sign(self.secret, str(body.get("timestamp", "")))
            )
        return None

    def _reply(self, handler: BaseHTTPRequestHandler, status: int, answer: dict, req: dict) -> None:
        data = json.dumps(answer, ensure_ascii=False).encode()
        req["status"] = status
        req["answer"] = answer
        if self.on_request is not None:
            self.on_request(req)
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            pass  # the client gave up (timeout) or was killed


def _kind_of(path: str) -> str | None:
    if path.startswith("/cgi-bin/webhook/send"):
        return "wecom"
    if path.startswith("/robot/send"):
        return "dingtalk"
    if path.startswith("/open-apis/bot/v2/hook/"):
        return "feishu"
    if path.startswith("/msg/send/json") or path.startswith("/msg/v1/send/json"):
        return "sms"
    return None


def _answer_ok(req: dict) -> bool:
    answer = req.get("answer")
    if req.get("status") != 200 or not isinstance(answer, dict):
        return False
    return answer.get("errcode", answer.get("code")) in (0, "0")
