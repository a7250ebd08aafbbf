"""Editable Word templates (文书模板): an office uploads its own .docx for a document key (a slip kind,
an export) and may revert to the default shipped with the code (`tuijin.documents.registry`)."""

from django.conf import settings
from django.db import models


def _template_path(instance: "DocumentTemplate", filename: str) -> str:
    return f"document_templates/{instance.jurisdiction_id}/{instance.key}.docx"


class DocumentTemplate(models.Model):
    jurisdiction = models.ForeignKey(
        "org.Jurisdiction",
        verbose_name="所属辖区",
        on_delete=models.PROTECT,
        related_name="document_templates",
    )
    key = models.CharField("文书", max_length=40)
    file = models.FileField("模板文件", upload_to=_template_path, max_length=255)
    name = models.CharField("原文件名", max_length=120, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now=True)

    class Meta:
        verbose_name = "文书模板"
        verbose_name_plural = "文书模板"
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "key"], name="document_template_once")]

    def __str__(self) -> str:
        return f"{self.jurisdiction_id} {self.key}"


class BulletinKind(models.TextChoices):
    WEEKLY = "weekly_briefing", "每周一简报"
    MONTHLY = "monthly_notice", "月通报"
    QUARTERLY = "quarterly_report", "季度工作汇报"


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待签发"
    SIGNED = "signed", "已签发"
    PUBLISHED = "published", "已发布"


def _bulletin_path(instance: "Bulletin", filename: str) -> str:
    return f"bulletins/{instance.jurisdiction_id}/{instance.kind}/{instance.period}/{filename}"


class Bulletin(models.Model):
    """A briefing, monthly notice or quarterly report (REQ J1; NC20 三(四)4, ETDZ19 三(六)).

    The office drafts it (facts gathered into `content`, Word rendered from the office's template), may
    refresh the draft, submits it; a leader of the jurisdiction signs it off (签发) or returns it; the office
    publishes it: it is numbered, its Word file rendered once more with the number and frozen (`docx_sha256`),
    the PDF converted from that same file, and it is distributed through the channels. A published monthly
    notice marked `public` shows on the public page, from `content` as published, never from live data."""

    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", verbose_name="所属辖区", on_delete=models.PROTECT, related_name="bulletins"
    )
    kind = models.CharField("文书类别", max_length=20, choices=BulletinKind.choices)
    period = models.CharField("期次", max_length=10, help_text="周 2024-W23、月 2024-06、季度 2024Q2")
    title = models.CharField("标题", max_length=120)
    status = models.CharField(
        "状态", max_length=10, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT, db_index=True
    )
    content = models.JSONField("内容", default=dict, blank=True)
    docx = models.FileField("Word 文件", upload_to=_bulletin_path, max_length=255, blank=True)
    docx_sha256 = models.CharField("Word 文件摘要", max_length=64, blank=True)
    pdf = models.FileField("PDF 文件", upload_to=_bulletin_path, max_length=255, blank=True)
    pdf_error = models.TextField("PDF 转换错误", blank=True)
    signed_template = models.FileField(
        "签发所用 Word 模板",
        upload_to=_bulletin_path,
        max_length=255,
        blank=True,
        help_text="起草或刷新时所用模板的原文件；签发后发布仍用它，只换上文号和成文日期",
    )
    year = models.PositiveIntegerField("年度")
    seq = models.PositiveIntegerField("序号", null=True, blank=True)
    number = models.CharField("文号", max_length=60, blank=True)
    public = models.BooleanField("向社会公布", default=False)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField("起草时间", auto_now_add=True)
    refreshed_at = models.DateTimeField("数据截至", null=True, blank=True)
    submitted_at = models.DateTimeField("报送签发时间", null=True, blank=True)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField("签发时间", null=True, blank=True)
    sign_note = models.CharField("签发意见", max_length=300, blank=True)
    returned_reason = models.CharField("退回理由", max_length=300, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    distributed_at = models.DateTimeField("分发时间", null=True, blank=True)

    class Meta:
        verbose_name = "简报通报"
        verbose_name_plural = "简报通报"
        ordering = ["-year", "-period", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "kind", "period"], name="bulletin_once_per_period"
            ),
            models.UniqueConstraint(
                fields=["jurisdiction", "kind", "year", "seq"], name="bulletin_number_once"
            ),
        ]

    def __str__(self) -> str:
        return self.number or self.title


class BulletinEvent(models.Model):
    """The bulletin's timeline: drafted, refreshed, submitted, returned, signed, published, PDF, distributed."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("动作", max_length=20)
    note = models.CharField("说明", max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "简报通报记录"
        verbose_name_plural = "简报通报记录"
        ordering = ["bulletin_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.bulletin_id} {self.action}"
