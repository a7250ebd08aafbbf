"""Builds the demo district: the jurisdiction tree, 37 units, fictional leaders and staff, the leading
group, one account per role, and the project library with the year's plan modelled on DH24 (90 projects,
67.6亿元, 134 in early planning) told around `today`. Idempotent: a second run keeps what exists and resets
the demo logins.

`projects=N` builds a city instead (`tuijin demo --projects N`, for scale tests and benchmarks): six
districts of 南昌市 sharing N projects, the demo admin moved up to the city's project office.
"""

import random
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import transaction

from tuijin.org.models import (
    Jurisdiction,
    LeadingGroup,
    LeadingGroupMember,
    Person,
    Role,
    Unit,
    User,
    admin_site_access,
)
from tuijin.projects.models import AnnualPlan, Project

from . import city as city_builder
from . import data
from . import library_data as library_figures
from .chains import chains_and_lights
from .library import district_context, plan_for, wipe_library, write_library
from .stories import Library, NameSource, split, tell

DEMO_PASSWORD = "Tuijin@2026"


def _names(rng: random.Random):
    seen = set()
    while True:
        name = rng.choice(data.SURNAMES) + rng.choice(data.GIVEN)
        if name not in seen:
            seen.add(name)
            yield name


def _jurisdictions() -> tuple[Jurisdiction, list[Jurisdiction]]:
    province, _ = Jurisdiction.objects.get_or_create(
        code=data.PROVINCE[0], defaults={"name": data.PROVINCE[1], "level": "province"}
    )
    city, _ = Jurisdiction.objects.get_or_create(
        code=data.CITY[0], defaults={"name": data.CITY[1], "level": "city", "parent": province}
    )
    district, _ = Jurisdiction.objects.get_or_create(
        code=data.DISTRICT[0], defaults={"name": data.DISTRICT[1], "level": "district", "parent": city}
    )
    streets = [
        Jurisdiction.objects.get_or_create(
            code=code, defaults={"name": name, "level": "street", "parent": district}
        )[0]
        for code, name in data.STREETS
    ]
    return district, streets


def _units(district: Jurisdiction, streets: list[Jurisdiction]) -> dict[str, Unit]:
    units = {}
    for sort, (name, short, kind, group) in enumerate(data.UNITS):
        units[short] = Unit.objects.get_or_create(
            jurisdiction=district,
            name=name,
            defaults={"short_name": short, "kind": kind, "rank_group": group, "sort": sort},
        )[0]
    for sort, street in enumerate(streets, start=len(data.UNITS)):
        office = (
            street.name.replace("街道", "街道办事处")
            if street.name.endswith("街道")
            else street.name + "人民政府"
        )
        if street.name.endswith("管理处"):
            office = street.name
        units[street.name] = Unit.objects.get_or_create(
            jurisdiction=district,
            name=office,
            defaults={
                "short_name": street.name,
                "kind": "street",
                "rank_group": "镇街",
                "governs": street,
                "sort": sort,
            },
        )[0]
    return units


def _people(district, units, rng) -> tuple[list[Person], dict[str, Person]]:
    names = _names(rng)
    leaders = []
    for post, _role, in_charge in data.LEADERS:
        person = Person.objects.create(
            jurisdiction=district,
            name=next(names),
            post=post,
            is_leader=True,
            phone=f"139{rng.randrange(10**7, 10**8)}",
        )
        person.units_in_charge.set([units[s] for s in in_charge])
        leaders.append(person)
    heads = {}
    for short, unit in units.items():
        heads[short] = Person.objects.create(
            jurisdiction=district,
            unit=unit,
            name=next(names),
            post="主要负责人",
            phone=f"138{rng.randrange(10**7, 10**8)}",
        )
        for post in ("分管负责人", "项目联络员"):
            Person.objects.create(
                jurisdiction=district,
                unit=unit,
                name=next(names),
                post=post,
                phone=f"137{rng.randrange(10**7, 10**8)}",
            )
    return leaders, heads


def _leading_group(district, units, leaders):
    group = LeadingGroup.objects.create(
        jurisdiction=district,
        name=data.GROUP_NAME,
        office=units["区公建中心"],
        office_duties=data.OFFICE_DUTIES,
    )
    for sort, (person, (_post, role, _units)) in enumerate(zip(leaders, data.LEADERS, strict=True)):
        LeadingGroupMember.objects.create(group=group, person=person, role=role, sort=sort)
    return group


def _accounts(district, units, leaders, heads) -> list[tuple[User, str]]:
    people_by_role = {"leader": leaders[5], "unit_head": heads["区住建局"]}
    result = []
    for username, role, unit_short, label in data.ACCOUNTS:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.role = role
        user.jurisdiction = district
        user.unit = units[unit_short] if unit_short else None
        person = people_by_role.get(role)
        if person is not None and user.person_id is None and not hasattr(person, "account"):
            user.person = person
        user.display_name = f"{person.name}（{label}）" if person else label
        user.is_staff = admin_site_access(role)
        user.is_active = True
        user.locked_until = None
        user.must_change_password = False
        user.set_password(DEMO_PASSWORD)
        user.save()
        result.append((user, DEMO_PASSWORD))
    return result


