"""Stored lights (REQ D): each chain node's and each project's computed light with its reason, a person's
override beside it, and the history as changes (a row when a light changes, not a copy per day), so
trends can be drawn. Written only by `lights.services`; everything else reads these rows.
"""

from django.conf import settings
from django.db import models

from . import rules

COLORS = list(rules.LIGHTS.items())


class StoredLight(models.Model):
    """What both stored lights share. `shown` is the light people see: the override when there is one,
    else the computed `color` (kept in one row so boards count with an index)."""

    color = models.CharField("计算亮灯", max_length=8, choices=COLORS)
    reason = models.CharField("亮灯原因", max_length=300)
    days = models.IntegerField("超期工作日", default=0)
    provisional = models.BooleanField("含暂定日历", default=False)
    due_soon = models.BooleanField("临期", default=False)
    computed_on = models.DateField("计算日期")
    rule_version = models.ForeignKey(
        "core.RuleSetVersion",
        verbose_name="规则集版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    override_color = models.CharField("人工调整为", max_length=8, choices=COLORS, blank=True)
    override_reason = models.CharField("调整理由", max_length=300, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    override_at = models.DateTimeField("调整时间", null=True, blank=True)
    shown = models.CharField("显示亮灯", max_length=8, choices=COLORS)

    class Meta:
        abstract = True

    @property
    def overridden(self) -> bool:
        return bool(self.override_color)


class NodeLight(StoredLight):
    node = models.OneToOneField(
        "chains.ChainNode", primary_key=True, on_delete=models.CASCADE, related_name="light"
    )
    # repeats node.project for board filters; no database constraint (the node's own keeps it right),
    # which saves the check on every row a full recompute writes
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="node_lights", db_constraint=False
    )

    class Meta:
        verbose_name = "节点亮灯"
        verbose_name_plural = "节点亮灯"
        indexes = [models.Index(fields=["project", "shown"]), models.Index(fields=["shown", "due_soon"])]

    def __str__(self) -> str:
        return f"{self.node}：{self.get_shown_display()}"


class ProjectLight(StoredLight):
    project = models.OneToOneField(
        "projects.Project", primary_key=True, on_delete=models.CASCADE, related_name="light"
    )
    node = models.ForeignKey(
        "chains.ChainNode",
        verbose_name="主要滞后节点",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    red_nodes = models.PositiveIntegerField("红灯节点", default=0)
    yellow_nodes = models.PositiveIntegerField("黄灯节点", default=0)
    should_start = models.BooleanField("应开未开", default=False)
    should_finish = models.BooleanField("应竣未竣", default=False)
    # issue 5 part 4: the dimensions beside the nodes and the planned dates
    investment_behind = models.BooleanField("投资滞后", default=False)
    reports_missing = models.PositiveSmallIntegerField("周报连续缺报期数", default=0)
    report_late = models.BooleanField("最近一期周报迟报", default=False)

    class Meta:
        verbose_name = "项目亮灯"
        verbose_name_plural = "项目亮灯"
        indexes = [models.Index(fields=["shown"])]

    def __str__(self) -> str:
        return f"{self.project}：{self.get_shown_display()}"


class LightChange(models.Model):
    """One change of a shown light: the project's (node empty) or a node's, on which day, from what to
    what and why; `by` is the person for an override, empty for a computation."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="light_changes")
    node = models.ForeignKey(
        "chains.ChainNode", null=True, blank=True, on_delete=models.CASCADE, related_name="light_changes"
    )
    on = models.DateField("日期")
    at = models.DateTimeField("记录时间", auto_now_add=True)
    old = models.CharField("原亮灯", max_length=8, choices=COLORS, blank=True)
    new = models.CharField("新亮灯", max_length=8, choices=COLORS)
    reason = models.CharField("原因", max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "亮灯变化"
        verbose_name_plural = "亮灯变化"
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["project", "on"]), models.Index(fields=["on"])]

    def __str__(self) -> str:
        return f"{self.on} {self.project_id}: {self.old} → {self.new}"
