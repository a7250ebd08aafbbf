"""DH24 五(四) objective-cause exemption (免扣分): a unit applies for one project and one month, the
project's 挂点领导 and the unit's 分管领导 sign, a refusal by either refuses it, each month anew."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import account
from tests.scoring.exemption_factories import (
    TODAY,
    applied,
    granted,
    period,
    project,
    project_leader,
    wanghai,
    with_rules,
)
from tuijin.core.access import AccessDenied
from tuijin.org.models import LeadingGroup, LeadingGroupMember, Person, Role
from tuijin.scoring import exemption_services as svc
from tuijin.scoring.models import Exemption, ScorePeriod


@pytest.fixture
def rules(world):
    return with_rules(world)


def test_application_fixes_both_signers(world, rules):
    e = applied(world)
    assert e.status == "applied"
    assert e.unit == world.dept
    assert e.jurisdiction == world.district
    assert e.project_leader.name == "王海"
    assert e.leader_in_charge == world.leader_person
    assert e.applied_by == world.unit_head


def test_reporter_of_the_unit_may_apply(world, rules):
    e = svc.exemption_apply(
        by=world.reporter, project=project(world), month="2024-06", reason="暴雨", today=TODAY
    )
    assert e.applied_by == world.reporter


def test_other_units_staff_may_not_apply(world, rules):
    p = project(world, responsible_unit=world.other_dept)
    with pytest.raises(AccessDenied):
        svc.exemption_apply(by=world.unit_head, project=p, month="2024-06", reason="暴雨", today=TODAY)


def test_office_may_not_apply(world, rules):
    with pytest.raises(AccessDenied):
        svc.exemption_apply(
            by=world.admin, project=project(world), month="2024-06", reason="暴雨", today=TODAY
        )


def test_rule_set_without_the_mechanism_refuses(world):
    with_rules(world, exemption=False)
    with pytest.raises(ValidationError) as exc:
        applied(world)
    assert "没有客观原因免扣分机制" in exc.value.messages[0]
    assert "测试东湖区考核规则" in exc.value.messages[0]
    assert not Exemption.objects.exists()


def test_project_without_lead_leader_is_refused_naming_it(world, rules):
    p = project(world, lead_leader=None)
    with pytest.raises(ValidationError) as exc:
        applied(world, p=p)
    assert exc.value.message_dict["project"] == [
        "项目《东湖数字经济产业园》没有登记挂点领导，不能申请免扣分；请先在项目信息中登记挂点领导。"
    ]


def test_unit_without_leader_in_charge_is_refused_naming_it(world, rules):
    world.leader_person.units_in_charge.clear()
    with pytest.raises(ValidationError) as exc:
        applied(world)
    assert "区发展和改革委员会没有登记分管领导" in exc.value.message_dict["project"][0]


def test_several_leaders_in_charge_first_by_leading_group_order(world, rules):
    other = Person.objects.create(jurisdiction=world.district, name="陈立", post="区长", is_leader=True)
    other.units_in_charge.add(world.dept)
    group = LeadingGroup.objects.get(jurisdiction=world.district)
    LeadingGroupMember.objects.filter(person=world.leader_person).update(sort=5)
    LeadingGroupMember.objects.create(group=group, person=other, role="head", sort=1)
    assert [p.name for p in svc.leaders_in_charge(world.dept)] == ["陈立", "林志远"]
    assert applied(world).leader_in_charge == other


def test_applicant_may_choose_another_leader_in_charge(world, rules):
    other = Person.objects.create(jurisdiction=world.district, name="陈立", post="区长", is_leader=True)
    other.units_in_charge.add(world.dept)
    assert applied(world, leader_in_charge=other).leader_in_charge == other


def test_choosing_a_leader_not_in_charge_is_refused(world, rules):
    stranger = Person.objects.create(jurisdiction=world.district, name="赵强", is_leader=True)
    with pytest.raises(ValidationError) as exc:
        applied(world, leader_in_charge=stranger)
    assert exc.value.message_dict["leader_in_charge"] == [
        "赵强不是区发展和改革委员会的分管领导；可选：林志远。"
    ]


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2024-6", "月份“2024-6”格式不对，应写作 2024-06。"),
        ("2024Q2", "月份“2024Q2”格式不对，应写作 2024-06（免扣分一月一申请）。"),
        ("2024-08", "2024年8月尚未到来，只能申请本月、下月或以前的月份。"),
    ],
)
def test_bad_months_are_refused(world, rules, month, message):
    with pytest.raises(ValidationError) as exc:
        applied(world, month=month)
    assert exc.value.message_dict["month"] == [message]


def test_next_month_may_be_applied_for(world, rules):
    assert applied(world, month="2024-07").month == "2024-07"


def test_month_of_a_closed_period_is_refused(world, rules):
    period(world, "2024Q2", status="closed")
    with pytest.raises(ValidationError) as exc:
        applied(world, month="2024-06")
    assert exc.value.message_dict["month"] == ["2024年6月所在的考核期间（2024Q2）已关账，不能再申请免扣分。"]
    assert applied(world, month="2024-07").month == "2024-07"  # Q3 is not closed


def test_reason_is_required(world, rules):
    with pytest.raises(ValidationError) as exc:
        applied(world, reason="  ")
    assert "reason" in exc.value.message_dict


def test_one_live_application_per_project_and_month(world, rules):
    p = project(world)
    applied(world, p=p)
    with pytest.raises(ValidationError) as exc:
        applied(world, p=p)
    assert exc.value.message_dict["month"] == [
        "项目《东湖数字经济产业园》2024年6月已有免扣分申请（待签字），不能重复申请。"
    ]
    assert Exemption.objects.count() == 1


def test_a_withdrawn_application_frees_the_month(world, rules):
    p = project(world)
    svc.exemption_withdraw(by=world.reporter, exemption=applied(world, p=p))
    assert applied(world, p=p).status == "applied"


# --- signing --------------------------------------------------------------------------------------


def test_both_signatures_grant(world, rules):
    e = applied(world)
    first = svc.exemption_sign(by=wanghai(), exemption=e, agree=True).record
    assert first.status == "applied"
    assert first.project_leader_signed_at is not None
    assert first.leader_in_charge_signed_at is None
    second = svc.exemption_sign(by=world.leader, exemption=e, agree=True).record
    assert second.status == "granted"
    assert second.leader_in_charge_signed_at is not None
    assert second.decided_at is not None


def test_signing_order_does_not_matter(world, rules):
    e = applied(world)
    svc.exemption_sign(by=world.leader, exemption=e, agree=True)
    assert svc.exemption_sign(by=wanghai(), exemption=e, agree=True).record.status == "granted"


def test_one_person_holding_both_posts_signs_once(world, rules):
    p = project(world, lead_leader=world.leader_person)
    e = applied(world, p=p)
    assert svc.exemption_sign(by=world.leader, exemption=e, agree=True).record.status == "granted"


def test_a_refusal_by_either_refuses_with_the_note(world, rules):
    e = applied(world)
    svc.exemption_sign(by=wanghai(), exemption=e, agree=True)
    out = svc.exemption_sign(by=world.leader, exemption=e, agree=False, note="主观推进不力").record
    assert out.status == "refused"
    assert out.decided_note == "分管领导 林志远：主观推进不力"


def test_refusal_needs_a_reason(world, rules):
    e = applied(world)
    with pytest.raises(ValidationError) as exc:
        svc.exemption_sign(by=wanghai(), exemption=e, agree=False)
    assert exc.value.message_dict["note"] == ["不同意时须写明理由。"]
    e.refresh_from_db()
    assert e.status == "applied"


def test_the_wrong_leader_is_refused_naming_the_two(world, rules):
    e = applied(world)
    stranger = Person.objects.create(jurisdiction=world.district, name="赵强", is_leader=True)
    other_leader = account("zhaoqiang", Role.LEADER, world.district, person=stranger)
    with pytest.raises(AccessDenied) as exc:
        svc.exemption_sign(by=other_leader, exemption=e, agree=True)
    assert exc.value.message == "您无权签字：只有项目挂点领导 王海 或分管领导 林志远 可以签字。"
    e.refresh_from_db()
    assert (e.status, e.project_leader_signed_at, e.leader_in_charge_signed_at) == ("applied", None, None)


def test_an_account_without_person_cannot_sign(world, rules):
    with pytest.raises(AccessDenied):
        svc.exemption_sign(by=world.admin, exemption=applied(world), agree=True)


def test_signing_twice_is_refused(world, rules):
    e = applied(world)
    svc.exemption_sign(by=wanghai(), exemption=e, agree=True)
    with pytest.raises(ValidationError) as exc:
        svc.exemption_sign(by=wanghai(), exemption=e, agree=True)
    assert "不能重复签字" in exc.value.messages[0]


def test_a_decided_application_cannot_be_signed(world, rules):
    e = granted(world)
    with pytest.raises(ValidationError) as exc:
        svc.exemption_sign(by=world.leader, exemption=e, agree=False, note="改变主意")
    assert exc.value.messages == ["该免扣分申请已同意（不扣分），不能再签字。"]


def test_the_system_signs_for_a_named_person(world, rules):
    e = applied(world)
    svc.exemption_sign(by=None, exemption=e, agree=True, person=project_leader(world))
    out = svc.exemption_sign(by=None, exemption=e, agree=True, person=world.leader_person).record
    assert out.status == "granted"


# --- withdraw and renew ---------------------------------------------------------------------------


def test_withdraw_before_granted(world, rules):
    out = svc.exemption_withdraw(by=world.unit_head, exemption=applied(world))
    assert out.status == "withdrawn"


def test_withdraw_after_granted_is_refused(world, rules):
    with pytest.raises(ValidationError) as exc:
        svc.exemption_withdraw(by=world.unit_head, exemption=granted(world))
    assert exc.value.messages == ["该免扣分申请已同意（不扣分），不能撤回。"]


def test_other_unit_cannot_withdraw(world, rules):
    other = account("otherhead", Role.UNIT_HEAD, world.district, world.other_dept)
    with pytest.raises(AccessDenied):
        svc.exemption_withdraw(by=other, exemption=applied(world))


def test_renew_applies_for_the_next_month_with_the_same_signers(world, rules):
    e = granted(world)
    nxt = svc.exemption_renew(by=world.unit_head, exemption=e, progress="7月完成主体结构 30%", today=TODAY)
    assert (nxt.month, nxt.status, nxt.renews) == ("2024-07", "applied", e)
    assert nxt.reason == e.reason  # carried over
    assert nxt.progress == "7月完成主体结构 30%"
    assert (nxt.project_leader, nxt.leader_in_charge) == (e.project_leader, e.leader_in_charge)


def test_renew_only_from_a_granted_one(world, rules):
    with pytest.raises(ValidationError) as exc:
        svc.exemption_renew(by=world.unit_head, exemption=applied(world), today=TODAY)
    assert "只有已同意的免扣分才能续申请下月" in exc.value.messages[0]


def test_renewing_twice_is_refused(world, rules):
    e = granted(world)
    svc.exemption_renew(by=world.unit_head, exemption=e, today=TODAY)
    with pytest.raises(ValidationError):
        svc.exemption_renew(by=world.unit_head, exemption=e, today=TODAY)


def test_december_renews_into_january():
    assert svc.next_month("2024-12") == "2025-01"
    assert svc.next_month("2024-06") == "2024-07"
    assert svc.month_label("2024-06") == "2024年6月"


# --- the periods a grant touches -------------------------------------------------------------------


def test_grant_recomputes_open_computed_periods_and_lists_closed(world, rules, monkeypatch):
    calls = []

    def fake_run(*, jurisdiction, period_key, by=None, rule_version=None, reason=""):
        calls.append((period_key, by, reason))
        versions.append(rule_version)

    versions = []

    import tuijin.scoring.services as services

    monkeypatch.setattr(services, "score_run", fake_run)
    period(world, "2024-06", computed=True)
    period(world, "2024Q2", computed=True)
    period(world, "2024", computed=False)  # never computed: left alone
    period(world, "2024-05", computed=True)  # another month: untouched
    e = applied(world)
    svc.exemption_sign(by=wanghai(), exemption=e, agree=True)
    assert calls == []  # one signature grants nothing
    out = svc.exemption_sign(by=world.leader, exemption=e, agree=True)
    assert calls == [("2024-06", None, "免扣分签字同意"), ("2024Q2", None, "免扣分签字同意")]
    # each period keeps its own rule-set version (never "the version in force" after the signature)
    assert versions == [
        ScorePeriod.objects.get(key="2024-06").rule_version,
        ScorePeriod.objects.get(key="2024Q2").rule_version,
    ]
    assert out.recomputed == ["2024-06", "2024Q2"]
    assert "已重新计算2024-06、2024Q2的考评得分" in out.effect()


def test_a_failed_recomputation_is_a_warning_not_a_failure(world, rules, monkeypatch):
    import tuijin.scoring.services as services

    def broken(**kw):
        raise ValueError("规则集《测试》没有计分规则 [scoring]，不能计算考评")

    monkeypatch.setattr(services, "score_run", broken)
    period(world, "2024Q2", computed=True)
    e = applied(world)
    svc.exemption_sign(by=wanghai(), exemption=e, agree=True)
    out = svc.exemption_sign(by=world.leader, exemption=e, agree=True)
    assert out.record.status == "granted"
    assert out.warnings == ["2024Q2 重新计算未完成：规则集《测试》没有计分规则 [scoring]，不能计算考评"]
