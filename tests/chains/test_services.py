"""Writes of promotion chains as the personas make them: applying a template (倒排工期), signing and
confirming the plan, re-plans that keep the baseline, a node's progress, evidence and confirmations,
milestones, adding and removing nodes, and the offices' own templates. Every bad input is refused in
Chinese with the node named, and nothing is half-saved.

The world's 东湖区 has 区发改委 (matches the WH19 template's 发展和改革: 核准备案) and 区住建局 (住房和城乡建设:
施工许可证); every other department falls back to the project's responsible unit, 区发改委.
"""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.chains.factories import applied, own_template, preset, public_preset
from tests.factories import unit
from tests.projects.factories import move, project
from tuijin.chains import services
from tuijin.chains.models import Chain, ChainNode, ChainTemplate, NodeEvidence, NodeReplan, TemplateNode
from tuijin.core.access import AccessDenied
from tuijin.core.calendar_selectors import current_calendar
from tuijin.lights.models import NodeLight

D = date.fromisoformat
TODAY = D("2026-11-20")


def _node(chain: Chain, key: str) -> ChainNode:
    return chain.nodes.get(key=key)


def _messages(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


# ---------------------------------------------------------------------------------------------------
# Applying a template


def test_applying_the_industry_template_works_back_from_the_planned_start(world):
    chain = applied(world, planned_start=D("2026-09-30"))
    calendar = current_calendar()
    nodes = {n.key: n for n in chain.nodes.all()}
    assert len(nodes) == 16
    assert nodes["start"].deadline == D("2026-09-30")
    # 施工许可证 must be done when 开工 begins; 工程规划许可证 5 working days before 施工许可证 begins
    assert nodes["construction_permit"].deadline == D("2026-09-30")
    assert nodes["works_permit"].deadline == calendar.add_workdays(D("2026-09-30"), -5)
    # a month-precision completion is due on the month's last working day
    assert nodes["completion"].deadline == calendar.workday_on_or_before(D("2027-12-31"))
    assert all(n.baseline == n.deadline for n in nodes.values())
    assert nodes["land_auction"].starts_clock
    assert nodes["filing"].responsible_unit == world.dept  # 发展和改革
    assert nodes["construction_permit"].responsible_unit == world.other_dept  # 住房和城乡建设
    assert nodes["demolition"].responsible_unit == world.dept  # no 征收 unit: the project's unit
    assert chain.created_by == world.admin


def test_the_target_date_replaces_the_planned_start(world):
    chain = applied(world, planned_start=D("2026-09-30"), target=D("2026-12-31"))
    assert chain.target == D("2026-12-31")
    assert _node(chain, "start").deadline == D("2026-12-31")


def test_units_are_matched_in_the_jurisdiction_then_its_ancestors(world):
    city_land = unit(world.city, "南昌市自然资源和规划局", short_name="市资规局")
    chain = applied(world)
    assert _node(chain, "red_line").responsible_unit == city_land
    district_land = unit(world.district, "东湖区自然资源局")
    chain = applied(world)
    assert _node(chain, "red_line").responsible_unit == district_land


def test_applying_lights_the_nodes_at_once(world):
    chain = applied(world, planned_start=D("2026-09-30"), today=TODAY)
    lights = dict(NodeLight.objects.filter(project=chain.project).values_list("node__key", "shown"))
    assert len(lights) == 16
    assert lights["construction_permit"] == "red"  # due 09-30, more than 10 working days ago
    assert lights["completion"] == "green"


def test_a_chain_nobody_worked_on_is_replaced(world):
    chain = applied(world)
    services.chain_apply_template(actor=world.admin, project=chain.project, template=public_preset())
    chain.refresh_from_db()
    assert chain.template == public_preset()
    assert sorted(chain.nodes.values_list("key", flat=True)) == sorted(
        ["approval", "feasibility", "energy", "preliminary", "land_use_permit", "works_permit"]
        + ["construction_permit", "start", "structure", "completion"]
    )


def test_a_chain_with_an_actual_date_is_not_replaced(world):
    chain = applied(world)
    services.node_update(
        actor=world.reporter, node=_node(chain, "filing"), actual=D("2026-03-02"), today=TODAY
    )
    with pytest.raises(ValidationError) as exc:
        services.chain_apply_template(actor=world.admin, project=chain.project, template=public_preset())
    assert "“核准备案”已填报实际完成日期" in _messages(exc)
    assert "不能重新套用模板" in _messages(exc)
    chain.refresh_from_db()
    assert chain.template == preset()
    assert chain.nodes.count() == 16
    assert _node(chain, "filing").actual == D("2026-03-02")


def test_a_signed_chain_is_not_replaced(world):
    chain = applied(world)
    services.chain_update(actor=world.admin, chain=chain, signed_by="王建国", signed_on=D("2026-03-01"))
    with pytest.raises(ValidationError, match="王建国 已签字"):
        services.chain_apply_template(actor=world.admin, project=chain.project, template=preset())


def test_a_project_with_no_planned_dates_needs_a_target(world):
    p = project(world)
    with pytest.raises(ValidationError) as exc:
        services.chain_apply_template(actor=world.admin, project=p, template=preset())
    assert "target" in exc.value.error_dict
    assert not Chain.objects.filter(project=p).exists()
    chain = services.chain_apply_template(
        actor=world.admin, project=p, template=preset(), target=D("2026-12-31")
    )
    assert _node(chain, "start").deadline == D("2026-12-31")


def test_only_the_office_applies_templates(world):
    p = project(world, planned_start=D("2026-09-30"))
    for actor in (world.unit_head, world.reporter, world.leader):
        with pytest.raises(AccessDenied):
            services.chain_apply_template(actor=actor, project=p, template=preset())
    foreign = project(world, jurisdiction=world.other_district, responsible_unit=world.foreign_unit)
    with pytest.raises(AccessDenied):
        services.chain_apply_template(actor=world.admin, project=foreign, template=preset())
    assert not Chain.objects.exists()


def test_another_jurisdictions_template_does_not_apply(world):
    foreign = ChainTemplate.objects.create(jurisdiction=world.other_district, name="青山湖区模板")
    TemplateNode.objects.create(
        template=foreign, key="a", name="甲", phase="approval", step=1, anchor="start"
    )
    p = project(world, planned_start=D("2026-09-30"))
    with pytest.raises(ValidationError, match="属于其他辖区"):
        services.chain_apply_template(actor=world.admin, project=p, template=foreign)


def test_a_template_with_a_cycle_is_not_applied(world):
    template = own_template(world)
    TemplateNode.objects.filter(template=template, key="demolition").update(after=["construction_permit"])
    p = project(world, planned_start=D("2026-09-30"))
    with pytest.raises(ValidationError, match="前置关系形成循环") as exc:
        services.chain_apply_template(actor=world.admin, project=p, template=template)
    assert "征收拆迁" in _messages(exc)
    assert not Chain.objects.filter(project=p).exists()


# ---------------------------------------------------------------------------------------------------
# Signature and confirmation


def test_signing_and_confirming_fixes_the_baseline(world):
    chain = applied(world)
    services.chain_update(
        actor=world.admin, chain=chain, signed_by="王建国", signed_on=D("2026-03-01"), clock_class="ftz"
    )
    chain = services.chain_confirm(actor=world.admin, chain=chain)
    assert chain.confirmed_by == world.admin
    assert chain.confirmed_at is not None
    assert chain.clock_class == "ftz"
    with pytest.raises(ValidationError, match="已于"):
        services.chain_confirm(actor=world.admin, chain=chain)
    with pytest.raises(ValidationError, match="签字信息不能再修改"):
        services.chain_update(actor=world.admin, chain=chain, signed_by="李四")


def test_confirming_needs_the_signature_and_every_deadline(world):
    chain = applied(world)
    ChainNode.objects.filter(chain=chain, key="eia").update(deadline=None)
    with pytest.raises(ValidationError) as exc:
        services.chain_confirm(actor=world.admin, chain=chain)
    text = _messages(exc)
    assert "请先填写审批部门负责人签字" in text
    assert "以下节点尚未排定完成时限：环评" in text
    chain.refresh_from_db()
    assert chain.confirmed_at is None


def test_bad_signature_input_is_refused_whole(world):
    chain = applied(world)
    with pytest.raises(ValidationError) as exc:
        services.chain_update(
            actor=world.admin, chain=chain, signed_on=D("2026-12-01"), clock_class="moon", today=TODAY
        )
    assert set(exc.value.error_dict) == {"signed_by", "signed_on", "clock_class"}
    chain.refresh_from_db()
    assert (chain.signed_on, chain.clock_class) == (None, "general")


def test_only_the_office_changes_the_chain(world):
    chain = applied(world)
    for actor in (world.unit_head, world.reporter, world.supervisor, world.foreign_admin):
        with pytest.raises(AccessDenied):
            services.chain_update(actor=actor, chain=chain, signed_by="王建国")
        with pytest.raises(AccessDenied):
            services.chain_confirm(actor=actor, chain=chain)
        with pytest.raises(AccessDenied):
            services.node_replan(actor=actor, node=_node(chain, "eia"), deadline=D("2026-09-01"), reason="x")
    chain.refresh_from_db()
    assert chain.signed_by == ""


# ---------------------------------------------------------------------------------------------------
# Re-plans


def _confirmed(world, **kw) -> Chain:
    chain = applied(world, **kw)
    services.chain_update(actor=world.admin, chain=chain, signed_by="王建国", signed_on=D("2026-03-01"))
    return services.chain_confirm(actor=world.admin, chain=chain)


def test_before_confirmation_the_baseline_moves_with_the_deadline(world):
    chain = applied(world)
    earlier = _node(chain, "filing").deadline + timedelta(days=1)
    node = services.node_replan(actor=world.admin, node=_node(chain, "eia"), deadline=earlier)
    assert (node.deadline, node.baseline) == (earlier, earlier)
    assert not NodeReplan.objects.exists()


def test_after_confirmation_a_replan_keeps_the_baseline_and_says_why(world):
    chain = _confirmed(world)
    eia = _node(chain, "eia")
    old, earlier = eia.deadline, _node(chain, "filing").deadline + timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.node_replan(actor=world.admin, node=eia, deadline=earlier)
    assert exc.value.error_dict["reason"][0].messages == [
        "推进计划已确认，调整“环评”的完成时限须填写调整原因。"
    ]
    node = services.node_replan(actor=world.admin, node=eia, deadline=earlier, reason="专家评审提前")
    assert (node.deadline, node.baseline) == (earlier, old)
    replan = NodeReplan.objects.get(node=node)
    assert (replan.old_deadline, replan.new_deadline, replan.reason) == (old, earlier, "专家评审提前")
    assert replan.changed_by == world.admin


def test_a_deadline_before_its_predecessors_is_refused(world):
    chain = _confirmed(world)
    auction = _node(chain, "land_auction")
    red_line = _node(chain, "red_line")
    too_early = D("2026-01-05")
    with pytest.raises(ValidationError) as exc:
        services.node_replan(actor=world.admin, node=auction, deadline=too_early, reason="提前")
    message = exc.value.error_dict["deadline"][0].messages[0]
    assert message == (
        f"“土地招拍挂”的完成时限 2026-01-05 早于前置节点“土地红线及设计条件”的 {red_line.deadline:%Y-%m-%d}"
    )
    assert _node(chain, "land_auction").deadline == auction.deadline
    assert not NodeReplan.objects.exists()


def test_a_deadline_after_a_successors_is_refused(world):
    chain = applied(world)
    contract = _node(chain, "land_contract")
    with pytest.raises(ValidationError, match="“签订土地出让合同”的完成时限 .* 早于前置节点“土地招拍挂”"):
        services.node_replan(
            actor=world.admin,
            node=_node(chain, "land_auction"),
            deadline=contract.deadline.replace(year=2027),
        )


# ---------------------------------------------------------------------------------------------------
# A node's progress


def test_the_nodes_unit_fills_its_actual_date_and_the_light_turns_done(world):
    chain = applied(world, today=TODAY)
    filing = _node(chain, "filing")
    node = services.node_update(
        actor=world.reporter,
        node=filing,
        actual=D("2026-03-02"),
        note="已取得备案证明",
        responsible_person=world.unit_head.person,
        today=TODAY,
    )
    assert (node.actual, node.note, node.responsible_person) == (
        D("2026-03-02"),
        "已取得备案证明",
        world.unit_head.person,
    )
    assert NodeLight.objects.get(node=node).shown == "done"
    assert node.history.first().history_user == world.reporter


def test_an_actual_date_in_the_future_is_refused(world):
    chain = applied(world)
    with pytest.raises(ValidationError) as exc:
        services.node_update(
            actor=world.reporter, node=_node(chain, "filing"), actual=D("2026-11-21"), today=TODAY
        )
    assert exc.value.error_dict["actual"][0].messages == [
        "“核准备案”的实际完成日期 2026-11-21 晚于今天（2026-11-20），不能填写未来的日期"
    ]
    assert _node(chain, "filing").actual is None


def test_a_stage_node_takes_its_actual_date_from_the_project(world):
    chain = applied(world)
    with pytest.raises(ValidationError, match="请到项目页变更阶段"):
        services.node_update(
            actor=world.admin, node=_node(chain, "start"), actual=D("2026-10-08"), today=TODAY
        )
    assert _node(chain, "start").actual is None


def test_nothing_is_half_saved(world):
    chain = applied(world)
    with pytest.raises(ValidationError) as exc:
        services.node_update(
            actor=world.reporter,
            node=_node(chain, "filing"),
            actual=D("2026-03-02"),
            note="长" * 301,
            today=TODAY,
        )
    assert "note" in exc.value.error_dict
    node = _node(chain, "filing")
    assert (node.actual, node.note) == (None, "")


def test_a_unit_cannot_update_another_units_node(world):
    chain = applied(world)
    permit = _node(chain, "construction_permit")  # 区住建局
    with pytest.raises(AccessDenied):
        services.node_update(actor=world.reporter, node=permit, actual=D("2026-03-02"), today=TODAY)
    with pytest.raises(AccessDenied):
        services.evidence_add(
            actor=world.reporter, node=permit, uploaded_file=SimpleUploadedFile("许可证.pdf", b"%PDF-1.4")
        )
    assert _node(chain, "construction_permit").actual is None


def test_only_the_office_exempts_or_reassigns_a_node(world):
    chain = applied(world)
    eia = _node(chain, "eia")
    with pytest.raises(AccessDenied):
        services.node_update(actor=world.reporter, node=eia, exempt_reason="不涉及")
    with pytest.raises(AccessDenied):
        services.node_update(actor=world.reporter, node=eia, responsible_unit=world.other_dept)
    node = services.node_update(
        actor=world.admin,
        node=eia,
        exempt_reason="已纳入区域环评",
        responsible_unit=world.other_dept,
        today=TODAY,
    )
    assert (node.exempt_reason, node.responsible_unit) == ("已纳入区域环评", world.other_dept)
    assert NodeLight.objects.get(node=node).shown == "exempt"


def test_a_person_or_unit_of_another_district_is_refused(world):
    chain = applied(world)
    stranger = world.foreign_admin
    from tuijin.org.models import Person

    person = Person.objects.create(jurisdiction=stranger.jurisdiction, name="外区人员")
    with pytest.raises(ValidationError) as exc:
        services.node_update(
            actor=world.admin,
            node=_node(chain, "eia"),
            responsible_person=person,
            responsible_unit=world.foreign_unit,
        )
    assert set(exc.value.error_dict) == {"responsible_person", "responsible_unit"}


def test_a_changed_actual_date_clears_the_confirmations(world):
    chain = applied(world)
    filing = services.node_update(
        actor=world.reporter, node=_node(chain, "filing"), actual=D("2026-03-02"), today=TODAY
    )
    filing = services.node_confirm(actor=world.unit_head, node=filing)
    filing = services.node_confirm(actor=world.admin, node=filing, office=True)
    assert filing.unit_confirmed_by == world.unit_head
    assert filing.office_confirmed_by == world.admin
    filing = services.node_update(actor=world.reporter, node=filing, actual=D("2026-03-03"), today=TODAY)
    assert filing.unit_confirmed_at is None and filing.office_confirmed_at is None


def test_only_the_nodes_unit_head_confirms_it(world):
    chain = applied(world)
    for actor in (world.reporter, world.admin, world.leader):
        with pytest.raises(AccessDenied):
            services.node_confirm(actor=actor, node=_node(chain, "filing"))
    with pytest.raises(AccessDenied):  # another unit's node
        services.node_confirm(actor=world.unit_head, node=_node(chain, "construction_permit"))
    with pytest.raises(AccessDenied):
        services.node_confirm(actor=world.unit_head, node=_node(chain, "filing"), office=True)
    services.node_confirm(actor=world.unit_head, node=_node(chain, "filing"))
    with pytest.raises(ValidationError, match="已经责任单位确认"):
        services.node_confirm(actor=world.unit_head, node=_node(chain, "filing"))


# ---------------------------------------------------------------------------------------------------
# Evidence


def test_evidence_is_stored_with_the_node(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    chain = applied(world)
    evidence = services.evidence_add(
        actor=world.reporter,
        node=_node(chain, "filing"),
        uploaded_file=SimpleUploadedFile("备案证明.pdf", b"%PDF-1.4"),
    )
    assert evidence.name == "备案证明.pdf"
    assert evidence.uploaded_by == world.reporter
    assert evidence.file.read() == b"%PDF-1.4"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("病毒.exe", b"MZ", "文件类型不支持"),
        ("空.pdf", b"", "是空文件"),
    ],
)
def test_bad_evidence_is_refused(world, settings, tmp_path, name, content, message):
    settings.MEDIA_ROOT = tmp_path
    chain = applied(world)
    with pytest.raises(ValidationError, match=message):
        services.evidence_add(
            actor=world.reporter, node=_node(chain, "filing"), uploaded_file=SimpleUploadedFile(name, content)
        )
    assert not NodeEvidence.objects.exists()


