"""The pydantic models that define the exchange format (DESIGN.md: django-ninja's pydantic schemas are the
one definition of the data exchange format). docs/exchange.md describes every field.

Records refer to each other by natural keys, never by database ids:
- a jurisdiction by its code (行政区划代码);
- a unit by its *unit key* "<jurisdiction code>/<unit name>" (unit names are unique in a jurisdiction);
- a person by its *person key* "<jurisdiction code>/<name>", and "<jurisdiction code>/<name>#2", "#3" …
  for namesakes in one jurisdiction, numbered in the order they were entered (see `person_key`).
Fields added by a later MINOR version must have defaults, so that older files still validate.
"""

import re
from datetime import datetime
from typing import Annotated, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
)

from tuijin.org.models import GroupRole, JurisdictionLevel, Role, UnitKind

from .version import FORMAT_NAME


class ExchangeModel(BaseModel):
    """Base of every record: unknown fields are refused, so a misspelt field never passes silently."""

    model_config = ConfigDict(extra="forbid")


def _check_code(value: str) -> str:
    if "/" in value or re.search(r"\s", value):
        raise ValueError(f"辖区代码不能含“/”或空白字符，实际为 “{value}”")
    return value


def _check_email(value: str) -> str:
    if value:
        try:
            validate_email(value)
        except DjangoValidationError as exc:
            raise ValueError(f"邮箱地址格式不正确：“{value}”") from exc
    return value


def _check_username(value: str) -> str:
    if not re.fullmatch(r"[\w.@+-]+", value):
        raise ValueError(f"用户名只能包含字母、数字和 @ . + - _，实际为 “{value}”")
    return value


def _text(max_length: int, *, required: bool = True, description: str = "") -> object:
    return Annotated[
        StrictStr, Field(min_length=1 if required else 0, max_length=max_length, description=description)
    ]


Code = Annotated[
    StrictStr, Field(min_length=1, max_length=20, description="行政区划代码"), AfterValidator(_check_code)
]
UnitKey = Annotated[StrictStr, Field(min_length=3, description="单位键：辖区代码/单位名称")]
PersonKey = Annotated[StrictStr, Field(min_length=3, description="人员键：辖区代码/姓名（同名时加 #序号）")]
Sort = Annotated[StrictInt, Field(ge=0, le=2_147_483_647, description="排序（非负整数）")]
Level = Literal[tuple(JurisdictionLevel.values)]  # type: ignore[valid-type]
Kind = Literal[tuple(UnitKind.values)]  # type: ignore[valid-type]
MemberRole = Literal[tuple(GroupRole.values)]  # type: ignore[valid-type]
AccountRole = Literal[(*Role.values, "")]  # type: ignore[valid-type]


class JurisdictionRecord(ExchangeModel):
    """A jurisdiction (辖区). Its parent is fixed once created: an import never moves a jurisdiction."""

    code: Code
    name: _text(60, description="名称")  # type: ignore[valid-type]
    level: Level = Field(description="层级")
    parent_code: Code | None = Field(default=None, description="上级辖区代码；只有根辖区和最高一级可为 null")


class UnitRecord(ExchangeModel):
    """A responsible unit (责任单位), identified by (jurisdiction_code, name)."""

    jurisdiction_code: Code
    name: _text(80, description="单位名称（在辖区内唯一）")  # type: ignore[valid-type]
    short_name: _text(30, required=False, description="简称") = ""  # type: ignore[valid-type]
    kind: Kind = Field(description="单位类别")
    rank_group: _text(30, required=False, description="考核分组（如 区直单位、镇街）") = ""  # type: ignore[valid-type]
    governs_code: Code | None = Field(default=None, description="下级政府或街道对应的辖区代码")
    is_active: StrictBool = True
    sort: Sort = 0


