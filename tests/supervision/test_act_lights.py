"""The lights' 督查 dimension (issue 6 part 4): an unresolved discrepancy lights its project yellow, a
ceremony without real progress red, with the reason shown on "why"; resolving it brings the light back.
The rule (pure) and the `[lights]` keys that set the colours."""

from datetime import date

import pytest

from tests.supervision.factories import TODAY, act, discrepancy, site
from tuijin.lights import rules as light_rules
from tuijin.lights.models import LightChange, ProjectLight
from tuijin.lights.ruleset_lights import light_rules as rules_of
from tuijin.lights.services import lights_refresh_project
from tuijin.supervision import services
from tuijin.supervision.listeners import _LISTENERS


def test_the_rule_colours_and_words():
    rules = light_rules.LightRules()
    f = light_rules.FindingFacts
    assert light_rules.finding_light([], rules=rules) is None
    one = light_rules.finding_light(
        [f("discrepancy", date(2024, 6, 3), "实地督办", "未见桩基施工")], rules=rules
    )
    assert (one.color, one.reason) == (
        "yellow",
        "督查：2024-06-03 实地督办发现填报与现场不符（现场：未见桩基施工）",
    )
    both = light_rules.finding_light(
        [
            f("discrepancy", date(2024, 6, 3), "实地督办"),
            f("ceremony", date(2024, 5, 20), "巡回督导", "仪式后停工"),
        ],
        rules=rules,
    )
    assert both.color == "red"
    assert (
        both.reason
        == "督查：2024-05-20 巡回督导发现举行开工仪式无实质进展（现场：仪式后停工），共 2 项未纠正"
    )
    quiet = light_rules.LightRules(finding_discrepancy="green")
    assert light_rules.finding_light([f("discrepancy", date(2024, 6, 3), "实地督办")], rules=quiet) is None
    long = light_rules.finding_light([f("discrepancy", date(2024, 6, 3), "实地督办", "现" * 60)], rules=rules)
    assert long.reason.endswith("…）")


def test_the_rule_set_keys_set_the_colours():
    assert rules_of(None).finding_ceremony == "red"
    data = {"lights": {"remind_days": 5, "yellow_from": 1, "red_over": 10, "finding_discrepancy": "red"}}
    assert rules_of(data).finding_discrepancy == "red" and rules_of(data).finding_ceremony == "red"


def test_the_schema_accepts_the_keys_and_refuses_a_wrong_colour():
    from tuijin.core.rules.ruleset_schema import validate

    base = {"remind_days": 5, "yellow_from": 1, "red_over": 10, "basis": "default", "source": "默认"}
    problems = validate({"lights": {**base, "finding_ceremony": "yellow"}})
    assert not [p for p in problems if "finding" in str(p)]
    problems = validate({"lights": {**base, "finding_ceremony": "purple"}})
    assert [p for p in problems if "finding_ceremony" in str(p)]


@pytest.mark.django_db
def test_a_discrepancy_lights_its_project_yellow_and_resolving_brings_it_back(world):
    from tuijin.lights.services import lights_on_findings

    assert lights_on_findings in _LISTENERS  # registered by the lights app
    p = site(world)
    assert lights_refresh_project(project_id=p.pk, today=TODAY).color == "green"
    a = act(world, projects=[p])
    finding = discrepancy(world, a, p)
    # a finding typed into a draft act (记录中) lights nothing until the act is recorded
    assert ProjectLight.objects.get(pk=p.pk).color == "green"
    services.act_record(actor=world.supervisor, act=a, today=TODAY)
    light = ProjectLight.objects.get(pk=p.pk)
    assert light.color == "yellow" and light.shown == "yellow"
    assert (
        light.reason
        == "督查：2024-06-03 实地督办发现填报与现场不符（现场：现场仅完成场地平整，未见桩基施工）"
    )
    services.finding_resolve(actor=world.admin, finding=finding, note="单位已更正周报", today=TODAY)
    light = ProjectLight.objects.get(pk=p.pk)
    assert light.color == "green"
    assert list(LightChange.objects.filter(project=p).values_list("new", flat=True)) == [
        "green",
        "yellow",
        "green",
    ]


@pytest.mark.django_db
def test_a_ceremony_without_progress_lights_red_and_the_board_says_why(world, client_for):
    p = site(world, name="东湖智慧物流园")
    a = act(world, projects=[p], kind="evaluation", title="新开工项目进度评办")
    services.finding_add(
        actor=world.supervisor,
        act=a,
        kind="ceremony",
        project=p,
        observed="4 月举行开工仪式后现场无施工人员和机械",
        today=TODAY,
    )
    services.act_record(actor=world.supervisor, act=a, today=TODAY)
    light = ProjectLight.objects.get(pk=p.pk)
    assert light.color == "red"
    assert light.reason.startswith("督查：2024-06-03 进度评办发现举行开工仪式无实质进展")
    page = client_for(world.admin).get(f"/projects/{p.pk}/").content.decode()
    assert "举行开工仪式无实质进展" in page


@pytest.mark.django_db
def test_other_findings_and_resolved_ones_do_not_light(world):
    p = site(world)
    a = act(world, projects=[p])
    services.finding_add(actor=world.supervisor, act=a, kind="issue", project=p, today=TODAY)
    services.finding_add(actor=world.supervisor, act=a, kind="good", project=p, today=TODAY)
    assert lights_refresh_project(project_id=p.pk, today=TODAY).color == "green"
