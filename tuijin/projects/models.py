"""The project library (REQ B): projects, their stages and hand-overs, the annual plan and its changes,
monthly investment entries, and the list's saved filters and spreadsheet column mappings.

One source of truth (DESIGN.md): a project's actual start, completion and production dates are its
`StageTransition`s; its completed investment is the sum of its `InvestmentEntry`s. Nothing keeps a copy.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from . import rules

MONEY = {"max_digits": 14, "decimal_places": 2}


def _choices(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return list(mapping.items())


class ProjectTag(models.Model):
    """A level tag (省重点, 市重点, 两行动方案, 三看 …; REQ B1). `must_be_listed` marks the tags whose
    projects must be in the annual plan (ETDZ19 四 "必须列入"; REQ B7)."""

    name = models.CharField("名称", max_length=30, unique=True)
    must_be_listed = models.BooleanField("必须列入年度计划", default=False)
    source = models.CharField("依据", max_length=60, blank=True)
    sort = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "项目级别标签"
        verbose_name_plural = "项目级别标签"
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """One major or key project (重大重点项目) of one jurisdiction (REQ B1, A3)."""

    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", verbose_name="所属辖区", on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField("项目名称", max_length=120)
    code = models.CharField(
        "项目代码", max_length=24, blank=True, help_text="全国投资项目在线审批监管平台赋予的 24 位项目代码"
    )
    code_note = models.CharField("代码说明", max_length=120, blank=True)
    category = models.CharField("项目类别", max_length=20, choices=_choices(rules.CATEGORIES))
    sector = models.CharField(
        "产业类型", max_length=20, choices=_choices(rules.SECTORS), blank=True, help_text="用于分线归口"
    )
    tags = models.ManyToManyField(ProjectTag, verbose_name="项目级别", blank=True, related_name="projects")
    total_investment = models.DecimalField("总投资（万元）", **MONEY)
    content = models.TextField("建设内容及规模", blank=True)
    address = models.CharField("建设地点", max_length=160, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    planned_start = models.DateField("计划开工", null=True, blank=True)
    planned_start_precision = models.CharField(
        "计划开工精度", max_length=5, choices=_choices(rules.PRECISIONS), default="day"
    )
    planned_completion = models.DateField("计划竣工", null=True, blank=True)
    planned_completion_precision = models.CharField(
        "计划竣工精度", max_length=5, choices=_choices(rules.PRECISIONS), default="month"
    )
    planned_production = models.DateField("计划投产", null=True, blank=True)
    planned_production_precision = models.CharField(
        "计划投产精度", max_length=5, choices=_choices(rules.PRECISIONS), default="month"
    )
    image_progress = models.TextField("形象进度", blank=True)
    stage = models.CharField("所处阶段", max_length=15, choices=_choices(rules.STAGES), default="planning")
    # Responsibility (REQ A3, A5)
    lead_leader = models.ForeignKey(
        "org.Person",
        verbose_name="挂点领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_projects",
    )
    responsible_unit = models.ForeignKey(
        "org.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="projects"
    )
    service_officer = models.ForeignKey(
        "org.Person",
        verbose_name="服务专员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="served_projects",
    )
    owner = models.CharField("业主单位", max_length=120, blank=True)
    supervising_unit = models.ForeignKey(
        "org.Unit",
        verbose_name="主管部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_projects",
    )
    street = models.ForeignKey(
        "org.Unit",
        verbose_name="所在街道",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="street_projects",
    )
    coordinating_office = models.ForeignKey(
        "org.Unit",
        verbose_name="统筹协调部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coordinated_projects",
    )
    secondary_units = models.ManyToManyField(
        "org.Unit", verbose_name="配合单位", blank=True, related_name="secondary_projects"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(m2m_fields=[tags, secondary_units], excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "项目"
        verbose_name_plural = "项目"
        ordering = ["jurisdiction__path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="project_code_unique"),
            models.CheckConstraint(
                condition=Q(total_investment__gte=0), name="project_investment_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "stage"]),
            models.Index(fields=["jurisdiction", "category"]),
            models.Index(fields=["name"]),
            # the list's default order: a page is read in index order, not sorted from every row in scope
            models.Index(fields=["jurisdiction", "id"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def library(self) -> str:
        return rules.library_of(self.stage)

    def get_library_display(self) -> str:
        return rules.LIBRARIES[self.library]


class FundingSource(models.Model):
    """One funding source of a project and its amount (DH24 四(四): 中央预算内资金, 专项债 …)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="funding_sources")
    kind = models.CharField("资金来源", max_length=20, choices=_choices(rules.FUNDING_KINDS))
    amount = models.DecimalField("金额（万元）", null=True, blank=True, **MONEY)
    note = models.CharField("说明", max_length=120, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "资金来源"
        verbose_name_plural = "资金来源"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) | Q(amount__isnull=True), name="funding_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class StageTransition(models.Model):
    """A dated move of a project from one stage to another, signed by who made it (REQ B2). The actual
    start, completion and production dates are the dates of the moves into 开工, 竣工 and 投产
    (`rules.actual_dates`). A backfill (补录) records such a date later without moving the project (one
    created or imported at 开工 or later): its from and to stage are both the milestone."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="transitions")
    from_stage = models.CharField("原阶段", max_length=15, choices=_choices(rules.STAGES), blank=True)
    to_stage = models.CharField("新阶段", max_length=15, choices=_choices(rules.STAGES))
    on = models.DateField("日期")
    note = models.CharField("说明", max_length=200, blank=True)
    document = models.CharField("依据", max_length=120, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)
    # db_default: the bulk writers (import, demo) insert rows naming their columns
    backfill = models.BooleanField(
        "补录", default=False, db_default=False, help_text="补录的实际开工、竣工或投产日期，不改变所处阶段"
    )

    class Meta:
        verbose_name = "阶段变更"
        verbose_name_plural = "阶段变更"
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["project", "to_stage"]), models.Index(fields=["to_stage", "on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(backfill=False)
                | (Q(to_stage__in=list(rules.MILESTONE_STAGES)) & Q(from_stage=models.F("to_stage"))),
                name="transition_backfill_is_a_milestone",
            )
        ]

    def __str__(self) -> str:
        if self.backfill:
            return f"{self.on} 补录{rules.MILESTONE_STAGES.get(self.to_stage, self.to_stage)}日期"
        return f"{self.on} {self.get_from_stage_display()} → {self.get_to_stage_display()}"


class Handover(models.Model):
    """A hand-over with a deadline and sign-off (REQ B3, ETDZ19 四(五)): the investment bureau hands a
    signed and registered project to the office; the office hands a producing project to the economic
    development bureau after an on-site check."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="handovers")
    kind = models.CharField("移交类型", max_length=20, choices=_choices(rules.HANDOVER_KINDS))
    from_unit = models.ForeignKey(
        "org.Unit", verbose_name="移交单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        "org.Unit", verbose_name="接收单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    since = models.DateField(
        "起算日期",
        null=True,
        blank=True,
        help_text="移交期限从此日起算：招商部门移交为签约、注册手续齐全之日，项目办移交为投产之日",
    )
    due_on = models.DateField("移交期限")
    handed_on = models.DateField("移交日期", null=True, blank=True)
    site_checked_on = models.DateField("现场核实日期", null=True, blank=True)
    signed_by = models.CharField("签字负责人", max_length=40, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "项目移交"
        verbose_name_plural = "项目移交"
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "kind"], name="handover_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.project} {self.get_kind_display()}"


class AnnualPlan(models.Model):
    """A jurisdiction's plan for one year and its targets (REQ B5; DH24 三: 开工率 100 %, 投资完成率 100 %)."""

    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", verbose_name="辖区", on_delete=models.PROTECT, related_name="annual_plans"
    )
    year = models.PositiveIntegerField("年度")
    title = models.CharField("名称", max_length=120)
    document = models.CharField("印发文号", max_length=80, blank=True)
    start_rate_target = models.DecimalField("开工率目标（%）", max_digits=5, decimal_places=1, default=100)
    investment_rate_target = models.DecimalField(
        "投资完成率目标（%）", max_digits=5, decimal_places=1, default=100
    )
    completion_rate_target = models.DecimalField(
        "竣工率目标（%）", max_digits=5, decimal_places=1, default=100
    )
    early_planning_target = models.PositiveIntegerField(
        "前期谋划项目数", null=True, blank=True, help_text="如 DH24：不含前期谋划项目 134 个"
    )
    rolled_from = models.ForeignKey(
        "self", verbose_name="结转自", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "年度计划"
        verbose_name_plural = "年度计划"
        ordering = ["-year", "jurisdiction__path"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "year"], name="plan_once_per_year")]

    def __str__(self) -> str:
        return self.title