class PersonRecord(ExchangeModel):
    """A person with a post; leaders carry the units they are in charge of (分管单位)."""

    key: PersonKey
    jurisdiction_code: Code
    name: _text(40, description="姓名")  # type: ignore[valid-type]
    unit: UnitKey | None = Field(default=None, description="所在单位的单位键")
    post: _text(80, required=False, description="职务") = ""  # type: ignore[valid-type]
    is_leader: StrictBool = False
    units_in_charge: list[UnitKey] = Field(default_factory=list, description="分管单位的单位键")
    phone: _text(20, required=False, description="手机") = ""  # type: ignore[valid-type]
    email: Annotated[StrictStr, Field(max_length=254), AfterValidator(_check_email)] = ""
    is_active: StrictBool = True


class MemberRecord(ExchangeModel):
    person: PersonKey
    role: MemberRole = Field(description="在领导小组中的职务")
    sort: Sort = 0


class LeadingGroupRecord(ExchangeModel):
    """The leading group (领导小组) of a jurisdiction; its members in the file are its whole roster."""

    jurisdiction_code: Code
    name: _text(80, description="名称")  # type: ignore[valid-type]
    office: UnitKey | None = Field(default=None, description="办公室（项目办/重点办）的单位键")
    office_duties: StrictStr = ""
    members: list[MemberRecord] = Field(default_factory=list)


class AccountRecord(ExchangeModel):
    """An account. Never a password: a new account gets none and must be reset by an office admin."""

    username: Annotated[StrictStr, Field(min_length=1, max_length=150), AfterValidator(_check_username)]
    display_name: _text(40, required=False, description="显示名") = ""  # type: ignore[valid-type]
    role: AccountRole = Field(description="角色")
    jurisdiction_code: Code
    unit: UnitKey | None = Field(default=None, description="所在单位的单位键")
    person: PersonKey | None = Field(default=None, description="对应人员的人员键")
    is_active: StrictBool = True


class OrganisationSection(ExchangeModel):
    """Section `organisation` (since 1.0): the subtree's organisation (REQ A1–A2)."""

    ancestors: list[JurisdictionRecord] = Field(
        default_factory=list, description="根辖区的上级链（自上而下），仅用于在空系统中补建上级，不会被修改"
    )
    jurisdictions: list[JurisdictionRecord]
    units: list[UnitRecord] = Field(default_factory=list)
    people: list[PersonRecord] = Field(default_factory=list)
    leading_groups: list[LeadingGroupRecord] = Field(default_factory=list)
    accounts: list[AccountRecord] = Field(default_factory=list)


class EnvelopeHeader(ExchangeModel):
    """What every file starts with; `sections` is added per registered section (registry.envelope_model)."""

    format: Literal[FORMAT_NAME]  # type: ignore[valid-type]
    version: Annotated[StrictStr, Field(pattern=r"^\d+\.\d+$", description="格式版本 主版本.次版本")]
    exported_at: AwareDatetime
    source_installation: Annotated[StrictStr, Field(max_length=200)] = ""
    root: Code


def unit_key(jurisdiction_code: str, name: str) -> str:
    return f"{jurisdiction_code}/{name}"


def split_unit_key(key: str) -> tuple[str, str] | None:
    """ "360102/区发改委" → ("360102", "区发改委"); None when the key has no code or no name."""
    code, sep, name = key.partition("/")
    if not sep or not code or not name:
        return None
    return code, name


def person_key(jurisdiction_code: str, name: str, ordinal: int) -> str:
    """The person key: ordinal 1 is the first person of that name in the jurisdiction (by entry order)."""
    base = f"{jurisdiction_code}/{name}"
    return base if ordinal == 1 else f"{base}#{ordinal}"


def person_key_ordinal(key: str, jurisdiction_code: str, name: str) -> int | None:
    """The ordinal a key gives for this person, or None when the key does not belong to them."""
    base = f"{jurisdiction_code}/{name}"
    if key == base:
        return 1
    suffix = key.removeprefix(base + "#")
    if (
        suffix != key
        and suffix.isascii()
        and suffix.isdigit()
        and not suffix.startswith("0")
        and int(suffix) >= 2
    ):
        return int(suffix)
    return None


def exported_now() -> datetime:
    from django.utils import timezone

    return timezone.localtime().replace(microsecond=0)