# ---------------------------------------------------------------------------------------------------
# Milestones, adding and removing nodes


def test_a_milestone_follows_the_start(world):
    chain = applied(world)
    node = services.milestone_add(
        actor=world.admin, project=chain.project, name="主体封顶", deadline=D("2027-06-30")
    )
    assert (node.phase, node.after, node.deadline, node.baseline) == (
        "milestone",
        ["start"],
        D("2027-06-30"),
        D("2027-06-30"),
    )
    assert node.responsible_unit == world.dept
    with pytest.raises(ValidationError, match="“基础完成”的完成时限 2026-05-29 早于前置节点“开工”"):
        services.milestone_add(
            actor=world.admin, project=chain.project, name="基础完成", deadline=D("2026-05-29")
        )
    with pytest.raises(ValidationError, match="已有“主体封顶”节点"):
        services.milestone_add(
            actor=world.admin, project=chain.project, name="主体封顶", deadline=D("2027-07-30")
        )
    assert chain.nodes.filter(phase="milestone").count() == 1


def test_a_milestone_makes_a_chain_for_a_project_without_one(world):
    p = project(world)
    node = services.milestone_add(
        actor=world.admin,
        project=p,
        name="基础完成",
        deadline=D("2027-03-31"),
        responsible_unit=world.other_dept,
    )
    assert node.chain.project == p
    assert node.responsible_unit == world.other_dept
    with pytest.raises(AccessDenied):
        services.milestone_add(actor=world.unit_head, project=p, name="主体封顶", deadline=D("2027-06-30"))


