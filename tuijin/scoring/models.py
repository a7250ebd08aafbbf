"""Assessment (考核) and ranking of responsible units (REQ I; WH19 四(三), 四(四), 附件3; DH24 五(四);
NC20 三(五), 四(三); KF19 六; ETDZ19 四(六)).

A `ScorePeriod` is one month, quarter or year of one jurisdiction, computed with one rule-set version.
Computing it writes the ledger: one `ScoreEntry` per scoring event (unit, rule kind, points, category,
the evidence it rests on and a Chinese sentence); a unit's score is the sum of its entries, kept per unit in
`UnitScore` with its rank in its group. While the period is open, computing again replaces its computed
entries; closing it seals the ledger (core.Seal, kind "scores"); afterwards nothing is rewritten: a fact
recorded later becomes a correction entry with its reason.

An `Exemption` is DH24 五(四)'s objective-cause exemption for one project and one month, signed by the
project's leader and the leader in charge of the unit. A `Bonus` is WH19 四(四)'s up-to-5 bonus points
with their approver. A `Rectification` is the report the lowest units file (WH19 四(三)), tracked.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

PERIOD_KINDS = {"month": "月度", "quarter": "季度", "year": "年度"}
PERIOD_STATUSES = {"open": "计算中（未关账）", "closed": "已关账"}
ENTRY_ORIGINS = {
    "computed": "规则计算",
    "correction": "关账后更正",
    "bonus": "奖励加分",
}
EXEMPTION_STATUSES = {
    "applied": "待签字",
    "granted": "已同意（不扣分）",
    "refused": "不同意",
    "withdrawn": "已撤回",
}
BONUS_STATUSES = {"proposed": "待审批", "approved": "已批准", "refused": "未批准"}
RECTIFICATION_STATUSES = {
    "due": "待提交",
    "submitted": "已提交",
    "accepted": "已审核通过",
    "returned": "已退回",
}
MONEY = {"max_digits": 10, "decimal_places": 2}
POINTS = {
    "max_digits": 12,
    "decimal_places": 4,
}  # 3.2 × 30 ÷ 100 = 0.96; a quarter's share of a year 4 places


def _choices(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return list(mapping.items())


class ScorePeriod(models.Model):
    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", verbose_name="辖区", on_delete=models.PROTECT, related_name="score_periods"
    )
    key = models.CharField("期间", max_length=10, help_text="2024-06、2024Q2 或 2024")
    kind = models.CharField("期间类别", max_length=8, choices=_choices(PERIOD_KINDS))
    start = models.DateField("起始日")
    end = models.DateField("截止日")
    rule_version = models.ForeignKey(
        "core.RuleSetVersion", verbose_name="规则集版本", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=8, choices=_choices(PERIOD_STATUSES), default="open")
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="计算人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField("关账时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="关账人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    seal = models.ForeignKey(
        "core.Seal", verbose_name="封存", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.JSONField("计算说明", default=list, blank=True)  # Chinese warnings of the last run

    class Meta:
        verbose_name = "考核期间"
        verbose_name_plural = "考核期间"
        ordering = ["jurisdiction", "-start", "kind"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "key"], name="score_period_unique")]

    def __str__(self) -> str:
        return f"{self.jurisdiction.name} {self.key}"

    @property
    def label(self) -> str:
        """ "2024年第2季度", "2024年6月", "2024年" (core period keys)."""
        from tuijin.core.rules.ledger import parse_period

        return parse_period(self.key).label


class ScoreEntry(models.Model):
    """One scoring event in the ledger. `points` are on the category's own scale (its 指标权重, 100 in
    WH19 附件3) or, for category "adjustment", on the total; `weighted` is what the entry adds to the
    total (points × category weight ÷ declared weight total; adjustments count whole). An exempted
    deduction keeps its points in `exempted_points` and adds nothing. Entries are never edited: a
    correction is a new entry (`origin` "correction", `corrects`, `reason`)."""

    period = models.ForeignKey(ScorePeriod, on_delete=models.PROTECT, related_name="entries")
    unit = models.ForeignKey("org.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("计分规则", max_length=40)
    rule_index = models.PositiveSmallIntegerField("规则序号", default=0)  # [[scoring.rules]] item, from 1
    rule_version = models.ForeignKey(
        "core.RuleSetVersion", verbose_name="规则集版本", on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField("考评内容", max_length=30)
    points = models.DecimalField("分值", **POINTS)
    weighted = models.DecimalField("计入总分", **POINTS)
    on = models.DateField("发生日期")
    key = models.CharField("事件标识", max_length=160)
    sentence = models.CharField("说明", max_length=500)
    evidence = models.JSONField(
        "依据", default=dict, blank=True
    )  # {"project": id, "node": id, "matter": id …}
    project = models.ForeignKey(
        "projects.Project",
        verbose_name="项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    node = models.ForeignKey(
        "chains.ChainNode",
        verbose_name="链条节点",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    person = models.ForeignKey(
        "org.Person", verbose_name="责任人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    exempted_points = models.DecimalField("豁免的扣分", null=True, blank=True, **POINTS)
    exemption = models.ForeignKey(
        "scoring.Exemption",
        verbose_name="豁免",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    origin = models.CharField("来源", max_length=12, choices=_choices(ENTRY_ORIGINS), default="computed")
    corrects = models.ForeignKey(
        "self",
        verbose_name="更正的记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    reason = models.CharField("更正或加分理由", max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="批准人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "计分记录"
        verbose_name_plural = "计分记录"
        ordering = ["period", "unit", "category", "rule_index", "on", "pk"]
        indexes = [
            models.Index(fields=["period", "unit"], name="score_entry_unit"),
            models.Index(fields=["period", "kind"], name="score_entry_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.points} {self.sentence}"


class UnitScore(models.Model):
    """A unit's result for a period: the sums of its ledger entries and its rank in its group. Written
    with the entries (one place computes both); the ranking page and the public page read it."""

    period = models.ForeignKey(ScorePeriod, on_delete=models.CASCADE, related_name="scores")
    unit = models.ForeignKey("org.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    group = models.CharField("排名分组", max_length=30)  # [[ranking.groups]] key
    group_name = models.CharField("分组名称", max_length=30)
    categories = models.JSONField("分类得分", default=dict)  # {category key: "96.00"}
    adjustments = models.DecimalField("加减分", default=0, **MONEY)
    total = models.DecimalField("总分", **MONEY)
    rank = models.PositiveIntegerField("名次", null=True, blank=True)
    tied = models.BooleanField("并列", default=False)
    place = models.CharField("首末位", max_length=8, blank=True)  # "first" | "last"
    rectify = models.BooleanField("须提交整改报告", default=False)
    entries_count = models.PositiveIntegerField("计分记录数", default=0)

    class Meta:
        verbose_name = "单位得分"
        verbose_name_plural = "单位得分"
        ordering = ["period", "group", "rank", "unit__sort"]
        constraints = [models.UniqueConstraint(fields=["period", "unit"], name="unit_score_unique")]

    def __str__(self) -> str:
        return f"{self.unit} {self.total}"


class Exemption(models.Model):
    """DH24 五(四): "凡是因客观因素导致项目推进滞后的，相关责任单位可向项目挂点区领导和区分管领导请示汇报，
    经签字确认同意后，将不对该项目进行扣分处理……一月一汇报、一月一申请". One project, one month."""

    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", verbose_name="辖区", on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("org.Unit", verbose_name="申请单位", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", on_delete=models.PROTECT, related_name="score_exemptions"
    )
    month = models.CharField("月份", max_length=7, help_text="2024-06")
    reason = models.TextField("客观原因")
    progress = models.TextField("项目进展情况", blank=True)
    renews = models.ForeignKey(
        "self", verbose_name="续申请自", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    applied_at = models.DateTimeField("申请时间", auto_now_add=True)
    project_leader = models.ForeignKey(
        "org.Person", verbose_name="项目挂点领导", on_delete=models.PROTECT, related_name="+"
    )
    project_leader_signed_at = models.DateTimeField("挂点领导签字时间", null=True, blank=True)
    leader_in_charge = models.ForeignKey(
        "org.Person", verbose_name="分管领导", on_delete=models.PROTECT, related_name="+"
    )
    leader_in_charge_signed_at = models.DateTimeField("分管领导签字时间", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=_choices(EXEMPTION_STATUSES), default="applied")
    decided_note = models.CharField("签字意见", max_length=300, blank=True)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)

    class Meta:
        verbose_name = "客观原因免扣分"
        verbose_name_plural = "客观原因免扣分"
        ordering = ["-month", "unit", "project"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "month"],
                condition=Q(status__in=["applied", "granted"]),
                name="exemption_one_live_per_month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.month}"


