"""Organisation: jurisdictions, units, people, the leading group, and user accounts (REQ A1–A3)."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords


class JurisdictionLevel(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    DISTRICT = "district", "区/县"
    ZONE = "zone", "开发区/新区"
    STREET = "street", "镇/街道"


class Jurisdiction(models.Model):
    """A node of the jurisdiction tree. `path` is a materialised path ("/36/3601/360108/") so that a
    subtree is one `path__startswith` filter (REQ A1)."""

    code = models.CharField(
        "行政区划代码",
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[0-9A-Za-z]+$", "行政区划代码只能由数字和字母组成，例如 360102。")],
    )
    name = models.CharField("名称", max_length=60)
    level = models.CharField("层级", max_length=10, choices=JurisdictionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField("路径", max_length=255, unique=True, editable=False)
    rule_set = models.ForeignKey(
        "core.RuleSet",
        verbose_name="采用的规则集",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "辖区"
        verbose_name_plural = "辖区"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # The path derives from the parent's path and the code; both are fixed after creation.
        self.path = f"{self.parent.path if self.parent else '/'}{self.code}/"
        super().save(*args, **kwargs)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2


class UnitKind(models.TextChoices):
    OFFICE = "office", "项目办/重点办"
    DEPARTMENT = "department", "职能部门"
    APPROVAL = "approval", "审批部门"
    STREET = "street", "镇/街道"
    STATE_COMPANY = "state_company", "国有企业"
    GOVERNMENT = "government", "下级政府"
    SUPERVISION = "supervision", "督查/巡查机构"
    DISCIPLINE = "discipline", "纪检监察机关"


class Unit(models.Model):
    """A responsible unit (责任单位). `rank_group` separates ranking sequences (DH24: 区直单位 vs 镇街)."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="所属辖区", on_delete=models.PROTECT, related_name="units"
    )
    name = models.CharField("单位名称", max_length=80)
    short_name = models.CharField("简称", max_length=30, blank=True)
    kind = models.CharField("单位类别", max_length=20, choices=UnitKind.choices)
    rank_group = models.CharField("考核分组", max_length=30, blank=True)
    governs = models.ForeignKey(
        Jurisdiction,
        verbose_name="对应下级辖区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="governments",
        help_text="下级政府或街道作为责任单位时，对应的辖区",
    )
    is_active = models.BooleanField("在用", default=True)
    sort = models.PositiveIntegerField("排序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "责任单位"
        verbose_name_plural = "责任单位"
        ordering = ["jurisdiction__path", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="unit_unique_name_in_jurisdiction")
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class Person(models.Model):
    """A person with a post (职务). Leaders (区领导/市领导) are people whose `is_leader` is set; the units
    they are in charge of (分管单位) decide what they sign for."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name="所属辖区", on_delete=models.PROTECT, related_name="people"
    )
    name = models.CharField("姓名", max_length=40)
    unit = models.ForeignKey(
        Unit, verbose_name="所在单位", null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    post = models.CharField("职务", max_length=80, blank=True)
    is_leader = models.BooleanField("领导", default=False)
    units_in_charge = models.ManyToManyField(
        Unit, verbose_name="分管单位", blank=True, related_name="leaders"
    )
    phone = models.CharField("手机", max_length=20, blank=True)
    email = models.EmailField("邮箱", blank=True)
    is_active = models.BooleanField("在职", default=True)
    history = HistoricalRecords(m2m_fields=[units_in_charge])

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["jurisdiction__path", "-is_leader", "id"]

    def __str__(self) -> str:
        return self.name


class GroupRole(models.TextChoices):
    CHIEF = "chief", "总负责"
    HEAD = "head", "组长"
    EXECUTIVE_DEPUTY = "executive_deputy", "常务副组长"
    DEPUTY = "deputy", "副组长"
    MEMBER = "member", "成员"


class LeadingGroup(models.Model):
    """The leading group (领导小组) of a jurisdiction and its office (项目办/重点办/公建中心) (REQ A2)."""

    jurisdiction = models.OneToOneField(
        Jurisdiction, verbose_name="辖区", on_delete=models.PROTECT, related_name="leading_group"
    )
    name = models.CharField("名称", max_length=80)
    office = models.ForeignKey(
        Unit, verbose_name="办公室", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    office_duties = models.TextField("办公室职责", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "领导小组"
        verbose_name_plural = "领导小组"

    def __str__(self) -> str:
        return self.name


class LeadingGroupMember(models.Model):
    group = models.ForeignKey(LeadingGroup, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("职务", max_length=20, choices=GroupRole.choices)
    sort = models.PositiveIntegerField("排序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "领导小组成员"
        verbose_name_plural = "领导小组成员"
        ordering = ["sort", "id"]
        constraints = [models.UniqueConstraint(fields=["group", "person"], name="group_member_once")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.person}"


class Role(models.TextChoices):
    """The roles of DESIGN.md "Users and what they do"."""

    OFFICE_ADMIN = "office_admin", "项目办管理员"
    LEADER = "leader", "领导"
    UNIT_HEAD = "unit_head", "单位负责人"
    UNIT_REPORTER = "unit_reporter", "单位填报员"
    SUPERVISOR = "supervisor", "督查人员"
    DISCIPLINE = "discipline", "纪委监委"


def admin_site_access(role: str) -> bool:
    """Django admin is for office admins only (DESIGN.md): an account's is_staff follows its role."""
    return role == Role.OFFICE_ADMIN


class User(AbstractUser):
    """An account, linked to a person, a unit and a jurisdiction. One role per account."""

    person = models.OneToOneField(
        Person, verbose_name="人员", null=True, blank=True, on_delete=models.PROTECT, related_name="account"
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name="辖区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    unit = models.ForeignKey(
        Unit, verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices, blank=True)
    display_name = models.CharField("显示名", max_length=40, blank=True)
    must_change_password = models.BooleanField("下次登录须改密码", default=False)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    objects = UserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"
        ordering = ["username"]
        constraints = [
            # log-in matches usernames case-insensitively (phones capitalise the first letter)
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username


class LoginEvent(models.Model):
    """Every login, failed login, lock-out and logout, kept for audit (append-only)."""

    class Kind(models.TextChoices):
        SUCCESS = "success", "登录成功"
        FAILURE = "failure", "登录失败"
        LOCKED = "locked", "账号锁定"
        REFUSED = "refused", "锁定期间拒绝登录"
        UNLOCKED = "unlocked", "管理员解锁"
        LOGOUT = "logout", "退出"

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    username = models.CharField("用户名", max_length=150, db_index=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="login_events"
    )
    kind = models.CharField("事件", max_length=10, choices=Kind.choices)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    user_agent = models.CharField("浏览器", max_length=255, blank=True)

    class Meta:
        verbose_name = "登录记录"
        verbose_name_plural = "登录记录"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_kind_display()}"


class AccessDenial(models.Model):
    """A refused write or page (403), logged with who, what and where (issue 2 part 3)."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField("操作", max_length=80)
    path = models.CharField("地址", max_length=255)
    method = models.CharField("方法", max_length=10)
    message = models.CharField("说明", max_length=255)

    class Meta:
        verbose_name = "拒绝访问记录"
        verbose_name_plural = "拒绝访问记录"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.path}"
