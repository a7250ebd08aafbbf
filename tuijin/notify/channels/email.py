"""电子邮件: Django's e-mail backend (SMTP in production), a stable Message-ID derived from the key."""

from __future__ import annotations

import hashlib
import smtplib

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage, get_connection

from .base import Channel, PermanentError, RetryableError, absolute, register_channel, timeout


def message_id(key: str) -> str:
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@tuijin.notify>"


def _smtp_text(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{error.smtp_code} {text}"


class EmailChannel(Channel):
    name = "email"
    label = "电子邮件"
    idempotent = False

    def send(self, message) -> dict:
        body = message.body
        link = absolute(message.url)
        if link:
            body = f"{body}\n\n详见：{link}"
        mail = EmailMessage(
            subject=message.subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.address],
            headers={"Message-ID": message_id(message.key), "X-Tuijin-Key": message.key},
        )
        for item in message.attachments or []:
            try:
                with default_storage.open(item["path"], "rb") as fh:
                    mail.attach(item["name"], fh.read())
            except (OSError, KeyError):
                raise PermanentError(f"附件“{item.get('name', '')}”不存在，无法发送") from None
        try:
            connection = get_connection(fail_silently=False, timeout=timeout())
            sent = connection.send_messages([mail])
        except smtplib.SMTPRecipientsRefused as error:
            detail = "; ".join(f"{addr}: {code}" for addr, (code, _msg) in error.recipients.items())
            codes = [code for code, _msg in error.recipients.values()]
            if codes and all(400 <= code < 500 for code in codes):  # 450/451/452: busy, greylisted
                raise RetryableError(
                    f"邮件服务器暂时拒收收件人地址（{detail}），稍后重试", response=str(error.recipients)
                ) from None
            raise PermanentError(
                f"邮件服务器拒收收件人地址（{detail}）", response=str(error.recipients)
            ) from None
        except smtplib.SMTPResponseException as error:
            if 400 <= error.smtp_code < 500:
                raise RetryableError(f"邮件服务器暂时拒收（{_smtp_text(error)}），稍后重试") from None
            raise PermanentError(f"邮件服务器拒收（{_smtp_text(error)}）") from None
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, TimeoutError) as error:
            raise RetryableError(f"邮件服务器连接失败或超时（{error}），稍后重试") from None
        except smtplib.SMTPException as error:
            raise RetryableError(f"邮件发送出错（{error}），稍后重试") from None
        except OSError as error:
            raise RetryableError(
                f"无法连接邮件服务器 {settings.EMAIL_HOST}:{settings.EMAIL_PORT}（{error}），稍后重试"
            ) from None
        if not sent:
            raise RetryableError("邮件未被发送（后端返回 0），稍后重试")
        return {"channel": "email", "message_id": message_id(message.key), "to": message.address}


register_channel(EmailChannel())
