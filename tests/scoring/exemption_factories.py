"""Builders for the exemption, bonus and rectification tests (H4). 东湖区 runs a rule set with DH24's
objective-cause exemption and WH19's bonus allowance; project 东湖数字经济产业园 is led by 王海 (挂点领导,
account `wanghai`) and its responsible unit 区发改委 is in the charge of 林志远 (world.leader)."""

from datetime import date

from tests.factories import account
from tests.projects.factories import project as make_project
from tuijin.core.models import RuleSet, RuleSetVersion
from tuijin.org.models import Person, Role
from tuijin.scoring.models import Exemption, Rectification, ScorePeriod

TODAY = date(2024, 6, 20)
EXEMPTION = {
    "signers": ["project_leader", "leader_in_charge"],
    "renew": "monthly",
    "covers": ["late_start", "behind_plan", "ceremony"],
    "source": "DH24 五(四)",
}


def with_rules(world, *, exemption=True, bonus_max=5) -> RuleSetVersion:
    """A rule set for 东湖区 (picked by the city) with `[scoring.exemption]` and `[scoring.year]`."""
    scoring: dict = {}
    if exemption:
        scoring["exemption"] = dict(EXEMPTION)
    if bonus_max is not None:
        scoring["year"] = {"method": "quarter_average", "bonus_max": bonus_max, "source": "WH19 四(四)"}
    rule_set = RuleSet.objects.create(slug="test-dh24", name="测试东湖区考核规则")
    version = RuleSetVersion.objects.create(
        rule_set=rule_set, number=1, data={"scoring": scoring} if scoring else {}, sha256="x"
    )
    world.city.rule_set = rule_set
    world.city.save()
    return version


def project_leader(world) -> Person:
    person = Person.objects.filter(name="王海").first()
    if person is None:
        person = Person.objects.create(
            jurisdiction=world.district, name="王海", post="区委常委", is_leader=True
        )
        account("wanghai", Role.LEADER, world.district, person=person)
    return person


def project(world, **kw):
    kw.setdefault("name", "东湖数字经济产业园")
    kw.setdefault("lead_leader", project_leader(world))
    return make_project(world, **kw)


def applied(world, *, month="2024-06", p=None, **kw) -> Exemption:
    from tuijin.scoring.exemption_services import exemption_apply

    p = p or project(world)
    kw.setdefault("reason", "受持续强降雨影响，土方外运暂停")
    kw.setdefault("progress", "已完成基坑支护")
    return exemption_apply(by=world.unit_head, project=p, month=month, today=TODAY, **kw)


def granted(world, **kw) -> Exemption:
    from tuijin.scoring.exemption_services import exemption_sign

    e = applied(world, **kw)
    exemption_sign(by=wanghai(), exemption=e, agree=True)
    exemption_sign(by=world.leader, exemption=e, agree=True)
    e.refresh_from_db()
    return e


def wanghai():
    from tuijin.org.models import User

    return User.objects.get(username="wanghai")


def period(world, key="2024Q2", *, status="open", computed=False, version=None) -> ScorePeriod:
    from django.utils import timezone

    from tuijin.core.rules.ledger import parse_period

    bounds = parse_period(key)
    version = version or RuleSetVersion.objects.order_by("-id").first() or with_rules(world)
    return ScorePeriod.objects.create(
        jurisdiction=world.district,
        key=key,
        kind=bounds.kind,
        start=bounds.start,
        end=bounds.end,
        rule_version=version,
        status=status,
        computed_at=timezone.now() if computed else None,
    )


def rectification(world, p=None, *, unit=None, status="due", rank=5, due=date(2024, 7, 15)) -> Rectification:
    p = p or period(world)
    return Rectification.objects.create(period=p, unit=unit or world.dept, rank=rank, due=due, status=status)


def year(world, version=None) -> ScorePeriod:
    return period(world, "2024", version=version)
