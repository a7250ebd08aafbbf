"""Promotion chains (推进链条, REQ C): node templates per project kind, each project's chain of dated nodes
with its baseline, re-plans, confirmations and evidence, and the image-progress milestones (形象进度).

One source of truth (DESIGN.md): a construction node that shows a stage transition (开工, 竣工, 投产) has no
actual date of its own; it reads the project's `StageTransition`s (`projects.rules.actual_dates`). A node's
light is the lights module's stored result, not a field here.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from . import rules


def _choices(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return list(mapping.items())


class ChainTemplate(models.Model):
    """A node template for a kind of project (WH19 附件1 开工推进计划表, DH24 前期手续, construction nodes).
    A template with no jurisdiction is a preset every jurisdiction may apply; an office's own templates
    belong to its jurisdiction."""

    jurisdiction = models.ForeignKey(
        "org.Jurisdiction",
        verbose_name="所属辖区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chain_templates",
    )
    name = models.CharField("模板名称", max_length=60)
    description = models.CharField("适用说明", max_length=200, blank=True)
    categories = models.JSONField("适用项目类别", default=list, blank=True)  # projects.rules.CATEGORIES keys
    source = models.CharField("依据", max_length=80, blank=True)
    is_active = models.BooleanField("在用", default=True)
    sort = models.PositiveIntegerField("排序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "推进链条模板"
        verbose_name_plural = "推进链条模板"
        ordering = ["sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="chain_template_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateNode(models.Model):
    """One node of a template. Nodes with the same `step` form a parallel group; a node follows every node
    of the previous step unless `after` names its predecessors (keys of the same template)."""

    template = models.ForeignKey(ChainTemplate, on_delete=models.CASCADE, related_name="nodes")
    key = models.SlugField("代码", max_length=40)
    name = models.CharField("节点名称", max_length=40)
    phase = models.CharField("类别", max_length=12, choices=_choices(rules.PHASES))
    step = models.PositiveIntegerField("步骤", help_text="同一步骤的节点并行办理")
    after = models.JSONField("前置节点", default=list, blank=True)
    duration = models.PositiveIntegerField("默认工期（工作日）", default=0)
    stage = models.CharField(
        "对应项目阶段",
        max_length=15,
        choices=_choices(rules.STAGE_NODES),
        blank=True,
        help_text="开工、竣工、投产节点的实际日期取项目阶段变更",
    )
    anchor = models.CharField(
        "倒排锚点",
        max_length=12,
        choices=_choices(rules.ANCHORS),
        blank=True,
        help_text="以项目的计划日期为时限",
    )
    department = models.CharField("默认办理部门", max_length=80, blank=True, help_text="与单位名称或简称一致")
    starts_clock = models.BooleanField("审批计时起点（土地摘牌）", default=False)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "模板节点"
        verbose_name_plural = "模板节点"
        ordering = ["template", "step", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "key"], name="template_node_key_unique")]

    def __str__(self) -> str:
        return self.name


class Chain(models.Model):
    """A project's promotion chain (推进计划表 and 前期手续办理情况一览表, REQ C1). One per project."""

    project = models.OneToOneField("projects.Project", on_delete=models.CASCADE, related_name="chain")
    template = models.ForeignKey(
        ChainTemplate, verbose_name="模板", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target = models.DateField("倒排目标日期", null=True, blank=True)
    clock_class = models.CharField(
        "审批时限类别", max_length=12, choices=_choices(rules.CLOCK_CLASSES), default="general"
    )
    # C3: the plan is signed by the approval department head and confirmed by the project office
    signed_by = models.CharField("审批部门负责人签字", max_length=80, blank=True)
    signed_on = models.DateField("签字日期", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="项目办确认人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("项目办确认时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("编制时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "推进链条"
        verbose_name_plural = "推进链条"

    def __str__(self) -> str:
        return f"{self.project}的推进链条"


class ChainNode(models.Model):
    """One node of a project's chain: deadline (with its baseline), responsible unit and person, actual
    date, note, evidence, confirmations (REQ C3). Image-progress milestones are nodes of phase
    "milestone". `project` repeats `chain.project` so boards and scopes filter nodes without a join."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="nodes")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="chain_nodes")
    key = models.SlugField("代码", max_length=40)
    name = models.CharField("节点名称", max_length=40)
    phase = models.CharField("类别", max_length=12, choices=_choices(rules.PHASES))
    step = models.PositiveIntegerField("步骤")
    after = models.JSONField("前置节点", default=list, blank=True)
    duration = models.PositiveIntegerField("工期（工作日）", default=0)
    stage = models.CharField("对应项目阶段", max_length=15, choices=_choices(rules.STAGE_NODES), blank=True)
    starts_clock = models.BooleanField("审批计时起点（土地摘牌）", default=False)
    deadline = models.DateField("完成时限", null=True, blank=True)
    baseline = models.DateField("原定时限", null=True, blank=True)
    responsible_unit = models.ForeignKey(
        "org.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="chain_nodes"
    )
    responsible_person = models.ForeignKey(
        "org.Person",
        verbose_name="责任人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chain_nodes",
    )
    actual = models.DateField("实际完成", null=True, blank=True)
    exempt_reason = models.CharField("免办说明", max_length=200, blank=True, help_text="不涉及本手续时填写")
    note = models.CharField("备注", max_length=300, blank=True)
    unit_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任单位负责人确认",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit_confirmed_at = models.DateTimeField("单位确认时间", null=True, blank=True)
    office_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="项目办确认",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    office_confirmed_at = models.DateTimeField("项目办确认时间", null=True, blank=True)
    sort = models.PositiveIntegerField("排序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "链条节点"
        verbose_name_plural = "链条节点"
        ordering = ["chain", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "key"], name="chain_node_key_unique"),
            models.CheckConstraint(
                condition=Q(stage="") | Q(actual__isnull=True), name="chain_node_stage_has_no_actual"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "sort"]),
            models.Index(fields=["responsible_unit", "deadline"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def exempt(self) -> bool:
        return bool(self.exempt_reason)


class NodeReplan(models.Model):
    """A change of a node's deadline after the chain was confirmed: old and new, who, when and why
    (the original baseline stays on the node)."""

    node = models.ForeignKey(ChainNode, on_delete=models.CASCADE, related_name="replans")
    old_deadline = models.DateField("原时限", null=True, blank=True)
    new_deadline = models.DateField("新时限", null=True, blank=True)
    reason = models.CharField("调整原因", max_length=300)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField("调整时间", auto_now_add=True)

    class Meta:
        verbose_name = "节点时限调整"
        verbose_name_plural = "节点时限调整"
        ordering = ["node", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.node}：{self.old_deadline} → {self.new_deadline}"


def _evidence_path(instance: "NodeEvidence", filename: str) -> str:
    return f"evidence/{instance.node.project_id}/{instance.node_id}/{filename}"


class NodeEvidence(models.Model):
    """A file proving a node's progress (批复文件, 证照, 现场照片; REQ C3)."""

    node = models.ForeignKey(ChainNode, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField("文件", upload_to=_evidence_path, max_length=255)
    name = models.CharField("文件名", max_length=120)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "节点佐证材料"
        verbose_name_plural = "节点佐证材料"
        ordering = ["node", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name
