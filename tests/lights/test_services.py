"""lights.services: a project's lights as the rules say, stored with their changes; overrides; the
recompute of every project; the projects services' listener."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.projects.factories import move, project
from tuijin.chains.models import Chain, ChainNode
from tuijin.core.calendar_selectors import current_calendar
from tuijin.lights import services
from tuijin.lights.models import LightChange, NodeLight, ProjectLight
from tuijin.projects import services as project_services

TODAY = date(2024, 6, 14)  # a Friday in an official year


def chain(p, *nodes, unit=None):
    """A chain for project `p`: nodes as (name, deadline, actual=None, stage="", exempt_reason="")."""
    c = Chain.objects.create(project=p)
    made = []
    for number, spec in enumerate(nodes, start=1):
        name, deadline, *rest = spec
        actual, stage, exempt = (list(rest) + [None, "", ""][len(rest) :])[:3]
        made.append(
            ChainNode.objects.create(
                chain=c,
                project=p,
                key=f"n{number}",
                name=name,
                phase="construction" if stage else "approval",
                step=number,
                stage=stage,
                deadline=deadline,
                baseline=deadline,
                actual=actual,
                exempt_reason=exempt,
                responsible_unit=unit or p.responsible_unit,
                sort=number * 10,
            )
        )
    return made


def snapshot() -> dict:
    """Every stored light's values (for comparing two ways of computing them)."""
    fields = ("color", "reason", "days", "provisional", "due_soon", "rule_version_id", "shown")
    fields += ("override_color", "computed_on")
    extra = ("node_id", "red_nodes", "yellow_nodes", "should_start", "should_finish")
    return {
        "nodes": {row[0]: row[1:] for row in NodeLight.objects.values_list("node_id", "project_id", *fields)},
        "projects": {
            row[0]: row[1:] for row in ProjectLight.objects.values_list("project_id", *fields, *extra)
        },
    }


def test_refresh_computes_what_the_rules_say(world):
    p = project(world, stage="preparation")
    permit, filing = chain(p, ("施工许可证", date(2024, 5, 20)), ("核准备案", date(2024, 6, 20)))
    light = services.lights_refresh_project(project_id=p.pk, today=TODAY)
    overdue = current_calendar().workdays_between(date(2024, 5, 20), TODAY)
    assert overdue > 10
    node = NodeLight.objects.get(node=permit)
    assert (node.color, node.shown, node.days) == ("red", "red", overdue)
    assert node.reason == f"施工许可证 超期 {overdue} 个工作日"
    assert node.computed_on == TODAY and not node.provisional
    soon = NodeLight.objects.get(node=filing)
    assert (soon.color, soon.due_soon) == ("green", True)
    assert light.color == light.shown == "red"
    assert light.reason == f"施工许可证 超期 {overdue} 个工作日"
    assert (light.node_id, light.red_nodes, light.yellow_nodes) == (permit.pk, 1, 0)
    assert light.rule_version_id is None or light.rule_version_id > 0


def test_setting_a_node_actual_makes_it_done_and_the_project_green(world):
    p = project(world, stage="preparation")
    (permit,) = chain(p, ("施工许可证", date(2024, 5, 20)))
    assert services.lights_refresh_project(project_id=p.pk, today=TODAY).color == "red"
    ChainNode.objects.filter(pk=permit.pk).update(actual=date(2024, 5, 17))
    light = services.lights_refresh_project(project_id=p.pk, today=TODAY)
    node = NodeLight.objects.get(node=permit)
    assert (node.color, node.reason) == ("done", "施工许可证 已于 2024-05-17 完成")
    assert (light.color, light.shown, light.red_nodes) == ("green", "green", 0)
    assert list(LightChange.objects.filter(project=p, node__isnull=True).values_list("old", "new", "on")) == [
        ("", "red", TODAY),
        ("red", "green", TODAY),
    ]
    change = LightChange.objects.get(node=permit)
    assert (change.old, change.new, change.reason, change.by) == ("red", "done", node.reason, None)