def _unit_reporters(district, units, password_hash: str) -> int:
    """Every responsible unit has its own reporter account (unit01 …), as in a real roll-out."""
    for number, unit in enumerate(units.values(), start=1):
        user = User.objects.filter(username=f"unit{number:02d}").first() or User(username=f"unit{number:02d}")
        user.role, user.jurisdiction, user.unit = Role.UNIT_REPORTER, district, unit
        user.display_name = f"{unit.short_name or unit.name}填报员"
        user.is_active, user.locked_until, user.must_change_password = True, None, False
        user.password = password_hash  # hashed once: PBKDF2 per account would take seconds
        user.save()
    return len(units)


def demo_usernames(unit_count: int) -> set[str]:
    return {username for username, *_ in data.ACCOUNTS} | {f"unit{n:02d}" for n in range(1, unit_count + 1)}


def foreign_accounts() -> list[str]:
    """Accounts the demo did not create: a database with any is somebody's real data."""
    names = demo_usernames(len(data.UNITS) + len(data.STREETS))
    return list(User.objects.exclude(username__in=names).values_list("username", flat=True)[:5])


@dataclass
class DemoResult:
    accounts: list[tuple[User, str]]
    where: str  # what the demo admin looks after
    summary: list[str] = field(default_factory=list)


@transaction.atomic
def demo_build(*, today: date, seed: int = 2024, projects: int | None = None) -> DemoResult:
    """Create the demo district unless it exists; always (re)set the demo accounts' passwords. Its project
    library is built when the district has none; `projects=N` rebuilds a city's library of N projects."""
    rng = random.Random(seed)
    district, streets = _jurisdictions()
    units = _units(district, streets)
    if not LeadingGroup.objects.filter(jurisdiction=district).exists():
        leaders, heads = _people(district, units, rng)
        _leading_group(district, units, leaders)
    else:
        leaders = list(Person.objects.filter(jurisdiction=district, is_leader=True).order_by("id"))
        heads = {short: unit.people.order_by("id").first() for short, unit in units.items()}
    accounts = _accounts(district, units, leaders, heads)
    _unit_reporters(district, units, make_password(DEMO_PASSWORD))
    admin = next(user for user, _ in accounts if user.username == "admin")
    if projects is not None:
        return DemoResult(accounts, "南昌市", _city_library(district, admin, today, seed, projects))
    if Project.objects.filter(jurisdiction=district).exists():
        return DemoResult(accounts, district.name, [_kept(district)])
    return DemoResult(accounts, district.name, _district_library(district, admin, today, seed))


def _district_library(district: Jurisdiction, admin: User, today: date, seed: int) -> list[str]:
    """DH24's plan for today's year: 90 projects sharing 67.6亿元, 134 in early planning."""
    context = district_context(district, recorder=admin)
    library = tell(
        context,
        today=today,
        seed=seed,
        names=NameSource(),
        planned=library_figures.PLANNED_PROJECTS,
        early=library_figures.EARLY_PLANNING,
        completed=library_figures.COMPLETED_LAST_YEAR,
        investment=library_figures.PLANNED_INVESTMENT,
        notice=True,
    )
    plan = plan_for(context, library, today=today)
    write_library(library.stories, {district.pk: plan}, recorder=admin, today=today)
    from tuijin.demo.problems import demo_problems  # issue 5: the problem closed loop
    from tuijin.demo.reports import demo_reports  # issue 5: weekly and monthly reports

    # reports before the lights, so the stored lights already read them (missing and late weeks)
    reports = demo_reports(district, today=today, seed=seed)
    lights = chains_and_lights(library.stories, recorder=admin, today=today, seed=seed, root=district)
    _pick_dh24(district, admin)  # issue 6: the ladder (escalated problems), the cadences (meeting series)
    problems = demo_problems(district, today=today)
    # issue 6: supervision (its findings feed the lights, computed again after it), then the meetings
    # (their agendas read the escalated problems and the red lights), the matters decided at them, and
    # last the cards (every 督办单 of problems, matters and supervision acts proposes a yellow card)
    from tuijin.lights.services import lights_recompute

    from .chains import light_line

    later = _issue6(district, today, "supervision")
    lights_recompute(today=today, jurisdiction=district)
    lights = [*lights[:-1], light_line(district)]
    later += _issue6(district, today, "meetings", "matters", "cards")
    # issue 7: the assessment, last (it scores what every step above recorded)
    from .notify import demo_notify
    from .scoring import demo_scoring

    later.append(demo_scoring(district, today=today))
    later.append(demo_notify(district, today=today))  # issue 8: after the ranking the notice reads
    return [_plan_line(district.name, today.year, library), *lights, problems, reports, *later]


def _pick_dh24(district: Jurisdiction, admin: User) -> None:
    """The demo district runs DH24's rule set (东湖区 2024: its escalation ladder, cadences, [matters]
    and [cards]), chosen once the chains and their first lights are built."""
    from tuijin.core.models import RuleSet
    from tuijin.core.ruleset_services import jurisdiction_pick_ruleset

    rule_set = RuleSet.objects.filter(slug="donghu-2024").first()
    if rule_set is not None and district.rule_set_id is None:
        jurisdiction_pick_ruleset(actor=admin, jurisdiction=district, rule_set=rule_set)


