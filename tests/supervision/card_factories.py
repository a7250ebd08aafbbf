"""Builders for card tests: 督办单 through the problems' slip service, a rule set with a [cards] section,
and a unit carried up the ladder (yellow cards issued in the monthly review, a red card issued)."""

from __future__ import annotations

from datetime import date

from tuijin.problems import services as problem_services
from tuijin.supervision import card_services
from tuijin.supervision.models import Card

TODAY = date(2024, 6, 14)


def supervise(world, unit=None, *, today=TODAY, subject="施工许可证办理滞后", actor=None):
    """A 督办单 to `unit` (default the world's 区发改委), issued by the office."""
    return problem_services.slip_issue(
        actor=actor or world.admin,
        kind="supervise",
        jurisdiction=world.district,
        to_unit=unit or world.dept,
        subject=subject,
        content=f"请于5个工作日内反馈{subject}的办理情况。",
        today=today,
    )


def with_cards_rules(world, **cards) -> None:
    """Give the world's city a rule set whose [cards] section has `cards` (over WH19's numbers)."""
    from tuijin.core.models import RuleSet, RuleSetVersion

    section = {
        "supervisions_per_yellow": 1,
        "yellows_per_red": 2,
        "reds_per_referral": 2,
        "period": "year",
        "source": "WH19 四(二); 五; 附件3 第4行",
        "basis": "notice",
        **cards,
    }
    rule_set = RuleSet.objects.create(slug="test-cards", name="测试黄牌规则")
    RuleSetVersion.objects.create(rule_set=rule_set, number=1, data={"cards": section}, sha256="x")
    world.city.rule_set = rule_set
    world.city.save()


def review(world, month: date, *, today=TODAY, issue=None, set_aside=None):
    """Hold `month`'s card review issuing every candidate (or the ids in `issue`)."""
    from tuijin.supervision.card_selectors import review_candidates

    ids = issue if issue is not None else [c.pk for c in review_candidates(world.district, month)]
    return card_services.card_review_hold(
        actor=world.admin,
        jurisdiction=world.district,
        month=month,
        issue=ids,
        set_aside=set_aside,
        today=today,
    )


def red_for(world, unit=None, *, today=TODAY) -> Card:
    """Two 督办单 → two yellow cards issued in the month's review → the proposed red card."""
    unit = unit or world.dept
    supervise(world, unit, today=today)
    supervise(world, unit, today=today, subject="征迁协调未按期完成")
    review(world, today.replace(day=1), today=today)
    return Card.objects.get(unit=unit, color="red", status="proposed")


def circuit_referral(world, *, person_name="王某", today=date(2024, 7, 12)):
    """A circuit supervision of 区发改委 with a finding (and its photo) and a required action, and the
    accountability proposal resting on it (status "proposed")."""
    from tests.supervision.factories import jpeg
    from tuijin.supervision import services
    from tuijin.supervision.models import SupervisionAct

    act = SupervisionAct.objects.create(  # a circuit act is prepared from its checklist; here by hand
        jurisdiction=world.district,
        kind="circuit",
        title="2024年7月巡回督导",
        date=date(2024, 7, 10),
        month=date(2024, 7, 1),
        inspectors="区委督查室 张督查",
        created_by=world.supervisor,
    )
    act.units.add(world.dept)
    finding = services.finding_add(
        actor=world.supervisor,
        act=act,
        kind="minutes",
        unit=world.dept,
        reported="已按会议纪要完成征迁协调",
        observed="征迁协调未启动",
        note="会议纪要第3项落实不到位",
        today=today,
    )
    services.photo_add(
        actor=world.supervisor, act=act, file=jpeg(), taken_on=date(2024, 7, 10), finding=finding, today=today
    )
    services.action_add(
        actor=world.supervisor,
        act=act,
        unit=world.dept,
        content="七日内启动征迁协调并书面报告",
        deadline=date(2024, 7, 19),
        today=today,
    )
    return card_services.referral_propose(
        actor=world.supervisor,
        jurisdiction=world.district,
        unit=world.dept,
        origin="circuit",
        act=act,
        person_name=person_name,
        person_post="副主任",
        proposal="会议纪要事项落实不力，建议问责",
        today=today,
    )


def sent(world, referral, *, today=date(2024, 7, 16)):
    card_services.referral_consent(actor=world.leader, referral=referral, agree=True, today=today)
    return card_services.referral_send(actor=world.admin, referral=referral, today=today)
