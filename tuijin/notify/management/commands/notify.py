"""`tuijin notify digest | reminders | dispatch | sweep | sink`.

- `digest [--today YYYY-MM-DD] [--jurisdiction CODE]`: queue this week's Monday digests (and the units'
  to-dos when the rule set says so) now, whatever the weekday; idempotent (a digest already queued is not
  queued again).
- `reminders [--today YYYY-MM-DD] [--jurisdiction CODE]`: queue the day's deadline reminders now.

- `dispatch [--limit N]`: send the due messages now (what the every-minute task does).
- `sweep`: messages left 发送中 past their lease → 结果不明 (for review; no channel is idempotent).
- `sink [--smtp-port 1025] [--http-port 8025] [--dir var/sink]`: run the demo sinks (a mail server and the
  robots/SMS gateway on 127.0.0.1) until Ctrl-C, writing each arrival to `<dir>/<n>-<kind>.json`; point
  EMAIL_HOST/EMAIL_PORT, SMS_GATEWAY_URL and the robots' webhook addresses at them (printed at start).
"""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "消息推送：dispatch 立即发送待发消息；sweep 清理中断的发送；sink 运行演示用的接收端"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        for verb, text in (
            ("digest", "立即生成本周的周一推送（及单位待办）"),
            ("reminders", "立即生成今天的到期提醒"),
        ):
            push = sub.add_parser(verb, help=text)
            push.add_argument(
                "--today", type=date.fromisoformat, default=None, help="日期 YYYY-MM-DD，默认今天"
            )
            push.add_argument("--jurisdiction", default=None, help="辖区代码，默认全部已选用规则的辖区")
        dispatch = sub.add_parser("dispatch", help="立即发送到期的待发消息")
        dispatch.add_argument("--limit", type=int, default=None)
        sub.add_parser("sweep", help="把超过租约仍“发送中”的消息标为结果不明（待核实）")
        sink = sub.add_parser("sink", help="运行演示用的邮件、群机器人和短信接收端")
        sink.add_argument("--smtp-port", type=int, default=1025)
        sink.add_argument("--http-port", type=int, default=8025)
        sink.add_argument("--dir", default=str(Path(settings.VAR_DIR) / "sink"))

    def handle(self, *args, **options):
        verb = options["verb"]
        if verb in ("digest", "reminders"):
            self.run_pushes(verb, options)
        elif verb == "dispatch":
            from tuijin.notify import delivery

            result = delivery.dispatch(limit=options["limit"])
            self.stdout.write(
                f"已发送 {result.sent} 条，稍后重试 {result.retried} 条，发送失败 {result.failed} 条"
            )
        elif verb == "sweep":
            from tuijin.notify import delivery

            result = delivery.sweep()
            self.stdout.write(f"重新排队 {result.requeued} 条，结果不明 {result.unknown} 条")
        elif verb == "sink":
            self.run_sink(options)
        else:  # pragma: no cover - argparse refuses others
            raise CommandError(f"未知的子命令：{verb}")

    def run_pushes(self, verb: str, options) -> None:
        from django.utils import timezone

        from tuijin.notify import push_tasks
        from tuijin.org.models import Jurisdiction

        jurisdiction = None
        if options["jurisdiction"]:
            jurisdiction = Jurisdiction.objects.filter(code=options["jurisdiction"]).first()
            if jurisdiction is None:
                raise CommandError(f"没有代码为“{options['jurisdiction']}”的辖区")
        today = options["today"] or timezone.localdate()
        run = push_tasks.digests_run if verb == "digest" else push_tasks.reminders_run
        result = run(today=today, jurisdiction=jurisdiction)
        self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))

    def run_sink(self, options) -> None:
        from tuijin.notify.sink import SINK_SECRET, SMS_ACCOUNT, SMS_PASSWORD, SmtpSink, WebhookSink

        folder = Path(options["dir"])
        folder.mkdir(parents=True, exist_ok=True)
        lock = threading.Lock()
        counter = [len(list(folder.glob("*.json")))]

        def write(kind: str, data: dict) -> None:
            with lock:
                counter[0] += 1
                path = folder / f"{counter[0]:05d}-{kind}.json"
            path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")

        def on_mail(mail) -> None:
            body = mail.get_body(("plain",))
            write(
                "email",
                {
                    "to": mail["To"],
                    "subject": mail["Subject"],
                    "message_id": mail["Message-ID"],
                    "body": body.get_content() if body else "",
                    "attachments": [part.get_filename() for part in mail.iter_attachments()],
                },
            )

        def on_request(req: dict) -> None:
            write(
                req["kind"] or "unknown",
                {k: req.get(k) for k in ("kind", "path", "query", "body", "answer", "key")},
            )

        smtp = SmtpSink(port=options["smtp_port"])
        smtp.on_message = on_mail
        hooks = WebhookSink(port=options["http_port"])
        hooks.on_request = on_request
        self.stdout.write(f"邮件接收端：127.0.0.1:{smtp.port}（EMAIL_HOST=127.0.0.1 EMAIL_PORT={smtp.port}）")
        for kind, label in (("wecom", "企业微信"), ("dingtalk", "钉钉"), ("feishu", "飞书")):
            self.stdout.write(f"{label}机器人：{hooks.url(kind)}")
        self.stdout.write(f"钉钉/飞书加签密钥：{SINK_SECRET}")
        self.stdout.write(
            f"短信网关：SMS_GATEWAY_URL={hooks.url('sms')} SMS_ACCOUNT={SMS_ACCOUNT} SMS_PASSWORD={SMS_PASSWORD}"
        )
        self.stdout.write(f"收到的内容写入 {folder}/ ，按 Ctrl-C 结束")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            smtp.stop()
            hooks.stop()
