"""The rest of the demo city for `tuijin demo --projects N`: five more districts of 南昌市 beside 东湖区,
each with its streets, units, fictional leaders and staff and a leading group, and the city's own
project office, whose admin sees every district (issue 3 part 8, scale tests and benchmarks)."""

from __future__ import annotations

import random

from simple_history.utils import bulk_create_with_history

from tuijin.org.models import Jurisdiction, LeadingGroup, LeadingGroupMember, Person, Unit

from . import data

# (code, name, streets, share of the city's projects). Street names are real; their codes are invented
# in the pattern of the demo district's.
DISTRICTS = [
    ("360102", "东湖区", [], 10),
    (
        "360103",
        "西湖区",
        [
            "南浦街道",
            "朝阳岗街道",
            "广润门街道",
            "系马桩街道",
            "绳金塔街道",
            "十字街街道",
            "桃源街道",
            "朝农街道",
        ],
        10,
    ),
    ("360104", "青云谱区", ["洪都街道", "京山街道", "岱山街道", "徐家坊街道", "三家店街道", "青云谱镇"], 8),
    (
        "360111",
        "青山湖区",
        ["湖坊镇", "塘山镇", "京东镇", "罗家镇", "青山路街道", "上海路街道", "艾溪湖管理处"],
        12,
    ),
    ("360112", "新建区", ["长堎镇", "望城镇", "生米镇", "西山镇", "石埠镇", "乐化镇", "溪霞镇"], 11),
    (
        "360113",
        "红谷滩区",
        ["沙井街道", "卫东街道", "红角洲管理处", "凤凰洲管理处", "九龙湖管理处", "生米街道"],
        13,
    ),
]
CITY_OFFICE = ("南昌市重大重点项目推进中心", "市重点项目中心")


def city_office(city: Jurisdiction) -> Unit:
    return Unit.objects.get_or_create(
        jurisdiction=city,
        name=CITY_OFFICE[0],
        defaults={"short_name": CITY_OFFICE[1], "kind": "office"},
    )[0]


def build_district(city: Jurisdiction, code: str, name: str, streets: list[str], names) -> Jurisdiction:
    """A district with its streets, units (named as the demo district's), leaders in charge of them,
    staff in every unit and a leading group. Nothing is rebuilt when the district already exists."""
    existing = Jurisdiction.objects.filter(code=code).first()
    if existing is not None:
        return existing
    district = Jurisdiction.objects.create(code=code, name=name, level="district", parent=city)
    short = name.removesuffix("区")
    units: dict[str, Unit] = {}
    for sort, (unit_name, unit_short, kind, group) in enumerate(data.UNITS):
        units[unit_short] = Unit.objects.create(
            jurisdiction=district,
            name=unit_name.replace("东湖", short),
            short_name=unit_short.replace("东湖", short),
            kind=kind,
            rank_group=group,
            sort=sort,
        )
    for number, street_name in enumerate(streets, start=1):
        street = Jurisdiction.objects.create(
            code=f"{code}{number:03d}", name=street_name, level="street", parent=district
        )
        units[street_name] = Unit.objects.create(
            jurisdiction=district,
            name=street_name if street_name.endswith(("管理处", "镇")) else street_name + "办事处",
            short_name=street_name,
            kind="street",
            rank_group="镇街",
            governs=street,
            sort=len(data.UNITS) + number,
        )
    _people(district, units, names)
    return district


def _people(district: Jurisdiction, units: dict[str, Unit], names) -> None:
    leaders = []
    for post, _role, in_charge in data.LEADERS:
        person = Person.objects.create(jurisdiction=district, name=next(names), post=post, is_leader=True)
        person.units_in_charge.set([units[s] for s in in_charge if s in units])
        leaders.append(person)
    staff = [
        Person(jurisdiction=district, unit=unit, name=next(names), post=post)
        for unit in units.values()
        for post in ("主要负责人", "项目联络员")
    ]
    bulk_create_with_history(staff, Person, default_change_reason="演示数据")
    group = LeadingGroup.objects.create(
        jurisdiction=district,
        name=f"{district.name}重大重点项目推进工作领导小组",
        office=units["区公建中心"],
        office_duties=data.OFFICE_DUTIES,
    )
    LeadingGroupMember.objects.bulk_create(
        [
            LeadingGroupMember(group=group, person=person, role=role, sort=sort)
            for sort, (person, (_post, role, _units)) in enumerate(zip(leaders, data.LEADERS, strict=True))
        ]
    )


def fictional_names(rng: random.Random, taken: set[str]):
    """Names not yet used by anyone in the demo (never a real official's: DESIGN.md "Demo data")."""
    while True:
        name = rng.choice(data.SURNAMES) + rng.choice(data.GIVEN)
        if name not in taken:
            taken.add(name)
            yield name
