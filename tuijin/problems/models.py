"""Problems (问题) and the four slips (四单): the closed loop 梳理—交办—跟踪—销号 (DH24 五(三); WH19 三(二)二,
REQ F/G). A unit files a problem against a project; the office sorts it, assigns it to a unit with a
deadline in working days (a 交办单 is issued), the unit acknowledges (签收), reports progress, asks for a
transfer or an escalation; the office reminds (提醒单), supervises (督办单), transfers (转办单), escalates
along the rule set's ladder, and closes it (销号) after reviewing the unit's reply and evidence.

Every step is a `ProblemEvent` (the timeline). Slips are numbered per (jurisdiction, year, kind) through
`Counter` rows locked inside the issuing transaction: no two slips share a number and a failed transaction
leaves no gap. A slip's problem is optional, so later capabilities (meeting matters, supervision acts)
issue slips with only a subject.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from . import rules


def _choices(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return list(mapping.items())


class Counter(models.Model):
    """The last number given in a series: (jurisdiction, year, series) where series is a slip kind or
    "problem". Locked with SELECT … FOR UPDATE by the service that takes the next number."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    series = models.CharField(max_length=20)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "编号序列"
        verbose_name_plural = "编号序列"
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year", "series"], name="problems_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction_id} {self.year} {self.series}: {self.last}"


class Problem(models.Model):
    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", verbose_name="所属辖区", on_delete=models.PROTECT, related_name="problems"
    )
    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", on_delete=models.PROTECT, related_name="problems"
    )
    year = models.PositiveIntegerField("年度")
    number = models.PositiveIntegerField("编号")
    kind = models.CharField("问题类别", max_length=12, choices=_choices(rules.KINDS))
    grade = models.CharField("问题级别", max_length=10, choices=_choices(rules.GRADES), default="general")
    title = models.CharField("问题概述", max_length=120)
    description = models.TextField("问题描述")
    needs = models.TextField("需协调解决的事项", blank=True)
    status = models.CharField("状态", max_length=12, choices=_choices(rules.STATUSES), default="filed")
    filed_unit = models.ForeignKey(
        "org.Unit", verbose_name="上报单位", on_delete=models.PROTECT, related_name="problems_filed"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上报人", on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField("上报时间")
    filed_by_office = models.BooleanField(
        "项目办代报", default=False, help_text="项目办代上报单位上报（上报人是项目办的人）"
    )
    sorted_note = models.CharField("梳理意见", max_length=300, blank=True)
    assigned_unit = models.ForeignKey(
        "org.Unit",
        verbose_name="承办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems_assigned",
    )
    assigned_at = models.DateTimeField("交办时间", null=True, blank=True)
    deadline_workdays = models.PositiveIntegerField("办理时限（工作日）", null=True, blank=True)
    due_date = models.DateField("办结期限", null=True, blank=True)
    requirement = models.TextField("办理要求", blank=True)
    level = models.CharField(
        "协调层级", max_length=40, blank=True, help_text="规则集 [escalation].levels 的 key"
    )
    escalated_at = models.DateTimeField("上报时间", null=True, blank=True)
    pending_request = models.CharField(
        "待处理申请", max_length=12, choices=_choices(rules.REQUESTS), blank=True, default=""
    )
    request_note = models.CharField("申请理由", max_length=300, blank=True)
    request_unit = models.ForeignKey(
        "org.Unit",
        verbose_name="建议转办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    request_level = models.CharField("申请上报层级", max_length=40, blank=True)
    resolution = models.TextField("办理结果", blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("复核时间", null=True, blank=True)
    review_note = models.CharField("复核意见", max_length=300, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "问题"
        verbose_name_plural = "问题"
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year", "number"], name="problem_number_unique"),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False), name="problem_closed_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "status"]),
            models.Index(fields=["assigned_unit", "status"]),
            models.Index(fields=["project", "status"]),
            models.Index(fields=["level", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def code(self) -> str:
        return rules.problem_number(self.year, self.number)


class Slip(models.Model):
    """A numbered slip (交办单/转办单/提醒单/督办单). `problem` is set for problem slips; meeting matters and
    supervision acts (later issues) give `subject` and `source` (e.g. "meeting_matter:12") instead."""

    kind = models.CharField("类别", max_length=10, choices=_choices(rules.SLIP_KINDS))
    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", verbose_name="所属辖区", on_delete=models.PROTECT, related_name="slips"
    )
    year = models.PositiveIntegerField("年度")
    number = models.PositiveIntegerField("序号")
    problem = models.ForeignKey(
        Problem, verbose_name="问题", null=True, blank=True, on_delete=models.PROTECT, related_name="slips"
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name="项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="slips",
    )
    source = models.CharField("来源", max_length=60, blank=True, help_text="非问题来源，如 meeting_matter:12")
    subject = models.CharField("事项", max_length=200)
    to_unit = models.ForeignKey(
        "org.Unit", verbose_name="受文单位", on_delete=models.PROTECT, related_name="slips"
    )
    content = models.TextField("内容")
    requirement = models.TextField("办理要求", blank=True)
    deadline = models.DateField("办理期限", null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="签发人", on_delete=models.PROTECT, related_name="+"
    )
    issued_unit = models.ForeignKey(
        "org.Unit", verbose_name="签发单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField("签发时间")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签收人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    voided_at = models.DateTimeField(
        "失效时间", null=True, blank=True, help_text="问题转办后，原承办单位未签收的四单失效，无需再签收"
    )
    void_reason = models.CharField("失效说明", max_length=100, blank=True)

    class Meta:
        verbose_name = "四单"
        verbose_name_plural = "四单"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year", "kind", "number"], name="slip_number_unique"
            )
        ]
        indexes = [
            models.Index(fields=["to_unit", "acknowledged_at"]),
            models.Index(fields=["kind", "to_unit", "issued_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}{self.number_text}"

    @property
    def number_text(self) -> str:
        return rules.slip_number(self.year, self.number)

    @property
    def title(self) -> str:
        return rules.SLIP_TITLES[self.kind]

    @property
    def pending(self) -> bool:
        """Waiting to be signed for: neither acknowledged nor superseded (转办)."""
        return self.acknowledged_at is None and self.voided_at is None


class ProblemEvent(models.Model):
    """One step of a problem's timeline. `token` is the submitting form's one-time key: a retried or
    double-clicked submission carries the same token and is recognised (unique per problem)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("环节", max_length=24, choices=_choices(rules.EVENTS))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name="经办单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间")
    note = models.TextField("说明", blank=True)
    from_unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_level = models.CharField(max_length=40, blank=True)
    to_level = models.CharField(max_length=40, blank=True)
    slip = models.ForeignKey(Slip, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    token = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "问题办理记录"
        verbose_name_plural = "问题办理记录"
        ordering = ["problem", "at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["problem", "token"], condition=~Q(token=""), name="problem_event_token_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.get_kind_display()}"


def _attachment_path(instance: "ProblemAttachment", filename: str) -> str:
    return f"problems/{instance.problem_id}/{filename}"


class ProblemAttachment(models.Model):
    """Evidence (佐证材料) on a step, above all on the unit's reply."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        ProblemEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField("文件", upload_to=_attachment_path, max_length=255)
    name = models.CharField("文件名", max_length=120)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "问题佐证材料"
        verbose_name_plural = "问题佐证材料"
        ordering = ["problem", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name