def test_adding_a_node_checks_its_predecessors(world):
    chain = applied(world)
    with pytest.raises(ValidationError) as exc:
        services.node_add(
            actor=world.admin,
            chain=chain,
            name="",
            phase="approval",
            after=["nowhere"],
            responsible_unit=None,
        )
    assert set(exc.value.error_dict) == {"name", "after", "responsible_unit"}
    with pytest.raises(ValidationError, match="早于前置节点“环评”"):
        services.node_add(
            actor=world.admin,
            chain=chain,
            name="水土保持方案",
            phase="approval",
            after=["eia"],
            deadline=D("2026-01-05"),
            responsible_unit=world.other_dept,
        )
    node = services.node_add(
        actor=world.admin,
        chain=chain,
        name="水土保持方案",
        phase="approval",
        after=["eia"],
        deadline=_node(chain, "eia").deadline,
        responsible_unit=world.other_dept,
    )
    assert node.step == _node(chain, "eia").step + 1
    assert chain.nodes.count() == 17


def test_removing_a_node_links_its_successors_to_its_predecessors(world):
    chain = applied(world)
    services.node_remove(actor=world.admin, node=_node(chain, "red_line"))
    assert _node(chain, "land_auction").after == ["demolition", "land_conversion"]
    with pytest.raises(ValidationError, match="对应项目阶段，不能删除"):
        services.node_remove(actor=world.admin, node=_node(chain, "start"))
    services.node_update(actor=world.admin, node=_node(chain, "filing"), actual=D("2026-03-02"), today=TODAY)
    with pytest.raises(ValidationError, match="已有进展"):
        services.node_remove(actor=world.admin, node=_node(chain, "filing"))
    with pytest.raises(AccessDenied):
        services.node_remove(actor=world.unit_head, node=_node(chain, "eia"))
    assert chain.nodes.count() == 15


