"""Section `organisation` (format 1.0): jurisdictions, units, people, leading groups, accounts (REQ A1–A2).

Export reads the root's subtree through the access scope; import is in `organisation_import.py`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db.models import Prefetch

from tuijin.org.models import Jurisdiction, LeadingGroup, LeadingGroupMember, Person, Unit, User

from .organisation_import import import_organisation
from .registry import ExportContext, register_section
from .schema import (
    AccountRecord,
    JurisdictionRecord,
    LeadingGroupRecord,
    MemberRecord,
    OrganisationSection,
    PersonRecord,
    UnitRecord,
    person_key,
    unit_key,
)


def person_keys_of(people: Iterable[Person]) -> dict[int, str]:
    """Person keys (schema.person_key) for these people, numbering namesakes in a jurisdiction by id.
    One query over all namesakes, including those not in `people`, so the numbers are the same
    whichever subset is exported."""
    pairs = {(p.jurisdiction_id, p.name) for p in people}
    if not pairs:
        return {}
    rows = (
        Person.objects.filter(jurisdiction_id__in={j for j, _ in pairs}, name__in={n for _, n in pairs})
        .order_by("id")
        .values_list("id", "jurisdiction_id", "jurisdiction__code", "name")
    )
    seen: Counter[tuple[int, str]] = Counter()
    keys: dict[int, str] = {}
    for pk, jurisdiction_id, code, name in rows:
        seen[(jurisdiction_id, name)] += 1
        keys[pk] = person_key(code, name, seen[(jurisdiction_id, name)])
    return keys


def _unit_key(unit: Unit | None) -> str | None:
    return unit_key(unit.jurisdiction.code, unit.name) if unit is not None else None


def _jurisdiction_record(j: Jurisdiction) -> JurisdictionRecord:
    return JurisdictionRecord(
        code=j.code, name=j.name, level=j.level, parent_code=j.parent.code if j.parent else None
    )


def _ancestors(root: Jurisdiction) -> list[JurisdictionRecord]:
    # The chain above the root is context for placing the subtree in an installation that lacks it; it
    # is read unscoped on purpose and reveals nothing beyond the codes in the root's own path.
    codes = root.path.strip("/").split("/")[:-1]
    chain = Jurisdiction.objects.filter(code__in=codes).select_related("parent")
    return [_jurisdiction_record(j) for j in sorted(chain, key=lambda j: j.path)]


def _unit_record(u: Unit) -> UnitRecord:
    return UnitRecord(
        jurisdiction_code=u.jurisdiction.code,
        name=u.name,
        short_name=u.short_name,
        kind=u.kind,
        rank_group=u.rank_group,
        governs_code=u.governs.code if u.governs else None,
        is_active=u.is_active,
        sort=u.sort,
    )


def _person_record(p: Person, keys: dict[int, str]) -> PersonRecord:
    return PersonRecord(
        key=keys[p.pk],
        jurisdiction_code=p.jurisdiction.code,
        name=p.name,
        unit=_unit_key(p.unit),
        post=p.post,
        is_leader=p.is_leader,
        units_in_charge=sorted(_unit_key(u) for u in p.units_in_charge.all()),
        phone=p.phone,
        email=p.email,
        is_active=p.is_active,
    )


def _group_record(g: LeadingGroup, keys: dict[int, str]) -> LeadingGroupRecord:
    return LeadingGroupRecord(
        jurisdiction_code=g.jurisdiction.code,
        name=g.name,
        office=_unit_key(g.office),
        office_duties=g.office_duties,
        members=[MemberRecord(person=keys[m.person_id], role=m.role, sort=m.sort) for m in g.members.all()],
    )


def _account_record(a: User, keys: dict[int, str]) -> AccountRecord:
    # Never the password hash, nor log-in state: those stay with the installation.
    return AccountRecord(
        username=a.username,
        display_name=a.display_name,
        role=a.role,
        jurisdiction_code=a.jurisdiction.code,
        unit=_unit_key(a.unit),
        person=keys[a.person_id] if a.person_id else None,
        is_active=a.is_active,
    )


def export_organisation(ctx: ExportContext) -> OrganisationSection:
    """The organisation of the root's subtree. Records are sorted in Python, by code point, so the
    order is the same on every database (PostgreSQL collations order text differently from SQLite)
    and two exports of the same data compare equal."""
    root = ctx.root
    under = {"jurisdiction__path__startswith": root.path}
    jurisdictions = ctx.readable(Jurisdiction.objects.filter(path__startswith=root.path)).select_related(
        "parent"
    )
    units = ctx.readable(Unit.objects.filter(**under)).select_related("jurisdiction", "governs")
    people = ctx.readable(Person.objects.filter(**under)).select_related("jurisdiction", "unit__jurisdiction")
    people = people.prefetch_related(Prefetch("units_in_charge", Unit.objects.select_related("jurisdiction")))
    members = LeadingGroupMember.objects.select_related("person").order_by("sort", "id")
    groups = ctx.readable(LeadingGroup.objects.filter(**under)).select_related(
        "jurisdiction", "office__jurisdiction"
    )
    groups = groups.prefetch_related(Prefetch("members", members))
    accounts = ctx.readable(User.objects.filter(**under)).select_related(
        "jurisdiction", "unit__jurisdiction", "person"
    )
    people = sorted(people, key=lambda p: (p.jurisdiction.path, not p.is_leader, p.name, p.pk))
    groups = sorted(groups, key=lambda g: g.jurisdiction.path)
    accounts = sorted(accounts, key=lambda a: a.username)
    linked = [m.person for g in groups for m in g.members.all()] + [a.person for a in accounts if a.person]
    keys = person_keys_of([*people, *linked])
    return OrganisationSection(
        ancestors=_ancestors(root),
        jurisdictions=[_jurisdiction_record(j) for j in sorted(jurisdictions, key=lambda j: j.path)],
        units=[_unit_record(u) for u in sorted(units, key=lambda u: (u.jurisdiction.path, u.sort, u.name))],
        people=[_person_record(p, keys) for p in people],
        leading_groups=[_group_record(g, keys) for g in groups],
        accounts=[_account_record(a, keys) for a in accounts],
    )


register_section(
    "organisation",
    OrganisationSection,
    export_organisation,
    import_organisation,
    since_minor=0,
    label="组织：辖区、责任单位、人员、领导小组、账号（1.0 起）",
    kinds={
        "jurisdictions": "辖区",
        "units": "责任单位",
        "people": "人员",
        "leading_groups": "领导小组",
        "leading_group_members": "领导小组成员",
        "accounts": "账号",
    },
)