def test_light_changes_only_when_a_shown_light_changes(world, monkeypatch):
    monkeypatch.setattr(services, "TEMP_UPDATE_FROM", 1)  # PostgreSQL: the bulk update path too
    p = project(world, stage="preparation")
    chain(p, ("立项", date(2024, 5, 20)), ("可研", date(2024, 9, 30)))
    services.lights_refresh_project(project_id=p.pk, today=TODAY)
    assert LightChange.objects.count() == 1  # the project's first light (a node's first is no change)
    services.lights_refresh_project(project_id=p.pk, today=TODAY)
    services.lights_recompute(today=TODAY)
    assert LightChange.objects.count() == 1
    # a day later the overdue count grows (the reason changes) but no colour does
    services.lights_refresh_project(project_id=p.pk, today=date(2024, 6, 17))
    assert LightChange.objects.count() == 1
    assert NodeLight.objects.get(node__name="立项").computed_on == date(2024, 6, 17)


def test_override_stays_across_recompute_and_clears(world):
    p = project(world, stage="preparation")
    (permit,) = chain(p, ("施工许可证", date(2024, 5, 20)))
    services.lights_refresh_project(project_id=p.pk, today=TODAY)
    light = services.light_override(
        actor=world.admin, project=p, color="yellow", reason="已现场调度，业主承诺月底前办结", today=TODAY
    )
    assert (light.color, light.shown, light.override_by) == ("red", "yellow", world.admin)
    services.lights_recompute(today=date(2024, 6, 17))
    light = ProjectLight.objects.get(pk=p.pk)
    assert (light.color, light.shown, light.override_color) == ("red", "yellow", "yellow")
    change = LightChange.objects.filter(project=p, node__isnull=True).last()
    assert (change.old, change.new, change.by) == ("red", "yellow", world.admin)
    assert change.reason == "人工调整：已现场调度，业主承诺月底前办结"
    cleared = services.light_override_clear(
        actor=world.admin, project=p, reason="调度事项已办结", today=TODAY
    )
    assert (cleared.shown, cleared.override_color, cleared.override_by) == ("red", "", None)
    assert LightChange.objects.filter(project=p, node__isnull=True).last().new == "red"


def test_node_override_is_what_the_project_light_sees(world):
    p = project(world, stage="preparation")
    (permit,) = chain(p, ("施工许可证", date(2024, 5, 20)))
    services.lights_refresh_project(project_id=p.pk, today=TODAY)
    services.light_override(
        actor=world.admin, node=permit, color="green", reason="已线下办结，待补录", today=TODAY
    )
    node = NodeLight.objects.get(node=permit)
    assert (node.color, node.shown) == ("red", "green")
    light = ProjectLight.objects.get(pk=p.pk)
    assert (light.color, light.red_nodes) == ("green", 0)
    services.lights_recompute(today=TODAY)
    assert ProjectLight.objects.get(pk=p.pk).color == "green"
    assert NodeLight.objects.get(node=permit).shown == "green"


def test_override_is_the_office_s_and_says_why(world):
    p = project(world, stage="preparation")
    chain(p, ("施工许可证", date(2024, 5, 20)))
    with pytest.raises(PermissionDenied):
        services.light_override(actor=world.reporter, project=p, color="green", reason="理由", today=TODAY)
    with pytest.raises(PermissionDenied):
        services.light_override(
            actor=world.foreign_admin, project=p, color="green", reason="理由", today=TODAY
        )
    with pytest.raises(ValidationError) as blank:
        services.light_override(actor=world.admin, project=p, color="green", reason="  ", today=TODAY)
    assert "理由" in str(blank.value)
    with pytest.raises(ValidationError) as bad:
        services.light_override(actor=world.admin, project=p, color="done", reason="理由", today=TODAY)
    assert "红灯、黄灯、绿灯" in str(bad.value)
    with pytest.raises(ValidationError):
        services.light_override_clear(actor=world.admin, project=p, reason="没有调整", today=TODAY)
    assert not ProjectLight.objects.filter(pk=p.pk).exclude(override_color="").exists()


