"""Monthly circuit supervision (巡回督导, KF19 五): the month's checklist per unit from the stored facts
(open matters past their deadline, red and yellow nodes, 应开未开 / 应竣未竣), confirming lines as
findings, and accountability proposals (问责建议) that follow the cards' referral path."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.lights.boards import light, node, node_light
from tests.projects.factories import project
from tests.supervision.factories import TODAY
from tuijin.core.access import AccessDenied
from tuijin.meetings.models import Matter, Meeting, MeetingSeries
from tuijin.supervision import selectors, services
from tuijin.supervision.models import Finding, SupervisionAct

pytestmark = pytest.mark.django_db
MAY = date(2024, 5, 1)


def _matter(world, *, title, deadline, status="open", lead=None, **kw):
    series, _ = MeetingSeries.objects.get_or_create(
        jurisdiction=world.district,
        key="monthly",
        defaults={"name": "区重大项目月度调度会", "frequency": "monthly", "chair": "区长"},
    )
    meeting = Meeting.objects.create(
        series=series,
        jurisdiction=world.district,
        title="5月调度会",
        date=date(2024, 5, 10),
        created_by=world.admin,
    )
    return Matter.objects.create(
        jurisdiction=world.district,
        meeting=meeting,
        series=series,
        number=Matter.objects.count() + 1,
        title=title,
        content="限期办结",
        lead_unit=lead or world.dept,
        deadline=deadline,
        status=status,
        **kw,
    )


@pytest.fixture
def facts(world):
    """Stored facts of 东湖区: two open matters (one past its deadline), a red and a green node, a project
    that should have started and one that should have finished; one of another district."""
    _matter(world, title="协调用地报批", deadline=date(2024, 5, 20))
    _matter(world, title="尚未到期", deadline=date(2024, 6, 20))
    _matter(
        world,
        title="已销号",
        deadline=date(2024, 5, 1),
        status="closed",
        closed_at=timezone.now(),
        done_on=date(2024, 4, 30),
    )
    late = project(world, name="东湖数字产业园", stage="construction")
    node_light(
        node(late, "施工许可证", unit=world.other_dept), "red", days=12, reason="施工许可证 超期 12 个工作日"
    )
    node_light(node(late, "环评"), "green")
    start = project(
        world, name="东湖智慧物流园", planned_start=date(2024, 3, 1), planned_start_precision="month"
    )
    light(start, "yellow", should_start=True)
    finish = project(world, name="东湖文化中心", stage="construction", planned_completion=date(2024, 4, 30))
    light(finish, "red", should_finish=True)
    foreign = project(world, jurisdiction=world.other_district, responsible_unit=world.foreign_unit)
    light(foreign, "red", should_start=True)
    return {"late": late, "start": start, "finish": finish}


def test_the_checklist_groups_the_stored_facts_per_unit(world, facts):
    checklist = selectors.circuit_checklist(world.district, month=MAY, today=TODAY)
    assert checklist.totals == {"minutes": 1, "node_plan": 1, "should_start": 1, "should_finish": 1}
    groups = {g.unit.name: [(ln.kind, ln.project_name, ln.text) for ln in g.lines] for g in checklist.groups}
    assert groups["区发展和改革委员会"] == [
        ("minutes", "", "5月调度会议定事项“协调用地报批”（时限 2024-05-20）逾期未办结"),
        ("should_start", "东湖智慧物流园", "应开未开：计划 2024年3月 开工"),
        ("should_finish", "东湖文化中心", "应竣未竣：计划 2024年4月 竣工"),
    ]
    assert groups["区住房和城乡建设局"] == [
        ("node_plan", "东湖数字产业园", "施工许可证 超期 12 个工作日（红灯）")
    ]
    assert "青山湖区发改委" not in groups
    assert checklist.summary == (
        "本清单按 2024-06-03 的灯色和议定事项生成，并非2024年05月月末的情况；"  # review 25: a past month
        "截至 2024-06-03：会议纪要落实不到位 1 项、节点计划执行滞后 1 项、应开未开 1 项、应竣未竣 1 项，涉及 2 个单位。"
    )


def test_preparing_confirming_and_proposing(world, facts):
    act = services.circuit_prepare(
        actor=world.supervisor, jurisdiction=world.district, month=MAY, today=TODAY
    )
    assert act.kind == "circuit" and act.month == MAY and act.title == "2024年5月重大项目巡回督导"
    assert act.date == date(2024, 5, 31) and act.status == "draft"
    assert {u.name for u in act.units.all()} == {"区发展和改革委员会", "区住房和城乡建设局"}
    assert (
        services.circuit_prepare(actor=world.admin, jurisdiction=world.district, month=MAY, today=TODAY)
        == act
    )
    checklist = selectors.circuit_checklist(world.district, month=MAY, today=TODAY, act=act)
    keys = [ln.key for g in checklist.groups for ln in g.lines]
    made = services.circuit_confirm(actor=world.supervisor, act=act, keys=keys[:2], today=TODAY)
    assert len(made) == 2
    again = services.circuit_confirm(actor=world.supervisor, act=act, keys=keys, today=TODAY)
    assert len(again) == 2 and Finding.objects.filter(act=act).count() == 4  # no line doubled
    checklist = selectors.circuit_checklist(world.district, month=MAY, today=TODAY, act=act)
    assert all(ln.confirmed for g in checklist.groups for ln in g.lines)
    node_finding = Finding.objects.get(act=act, kind="node_plan")
    assert node_finding.unit == world.other_dept and node_finding.node.name == "施工许可证"
    with pytest.raises(ValidationError) as caught:
        services.circuit_confirm(actor=world.supervisor, act=act, keys=["minutes-1-0-999"], today=TODAY)
    assert "清单已变化" in caught.value.messages[0]
    with pytest.raises(ValidationError) as caught:  # a proposal follows the record
        services.circuit_propose(
            actor=world.supervisor,
            act=act,
            unit=world.dept,
            person_name="周文博",
            person_post="主任",
            proposal="x",
        )
    assert "请先确认督导记录" in caught.value.messages[0]
    services.act_record(actor=world.supervisor, act=act)
    with pytest.raises(ValidationError) as caught:
        services.circuit_propose(
            actor=world.supervisor, act=act, unit=world.dept, person_name="", person_post="", proposal=""
        )
    assert set(caught.value.message_dict) == {"person_name", "proposal"}
    referral = services.circuit_propose(
        actor=world.supervisor,
        act=act,
        unit=world.dept,
        person_name="周文博",
        person_post="主任",
        proposal="议定事项“协调用地报批”逾期未办结，建议对区发改委主任周文博予以问责。",
        today=TODAY,
    )
    assert referral.origin == "circuit" and referral.act == act and referral.status == "proposed"
    assert list(act.referrals.all()) == [referral]


def test_circuit_refusals(world, facts):
    with pytest.raises(AccessDenied):
        services.circuit_prepare(actor=world.reporter, jurisdiction=world.district, month=MAY, today=TODAY)
    with pytest.raises(ValidationError) as caught:
        services.circuit_prepare(
            actor=world.supervisor, jurisdiction=world.district, month=date(2024, 7, 1), today=TODAY
        )
    assert "尚未到来" in caught.value.messages[0]
    onsite = SupervisionAct.objects.create(
        jurisdiction=world.district,
        kind="onsite",
        title="x",
        date=TODAY,
        inspectors="x",
        created_by=world.admin,
    )
    with pytest.raises(ValidationError):
        services.circuit_confirm(actor=world.supervisor, act=onsite, keys=["x"], today=TODAY)
