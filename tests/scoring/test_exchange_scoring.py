"""Section `scoring` of the exchange format (1.5): exemptions and bonuses travel, decided ones are never
rewritten by an import, errors name the record."""

from datetime import UTC, datetime
from decimal import Decimal

from tuijin.core.exchange.services import exchange_export, exchange_import
from tuijin.core.models import RuleSet, RuleSetVersion
from tuijin.scoring.models import Bonus, Exemption, ScorePeriod

from ..projects.factories import project

SIGNED = datetime(2024, 7, 3, 2, 0, tzinfo=UTC)


def with_rules(world) -> None:
    rule_set = RuleSet.objects.create(slug="test-scoring", name="测试计分规则")
    RuleSetVersion.objects.create(rule_set=rule_set, number=1, data={}, sha256="x")
    world.city.rule_set = rule_set
    world.city.save()


def scene(world):
    with_rules(world)
    p = project(world, name="东湖数字经济产业园", lead_leader=world.leader_person)
    granted = Exemption.objects.create(
        jurisdiction=world.district,
        unit=world.dept,
        project=p,
        month="2024-06",
        reason="受持续强降雨影响，土方外运暂停",
        progress="已完成基坑支护",
        applied_by=world.unit_head,
        project_leader=world.leader_person,
        project_leader_signed_at=SIGNED,
        leader_in_charge=world.leader_person,
        leader_in_charge_signed_at=SIGNED,
        status="granted",
        decided_at=SIGNED,
    )
    Exemption.objects.create(
        jurisdiction=world.district,
        unit=world.dept,
        project=p,
        month="2024-07",
        reason="强降雨持续",
        renews=granted,
        applied_by=world.unit_head,
        project_leader=world.leader_person,
        leader_in_charge=world.leader_person,
    )
    year = ScorePeriod.objects.create(
        jurisdiction=world.district,
        key="2024",
        kind="year",
        start=datetime(2024, 1, 1).date(),
        end=datetime(2024, 12, 31).date(),
        rule_version=RuleSetVersion.objects.get(),
    )
    Bonus.objects.create(
        period=year,
        unit=world.dept,
        points=Decimal("2.5"),
        reason="获省政府通报表扬",
        document="赣府办字〔2024〕8号",
        proposed_by=world.admin,
        status="approved",
        decided_by=world.leader,
        decided_at=SIGNED,
    )
    return p


def test_round_trip_gives_the_same_file_and_rebuilds_the_records(world):
    scene(world)
    first = exchange_export(actor=world.admin, jurisdiction=world.district)
    section = first["sections"]["scoring"]
    assert [e["month"] for e in section["exemptions"]] == ["2024-06", "2024-07"]
    assert section["exemptions"][1]["renews"] == "2024-06"
    assert section["exemptions"][0]["project_leader"].endswith("/林志远")
    assert section["bonuses"][0]["points"] in ("2.50", "2.5", Decimal("2.50"))
    Exemption.objects.filter(renews__isnull=False).delete()
    Exemption.objects.all().delete()
    Bonus.objects.all().delete()
    report = exchange_import(actor=world.admin, data=first)
    assert report.ok, report.summary()
    assert report.counts["exemptions"].created == 2 and report.counts["bonuses"].created == 1
    later = Exemption.objects.get(month="2024-07")
    assert later.renews.month == "2024-06" and later.status == "applied"
    assert Exemption.objects.get(month="2024-06").leader_in_charge_signed_at == SIGNED
    assert Bonus.objects.get().decided_by == world.leader
    again = exchange_export(actor=world.admin, jurisdiction=world.district)
    assert again["sections"]["scoring"] == first["sections"]["scoring"]


def test_a_decided_exemption_is_not_rewritten_and_nothing_is_written(world):
    scene(world)
    data = exchange_export(actor=world.admin, jurisdiction=world.district)
    data["sections"]["scoring"]["exemptions"][0]["reason"] = "改写的理由"
    data["sections"]["scoring"]["bonuses"].append(
        {**data["sections"]["scoring"]["bonuses"][0], "seq": 2, "points": "3", "status": "approved"}
    )
    report = exchange_import(actor=world.admin, data=data)
    assert not report.ok
    text = report.summary()
    assert "已签字决定，导入不能改写" in text
    assert "超过最高 5 分" in text
    assert Exemption.objects.get(month="2024-06").reason == "受持续强降雨影响，土方外运暂停"
    assert Bonus.objects.count() == 1


def test_bad_records_are_named(world):
    scene(world)
    data = exchange_export(actor=world.admin, jurisdiction=world.district)
    item = data["sections"]["scoring"]["exemptions"][1]
    item["month"] = "2024-13"
    report = exchange_import(actor=world.admin, data=data)
    assert not report.ok
    assert "月份应写作 YYYY-MM" in report.summary()
    assert "exemptions" in report.summary()


def test_the_jurisdictions_rule_set_travels_by_slug(world):
    scene(world)
    world.district.rule_set = RuleSet.objects.get(slug="test-scoring")
    world.district.save()
    data = exchange_export(actor=world.admin, jurisdiction=world.district)
    assert data["sections"]["scoring"]["rule_sets"] == [
        {"jurisdiction_code": "360102", "rule_set": "test-scoring"}
    ]
    world.district.rule_set = None
    world.district.save()
    report = exchange_import(actor=world.admin, data=data)
    assert report.ok, report.summary()
    world.district.refresh_from_db()
    assert world.district.rule_set.slug == "test-scoring"
    data["sections"]["scoring"]["rule_sets"][0]["rule_set"] = "no-such-rules"
    report = exchange_import(actor=world.admin, data=data)
    assert not report.ok and "本系统没有标识为 no-such-rules 的规则集" in report.summary()
