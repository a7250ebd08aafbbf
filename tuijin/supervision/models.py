"""Supervision (督查) and accountability: supervision acts, yellow and red cards, referrals (REQ H;
NC20 三(四); WH19 四(二), 五, 附件3 第4行; KF19 五; ETDZ19 四(六)).

A `SupervisionAct` is one act of H1 (窗口催办, 实地督办, 链条跟办, 进度评办) or a monthly circuit
supervision (巡回督导, KF19 五): who, when, which projects and units, `Finding`s (an on-site check compares
what was reported with what was seen: a discrepancy, a ceremony without real progress …), `ActPhoto`s,
and `RequiredAction`s (整改要求) with deadlines and follow-up.

A `Card` is a yellow or red card of one unit in a counting period (default the calendar year): a yellow
card rests on one 督办单 (`slip`) by the ladder in the rule set's `[cards]`; a red card rests on the
yellow cards it was made of (`from_cards`). Cards are proposed by the rules, issued by a person (yellow
cards in the office's monthly `CardReview`, red cards by the supervision office) and never edited: an
appeal (`CardAppeal`) or a revocation keeps the card with its reason. A `Referral` is the path to the
discipline commission: from two red cards, or from a circuit supervision's accountability proposal
(问责建议); it needs the leader in charge's consent before it is sent.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from . import rules


def _choices(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return list(mapping.items())


class SupervisionAct(models.Model):
    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", verbose_name="所属辖区", on_delete=models.PROTECT, related_name="supervision_acts"
    )
    kind = models.CharField("督查方式", max_length=12, choices=_choices(rules.ACT_KINDS))
    title = models.CharField("督查事项", max_length=200)
    date = models.DateField("督查日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    month = models.DateField("巡回督导月份", null=True, blank=True, help_text="巡回督导：所督导月份的第一天")
    inspectors = models.CharField(
        "督查人员", max_length=200, help_text="督查组成员，如 区委督查室 张某、区公建中心 李某"
    )
    lead_unit = models.ForeignKey(
        "org.Unit", verbose_name="牵头单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    projects = models.ManyToManyField(
        "projects.Project", verbose_name="督查项目", blank=True, related_name="supervision_acts"
    )
    units = models.ManyToManyField(
        "org.Unit", verbose_name="被督查单位", blank=True, related_name="supervision_acts"
    )
    summary = models.TextField("督查情况", blank=True)
    status = models.CharField("状态", max_length=10, choices=_choices(rules.ACT_STATUSES), default="draft")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(m2m_fields=[projects, units])

    class Meta:
        verbose_name = "督查记录"
        verbose_name_plural = "督查记录"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["jurisdiction", "date"]), models.Index(fields=["kind", "date"])]

    def __str__(self) -> str:
        return self.title


class Finding(models.Model):
    """What the act found on a project or at a unit. An on-site check records what was reported
    (`reported`) beside what was seen (`observed`); a discrepancy may name the chain node or the report it
    contradicts. `resolved_at` ends its effect on the light."""

    act = models.ForeignKey(SupervisionAct, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField("发现类别", max_length=16, choices=_choices(rules.FINDING_KINDS))
    project = models.ForeignKey(
        "projects.Project",
        verbose_name="项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name="责任单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    node = models.ForeignKey(
        "chains.ChainNode",
        verbose_name="链条节点",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    report = models.ForeignKey(
        "reports.Report",
        verbose_name="所填报告",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported = models.TextField("填报情况", blank=True)
    observed = models.TextField("现场所见", blank=True)
    note = models.TextField("说明", blank=True)
    resolved_at = models.DateTimeField("已纠正时间", null=True, blank=True)
    resolved_note = models.CharField("纠正说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "督查发现"
        verbose_name_plural = "督查发现"
        ordering = ["act", "id"]
        indexes = [models.Index(fields=["project", "kind", "resolved_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.project or self.unit or ''}"


def _photo_path(instance: "ActPhoto", filename: str) -> str:
    return f"supervision/{instance.act_id}/{filename}"


class ActPhoto(models.Model):
    act = models.ForeignKey(SupervisionAct, on_delete=models.CASCADE, related_name="photos")
    finding = models.ForeignKey(
        Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # issue 6 part 4: a photo the unit sent as evidence with its reply to a required action (整改佐证)
    action = models.ForeignKey(
        "RequiredAction",
        verbose_name="整改要求",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="photos",
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
        verbose_name = "督查照片"
        verbose_name_plural = "督查照片"
        ordering = ["act", "taken_on", "id"]

    def __str__(self) -> str:
        return self.caption or self.original_name


class RequiredAction(models.Model):
    """整改要求: what a unit must do by when; the unit replies, the supervisor checks (follow-up). A
    督办单 issued for it (`slip`) is what proposes a yellow card."""

    act = models.ForeignKey(SupervisionAct, on_delete=models.CASCADE, related_name="actions")
    finding = models.ForeignKey(
        Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    unit = models.ForeignKey("org.Unit", verbose_name="整改单位", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        "projects.Project",
        verbose_name="项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    content = models.TextField("整改要求")
    deadline = models.DateField("整改时限", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=_choices(rules.ACTION_STATUSES), default="open")
    reply = models.TextField("整改情况", blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replied_at = models.DateTimeField("报整改时间", null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField("复查时间", null=True, blank=True)
    check_note = models.CharField("复查意见", max_length=300, blank=True)
    slip = models.ForeignKey(
        "problems.Slip",
        verbose_name="督办单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "整改要求"
        verbose_name_plural = "整改要求"
        ordering = ["act", "id"]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self) -> str:
        return self.content[:40]


class CardReview(models.Model):
    """The office's monthly card review (月度黄牌审定): the month's proposed yellow cards are issued (or
    set aside with a reason) here; the month's notice lists them."""

    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", verbose_name="所属辖区", on_delete=models.PROTECT, related_name="card_reviews"
    )
    month = models.DateField("月份", help_text="所审定月份的第一天")
    held_on = models.DateField("审定日期")
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name="通报会议",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField("说明", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审定人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("审定时间")

    class Meta:
        verbose_name = "黄牌月度审定"
        verbose_name_plural = "黄牌月度审定"
        ordering = ["-month", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "month"], name="card_review_month_unique")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y年%m月} 黄牌审定"


