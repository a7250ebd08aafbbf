"""The exchange format's chains section, format 1.2 (issue 4 part 5, docs/exchange.md)."""

import copy
from datetime import date, timedelta

import pytest

from tests.chains.factories import applied, own_template
from tests.projects.test_exchange_library import comparable, empty_installation
from tuijin.chains import services
from tuijin.chains.models import Chain, ChainNode, ChainTemplate, NodeReplan, TemplateNode
from tuijin.core.access import AccessDenied
from tuijin.core.exchange.registry import envelope_model
from tuijin.core.exchange.services import exchange_dumps, exchange_export, exchange_import
from tuijin.lights.models import NodeLight, ProjectLight


def section(data):
    return data["sections"]["chains"]


def node_of(chain_record, key):
    return next(n for n in chain_record["nodes"] if n["key"] == key)


def chain_state():
    """Everything the section writes, as comparable rows."""
    nodes = ChainNode.objects.order_by("project_id", "key").values_list(
        "project_id", "key", "deadline", "baseline", "actual", "exempt_reason", "note", "responsible_unit_id"
    )
    replans = NodeReplan.objects.order_by("id").values_list(
        "node_id", "old_deadline", "new_deadline", "reason"
    )
    templates = TemplateNode.objects.order_by("template_id", "key").values_list(
        "template_id", "key", "duration"
    )
    return (
        list(Chain.objects.order_by("id").values_list("project_id", "signed_by")),
        list(nodes),
        list(replans),
        list(templates),
    )


@pytest.fixture
def chained(world):
    """Two projects of 东湖区: one on the WH19 preset, worked on (done, exempted, confirmed, re-planned, a
    milestone), one on the district's own copy of it."""
    chain = applied(world, planned_start=date(2026, 9, 30), name="贤士湖智能制造产业园")
    nodes = {n.key: n for n in chain.nodes.all()}
    services.node_update(actor=world.admin, node=nodes["filing"], actual=date(2026, 3, 10), note="已备案")
    services.node_update(actor=world.admin, node=nodes["demolition"], exempt_reason="不涉及征收拆迁")
    services.chain_update(actor=world.admin, chain=chain, signed_by="周文博", signed_on=date(2026, 3, 1))
    services.chain_confirm(actor=world.admin, chain=chain)
    eia = ChainNode.objects.get(chain=chain, key="eia")
    services.node_replan(
        actor=world.admin, node=eia, deadline=eia.deadline + timedelta(days=2), reason="环评报告补充监测"
    )
    services.node_confirm(actor=world.unit_head, node=ChainNode.objects.get(chain=chain, key="filing"))
    services.milestone_add(
        actor=world.admin, project=chain.project, name="基础完成", deadline=date(2026, 12, 18)
    )
    applied(world, planned_start=date(2026, 10, 30), name="永叔路总部大楼", template=own_template(world))
    return exchange_export(actor=world.admin, jurisdiction=world.district)


def test_export_carries_own_templates_and_chains_with_presets_by_name(world, chained):
    data = section(chained)
    assert [t["name"] for t in data["templates"]] == ["东湖区产业项目模板"]
    assert data["templates"][0]["jurisdiction_code"] == "360102" and len(data["templates"][0]["nodes"]) == 16
    park = next(c for c in data["chains"] if c["project"] == "360102/贤士湖智能制造产业园")
    assert park["template"] == {"jurisdiction_code": None, "name": "产业项目开工推进计划（WH19 附件1）"}
    assert park["signed_by"] == "周文博" and park["confirmed_by"] == "admin"
    filing = node_of(park, "filing")
    assert filing["actual"] == "2026-03-10" and filing["note"] == "已备案"
    assert filing["responsible_unit"] == "360102/区发展和改革委员会" and filing["unit_confirmed_by"] == "head"
    assert node_of(park, "demolition")["exempt_reason"] == "不涉及征收拆迁"
    eia = node_of(park, "eia")
    (replan,) = eia["replans"]
    assert eia["baseline"] == replan["old_deadline"] < replan["new_deadline"] == eia["deadline"]
    assert replan["reason"] == "环评报告补充监测" and replan["changed_by"] == "admin"
    assert node_of(park, "start")["stage"] == "started" and node_of(park, "start")["actual"] is None
    assert [n["phase"] for n in park["nodes"]].count("milestone") == 1
    tower = next(c for c in data["chains"] if c["project"] == "360102/永叔路总部大楼")
    assert tower["template"] == {"jurisdiction_code": "360102", "name": "东湖区产业项目模板"}
    assert "light" not in str(data)  # lights are computed, never carried


def test_chains_go_into_an_empty_installation_and_come_back_the_same(world, chained):
    ChainTemplate.objects.exclude(jurisdiction=None).delete()
    empty_installation()
    assert not Chain.objects.exists() and ChainTemplate.objects.filter(jurisdiction=None).count() == 2
    report = exchange_import(actor=None, data=exchange_dumps(chained).encode())
    assert report.ok, report.summary()
    assert report.counts["chains"].created == 2 and report.counts["chain_templates"].created == 1
    assert report.counts["node_replans"].created == 1
    from tuijin.org.models import Jurisdiction

    again = exchange_export(actor=None, jurisdiction=Jurisdiction.objects.get(code="360102"))
    assert comparable(again) == comparable(chained)
    # lights are computed on import, for every project and node
    assert ProjectLight.objects.count() == 2 and NodeLight.objects.count() == ChainNode.objects.count()


