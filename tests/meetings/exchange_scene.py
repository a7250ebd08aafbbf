"""A scene for the exchange tests of format 1.4 (sections `meetings` and `supervision`), written straight
to the models so it does not depend on the pages and services of the areas it exchanges: a monthly
meeting whose minutes were issued (〔2024〕第1期) with two matters, a second meeting that raises one
again, an on-site check with a finding, a photo and a required action with its 督办单, a circuit
supervision, a monthly card review, two yellow cards and the red card they make, an appeal, a referral."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from tests.problems.factories import TODAY, assigned, with_ladder
from tests.projects.factories import project
from tuijin.meetings.models import (
    AgendaItem,
    Attendance,
    Matter,
    MatterAttachment,
    MatterEvent,
    Meeting,
    MeetingSeries,
)
from tuijin.problems import services as problems
from tuijin.supervision.models import (
    ActPhoto,
    Card,
    CardAppeal,
    CardReview,
    Finding,
    Referral,
    RequiredAction,
    SupervisionAct,
)

TZ = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def supervise(world, subject: str, day: date):
    return problems.slip_issue(
        actor=world.admin,
        kind="supervise",
        jurisdiction=world.district,
        to_unit=world.dept,
        subject=subject,
        content="请加快办理",
        today=day,
    )


def build_scene(world) -> dict:
    with_ladder(world)
    problem = assigned(world)
    hall = project(world, name="东湖数字产业园二期")
    slip1 = supervise(world, "会议议定事项督办", date(2024, 6, 5))
    slip2 = supervise(world, "整改要求督办", date(2024, 6, 13))
    series = MeetingSeries.objects.create(
        jurisdiction=world.district,
        key="monthly_director",
        name="主任办公会",
        kind="meeting",
        frequency="monthly",
        chair="区长",
        chair_person=world.leader_person,
        level_key="leading_group",
        source="WH19 四(一)",
        sort=3,
    )
    series.member_units.set([world.dept, world.other_dept])
    may = Meeting.objects.create(
        series=series,
        jurisdiction=world.district,
        title="5月主任办公会",
        date=date(2024, 5, 31),
        start_time=time(9, 30),
        place="区政府3楼会议室",
        chair="林志远",
        chair_person=world.leader_person,
        status="issued",
        summary="听取重点项目推进情况汇报",
        recorder="王伟",
        minutes_year=2024,
        minutes_number=1,
        issued_at=at(date(2024, 6, 1)),
        issued_by=world.admin,
        created_by=world.admin,
    )
    item1 = AgendaItem.objects.create(
        meeting=may, order=1, kind="problem", title=problem.title, problem=problem, reason="上报至领导小组"
    )
    AgendaItem.objects.create(
        meeting=may,
        order=2,
        kind="red_project",
        title=hall.name,
        project=hall,
        unit=world.dept,
        minutes="加快",
    )
    Attendance.objects.create(meeting=may, order=1, unit=world.dept, name="张三", post="主任")
    Attendance.objects.create(
        meeting=may, order=2, person=world.leader_person, name="林志远", status="present"
    )
    closed = Matter.objects.create(
        jurisdiction=world.district,
        meeting=may,
        series=series,
        agenda_item=item1,
        number=1,
        title="调整用地红线",
        content="区自然资源局6月10日前完成",
        problem=problem,
        lead_unit=world.dept,
        deadline=date(2024, 6, 10),
        status="closed",
        done_on=date(2024, 6, 12),
        late_workdays=2,
        band="late",
        closed_at=at(date(2024, 6, 12), 16),
        closed_by=world.admin,
        close_note="已办结",
    )
    closed.units.set([world.dept, world.other_dept])
    open_matter = Matter.objects.create(
        jurisdiction=world.district,
        meeting=may,
        series=series,
        number=2,
        title="协调供电线路迁改",
        content="持续推进",
        project=hall,
        lead_unit=world.other_dept,
    )
    open_matter.units.set([world.other_dept])
    decided = MatterEvent.objects.create(
        matter=closed, kind="decided", actor=world.admin, at=at(may.date), meeting=may
    )
    MatterEvent.objects.create(
        matter=closed, kind="supervise", actor=world.admin, at=at(date(2024, 6, 5)), slip=slip1
    )
    reply = MatterEvent.objects.create(
        matter=closed, kind="reply", actor=world.reporter, unit=world.dept, at=at(date(2024, 6, 12), 9)
    )
    MatterEvent.objects.create(matter=closed, kind="close", actor=world.admin, at=at(date(2024, 6, 12), 16))
    del decided
    attachment = MatterAttachment.objects.create(
        matter=closed, event=reply, file="", name="红线批复.pdf", size=2048, uploaded_by=world.reporter
    )
    MatterAttachment.objects.filter(pk=attachment.pk).update(uploaded_at=at(date(2024, 6, 12), 9))
    june = Meeting.objects.create(
        series=series,
        jurisdiction=world.district,
        title="6月主任办公会",
        date=date(2024, 6, 28),
        status="preparing",
        created_by=world.admin,
    )
    AgendaItem.objects.create(
        meeting=june, order=1, kind="carried_matter", title=open_matter.title, matter=open_matter
    )
    again = Matter.objects.create(
        jurisdiction=world.district,
        meeting=june,
        series=series,
        number=1,
        title="协调供电线路迁改",
        content="再次上会",
        project=hall,
        lead_unit=world.other_dept,
        first_raise=open_matter,
        raise_count=2,
    )
    again.units.set([world.other_dept])
    open_matter.status, open_matter.carried_to = "carried", june
    open_matter.save()

    onsite = SupervisionAct.objects.create(
        jurisdiction=world.district,
        kind="onsite",
        title="东湖数字产业园二期现场督查",
        date=date(2024, 6, 12),
        inspectors="区委督查室 张某、区公建中心 李某",
        lead_unit=world.office,
        summary="现场进度与周报不符",
        status="recorded",
        created_by=world.supervisor,
    )
    onsite.projects.set([hall])
    onsite.units.set([world.dept])
    finding = Finding.objects.create(
        act=onsite,
        kind="discrepancy",
        project=hall,
        unit=world.dept,
        reported="主体封顶",
        observed="基础施工",
    )
    photo = ActPhoto.objects.create(
        act=onsite,
        finding=finding,
        project=hall,
        taken_on=date(2024, 6, 12),
        caption="基础施工现场",
        file="",
        content_type="image/jpeg",
        size=284113,
        original_name="IMG_0412.jpg",
        uploaded_by=world.supervisor,
    )
    ActPhoto.objects.filter(pk=photo.pk).update(uploaded_at=at(date(2024, 6, 12), 11))
    RequiredAction.objects.create(
        act=onsite,
        finding=finding,
        unit=world.dept,
        project=hall,
        content="如实填报进度",
        deadline=date(2024, 6, 19),
        slip=slip2,
    )
    circuit = SupervisionAct.objects.create(
        jurisdiction=world.district,
        kind="circuit",
        title="6月巡回督导",
        date=date(2024, 6, 20),
        month=date(2024, 6, 1),
        inspectors="区委督查室",
        status="closed",
        created_by=world.supervisor,
    )
    review = CardReview.objects.create(
        jurisdiction=world.district,
        month=date(2024, 6, 1),
        held_on=date(2024, 6, 28),
        meeting=june,
        by=world.admin,
        at=at(date(2024, 6, 28)),
    )
    yellows = []
    for slip in (slip1, slip2):
        card = Card.objects.filter(slip=slip).first() or Card(slip=slip)  # a listener may have proposed it
        card.jurisdiction, card.unit, card.color, card.period = world.district, world.dept, "yellow", "2024"
        card.status, card.reason = "issued", f"督办单{slip.number_text}"
        card.proposed_at, card.review = slip.issued_at, review
        card.issued_at, card.issued_by = at(date(2024, 6, 28)), world.admin
        card.save()
        yellows.append(card)
    red = Card.objects.create(
        jurisdiction=world.district,
        unit=world.dept,
        color="red",
        period="2024",
        status="issued",
        reason="两张黄牌合成一张红牌",
        proposed_at=at(date(2024, 6, 28), 11),
        issued_at=at(date(2024, 6, 28), 15),
        issued_by=world.supervisor,
    )
    red.from_cards.set(yellows)
    CardAppeal.objects.create(
        card=yellows[0],
        reason="已按期办理",
        filed_by=world.unit_head,
        filed_at=at(date(2024, 6, 29)),
        status="upheld",
        decided_by=world.admin,
        decided_at=at(date(2024, 7, 1)),
        decision_note="维持",
    )
    referral = Referral.objects.create(
        jurisdiction=world.district,
        origin="circuit",
        unit=world.dept,
        person_name="赵六",
        person_post="副主任",
        act=circuit,
        proposal="建议约谈",
        status="consented",
        proposed_by=world.supervisor,
        proposed_at=at(date(2024, 6, 21)),
        consent_by=world.leader,
        consent_at=at(date(2024, 6, 24)),
    )
    return {"may": may, "june": june, "red": red, "yellows": yellows, "referral": referral, "onsite": onsite}


def clear_scene() -> None:
    """Delete what the scene (and the problems it rests on) wrote, in an order the PROTECT links allow."""
    for model in (CardAppeal, Referral):
        model.objects.all().delete()
    for card in Card.objects.all():
        card.from_cards.clear()
    Card.objects.all().delete()
    CardReview.objects.all().delete()
    SupervisionAct.objects.all().delete()
    AgendaItem.objects.all().delete()
    MatterEvent.objects.all().delete()
    Matter.objects.update(first_raise=None)
    Matter.objects.all().delete()
    Meeting.objects.all().delete()
    MeetingSeries.objects.all().delete()


__all__ = ["TODAY", "build_scene", "clear_scene"]