class PlanEntry(models.Model):
    """A project in a year's plan: its plan type, annual planned investment and monthly targets.
    `monthly_targets` holds twelve decimal strings (万元, per month) or is empty. A removed entry stays, with
    the change that removed it (REQ B4)."""

    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="entries")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="plan_entries")
    plan_type = models.CharField("计划类型", max_length=15, choices=_choices(rules.PLAN_TYPES))
    planned_investment = models.DecimalField("年度计划投资（万元）", default=0, **MONEY)
    monthly_targets = models.JSONField("月度投资目标", default=list, blank=True)
    annual_content = models.TextField("年度建设内容（形象进度目标）", blank=True)
    removed = models.BooleanField("已调出", default=False)
    sort = models.PositiveIntegerField("序号", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "年度计划项目"
        verbose_name_plural = "年度计划项目"
        ordering = ["plan", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "project"], name="plan_entry_once"),
            models.CheckConstraint(
                condition=Q(planned_investment__gte=0), name="plan_investment_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.year} {self.project}"


class PlanChange(models.Model):
    """Adding, removing or re-planning a project during the year, by decision of a named body
    (ETDZ19 四(五), NC20 三(五)1; REQ B4). Append-only: the record of why the plan changed."""

    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="changes")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="plan_changes")
    kind = models.CharField("调整类型", max_length=10, choices=_choices(rules.PLAN_CHANGE_KINDS))
    decided_by = models.CharField("决定机构/会议", max_length=120)
    decided_on = models.DateField("决定日期")
    document_number = models.CharField("文号", max_length=80, blank=True)
    reason = models.TextField("理由")
    details = models.JSONField("调整内容", default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "计划调整"
        verbose_name_plural = "计划调整"
        ordering = ["decided_on", "id"]

    def __str__(self) -> str:
        return f"{self.decided_on} {self.get_kind_display()} {self.project}"


class InvestmentEntry(models.Model):
    """Investment completed by a project in one month (万元). Cumulative and annual completion are sums
    of these (DESIGN.md one source of truth); the monthly report of a later capability fills them."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="investment_entries")
    year = models.PositiveIntegerField("年")
    month = models.PositiveSmallIntegerField("月")
    amount = models.DecimalField("完成投资（万元）", **MONEY)
    source = models.CharField(
        "来源", max_length=10, choices=_choices(rules.INVESTMENT_SOURCES), default="office"
    )
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "月度完成投资"
        verbose_name_plural = "月度完成投资"
        ordering = ["project", "year", "month"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year", "month"], name="investment_once_a_month"),
            models.CheckConstraint(
                condition=Q(month__gte=1) & Q(month__lte=12), name="investment_month_valid"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="investment_not_negative"),
        ]
        indexes = [models.Index(fields=["year", "month"])]

    def __str__(self) -> str:
        return f"{self.project} {self.year}年{self.month}月"


class SavedFilter(models.Model):
    """A user's named filter of the project list (the query string of the list page)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField("名称", max_length=40)
    query = models.CharField("筛选条件", max_length=1000)
    created_at = models.DateTimeField("保存时间", auto_now_add=True)

    class Meta:
        verbose_name = "常用筛选"
        verbose_name_plural = "常用筛选"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_name_once")]

    def __str__(self) -> str:
        return self.name


class ColumnMapping(models.Model):
    """How an office's spreadsheet headers map to our fields, remembered per jurisdiction and header text
    so the office maps columns once (issue 3 part 6)."""

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.CASCADE, related_name="+")
    header = models.CharField("表头", max_length=120)
    field = models.CharField("对应字段", max_length=40, blank=True, help_text="空：忽略该列")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "表头映射"
        verbose_name_plural = "表头映射"
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "header"], name="column_mapping_once")]

    def __str__(self) -> str:
        return f"{self.header} → {self.field or '忽略'}"


class NameMapping(models.Model):
    """A spreadsheet's name for a unit or leader mapped to an existing record, remembered per jurisdiction
    (issue 3 "unknown units or leaders … with the choice to map them to existing ones")."""

    class Kind(models.TextChoices):
        UNIT = "unit", "单位"
        PERSON = "person", "领导/人员"

    jurisdiction = models.ForeignKey("org.Jurisdiction", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.CharField("表格中的名称", max_length=120)
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "名称映射"
        verbose_name_plural = "名称映射"
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "kind", "text"], name="name_mapping_once")
        ]

    def __str__(self) -> str:
        return f"{self.text} → {self.unit or self.person}"
