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
