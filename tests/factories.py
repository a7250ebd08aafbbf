"""Test data builders and the named personas every test uses (healthchecks' alice/bob idea)."""

from dataclasses import dataclass

from tuijin.org.models import (
    Jurisdiction,
    LeadingGroup,
    LeadingGroupMember,
    Person,
    Role,
    Unit,
    UnitKind,
    User,
)

PASSWORD = "Tuijin-test-2026"


def jurisdiction(code, name, level, parent=None):
    return Jurisdiction.objects.create(code=code, name=name, level=level, parent=parent)


def unit(jur, name, kind=UnitKind.DEPARTMENT, **kw):
    return Unit.objects.create(jurisdiction=jur, name=name, kind=kind, **kw)


def account(username, role, jur, unit=None, person=None, **kw):
    user = User(
        username=username,
        role=role,
        jurisdiction=jur,
        unit=unit,
        person=person,
        display_name=kw.pop("display_name", username),
        is_staff=role == Role.OFFICE_ADMIN,
        **kw,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


@dataclass
class World:
    """A city with two districts. Personas live in 东湖区 unless their name says otherwise."""

    city: Jurisdiction
    district: Jurisdiction
    street: Jurisdiction
    other_district: Jurisdiction
    office: Unit
    dept: Unit
    other_dept: Unit
    street_unit: Unit
    foreign_unit: Unit
    leader_person: Person
    admin: User
    leader: User
    unit_head: User
    reporter: User
    supervisor: User
    discipline: User
    foreign_admin: User

    def personas(self) -> dict[str, User]:
        return {
            "office_admin": self.admin,
            "leader": self.leader,
            "unit_head": self.unit_head,
            "unit_reporter": self.reporter,
            "supervisor": self.supervisor,
            "discipline": self.discipline,
        }


def build_world() -> World:
    province = jurisdiction("36", "江西省", "province")
    city = jurisdiction("3601", "南昌市", "city", province)
    district = jurisdiction("360102", "东湖区", "district", city)
    street = jurisdiction("360102001", "公园街道", "street", district)
    other = jurisdiction("360111", "青山湖区", "district", city)
    office = unit(district, "区重点公共建设项目管理中心", UnitKind.OFFICE, short_name="区公建中心")
    dept = unit(district, "区发展和改革委员会", short_name="区发改委", rank_group="区直单位")
    other_dept = unit(district, "区住房和城乡建设局", short_name="区住建局", rank_group="区直单位")
    street_unit = unit(district, "公园街道办事处", UnitKind.STREET, governs=street, rank_group="镇街")
    supervision = unit(district, "区委区政府督查室", UnitKind.SUPERVISION)
    discipline_unit = unit(district, "区纪委监委", UnitKind.DISCIPLINE)
    foreign_unit = unit(other, "青山湖区发改委")
    leader_person = Person.objects.create(jurisdiction=district, name="林志远", post="副区长", is_leader=True)
    leader_person.units_in_charge.add(dept)
    head_person = Person.objects.create(jurisdiction=district, name="周文博", post="主任", unit=dept)
    Person.objects.create(jurisdiction=district, name="吴晓", post="科员", unit=other_dept)
    group = LeadingGroup.objects.create(
        jurisdiction=district, name="东湖区重大重点项目推进工作领导小组", office=office
    )
    LeadingGroupMember.objects.create(group=group, person=leader_person, role="deputy")
    return World(
        city=city,
        district=district,
        street=street,
        other_district=other,
        office=office,
        dept=dept,
        other_dept=other_dept,
        street_unit=street_unit,
        foreign_unit=foreign_unit,
        leader_person=leader_person,
        admin=account("admin", Role.OFFICE_ADMIN, district, office),
        leader=account("leader", Role.LEADER, district, person=leader_person),
        unit_head=account("head", Role.UNIT_HEAD, district, dept, person=head_person),
        reporter=account("reporter", Role.UNIT_REPORTER, district, dept),
        supervisor=account("supervisor", Role.SUPERVISOR, district, supervision),
        discipline=account("discipline", Role.DISCIPLINE, district, discipline_unit),
        foreign_admin=account("foreign_admin", Role.OFFICE_ADMIN, other, foreign_unit),
    )