def test_stage_nodes_read_the_project_and_light_from_it(world):
    chain = applied(world, planned_start=D("2026-09-30"), today=TODAY)
    move(chain.project, "started", D("2026-10-09"), world.admin)
    from tuijin.lights.services import lights_refresh_project

    lights_refresh_project(project_id=chain.project_id, today=TODAY)
    assert NodeLight.objects.get(node=_node(chain, "start")).shown == "done"


# ---------------------------------------------------------------------------------------------------
# Templates


def test_the_office_copies_a_preset_into_its_jurisdiction(world):
    copy = services.template_copy(actor=world.admin, template=preset(), name="东湖区产业项目")
    assert copy.jurisdiction == world.district
    assert copy.nodes.count() == 16
    assert copy.nodes.get(key="land_auction").starts_clock
    assert preset().nodes.count() == 16
    with pytest.raises(ValidationError, match="东湖区已有名为“东湖区产业项目”的模板"):
        services.template_copy(actor=world.admin, template=preset(), name="东湖区产业项目")
    with pytest.raises(AccessDenied):
        services.template_copy(actor=world.unit_head, template=preset())


def test_a_cycle_in_a_template_is_refused_on_save(world):
    template = own_template(world)
    demolition = template.nodes.get(key="demolition")
    with pytest.raises(ValidationError) as exc:
        services.template_node_save(
            actor=world.admin, template=template, node=demolition, after=["construction_permit"]
        )
    message = exc.value.error_dict["after"][0].messages[0]
    assert message.startswith("前置关系形成循环：")
    assert "征收拆迁" in message and "施工许可证" in message
    assert template.nodes.get(key="demolition").after == []


def test_template_nodes_are_added_changed_and_removed(world):
    template = own_template(world)
    node = services.template_node_save(
        actor=world.admin,
        template=template,
        name="水土保持方案",
        phase="approval",
        step=4,
        after=["filing"],
        duration=10,
    )
    assert node.key and node.template == template
    services.template_node_save(
        actor=world.admin, template=template, node=node, duration=15, department="水务"
    )
    node.refresh_from_db()
    assert (node.duration, node.department) == (15, "水务")
    with pytest.raises(ValidationError, match="本模板已有“环评”节点"):
        services.template_node_save(
            actor=world.admin, template=template, name="环评", phase="approval", step=4
        )
    services.template_node_remove(actor=world.admin, node=template.nodes.get(key="red_line"))
    assert template.nodes.get(key="land_auction").after == ["demolition", "land_conversion"]


def test_presets_are_not_edited_in_place(world):
    with pytest.raises(AccessDenied):
        services.template_node_save(
            actor=world.admin, template=preset(), node=preset().nodes.first(), duration=1
        )
    template = own_template(world)
    with pytest.raises(AccessDenied):
        services.template_node_save(
            actor=world.foreign_admin, template=template, node=template.nodes.first(), duration=1
        )
