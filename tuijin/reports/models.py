"""Reports (填报与报送, issue 5 parts 1–3): a project's weekly report (WH19 附件2) and monthly report, every
version of them, the idempotency tokens of submissions, site photos and site-camera links.

`Report` is the current state of one project's report for one period; `ReportVersion` is the append-only
history (every save, submission, approval, return, acceptance and 代填), so `Report` keeps no
simple-history rows: a unit's week is written with bulk operations. The investment a monthly report
gives is not stored here alone: it writes the project library's `InvestmentEntry` (source "report") for
that month, the one source of truth; `Report.investment_completed` repeats it as the report's content.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from . import rules


def _choices(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return list(mapping.items())


MONEY = {"max_digits": 14, "decimal_places": 2}


class Report(models.Model):
    """One project's report for one period of one kind (weekly: Monday of the week; monthly: the 1st)."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="reports")
    unit = models.ForeignKey(
        "org.Unit", verbose_name="填报单位", on_delete=models.PROTECT, related_name="reports"
    )
    kind = models.CharField("类别", max_length=10, choices=_choices(rules.KINDS))
    period_start = models.DateField("周期起始日")
    due_on = models.DateField("报送截止日")
    status = models.CharField("状态", max_length=10, choices=_choices(rules.STATUSES), default="draft")
    # WH19 附件2 (weekly); the monthly report reuses `progress` (本月工作进展) and `plan_next` (下月工作计划)
    basic_facts = models.TextField("基本情况", blank=True)
    needs = models.TextField("需协调解决的问题和需求", blank=True)
    progress = models.TextField("最新工作进展", blank=True)
    plan_next = models.TextField("未来两周工作计划", blank=True)
    responsible_person = models.CharField("责任人", max_length=40, blank=True)
    unit_head_name = models.CharField("单位主要负责人", max_length=40, blank=True)
    # monthly (WH19 三(二)三)
    new_starts = models.TextField("下月新开工项目（按周）", blank=True)
    problem_status = models.TextField("问题限时解决情况", blank=True)
    difficulties = models.TextField("困难和问题", blank=True)
    investment_completed = models.DecimalField("本月完成投资（万元）", null=True, blank=True, **MONEY)
    # 本周新开工 (WH19 三(二)四); `progress` is its 形象进度（建设内容）. Whether and when the project started is
    # its 开工 StageTransition (shown, never copied here).
    not_started_reason = models.TextField("未开工原因", blank=True)
    expected_start = models.DateField("预计开工时间", null=True, blank=True)
    ceremony_held = models.BooleanField("是否举行开工仪式", null=True, blank=True)
    ceremony_on = models.DateField("开工仪式日期", null=True, blank=True)
    # workflow
    version = models.PositiveIntegerField("版本", default=0, help_text="提交次数")
    events = models.PositiveIntegerField("变更次数", default=0, help_text="最后一条版本记录的序号")
    is_proxy = models.BooleanField("代填", default=False)
    proxy_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代填人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="最后保存人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    saved_at = models.DateTimeField("最后保存时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    first_submitted_at = models.DateTimeField("首次提交时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="单位审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField("单位审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="项目办审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("项目办审核时间", null=True, blank=True)
    return_reason = models.CharField("退回原因", max_length=500, blank=True)

    class Meta:
        verbose_name = "项目报告"
        verbose_name_plural = "项目报告"
        ordering = ["-period_start", "project_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind", "period_start"], name="report_once_a_period"),
            models.CheckConstraint(
                condition=Q(investment_completed__isnull=True) | Q(investment_completed__gte=0),
                name="report_investment_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["unit", "kind", "period_start"], name="report_unit_period")]

    def __str__(self) -> str:
        return f"{self.project} {rules.period_label(self.kind, self.period_start)}"

    @property
    def is_late(self) -> bool:
        """First submitted after the due day (Asia/Shanghai date). A 代填 report is never "late": it is
        its own state (the unit did not report, `rules.report_state`), shown as 代填."""
        first = self.first_submitted_at
        if self.is_proxy or first is None:
            return False
        return rules.is_late(self.due_on, timezone.localtime(first).date())


class ReportVersion(models.Model):
    """One event in a report's life, with the content as it stood after it (append-only)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    seq = models.PositiveIntegerField("序号")
    version = models.PositiveIntegerField("版本")
    event = models.CharField("事件", max_length=10, choices=_choices(rules.EVENTS))
    status = models.CharField("事件后状态", max_length=10, choices=_choices(rules.STATUSES))
    content = models.JSONField("内容", default=dict)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间")
    reason = models.CharField("原因或说明", max_length=500, blank=True)
    is_proxy = models.BooleanField("代填", default=False)

    class Meta:
        verbose_name = "报告版本"
        verbose_name_plural = "报告版本"
        ordering = ["report", "seq"]
        constraints = [models.UniqueConstraint(fields=["report", "seq"], name="report_version_seq_unique")]

    def __str__(self) -> str:
        return f"{self.report} #{self.seq} {self.get_event_display()}"


class SubmissionToken(models.Model):
    """A page render's one-time token: the first POST carrying it does the work and stores its result; a
    retried or double-clicked POST with the same token returns that result and writes nothing (the unique
    token makes two simultaneous POSTs follow each other)."""

    token = models.CharField("令牌", max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action = models.CharField("操作", max_length=20)
    result = models.JSONField("结果", default=dict)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "提交令牌"
        verbose_name_plural = "提交令牌"

    def __str__(self) -> str:
        return f"{self.action} {self.token}"


def _photo_path(instance: "SitePhoto", filename: str) -> str:
    return f"photos/{instance.project_id}/{filename}"


class SitePhoto(models.Model):
    """A site photo (现场照片) on a report or a chain node, always of one project."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="site_photos")
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    node = models.ForeignKey(
        "chains.ChainNode", null=True, blank=True, on_delete=models.SET_NULL, related_name="site_photos"
    )
    taken_on = models.DateField("拍摄日期")
    caption = models.CharField("说明", max_length=200, blank=True)
    file = models.FileField("照片", upload_to=_photo_path, max_length=255)
    thumbnail = models.FileField("缩略图", upload_to=_photo_path, max_length=255, blank=True)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    original_name = models.CharField("原文件名", max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "现场照片"
        verbose_name_plural = "现场照片"
        ordering = ["-taken_on", "-id"]

    def __str__(self) -> str:
        return self.caption or self.original_name


class CameraLink(models.Model):
    """A link to a site camera's live view (现场监控), shown on the project page."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="camera_links")
    name = models.CharField("名称", max_length=60)
    url = models.URLField("地址", max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("添加时间", auto_now_add=True)

    class Meta:
        verbose_name = "现场监控"
        verbose_name_plural = "现场监控"
        ordering = ["project", "id"]

    def __str__(self) -> str:
        return self.name