def _mixed(world):
    """Projects of every kind of light: red, yellow, due soon, done, exempted nodes, stage nodes,
    应开未开, completed and producing projects, one with no chain, one in another district."""
    late = project(
        world, stage="preparation", planned_start=date(2024, 3, 1), planned_start_precision="month"
    )
    chain(
        late,
        ("立项", date(2024, 4, 1), date(2024, 3, 28)),
        ("环评", date(2024, 6, 7)),
        ("开工", date(2024, 3, 31), None, "started"),
    )
    started = project(world, stage="preparation", planned_completion=date(2025, 12, 31))
    move(started, "started", date(2024, 4, 2))
    chain(
        started,
        ("施工许可证", date(2024, 3, 30), date(2024, 4, 1)),
        ("征收拆迁", date(2024, 2, 1), None, "", "不涉及征收拆迁"),
        ("开工", date(2024, 3, 31), None, "started"),
        ("主体完工", date(2024, 6, 18)),
        ("竣工", date(2025, 12, 31), None, "completed"),
    )
    done = project(world, stage="preparation")
    move(done, "started", date(2023, 3, 1))
    move(done, "completed", date(2024, 1, 10))
    chain(done, ("开工", date(2023, 3, 1), None, "started"), ("竣工", date(2023, 12, 31), None, "completed"))
    producing = project(world, stage="preparation")
    move(producing, "construction", date(2022, 3, 1))
    move(producing, "producing", date(2023, 5, 1))
    no_chain = project(world, stage="signed", planned_start=date(2024, 1, 15))
    elsewhere = project(world, jurisdiction=world.other_district, responsible_unit=world.foreign_unit)
    chain(elsewhere, ("立项", date(2024, 1, 5)))
    return [late, started, done, producing, no_chain, elsewhere]


def test_recompute_equals_refresh_of_each_project(world):
    projects = _mixed(world)
    summary = services.lights_recompute(today=TODAY, chunk=2)
    assert (summary.projects, summary.nodes) == (6, 11)
    assert (summary.changed, summary.written) == (6, 6 + 11)
    by_recompute = snapshot()
    colors = {p.pk: ProjectLight.objects.get(pk=p.pk).color for p in projects}
    assert [colors[p.pk] for p in projects] == ["red", "green", "done", "done", "red", "red"]
    late = ProjectLight.objects.get(pk=projects[0].pk)
    assert late.should_start and (late.red_nodes, late.yellow_nodes) == (1, 1)
    NodeLight.objects.all().delete()
    ProjectLight.objects.all().delete()
    for p in projects:
        services.lights_refresh_project(project_id=p.pk, today=TODAY)
    assert snapshot() == by_recompute
    again = services.lights_recompute(today=TODAY)
    assert (again.changed, again.written) == (0, 0)


def test_recompute_of_one_jurisdiction(world):
    projects = _mixed(world)
    summary = services.lights_recompute(today=TODAY, jurisdiction=world.district)
    assert summary.projects == 5
    assert not ProjectLight.objects.filter(pk=projects[-1].pk).exists()


def test_stage_move_refreshes_the_light_through_the_listener(world):
    p = project(world, stage="preparation")
    permit, start = chain(
        p, ("施工许可证", date(2024, 5, 6), date(2024, 5, 6)), ("开工", date(2024, 5, 20), None, "started")
    )
    services.lights_refresh_project(project_id=p.pk, today=TODAY)
    assert NodeLight.objects.get(node=start).color == "red"
    project_services.project_move_stage(
        user=world.admin, project=p, to_stage="started", on=date(2024, 6, 3), today=TODAY
    )
    node = NodeLight.objects.get(node=start)
    assert (node.color, node.reason) == ("done", f"开工 已于 2024-06-03 完成，超期 {node.days} 个工作日")
    assert ProjectLight.objects.get(pk=p.pk).shown == "green"


