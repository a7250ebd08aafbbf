"""Supervision acts (issue 6 part 4): each step of an act, its findings, photos and required actions,
and the refusals (wrong role, wrong unit, closing with open actions, a discrepancy without what was
seen), on the services."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from tests.projects.factories import move, project
from tests.supervision.factories import TODAY, act, discrepancy, jpeg, required, site, weekly
from tuijin.core.access import AccessDenied
from tuijin.problems.models import Slip
from tuijin.supervision import selectors, services
from tuijin.supervision.models import ActToken, Finding, RequiredAction, SupervisionAct

pytestmark = pytest.mark.django_db


def test_the_supervisor_records_an_onsite_act_with_its_projects_and_units(world):
    p = site(world)
    a = act(world, projects=[p], units=[world.dept], lead_unit=world.office)
    assert a.status == "draft" and a.kind == "onsite" and a.created_by == world.supervisor
    assert list(a.projects.all()) == [p] and list(a.units.all()) == [world.dept]
    office = act(world, actor=world.admin, kind="window", title="审批窗口催办")
    assert office.get_kind_display() == "窗口催办"


@pytest.mark.parametrize("persona", ["leader", "unit_head", "reporter", "discipline", "foreign_admin"])
def test_only_the_supervisor_and_the_office_of_the_subtree_record(world, persona):
    with pytest.raises(AccessDenied):
        act(world, actor=getattr(world, persona))
    assert not SupervisionAct.objects.exists()


def test_bad_act_input_names_every_field_and_saves_nothing(world):
    foreign = project(world, jurisdiction=world.other_district, responsible_unit=world.foreign_unit)
    with pytest.raises(ValidationError) as caught:
        act(
            world,
            title="",
            inspectors="",
            date=date(2024, 6, 4),
            projects=[foreign],
            units=[world.foreign_unit],
        )
    errors = caught.value.message_dict
    assert errors["title"] == ["请填写督查事项。"]
    assert errors["inspectors"] == ["请填写督查人员。"]
    assert "晚于今天" in errors["date"][0]
    assert "不属于东湖区" in errors["projects"][0]
    assert "青山湖区发改委" in errors["units"][0]
    with pytest.raises(ValidationError) as caught:
        act(world, kind="circuit")
    assert "巡回督导" in caught.value.message_dict["kind"][0]
    assert not SupervisionAct.objects.exists()


def test_a_token_makes_a_second_submission_return_the_first_act(world):
    first = act(world, token="t-1")
    again = act(world, token="t-1", title="另一个标题")
    assert again.pk == first.pk and SupervisionAct.objects.count() == 1
    assert ActToken.objects.get(token="t-1").object_id == first.pk


def test_an_onsite_finding_stores_what_was_reported_beside_what_was_seen(world):
    p = site(world, stage="construction")
    move(p, "started", date(2024, 3, 15))
    weekly(p, date(2024, 5, 20), "桩基施工完成 60%")
    latest = weekly(p, date(2024, 5, 27), "桩基施工完成 80%，主体结构开始施工")
    weekly(p, date(2024, 6, 3), "草稿不算", status="draft")
    a = act(world, projects=[p])
    facts = selectors.reported_facts(p)
    assert facts.report == latest and facts.progress.startswith("桩基施工完成 80%")
    finding = discrepancy(world, a, p, observed="现场桩基约完成 30%，主体结构未开工")
    assert finding.report == latest
    assert "桩基施工完成 80%，主体结构开始施工" in finding.reported
    assert "2024年第22周" in finding.reported and "实际开工 2024-03-15" in finding.reported
    assert finding.observed == "现场桩基约完成 30%，主体结构未开工"
    assert finding.unit == world.dept  # the project's responsible unit


def test_a_discrepancy_needs_a_project_and_what_was_seen(world):
    a = act(world)
    with pytest.raises(ValidationError) as caught:
        services.finding_add(actor=world.supervisor, act=a, kind="discrepancy", unit=world.dept, observed="")
    errors = caught.value.message_dict
    assert "须选择项目" in errors["project"][0]
    assert errors["observed"] == ["“填报与现场不符”须填写现场所见：写明现场实际看到的情况。"]
    with pytest.raises(ValidationError) as caught:
        services.finding_add(
            actor=world.supervisor, act=a, kind="ceremony", project=site(world), observed=" "
        )
    assert "举行开工仪式无实质进展" in caught.value.message_dict["observed"][0]
    assert not Finding.objects.exists()


def test_a_finding_at_a_unit_needs_no_project_and_a_foreign_project_is_refused(world):
    a = act(world, kind="window", title="审批窗口催办")
    finding = services.finding_add(
        actor=world.admin, act=a, kind="issue", unit=world.other_dept, note="施工许可审批超时"
    )
    assert finding.project is None and list(a.units.all()) == [world.other_dept]
    foreign = project(world, jurisdiction=world.other_district, responsible_unit=world.foreign_unit)
    with pytest.raises(ValidationError) as caught:
        services.finding_add(actor=world.supervisor, act=a, kind="issue", project=foreign)
    assert "不属于东湖区" in caught.value.message_dict["project"][0]


def test_resolving_a_finding_twice_is_refused(world):
    a = act(world)
    finding = discrepancy(world, a, site(world))
    services.finding_resolve(actor=world.admin, finding=finding, note="单位已更正周报", today=TODAY)
    with pytest.raises(ValidationError) as caught:
        services.finding_resolve(actor=world.supervisor, finding=finding, note="再来一次")
    assert "标记为已纠正（单位已更正周报），无需重复操作" in caught.value.messages[0]
    with pytest.raises(AccessDenied):
        services.finding_resolve(actor=world.reporter, finding=Finding.objects.get(), note="我改好了")


def test_photos_reuse_the_reports_checks(world):
    a = act(world)
    finding = discrepancy(world, a, site(world))
    photo = services.photo_add(
        actor=world.supervisor, act=a, file=jpeg(), taken_on=TODAY, caption="桩基现场", finding=finding
    )
    assert photo.content_type == "image/jpeg" and photo.thumbnail and photo.project == finding.project
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("现场.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError) as caught:
        services.photo_add(actor=world.supervisor, act=a, file=fake, taken_on=date(2024, 6, 9), today=TODAY)
    errors = caught.value.message_dict
    assert "不是 JPEG、PNG 或 WebP 图片" in errors["file"][0]
    assert "晚于今天" in errors["taken_on"][0]


def test_required_action_supervise_reply_check_and_close(world):
    p = site(world)
    a = act(world, projects=[p])
    finding = discrepancy(world, a, p)
    action = required(world, a, finding=finding)
    assert action.project == p and action.status == "open"
    action = services.action_supervise(actor=world.supervisor, action=action, today=TODAY)
    slip = action.slip
    assert slip.kind == "supervise" and slip.to_unit == world.dept and slip.project == p
    assert slip.source == f"supervision_action:{action.pk}" and slip.deadline == date(2024, 6, 14)
    with pytest.raises(ValidationError) as caught:
        services.action_supervise(actor=world.supervisor, action=action, today=TODAY)
    assert f"督办单{slip.number_text}，不再重复签发" in caught.value.messages[0]
    assert Slip.objects.filter(kind="supervise").count() == 1
    services.act_record(actor=world.supervisor, act=a)
    with pytest.raises(AccessDenied):
        services.action_reply(actor=world.leader, action=action, reply="x")
    action = services.action_reply(
        actor=world.reporter,
        action=action,
        reply="已更正周报，桩基加派两台机械",
        photos=[jpeg("整改.jpg")],
        today=TODAY,
    )
    assert action.status == "replied" and action.photos.count() == 1
    with pytest.raises(ValidationError) as caught:
        services.act_close(actor=world.supervisor, act=a)
    assert "还有 1 项整改要求未复查通过" in caught.value.messages[0]
    assert "区发改委“如实更正周报，加快桩基施工”（已报整改" in caught.value.messages[0]
    with pytest.raises(ValidationError) as caught:
        services.action_check(actor=world.supervisor, action=action, result="returned", note="")
    assert caught.value.message_dict["note"] == ["请填写退回理由。"]
    action = services.action_check(
        actor=world.supervisor, action=action, result="returned", note="照片看不出机械进场"
    )
    assert action.status == "open"
    action = services.action_reply(
        actor=world.unit_head, action=action, reply="补充机械进场照片", today=TODAY
    )
    action = services.action_check(actor=world.admin, action=action, result="done", note="整改到位")
    assert action.status == "done"
    with pytest.raises(ValidationError) as caught:
        services.action_check(actor=world.supervisor, action=action, result="done")
    assert "复查通过，无需重复复查" in caught.value.messages[0]
    a = services.act_close(actor=world.supervisor, act=a)
    assert a.status == "closed"
    with pytest.raises(ValidationError) as caught:
        required(world, a)
    assert "已办结" in caught.value.messages[0]


def test_only_the_actions_unit_replies(world):
    a = act(world)
    action = required(world, a, unit=world.other_dept)
    with pytest.raises(AccessDenied):
        services.action_reply(actor=world.reporter, action=action, reply="不是我们的")
    with pytest.raises(AccessDenied):
        services.action_reply(actor=world.supervisor, action=action, reply="督查室代答")
    assert RequiredAction.objects.get().status == "open"


def test_a_required_action_needs_a_unit_content_and_a_future_deadline(world):
    a = act(world)
    with pytest.raises(ValidationError) as caught:
        services.action_add(
            actor=world.supervisor, act=a, unit=None, content=" ", deadline=date(2024, 5, 31), today=TODAY
        )
    errors = caught.value.message_dict
    assert errors["unit"] == ["请选择整改单位。"]
    assert errors["content"] == ["请填写整改要求。"]
    assert "早于今天" in errors["deadline"][0]


def test_overdue_actions_are_flagged(world):
    a = act(world)
    action = required(world, a, deadline=date(2024, 6, 5))
    assert not selectors.is_overdue(action, TODAY)
    assert selectors.is_overdue(action, date(2024, 6, 6))
    assert selectors.action_state(action, date(2024, 6, 6)) == "逾期未整改"
    assert list(selectors.actions_for(world.admin, today=date(2024, 6, 6), overdue=True)) == [action]
    assert list(selectors.actions_for(world.reporter, today=TODAY)) == [action]
    assert list(selectors.actions_for(world.foreign_admin, today=TODAY)) == []


def test_recording_needs_a_summary_or_a_finding_and_happens_once(world):
    a = act(world)
    with pytest.raises(ValidationError) as caught:
        services.act_record(actor=world.supervisor, act=a)
    assert "请先填写督查情况" in caught.value.message_dict["summary"][0]
    discrepancy(world, a, site(world))
    services.act_record(actor=world.supervisor, act=a)
    with pytest.raises(ValidationError):
        services.act_record(actor=world.supervisor, act=a)


def test_unit_staff_read_the_acts_naming_their_unit_only(world):
    mine = act(world, units=[world.dept])
    other = act(world, units=[world.other_dept], title="区住建局督查")
    assert list(selectors.acts_for(world.reporter)) == [mine]
    assert set(selectors.acts_for(world.leader)) == {mine, other}
    assert list(selectors.acts_for(world.discipline)) == []
    assert list(selectors.acts_for(world.foreign_admin)) == []
    assert list(selectors.acts_for(world.admin, unit_id=world.other_dept.pk)) == [other]
