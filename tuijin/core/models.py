"""Shared reference data: the working-day calendar and the versioned rule sets."""

from django.conf import settings
from django.db import models


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