def test_planned_date_edit_refreshes_the_light(world):
    p = project(world, stage="signed", planned_start=date(2030, 1, 1))
    services.lights_refresh_project(project_id=p.pk, today=TODAY)
    assert ProjectLight.objects.get(pk=p.pk).color == "green"
    project_services.project_update(user=world.admin, project=p, data={"planned_start": date(2024, 3, 1)})
    light = ProjectLight.objects.get(pk=p.pk)
    assert light.should_start and light.color in ("yellow", "red")
    assert light.reason.startswith("应开未开：计划 2024")


def test_a_project_created_through_the_services_gets_its_light(world):
    from decimal import Decimal

    p = project_services.project_create(
        user=world.admin,
        jurisdiction=world.district,
        data={
            "name": "东湖区数字经济产业园",
            "category": "industry",
            "total_investment": Decimal("52000"),
            "responsible_unit": world.dept,
            "planned_start": date(2024, 3, 1),
            "planned_start_precision": "month",
        },
        stage="signed",
        today=TODAY,
    )
    light = ProjectLight.objects.get(pk=p.pk)
    assert (light.color, light.should_start, light.computed_on) == ("red", True, TODAY)
    assert light.reason.startswith("应开未开：计划 2024年3月 开工，已逾期")


def test_a_2027_deadline_is_computed_on_the_provisional_calendar(world):
    today = date(2026, 12, 1)
    assert current_calendar().is_provisional(date(2027, 3, 1))
    p = project(world, stage="preparation")
    far, near = chain(p, ("施工许可证", date(2027, 3, 1)), ("立项", date(2026, 12, 20)))
    light = services.lights_refresh_project(project_id=p.pk, today=today)
    assert NodeLight.objects.get(node=far).provisional
    assert not NodeLight.objects.get(node=near).provisional
    assert light.provisional


def test_many_projects_changed_at_once_are_left_to_a_task(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "INLINE_REFRESH", 1)
    first, second = project(world), project(world)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.lights_on_project_changed([first.pk, second.pk], today=TODAY)
        assert not ProjectLight.objects.exists()
    assert len(callbacks) == 1
    assert ProjectLight.objects.filter(pk__in=[first.pk, second.pk]).count() == 2


def test_removed_nodes_lose_their_lights(world):
    p = project(world, stage="preparation")
    permit, filing = chain(p, ("施工许可证", date(2024, 5, 20)), ("核准备案", date(2024, 6, 20)))
    services.lights_refresh_project(project_id=p.pk, today=TODAY)
    permit.delete()
    light = services.lights_refresh_project(project_id=p.pk, today=TODAY)
    assert list(NodeLight.objects.values_list("node_id", flat=True)) == [filing.pk]
    assert (light.color, light.red_nodes, light.node_id) == ("green", 0, None)


def test_thresholds_come_from_the_jurisdiction_s_rule_set(world):
    from tuijin.core.models import RuleSet, RuleSetVersion

    rule_set = RuleSet.objects.create(slug="test-lights", name="测试规则")
    lights = {"remind_days": 2, "yellow_from": 1, "red_over": 2}
    version = RuleSetVersion.objects.create(rule_set=rule_set, number=1, data={"lights": lights}, sha256="x")
    world.city.rule_set = rule_set  # the district follows its city's choice
    world.city.save()
    p = project(world, stage="preparation")
    (late,) = chain(p, ("环评", date(2024, 6, 7)))  # 4 working days late (端午 6-10 off)
    light = services.lights_refresh_project(project_id=p.pk, today=TODAY)
    node = NodeLight.objects.get(node=late)
    assert (node.color, node.days, node.rule_version_id) == ("red", 4, version.pk)
    assert (light.color, light.rule_version_id) == ("red", version.pk)