def _issue6(district: Jurisdiction, today: date, *areas: str) -> list[str]:
    """Run `tuijin.demo.<area>.demo_<area>(district, today=)` of each named area, in order."""
    from tuijin.demo import cards, matters, meetings, supervision

    builders = {
        "supervision": supervision.demo_supervision,
        "meetings": meetings.demo_meetings,
        "matters": matters.demo_matters,
        "cards": cards.demo_cards,
    }
    return [builders[area](district, today=today) for area in areas]


def _plan_line(name: str, year: int, library: Library) -> str:
    money = f"{library.investment / 10000:.1f}亿元"
    return (
        f"项目库：{name}{year}年计划实施项目 {library.planned} 个（计划投资 {money}），"
        f"前期谋划项目 {library.early} 个，项目库共 {len(library.stories)} 个项目。"
    )


def _kept(district: Jurisdiction) -> str:
    years = sorted(AnnualPlan.objects.filter(jurisdiction=district).values_list("year", flat=True))
    count = Project.objects.filter(jurisdiction=district).count()
    plan = f"（年度计划：{'、'.join(map(str, years))}年）" if years else ""
    return f"项目库已有 {count} 个项目{plan}，保留不变；要按新的日期重建，请使用新的数据库。"


def _city_library(district: Jurisdiction, admin: User, today: date, seed: int, count: int) -> list[str]:
    """`count` projects over six districts of the city, each with its plan, built afresh."""
    city = district.parent
    removed = wipe_library(city)
    taken = set(Person.objects.values_list("name", flat=True))
    names = city_builder.fictional_names(random.Random(f"{seed}:city"), taken)
    districts = [
        city_builder.build_district(city, code, name, streets, names) if code != district.code else district
        for code, name, streets, _share in city_builder.DISTRICTS
    ]
    shares = split(count, {code: share for code, _n, _s, share in city_builder.DISTRICTS})
    project_names, stories, plans = NameSource(), [], {}
    lines = [f"已移除原有的 {removed} 个演示项目。"] if removed else []
    for jurisdiction in districts:
        context = district_context(jurisdiction, recorder=admin)
        library = tell(
            context,
            today=today,
            seed=seed,
            names=project_names,
            notice=jurisdiction == district,
            **_scaled(shares[jurisdiction.code], today),
        )
        plans[jurisdiction.pk] = plan_for(context, library, today=today)
        stories += library.stories
        lines.append(_plan_line(jurisdiction.name, today.year, library))
    write_library(stories, plans, recorder=admin, today=today)
    lines += chains_and_lights(stories, recorder=admin, today=today, seed=seed, root=city)
    office = city_builder.city_office(city)
    admin.jurisdiction, admin.unit, admin.display_name = city, office, "南昌市项目办管理员"
    admin.save(update_fields=["jurisdiction", "unit", "display_name"])
    lines.append(f"全市共 {len(stories)} 个项目；admin 为南昌市项目办管理员，可查看全市各区的项目。")
    return lines


def _scaled(total: int, today: date) -> dict[str, int]:
    """A district's share of the city's projects in DH24's proportions (90 : 134, plus last year's
    completed projects and the projects added to the plan during the year)."""
    figures = library_figures
    completed = round(total * figures.COMPLETED_LAST_YEAR / 232)
    planned = round((total - completed) * figures.PLANNED_PROJECTS / 226)
    replacements = figures.REPLACEMENTS if planned >= 20 and today >= date(today.year, 4, 1) else 0
    early = total - completed - planned - replacements
    investment = round(figures.PLANNED_INVESTMENT * planned / figures.PLANNED_PROJECTS, -2)
    return {
        "planned": planned,
        "early": early,
        "completed": completed,
        "investment": int(investment),
        "replacements": replacements,
    }


def wipe_issue6(root: Jurisdiction) -> None:
    """Remove the meetings, matters, supervision acts, cards and referrals of `root`'s subtree (they point
    at the projects, problems, slips and units the library wipe removes next)."""
    from tuijin.meetings.models import AgendaItem, Matter, Meeting, MeetingSeries
    from tuijin.supervision.models import Card, CardAppeal, CardReview, Referral, SupervisionAct

    under = {"jurisdiction__path__startswith": root.path}
    CardAppeal.objects.filter(card__jurisdiction__path__startswith=root.path).delete()
    Referral.objects.filter(**under).delete()
    cards = Card.objects.filter(**under)
    Card.from_cards.through.objects.filter(from_card_id__in=cards.values("pk")).delete()
    cards.delete()
    CardReview.objects.filter(**under).delete()
    SupervisionAct.objects.filter(**under).delete()
    AgendaItem.objects.filter(meeting__jurisdiction__path__startswith=root.path).delete()
    matters = Matter.objects.filter(**under)
    matters.update(first_raise=None, agenda_item=None, carried_to=None)
    matters.delete()
    Meeting.objects.filter(**under).delete()
    MeetingSeries.objects.filter(**under).delete()