class Card(models.Model):
    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", verbose_name="所属辖区", on_delete=models.PROTECT, related_name="cards"
    )
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="cards")
    color = models.CharField("类别", max_length=6, choices=_choices(rules.CARD_COLORS))
    period = models.CharField("计数周期", max_length=10, help_text="如 2024（自然年），由规则集 [cards] 规定")
    status = models.CharField(
        "状态", max_length=10, choices=_choices(rules.CARD_STATUSES), default="proposed"
    )
    slip = models.ForeignKey(
        "problems.Slip",
        verbose_name="督办单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cards",
        help_text="黄牌所依据的督办单",
    )
    from_cards = models.ManyToManyField(
        "self", verbose_name="所依据的黄牌", symmetrical=False, blank=True, related_name="made_into"
    )
    reason = models.TextField("依据", help_text="规则的说明：哪条规则、哪些证据")
    rule_version = models.ForeignKey(
        "core.RuleSetVersion",
        verbose_name="规则集版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField("拟发时间")
    review = models.ForeignKey(
        CardReview,
        verbose_name="月度审定",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cards",
    )
    issued_at = models.DateTimeField("发牌时间", null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发牌人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoke_reason = models.CharField("撤销理由", max_length=300, blank=True)
    # the official number, taken when the card is issued (per jurisdiction, year of issue and colour;
    # problems.Counter series "card_yellow" / "card_red"): 黄牌〔2024〕第3号
    year = models.PositiveSmallIntegerField("编号年度", null=True, blank=True)
    number = models.PositiveIntegerField("编号", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "黄牌红牌"
        verbose_name_plural = "黄牌红牌"
        ordering = ["-proposed_at", "-id"]
        constraints = [
            # one yellow card per 督办单 (a revoked card keeps its slip: the slip never proposes again)
            models.UniqueConstraint(
                fields=["slip"], condition=Q(slip__isnull=False), name="card_one_per_slip"
            ),
            models.CheckConstraint(
                condition=~Q(color="yellow") | Q(slip__isnull=False), name="card_yellow_has_slip"
            ),
            models.CheckConstraint(
                condition=~Q(status="issued") | Q(issued_at__isnull=False), name="card_issued_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="revoked") | ~Q(revoke_reason=""), name="card_revoked_has_reason"
            ),
            models.UniqueConstraint(
                fields=["jurisdiction", "color", "year", "number"],
                condition=Q(number__isnull=False),
                name="card_number_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "period", "color", "status"]),
            models.Index(fields=["unit", "period", "color", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.label}"

    @property
    def number_text(self) -> str:
        """ "〔2024〕第3号" of an issued card ("" before it is issued)."""
        return rules.card_number_text(self.year, self.number)

    @property
    def label(self) -> str:
        """ "黄牌〔2024〕第3号" once issued; before: what it rests on — "拟发黄牌（督办单〔2024〕第12号）",
        "拟发红牌（黄牌〔2024〕第3号、第4号）" (a card set aside unissued: "未发黄牌（…）")."""
        color = self.get_color_display()
        if self.number is not None:
            return f"{color}{self.number_text}"
        head = "拟发" if self.status == "proposed" else "未发"
        if self.color == "yellow":
            basis = str(self.slip) if self.slip_id else ""
        else:
            basis = rules.card_numbers_text(
                "黄牌", [(c.year, c.number) for c in self.from_cards.all() if c.number is not None]
            )
        return f"{head}{color}（{basis}）" if basis else f"{head}{color}"


class CardAppeal(models.Model):
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="appeals")
    reason = models.TextField("申诉理由")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申诉人", on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField("申诉时间")
    status = models.CharField(
        "处理结果", max_length=10, choices=_choices(rules.APPEAL_STATUSES), default="pending"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decision_note = models.CharField("处理意见", max_length=300, blank=True)

    class Meta:
        verbose_name = "黄牌红牌申诉"
        verbose_name_plural = "黄牌红牌申诉"
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["card"], condition=Q(status="pending"), name="card_one_pending_appeal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.card} 申诉"


class Referral(models.Model):
    """提交纪委（监察委）问责: from two red cards (origin "cards", `cards` holds them) or from a circuit
    supervision's accountability proposal (origin "circuit", `act` and the named person). It is sent only
    after the leader in charge consents; its outcome is recorded when known."""

    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", verbose_name="所属辖区", on_delete=models.PROTECT, related_name="referrals"
    )
    origin = models.CharField("来源", max_length=10, choices=_choices(rules.REFERRAL_ORIGINS))
    unit = models.ForeignKey(
        "org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="referrals"
    )
    person_name = models.CharField("责任人", max_length=40, blank=True)
    person_post = models.CharField("职务", max_length=80, blank=True)
    cards = models.ManyToManyField(Card, verbose_name="所依据的红牌", blank=True, related_name="referrals")
    act = models.ForeignKey(
        SupervisionAct,
        verbose_name="巡回督导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    proposal = models.TextField("问责建议")
    status = models.CharField(
        "状态", max_length=10, choices=_choices(rules.REFERRAL_STATUSES), default="proposed"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出人", on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField("提出时间")
    notice_month = models.DateField(
        "通报月份", null=True, blank=True, help_text="在该月最后一次主任办公会上通报"
    )
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="同意的分管领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    consent_at = models.DateTimeField("同意时间", null=True, blank=True)
    consent_note = models.CharField("领导意见", max_length=300, blank=True)
    sent_on = models.DateField("移送日期", null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="移送人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.TextField("处理结果", blank=True)
    outcome_on = models.DateField("结果日期", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "问责移送"
        verbose_name_plural = "问责移送"
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(consent_at__isnull=False, sent_on__isnull=False),
                name="referral_sent_after_consent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_origin_display()}"


class ActToken(models.Model):
    """The one-time tokens of the supervision acts' forms (issue 6 part 4): a create (an act, a finding,
    a photo, a required action) whose form token is stored here returns what the first submission made,
    so a double-click or a retried POST never doubles a record."""

    token = models.CharField("表单令牌", max_length=64, unique=True)
    what = models.CharField("记录类别", max_length=20)
    object_id = models.PositiveIntegerField("记录编号")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "督查表单令牌"
        verbose_name_plural = "督查表单令牌"

    def __str__(self) -> str:
        return f"{self.what} {self.object_id}"
