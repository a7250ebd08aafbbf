"""Messages that reach people (REQ J2, C6; NC20 四(二)): every push, reminder and distributed notice is a
stored `Message` with its recipient, channel, idempotency key, status, the channel's receipt and every
`Attempt`, so a reminder's delivery is evidence. Group robots (企业微信 / 钉钉 / 飞书) are `Endpoint`s of a
jurisdiction; each person chooses channels and quiet hours (`Preference`); the supervision office records
how it followed a push up (`FollowUp`).

The `Message` table is the delivery queue itself: workers claim due rows (status 待发送, not_before and
next_attempt_at passed) one at a time with a conditional UPDATE, write an `Attempt` row and commit BEFORE
talking to the channel, then record the outcome. A worker killed mid-send leaves the message 发送中 with an
open attempt; after the lease the sweeper turns it into 结果不明 for review (it would turn it back into 待发送
only for a channel that drops a repeated idempotency key, and none of ours is known to: `channels`). A
late confirmation still records 已发送; a message confirmed by its channel is never sent again.
"""

from django.conf import settings
from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email", "电子邮件"
    SMS = "sms", "短信"
    WECOM = "wecom", "企业微信群机器人"
    DINGTALK = "dingtalk", "钉钉群机器人"
    FEISHU = "feishu", "飞书群机器人"


ROBOT_CHANNELS = (Channel.WECOM, Channel.DINGTALK, Channel.FEISHU)


class Endpoint(models.Model):
    """A group robot of a jurisdiction's work group (调度群): its webhook address and signing secret."""

    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", verbose_name="所属辖区", on_delete=models.PROTECT, related_name="notify_endpoints"
    )
    kind = models.CharField(
        "类型",
        max_length=10,
        choices=[(c.value, c.label) for c in ROBOT_CHANNELS],
    )
    name = models.CharField("名称", max_length=60, help_text="如：东湖区重点项目调度群")
    url = models.URLField("Webhook 地址", max_length=500)
    secret = models.CharField(
        "加签密钥", max_length=200, blank=True, help_text="钉钉“加签”或飞书“签名校验”的密钥"
    )
    is_active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "群机器人"
        verbose_name_plural = "群机器人"
        ordering = ["jurisdiction_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="notify_endpoint_name_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.name}"


class Preference(models.Model):
    """A person's choice of channels and quiet hours (免打扰时段). Without a row: e-mail when the person
    has an address, SMS when a mobile number, and the jurisdiction's [notify] quiet hours."""

    person = models.OneToOneField(
        "org.Person", verbose_name="人员", on_delete=models.CASCADE, related_name="notify_preference"
    )
    # "email", "sms", or "robot:<endpoint id>"
    channels = models.JSONField("接收渠道", default=list, blank=True)
    quiet_start = models.TimeField("免打扰开始", null=True, blank=True)
    quiet_end = models.TimeField("免打扰结束", null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "推送设置"
        verbose_name_plural = "推送设置"

    def __str__(self) -> str:
        return f"{self.person_id} {','.join(self.channels)}"


class MessageKind(models.TextChoices):
    DIGEST = "digest", "周一推送"
    TODO = "todo", "单位待办"
    REMINDER = "reminder", "到期提醒"
    BULLETIN = "bulletin", "文书分发"
    TEST = "test", "测试消息"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"
    UNKNOWN = "unknown", "结果不明"
    CANCELLED = "cancelled", "已取消"


class Message(models.Model):
    key = models.CharField("幂等键", max_length=200, unique=True)
    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", verbose_name="所属辖区", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("类别", max_length=10, choices=MessageKind.choices)
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    endpoint = models.ForeignKey(
        Endpoint,
        verbose_name="群机器人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    person = models.ForeignKey(
        "org.Person", verbose_name="接收人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name="接收单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField("地址", max_length=254, help_text="邮箱、手机号或群机器人名称")
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("正文")
    url = models.CharField("链接", max_length=300, blank=True)
    ref = models.CharField(
        "关联", max_length=60, blank=True, db_index=True, help_text="如 bulletin:3、node:17"
    )
    batch = models.CharField(
        "批次", max_length=60, blank=True, db_index=True, help_text="如 digest:2024-06-03"
    )
    attachments = models.JSONField("附件", default=list, blank=True)  # [{"name": …, "path": storage path}]
    status = models.CharField(
        "状态", max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveIntegerField("已尝试次数", default=0)
    not_before = models.DateTimeField("最早发送", null=True, blank=True, help_text="免打扰时段顺延到此时")
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField("送达时间", null=True, blank=True)
    receipt = models.JSONField("回执", default=dict, blank=True)
    last_error = models.TextField("最近错误", blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.CharField("核实结论", max_length=200, blank=True)

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notify_message_due"),
            models.Index(fields=["jurisdiction", "kind", "created_at"], name="notify_message_kind"),
            models.Index(fields=["person", "created_at"], name="notify_message_person"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address}：{self.subject}"


class AttemptOutcome(models.TextChoices):
    OPEN = "open", "进行中"
    SENT = "sent", "已发送"
    RETRY = "retry", "失败，将重试"
    FAILED = "failed", "失败，不再重试"
    UNKNOWN = "unknown", "中断，结果不明"
    REQUEUED = "requeued", "中断，已重新排队"


class Attempt(models.Model):
    """One try at handing a message to its channel; written (open) before the network call."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attempt_rows")
    number = models.PositiveIntegerField("次序")
    worker = models.CharField("工作进程", max_length=120, blank=True)
    started_at = models.DateTimeField("开始")
    finished_at = models.DateTimeField("结束", null=True, blank=True)
    outcome = models.CharField(
        "结果", max_length=10, choices=AttemptOutcome.choices, default=AttemptOutcome.OPEN
    )
    response = models.TextField("渠道应答", blank=True)

    class Meta:
        verbose_name = "发送尝试"
        verbose_name_plural = "发送尝试"
        ordering = ["message_id", "number"]
        constraints = [models.UniqueConstraint(fields=["message", "number"], name="notify_attempt_once")]

    def __str__(self) -> str:
        return f"{self.message_id} #{self.number} {self.get_outcome_display()}"


class FollowUpResult(models.TextChoices):
    READ = "read", "已阅知"
    ACTING = "acting", "正在落实"
    DONE = "done", "已落实"
    NO_REPLY = "no_reply", "未回应"


class FollowUp(models.Model):
    """How the supervision office followed a push up (NC20 四(二) 督查问责办据此跟踪问效)."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="follow_ups")
    result = models.CharField("跟进结果", max_length=10, choices=FollowUpResult.choices)
    note = models.TextField("跟进情况")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("跟进时间", auto_now_add=True)

    class Meta:
        verbose_name = "推送跟进"
        verbose_name_plural = "推送跟进"
        ordering = ["message_id", "at"]

    def __str__(self) -> str:
        return f"{self.message_id} {self.get_result_display()}"