def test_importing_the_same_file_twice_changes_nothing(world, chained):
    before = chain_state()
    report = exchange_import(actor=world.admin, data=chained)
    assert report.ok, report.summary()
    for kind in ("chain_templates", "template_nodes", "chains", "chain_nodes", "node_replans"):
        counts = report.counts[kind]
        assert (counts.created, counts.updated, counts.removed) == (0, 0, 0), kind
        assert counts.unchanged > 0, kind
    assert chain_state() == before


def test_import_updates_nodes_and_a_chains_nodes_are_its_whole_set(world, chained):
    data = copy.deepcopy(chained)
    park = next(c for c in section(data)["chains"] if c["project"] == "360102/贤士湖智能制造产业园")
    node_of(park, "eia")["note"] = "已受理"
    park["nodes"] = [n for n in park["nodes"] if n["phase"] != "milestone"]
    node_of(park, "filing")["replans"] = []
    section(data)["templates"][0]["nodes"][0]["duration"] = 45
    report = exchange_import(actor=world.admin, data=data)
    assert report.ok, report.summary()
    assert report.counts["chain_nodes"].updated == 1 and report.counts["chain_nodes"].removed == 1
    assert report.counts["template_nodes"].updated == 1
    assert ChainNode.objects.get(project__name="贤士湖智能制造产业园", key="eia").note == "已受理"
    assert not ChainNode.objects.filter(phase="milestone").exists()
    eia = ChainNode.objects.get(project__name="贤士湖智能制造产业园", key="eia")
    assert eia.history.first().history_change_reason.startswith("数据交换导入")


def _park(data):
    return next(c for c in section(data)["chains"] if c["project"] == "360102/贤士湖智能制造产业园")


def _index(chain_record, key):
    return next(i for i, n in enumerate(chain_record["nodes"]) if n["key"] == key)


def test_a_file_with_a_bad_node_is_refused_whole_naming_the_node(world, chained):
    data = copy.deepcopy(chained)
    park = _park(data)
    node_of(park, "eia")["note"] = "不会写入"
    node_of(park, "construction_permit")["deadline"] = "2020-01-06"
    node_of(park, "land_contract")["responsible_unit"] = "360102/区不存在局"
    before = chain_state()
    report = exchange_import(actor=world.admin, data=data)
    assert not report.ok
    at = f"sections.chains.chains[{section(data)['chains'].index(park)}].nodes"
    permit, contract = _index(park, "construction_permit"), _index(park, "land_contract")
    messages = {issue.path: issue.message for issue in report.errors}
    assert messages[f"{at}[{permit}].deadline"].startswith("“施工许可证”的完成时限 2020-01-06 早于前置节点")
    assert messages[f"{at}[{contract}].responsible_unit"] == (
        "“签订土地出让合同”的责任单位“区不存在局”（辖区 360102）在文件和系统中都不存在"
    )
    assert "导入失败，未写入任何数据" in report.summary()
    assert chain_state() == before


def _stage_actual(data):
    node_of(_park(data), "start")["actual"] = "2026-03-01"
    return "实际日期取自项目的阶段变更"


def _future_actual(data):
    node_of(_park(data), "eia")["actual"] = "2099-01-01"
    return "不能填写未来的日期"


def _template_cycle(data):
    nodes = section(data)["templates"][0]["nodes"]
    nodes[0]["after"] = [nodes[-1]["key"]]
    return "前置关系形成循环"


def _unknown_preset(data):
    _park(data)["template"]["name"] = "不存在的模板"
    return "预置链条模板“不存在的模板”在系统中不存在"


def _unknown_project(data):
    _park(data)["project"] = "360102/没有这个项目"
    return "项目 “360102/没有这个项目” 在文件和系统中都不存在"


def _unknown_predecessor(data):
    node_of(_park(data), "eia")["after"] = ["nothing"]
    return "前置节点“nothing”不存在"


def _bad_key(data):
    node_of(_park(data), "eia")["key"] = "环评"
    return "格式不正确"


@pytest.mark.parametrize(
    "case",
    [
        _stage_actual,
        _future_actual,
        _template_cycle,
        _unknown_preset,
        _unknown_project,
        _unknown_predecessor,
        _bad_key,
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(world, chained, case):
    data = copy.deepcopy(chained)
    expected = case(data)
    before = chain_state()
    report = exchange_import(actor=world.admin, data=data)
    assert not report.ok
    assert any(expected in issue.message for issue in report.errors), report.summary()
    assert chain_state() == before


def test_a_file_of_format_1_1_still_imports_and_cannot_carry_chains(world, chained):
    old = copy.deepcopy(chained)
    old["version"] = "1.1"
    chains = old["sections"].pop("chains")
    report = exchange_import(actor=world.admin, data=old)
    assert report.ok, report.summary()
    old["sections"]["chains"] = chains
    report = exchange_import(actor=world.admin, data=old)
    assert [str(issue) for issue in report.errors] == [
        "sections.chains: 数据段 chains 自格式 1.2 起才有，1.1 版本的文件不应包含它"
    ]


def test_an_admin_of_another_district_cannot_import_these_chains(world, chained):
    with pytest.raises(AccessDenied):
        exchange_import(actor=world.foreign_admin, data=chained)


def test_the_section_is_in_the_json_schema():
    schema = envelope_model().model_json_schema()
    assert "ChainsSection" in schema["$defs"] and "NodeRecord" in schema["$defs"]