class Bonus(models.Model):
    """WH19 四(四): "对超额完成项目推进目标任务，获得上级表彰，得到市委、市政府通报表扬的单位……最高可加
    5 分". Proposed by the office with its ground, approved by a leader; on approval it becomes a ledger
    entry of the year."""

    period = models.ForeignKey(
        ScorePeriod, verbose_name="年度", on_delete=models.PROTECT, related_name="bonuses"
    )
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField("加分", max_digits=4, decimal_places=2)
    reason = models.CharField("加分理由", max_length=300)
    document = models.CharField("依据文件", max_length=120, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出人", on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField("提出时间", auto_now_add=True)
    status = models.CharField("状态", max_length=10, choices=_choices(BONUS_STATUSES), default="proposed")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decided_note = models.CharField("审批意见", max_length=300, blank=True)
    entry = models.ForeignKey(
        ScoreEntry, verbose_name="计分记录", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "奖励加分"
        verbose_name_plural = "奖励加分"
        ordering = ["period", "unit", "pk"]

    def __str__(self) -> str:
        return f"{self.unit} +{self.points}"


def _rectification_path(instance: "Rectification", filename: str) -> str:
    return f"rectifications/{instance.period.key}/{instance.unit_id}/{filename}"


class Rectification(models.Model):
    """The rectification report (整改报告) of a unit ranked among the lowest (WH19 四(三): "排名最后的 2 个
    单位要向开发区管委会（区政府）提交整改报告"), tracked from due to accepted."""

    period = models.ForeignKey(
        ScorePeriod, verbose_name="考核期间", on_delete=models.PROTECT, related_name="rectifications"
    )
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField("名次")
    due = models.DateField("提交期限")
    status = models.CharField("状态", max_length=10, choices=_choices(RECTIFICATION_STATUSES), default="due")
    report = models.TextField("整改报告", blank=True)
    file = models.FileField("附件", upload_to=_rectification_path, max_length=255, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.CharField("审核意见", max_length=300, blank=True)

    class Meta:
        verbose_name = "整改报告"
        verbose_name_plural = "整改报告"
        ordering = ["period", "rank"]
        constraints = [models.UniqueConstraint(fields=["period", "unit"], name="rectification_unique")]

    def __str__(self) -> str:
        return f"{self.unit} {self.period.key} 整改报告"
