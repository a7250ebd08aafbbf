"""Scheduling meetings (调度会议) and their decided matters (议定事项) (REQ E; ETDZ19 三(二); WH19 四(一),
附件3 第3行; KF19 二; NC20 三(一); DH24 五(三)).

A `MeetingSeries` is one cadence of a jurisdiction: seeded from its rule set's `[cadences]` (the key is
the cadence's key) or defined by the office (a vice mayor's monthly meeting, one series per leader). It
serves one level of the escalation ladder (`level_key`), so its agenda reads what was escalated there.
A `Meeting` is one sitting: agenda items, attendance, minutes per item; issuing the minutes numbers and
freezes them (`minutes_number`, per jurisdiction and year, from `problems.Counter` series "minutes").
Each decision is a `Matter` with responsible units, a deadline or none, a timeline (`MatterEvent`) and
evidence (`MatterAttachment`); its working-day lateness and band are kept when it is closed. A matter
raised again at the same level points to the first raise (`first_raise`) and carries its raise count.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from . import rules


def _choices(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return list(mapping.items())


class MeetingSeries(models.Model):
    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", verbose_name="所属辖区", on_delete=models.PROTECT, related_name="meeting_series"
    )
    key = models.SlugField("标识", max_length=60, help_text="规则集 [cadences] 的键，或项目办自设的标识")
    name = models.CharField("会议名称", max_length=80)
    kind = models.CharField("类别", max_length=16, choices=_choices(rules.SERIES_KINDS), default="meeting")
    frequency = models.CharField("频次", max_length=12, choices=_choices(rules.FREQUENCIES))
    times = models.PositiveSmallIntegerField("每期次数", default=1)
    weekday = models.PositiveSmallIntegerField(
        "惯常星期", null=True, blank=True, help_text="1 周一 … 7 周日；排日历用，缺省取周期内第一个工作日"
    )
    chair = models.CharField("主持/牵头", max_length=120)
    chair_person = models.ForeignKey(
        "org.Person",
        verbose_name="主持领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chaired_series",
        help_text="分领导调度时每位领导一个系列（如 NC20 副市长分口调度）",
    )
    level_key = models.CharField(
        "协调层级",
        max_length=40,
        blank=True,
        help_text="规则集 [escalation].levels 的 key：议程取上报到该层级的问题",
    )
    cadence_key = models.CharField("规则集调度机制", max_length=60, blank=True)
    source = models.CharField("出处", max_length=120, blank=True)
    member_units = models.ManyToManyField(
        "org.Unit", verbose_name="成员单位（纪要主送）", blank=True, related_name="meeting_series"
    )
    is_active = models.BooleanField("在用", default=True)
    sort = models.PositiveIntegerField("排序", default=0)
    history = HistoricalRecords(m2m_fields=[member_units])

    class Meta:
        verbose_name = "调度会议系列"
        verbose_name_plural = "调度会议系列"
        ordering = ["jurisdiction", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "key"], name="meeting_series_key_unique")
        ]

    def __str__(self) -> str:
        return self.name


def _minutes_path(instance: "Meeting", filename: str) -> str:
    return f"meeting_minutes/{instance.jurisdiction_id}/{instance.pk}/{filename}"


class Meeting(models.Model):
    series = models.ForeignKey(
        MeetingSeries, verbose_name="会议系列", on_delete=models.PROTECT, related_name="meetings"
    )
    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", verbose_name="所属辖区", on_delete=models.PROTECT, related_name="meetings"
    )
    title = models.CharField("会议名称", max_length=120)
    date = models.DateField("会议日期")
    start_time = models.TimeField("开始时间", null=True, blank=True)
    place = models.CharField("地点", max_length=120, blank=True)
    chair = models.CharField("主持人", max_length=80, blank=True)
    chair_person = models.ForeignKey(
        "org.Person",
        verbose_name="主持领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        "状态", max_length=12, choices=_choices(rules.MEETING_STATUSES), default="planned"
    )
    summary = models.TextField("纪要导语", blank=True, help_text="会议纪要开头：时间、地点、主持、议题概述")
    recorder = models.CharField("记录人", max_length=40, blank=True)
    minutes_year = models.PositiveIntegerField("纪要年度", null=True, blank=True)
    minutes_number = models.PositiveIntegerField("纪要期号", null=True, blank=True)
    issued_at = models.DateTimeField("印发时间", null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签发人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    minutes_file = models.FileField(
        "已印发纪要（Word）",
        upload_to=_minutes_path,
        max_length=255,
        blank=True,
        help_text="印发时生成并保存的纪要文件；此后下载的都是这份文件，不再随数据或模板变化",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    version = models.PositiveIntegerField(
        "版本", default=1, help_text="每次保存加一：两人同时编辑时后到者被告知"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "调度会议"
        verbose_name_plural = "调度会议"
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "minutes_year", "minutes_number"],
                condition=Q(minutes_number__isnull=False),
                name="meeting_minutes_number_unique",
            ),
            models.CheckConstraint(
                condition=~Q(status="issued") | Q(minutes_number__isnull=False, issued_at__isnull=False),
                name="meeting_issued_has_number",
            ),
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "date"]),
            models.Index(fields=["series", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.date:%Y-%m-%d}）"

    @property
    def frozen(self) -> bool:
        """Issued minutes are never edited in place."""
        return self.status == "issued"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    order = models.PositiveIntegerField("序号", default=0)
    kind = models.CharField("来源", max_length=16, choices=_choices(rules.AGENDA_KINDS), default="other")
    title = models.CharField("议题", max_length=200)
    reason = models.CharField("列入理由", max_length=300, blank=True, help_text="自动提出时写明依据")
    project = models.ForeignKey(
        "projects.Project",
        verbose_name="项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    problem = models.ForeignKey(
        "problems.Problem",
        verbose_name="问题",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    matter = models.ForeignKey(
        "meetings.Matter",
        verbose_name="前次议定事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agenda_items",
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    presenter = models.CharField("汇报单位/人", max_length=80, blank=True)
    minutes = models.TextField("会议纪要（本议题）", blank=True)

    class Meta:
        verbose_name = "会议议题"
        verbose_name_plural = "会议议题"
        ordering = ["meeting", "order", "id"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    unit = models.ForeignKey(
        "org.Unit", verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "org.Person", verbose_name="人员", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("姓名", max_length=40, blank=True)
    post = models.CharField("职务", max_length=80, blank=True)
    status = models.CharField(
        "出席情况", max_length=12, choices=_choices(rules.ATTENDANCE), default="present"
    )
    note = models.CharField("说明", max_length=120, blank=True)
    order = models.PositiveIntegerField("序号", default=0)

    class Meta:
        verbose_name = "参会情况"
        verbose_name_plural = "参会情况"
        ordering = ["meeting", "order", "id"]

    def __str__(self) -> str:
        return self.name or str(self.unit or "")


class Matter(models.Model):
    """A decided matter (议定事项). `series` is the level it was decided at (repeat raises count per
    series); `first_raise` is the first matter of a chain of raises of the same subject at that level
    (null on the first one), `raise_count` this matter's place in it (1, 2, 3 …)."""

    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", verbose_name="所属辖区", on_delete=models.PROTECT, related_name="matters"
    )
    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.PROTECT, related_name="matters"
    )
    series = models.ForeignKey(
        MeetingSeries, verbose_name="会议层级", on_delete=models.PROTECT, related_name="matters"
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name="议题",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="matters",
    )
    number = models.PositiveIntegerField("序号", help_text="纪要中的第几项议定事项")
    title = models.CharField("事项", max_length=200)
    content = models.TextField("议定内容")
    project = models.ForeignKey(
        "projects.Project",
        verbose_name="项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="matters",
    )
    problem = models.ForeignKey(
        "problems.Problem",
        verbose_name="问题",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="matters",
    )
    lead_unit = models.ForeignKey(
        "org.Unit", verbose_name="牵头单位", on_delete=models.PROTECT, related_name="matters_led"
    )
    units = models.ManyToManyField(
        "org.Unit", verbose_name="责任单位", related_name="matters", help_text="含牵头单位和配合单位"
    )
    deadline = models.DateField("办结时限", null=True, blank=True, help_text="空：会议未规定时限")
    status = models.CharField("状态", max_length=12, choices=_choices(rules.MATTER_STATUSES), default="open")
    first_raise = models.ForeignKey(
        "self",
        verbose_name="首次上会事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="raises",
    )
    raise_count = models.PositiveSmallIntegerField("同层级上会次数", default=1)
    carried_to = models.ForeignKey(
        Meeting,
        verbose_name="转入会议",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carried_in",
    )
    escalated_to = models.CharField("提请层级", max_length=40, blank=True)
    done_on = models.DateField(
        "完成日期", null=True, blank=True, help_text="责任单位报办结、经复核销号的日期"
    )
    late_workdays = models.IntegerField(
        "超期工作日", null=True, blank=True, help_text="负数为提前；销号时按工作日历计算并保存"
    )
    band = models.CharField("办结档次", max_length=10, choices=_choices(rules.BANDS), blank=True)
    rule_version = models.ForeignKey(
        "core.RuleSetVersion",
        verbose_name="规则集版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="销号人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    close_note = models.CharField("销号意见", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "议定事项"
        verbose_name_plural = "议定事项"
        ordering = ["-meeting__date", "meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="matter_number_unique"),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False, done_on__isnull=False),
                name="matter_closed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "status"]),
            models.Index(fields=["series", "status"]),
            models.Index(fields=["lead_unit", "status"]),
            models.Index(fields=["status", "deadline"]),
        ]

    def __str__(self) -> str:
        return self.title


class MatterEvent(models.Model):
    """One step of a matter's timeline; `token` is the form's one-time key (a replay is recognised)."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("环节", max_length=16, choices=_choices(rules.MATTER_EVENTS))
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
    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    slip = models.ForeignKey(
        "problems.Slip",
        verbose_name="四单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    token = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "议定事项办理记录"
        verbose_name_plural = "议定事项办理记录"
        ordering = ["matter", "at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["matter", "token"], condition=~Q(token=""), name="matter_event_token_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.get_kind_display()}"


def _matter_path(instance: "MatterAttachment", filename: str) -> str:
    return f"matters/{instance.matter_id}/{filename}"


class MatterAttachment(models.Model):
    """Evidence (佐证材料) of a matter's progress and completion."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        MatterEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField("文件", upload_to=_matter_path, max_length=255)
    name = models.CharField("文件名", max_length=120)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "议定事项佐证材料"
        verbose_name_plural = "议定事项佐证材料"
        ordering = ["matter", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name
