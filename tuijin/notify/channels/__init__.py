"""Channels that hand a `Message` to the outside world, one small interface each (H1):

    channel = get_channel(message.channel)
    receipt = channel.send(message)   # dict kept as Message.receipt; raises RetryableError / PermanentError

`RetryableError` (the channel may take it later: 5xx, timeout, refused connection, rate limited, gateway
busy) makes delivery try again after a back-off, up to NOTIFY_MAX_ATTEMPTS tries, then 发送失败.
`PermanentError` (a rejected mobile number, a wrong webhook address or key, a bad signature, a refused
mailbox) is 发送失败 at once. Both carry a Chinese message shown on the record page. Every call has the
timeout NOTIFY_SEND_TIMEOUT_SECONDS.

Wire formats
------------
- 电子邮件 (`email`): Django's e-mail backend (SMTP; EMAIL_HOST/PORT/USER/PASSWORD/USE_TLS/USE_SSL), From
  DEFAULT_FROM_EMAIL, the body plus the absolute link (SITE_URL + url), attachments read from the default
  storage, header `Message-ID: <sha256(key)[:32]@tuijin.notify>` and `X-Tuijin-Key: <key>`. SMTP 4xx or a
  broken connection = retry; 5xx = failed; a refused recipient is retried when every refusal is a 4xx
  (450/451/452: mailbox busy, greylisting), else failed.
- 企业微信群机器人 (`wecom`): POST JSON to the robot's webhook (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?
  key=…). To a person: `{"msgtype":"text","text":{"content":…,"mentioned_mobile_list":[mobile]}}`
  (content ≤ 2048 bytes); to the group: `{"msgtype":"markdown","markdown":{"content":…}}` (≤ 4096 bytes).
  Answer `{"errcode":0,"errmsg":"ok"}`; errcode -1 (系统繁忙) and 45009 (调用超过频率限制) = retry, other
  errcodes (93000 地址无效 …) = failed.
- 钉钉群机器人 (`dingtalk`): POST JSON to the webhook (https://oapi.dingtalk.com/robot/send?access_token=…) with
  `&timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")))>` when
  the robot has a secret (加签). Body `{"msgtype":"markdown","markdown":{"title":…,"text":…},
  "at":{"atMobiles":[mobile],"isAtAll":false}}` (the text also carries "@mobile" so the mention shows).
  Answer errcode 0; -1 and 130101 (发送太快) = retry; others (310000 签名/关键词/IP 不符, 300001 token
  无效 …) = failed.
- 飞书群机器人 (`feishu`): POST JSON to the webhook (https://open.feishu.cn/open-apis/bot/v2/hook/…):
  `{"timestamp":"<s>","sign":base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")),"msg_type":"text",
  "content":{"text":…}}` (timestamp and sign only when the robot has a secret). Answer `{"code":0}` (older
  deployments `{"StatusCode":0}`); 11232 (频率限制) = retry; 19021 (签名校验失败), 19024 (关键词校验失败),
  19001 (参数无效), 9499 (请求格式错误) … = failed.
- 短信 (`sms`): the 创蓝253 (Chuanglan) JSON API — POST SMS_GATEWAY_URL (e.g.
  https://smssh1.253.com/msg/send/json), body `{"account":SMS_ACCOUNT,"password":SMS_PASSWORD,
  "msg":"【签名】正文 详见 链接","phone":mobile,"report":"true","uid":<uid>}`; answer `{"code":"0","msgId":…,
  "time":…,"errorMsg":""}`. uid = first 32 hex digits of sha256(message key) (253 limits uid to 64
  characters), so the same message always carries the same uid. Codes 103 (提交过快), 104 (系统忙) and 110
  (不在发送时间内) = retry; 107 (错误的手机号码) and 108 = failed (a rejected number, never retried); the
  other codes (101 无此用户, 102 密码错, 109 无发送额度, 116 签名不合法 …) = failed with the Chinese reason.

Idempotency (what `delivery.sweep` does with a send interrupted mid-way)
-----------------------------------------------------------------------
A send that never came back (worker killed, lease over) may or may not have reached the far end. Only a
channel whose far end provably drops a repeat of the same key could be tried again blindly, and none of
ours does, so every channel has `idempotent = False` and an interrupted send becomes 结果不明 for a person
to check (resend, mark delivered, or cancel on the record page). Messages not yet claimed stay 待发送 and
are sent as usual.
- 短信 (253): the `uid` is passed on, not relied upon — 253 documents it as a label for the usage scene
  (“判断短信使用的场景类型，可重复使用”), echoed in status reports; a repeated uid is accepted and sent again.
- 企业微信、钉钉、飞书群机器人: their custom-robot webhooks take no idempotency key (Feishu's `uuid`
  de-duplication exists only for its app message API, not for group robot webhooks). The channels send
  `X-Idempotency-Key: <percent-encoded key>` — passed on, not relied upon (a proxy in front could use it).
- 电子邮件: the stable Message-ID lets some mail clients hide a duplicate — passed on, not relied upon.
A send confirmed after its lease ran out (the row already 结果不明, or 待发送 again but not re-claimed) is
still recorded 已发送 with its receipt (`delivery._finish`), so a confirmed message is never sent twice by
the queue itself.
"""

from .base import Channel, PermanentError, RetryableError, channels, get_channel, register_channel

__all__ = ["Channel", "PermanentError", "RetryableError", "channels", "get_channel", "register_channel"]
