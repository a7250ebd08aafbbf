"""Shared reference data: the working-day calendar and the versioned rule sets."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class CalendarYear(models.Model):
    """A year whose official holiday schedule (国务院办公厅放假安排) has been entered. A year without a row
    is provisional: weekends plus the statutory days of the 2025 law, no 调休 (DESIGN.md "Working days")."""

    class Source(models.TextChoices):
        PACKAGE = "package", "chinesecalendar 数据"
        IMPORT = "import", "表格导入"
        MANUAL = "manual", "手工录入"

    year = models.PositiveIntegerField("年份", primary_key=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    document = models.CharField("依据文件", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "日历年度"
        verbose_name_plural = "日历年度"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年"


class CalendarDay(models.Model):
    """A day that differs from the normal week: a day off on a weekday, or a make-up working day (补班)
    on a weekend. Emergency changes (e.g. the 2020 Spring Festival extension) are rows with a reason."""

    class Kind(models.TextChoices):
        OFF = "off", "休息日"
        MAKEUP = "makeup", "补班日"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=40)
    reason = models.CharField("调整原因", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # who changed or cleared a day, and why, survives the row (emergency changes are evidence)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class RuleSet(models.Model):
    """A family of published rules, e.g. `wuhan-2019` (WH19). Its versions hold the numbers."""

    slug = models.SlugField("标识", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    source = models.CharField("依据文件", max_length=200, blank=True)

    class Meta:
        verbose_name = "规则集"
        verbose_name_plural = "规则集"
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def current(self) -> "RuleSetVersion | None":
        return self.versions.order_by("-number").first()


class RuleSetVersion(models.Model):
    """One immutable version of a rule set. Editing makes a new version; results point at the version
    that produced them, so old versions are never changed or deleted."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    data = models.JSONField("规则内容")
    source_file = models.CharField("来源文件", max_length=200, blank=True)
    sha256 = models.CharField("内容指纹", max_length=64)
    note = models.CharField("修改说明", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "规则集版本"
        verbose_name_plural = "规则集版本"
        ordering = ["rule_set", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "number"], name="ruleset_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_set.slug}@{self.number}"


# ---------------------------------------------------------------------------------------------------
# Background work (DESIGN.md "Background work"): what django-tasks does not keep itself. A task result
# lives in django_tasks_db's table; these rows add retries, scheduled fires and worker liveness.


class TaskAttempt(models.Model):
    """One attempt of a task that failed or was a retry. django-tasks has no retries: a failed result
    is re-enqueued as a new result, and this row links the attempts of one job by `root_id`."""

    class Outcome(models.TextChoices):
        PENDING = "", "—"
        RETRYING = "retrying", "已安排重试"
        GIVEN_UP = "given_up", "已放弃"
        RETRIED_BY_HAND = "manual", "已手动重试"

    result_id = models.CharField("任务结果编号", max_length=64, unique=True)
    root_id = models.CharField("首次任务结果编号", max_length=64, db_index=True)
    attempt = models.PositiveSmallIntegerField("第几次", default=1)
    max_attempts = models.PositiveSmallIntegerField("最多尝试次数", default=1)
    task_path = models.CharField("任务", max_length=200)
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices, blank=True, default="")
    error_class = models.CharField("异常类型", max_length=200, blank=True)
    error_summary = models.CharField("错误摘要", max_length=500, blank=True)
    retry_result_id = models.CharField("重试任务结果编号", max_length=64, blank=True)
    retry_at = models.DateTimeField("重试时间", null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="手动重试人",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "任务尝试"
        verbose_name_plural = "任务尝试"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.task_path} 第{self.attempt}/{self.max_attempts}次"


class ScheduledRun(models.Model):
    """A periodic job fired by the scheduler. Unique per (job, fire time), so two schedulers, or one
    restarted, never enqueue the same run twice."""

    job_name = models.CharField("定时任务", max_length=100)
    fire_time = models.DateTimeField("计划触发时间")
    task_path = models.CharField("任务", max_length=200)
    result_id = models.CharField("任务结果编号", max_length=64, blank=True)
    created_at = models.DateTimeField("排队时间", auto_now_add=True)

    class Meta:
        verbose_name = "定时任务触发记录"
        verbose_name_plural = "定时任务触发记录"
        ordering = ["-fire_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["job_name", "fire_time"], name="scheduled_run_once_per_fire_time"
            ),
        ]
        indexes = [models.Index(fields=["job_name", "-fire_time"], name="scheduled_run_job_recent")]

    def __str__(self) -> str:
        return f"{self.job_name} @ {self.fire_time:%Y-%m-%d %H:%M:%S}"


class WorkerHeartbeat(models.Model):
    """The last time a task worker ran the heartbeat task: proof that workers (and the scheduler that
    enqueues the heartbeat) are alive."""

    worker_id = models.CharField("工作进程编号", max_length=64, unique=True)
    hostname = models.CharField("主机", max_length=100, blank=True)
    pid = models.PositiveIntegerField("进程号", null=True, blank=True)
    last_seen = models.DateTimeField("最近心跳")

    class Meta:
        verbose_name = "工作进程心跳"
        verbose_name_plural = "工作进程心跳"
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.worker_id} {self.last_seen:%Y-%m-%d %H:%M:%S}"


# ---------------------------------------------------------------------------------------------------
# The sealed ledger (DESIGN.md "Trust"): closing a period seals its records per jurisdiction.


class Seal(models.Model):
    """The hashes of one period's records of one kind in one jurisdiction (e.g. the accepted weekly
    reports of 东湖区 in 2024-W23), folded into a chain, and linked to the previous seal of the same
    (jurisdiction, kind): `tuijin ledger verify` recomputes both and compares them with the records now.
    Append-only: a period sealed again after a correction gets a new seal that supersedes the old one
    (kept). See docs/ledger.md and tuijin/core/rules/ledger.py."""

    kind = models.CharField("封存类别", max_length=40)
    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", verbose_name="辖区", on_delete=models.PROTECT, related_name="seals"
    )
    period_key = models.CharField("期间", max_length=20)  # "2024-W23" | "2024-06"
    sequence = models.PositiveIntegerField("序号")  # 1, 2, … per (jurisdiction, kind)
    entries = models.JSONField("记录哈希", default=list)  # [[record id, sha256], …] in record-id order
    record_count = models.PositiveIntegerField("记录数")
    chain_hash = models.CharField("链哈希", max_length=64)
    prev_seal_hash = models.CharField("前一封存哈希", max_length=64, blank=True)
    seal_hash = models.CharField("封存哈希", max_length=64, unique=True)
    supersedes = models.ForeignKey(
        "self",
        verbose_name="取代的封存",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    reason = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="封存人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("封存时间")

    class Meta:
        verbose_name = "封存记录"
        verbose_name_plural = "封存记录"
        ordering = ["jurisdiction_id", "kind", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "kind", "sequence"], name="seal_sequence_once_per_chain"
            ),
        ]
        indexes = [models.Index(fields=["kind", "jurisdiction", "period_key"], name="seal_period")]

    def __str__(self) -> str:
        return f"{self.kind} {self.period_key} 第{self.sequence}次封存"
