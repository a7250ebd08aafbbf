"""The exchange format's library section, format 1.1 (issue 3 part 7, docs/exchange.md)."""

import copy
import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tuijin.core.access import AccessDenied
from tuijin.core.exchange.services import exchange_dumps, exchange_export, exchange_import
from tuijin.core.exchange.version import version_text
from tuijin.demo.services import demo_build
from tuijin.org.models import Jurisdiction, LeadingGroup, LeadingGroupMember, Person, Unit, User
from tuijin.projects.models import (
    AnnualPlan,
    FundingSource,
    Handover,
    InvestmentEntry,
    PlanChange,
    PlanEntry,
    Project,
    ProjectTag,
    StageTransition,
)

LIBRARY_MODELS = [
    Project,
    Project.tags.through,
    Project.secondary_units.through,
    FundingSource,
    StageTransition,
    Handover,
    InvestmentEntry,
    AnnualPlan,
    PlanEntry,
    PlanChange,
    ProjectTag,
]
SHANGHAI = ZoneInfo("Asia/Shanghai")


HISTORIED = (Project, AnnualPlan, PlanEntry, FundingSource, InvestmentEntry)


def row_counts():
    counts = {model.__name__: model.objects.count() for model in LIBRARY_MODELS}
    counts["history"] = sum(m.history.count() for m in (Project, FundingSource, Handover, InvestmentEntry))
    return counts


def comparable(data):
    return {key: value for key, value in data.items() if key != "exported_at"}


def library(data):
    return data["sections"]["library"]


def build_library(world):
    """Two projects of 东湖区 with every field and every kind of record, and the year's plan."""
    tags = {t.name: t for t in ProjectTag.objects.all()}
    school = Project.objects.create(
        jurisdiction=world.district,
        name="育新学校教育集团紫金校区",
        code="2023-360102-83-01-000017",
        category="livelihood",
        sector="social",
        total_investment=Decimal("32000.00"),
        content="新建教学楼及配套",
        address="东湖区豫章路 18 号",
        longitude=Decimal("115.901234"),
        latitude=Decimal("28.681234"),
        planned_start=date(2023, 3, 6),
        planned_start_precision="week",
        planned_completion=date(2024, 8, 1),
        planned_completion_precision="month",
        image_progress="主体结构已封顶",
        stage="construction",
        lead_leader=world.leader_person,
        responsible_unit=world.dept,
        service_officer=Person.objects.get(name="吴晓"),
        owner="南昌市东湖区教育体育局",
        supervising_unit=world.other_dept,
        street=world.street_unit,
        coordinating_office=world.office,
    )
    school.tags.set([tags["市重点"], tags["区重点"]])
    school.secondary_units.set([world.street_unit, world.other_dept])
    FundingSource.objects.create(project=school, kind="fiscal", amount=Decimal("20000"))
    FundingSource.objects.create(project=school, kind="special_bond", amount=None, note="待批")
    for from_stage, to_stage, on in [
        ("", "preparation", date(2022, 11, 1)),
        ("preparation", "started", date(2023, 3, 8)),
        ("started", "construction", date(2023, 4, 1)),
    ]:
        StageTransition.objects.create(
            project=school, from_stage=from_stage, to_stage=to_stage, on=on, recorded_by=world.admin
        )
    for month in (1, 2, 3):
        InvestmentEntry.objects.create(
            project=school, year=2024, month=month, amount=Decimal("812.50"), recorded_by=world.admin
        )
    park = Project.objects.create(
        jurisdiction=world.street,
        name="贤士湖数字经济产业园",
        category="industry",
        sector="service",
        total_investment=Decimal("150000"),
        stage="registered",
        responsible_unit=world.dept,
    )
    StageTransition.objects.create(
        project=park, to_stage="registered", on=date(2024, 3, 2), document="营业执照"
    )
    Handover.objects.create(
        project=park,
        kind="to_office",
        from_unit=world.dept,
        to_unit=world.office,
        since=date(2024, 3, 2),
        due_on=date(2024, 4, 2),
        handed_on=date(2024, 3, 20),
        signed_by="周文博",
        recorded_by=world.admin,
    )
    plan = AnnualPlan.objects.create(
        jurisdiction=world.district,
        year=2024,
        title="东湖区2024年重大重点项目实施计划",
        early_planning_target=1,
    )
    PlanEntry.objects.create(
        plan=plan,
        project=school,
        plan_type="completion",
        planned_investment=Decimal("9000"),
        monthly_targets=["750.00"] * 12,
        annual_content="8月竣工",
        sort=1,
    )
    PlanEntry.objects.create(plan=plan, project=park, plan_type="preparation", sort=2, removed=True)
    PlanChange.objects.create(
        plan=plan,
        project=park,
        kind="remove",
        decided_by="区重大重点项目推进工作领导小组第3次会议",
        decided_on=date(2024, 5, 10),
        document_number="东项办〔2024〕12号",
        reason="年内不具备开工条件",
        details={"plan_type": "preparation"},
        recorded_by=world.admin,
    )
    return school, park


@pytest.fixture
def filed(world):
    build_library(world)
    return exchange_export(actor=world.admin, jurisdiction=world.district)


def empty_installation():
    """No library and no organisation: what a new installation holds after its migrations, less the tags."""
    from tests.meetings.exchange_scene import clear_scene
    from tuijin.documents.models import Bulletin
    from tuijin.notify.models import Endpoint, FollowUp, Message, Preference
    from tuijin.problems.models import Counter, Problem, ProblemAttachment, ProblemEvent, Slip

    # the demo's pushes and notices (issue 8) are not in the exchange format; they protect accounts
    for model in (FollowUp, Message, Endpoint, Preference, Bulletin):
        model.objects.all().delete()
    clear_scene()  # meetings, matters, supervision and cards (1.4) protect slips, projects and units
    for model in (ProblemAttachment, ProblemEvent, Slip, Problem, Counter):  # they protect projects and units
        model.objects.all().delete()
    PlanChange.objects.all().delete()
    PlanEntry.objects.all().delete()
    AnnualPlan.objects.all().delete()
    Project.objects.all().delete()
    ProjectTag.objects.all().delete()
    User.objects.all().delete()
    LeadingGroupMember.objects.all().delete()
    LeadingGroup.objects.all().delete()
    Person.objects.all().delete()
    Unit.objects.all().delete()
    for jurisdiction in sorted(Jurisdiction.objects.all(), key=lambda j: -len(j.path)):
        jurisdiction.delete()


# ---------------------------------------------------------------------------------------------------
# Export


def test_export_carries_projects_with_their_records_and_the_plan(world, filed):
    assert filed["version"] == version_text() == "1.5"
    section = library(filed)
    assert [t["name"] for t in section["tags"]] == ["市重点", "区重点"]
    school, park = _project(filed), _project(filed, "贤士湖数字经济产业园")
    assert (
        school["key"] == "360102/育新学校教育集团紫金校区" and park["key"] == "360102001/贤士湖数字经济产业园"
    )
    assert school["responsible_unit"] == "360102/区发展和改革委员会"
    assert school["lead_leader"] == "360102/林志远" and school["service_officer"] == "360102/吴晓"
    assert school["total_investment"] == "32000.00" and school["longitude"] == "115.901234"
    assert school["planned_start_precision"] == "week"
    assert school["secondary_units"] == ["360102/公园街道办事处", "360102/区住房和城乡建设局"]
    assert school["funding_sources"][1] == {"kind": "special_bond", "amount": None, "note": "待批"}
    assert [t["to_stage"] for t in school["transitions"]] == ["preparation", "started", "construction"]
    assert school["transitions"][0]["recorded_by"] == "admin"
    assert [(e["month"], e["amount"]) for e in school["investment_entries"]] == [
        (m, "812.50") for m in (1, 2, 3)
    ]
    assert park["handovers"][0]["from_unit"] == "360102/区发展和改革委员会"
    (plan,) = section["annual_plans"]
    assert plan["jurisdiction_code"] == "360102" and plan["start_rate_target"] == "100.0"
    assert [e["project"] for e in plan["entries"]] == [school["key"], park["key"]]
    assert plan["entries"][0]["monthly_targets"] == ["750.00"] * 12 and plan["entries"][1]["removed"] is True
    assert plan["changes"][0]["document_number"] == "东项办〔2024〕12号"


def test_a_subtree_without_a_library_carries_no_library_section(world):
    data = exchange_export(actor=world.admin, jurisdiction=world.district)
    assert data["sections"]["library"] is None


# ---------------------------------------------------------------------------------------------------
# Round trips


def test_the_demo_goes_into_an_empty_installation_and_comes_back_the_same(db):
    demo_build(today=date(2024, 6, 30))
    before = exchange_export(actor=None, jurisdiction=Jurisdiction.objects.get(code="36"))
    empty_installation()
    report = exchange_import(actor=None, data=exchange_dumps(before).encode())
    assert report.ok, report.summary()
    assert report.counts["projects"].created == len(library(before)["projects"]) > 200
    assert report.counts["tags"].created == len(library(before)["tags"])
    after = exchange_export(actor=None, jurisdiction=Jurisdiction.objects.get(code="36"))
    assert comparable(after) == comparable(before)
    transition = StageTransition.objects.order_by("id").first()
    assert transition.recorded_at.astimezone(SHANGHAI).hour == 17  # the recording time travels too


def test_importing_the_same_file_twice_changes_nothing(world, filed):
    before = row_counts()
    report = exchange_import(actor=world.admin, data=filed)
    assert report.ok, report.summary()
    for kind in ("projects", "funding_sources", "stage_transitions", "handovers", "investment_entries"):
        assert (report.counts[kind].created, report.counts[kind].updated, report.counts[kind].removed) == (
            0,
            0,
            0,
        )
        assert report.counts[kind].unchanged > 0
    assert row_counts() == before


def test_import_updates_what_changed_and_replaces_a_projects_records(world, filed):
    data = copy.deepcopy(filed)
    school = next(p for p in library(data)["projects"] if p["name"] == "育新学校教育集团紫金校区")
    school["total_investment"] = "33000"
    school["investment_entries"][1]["amount"] = "900"
    del school["investment_entries"][2]
    school["funding_sources"].pop()
    school["transitions"].append({"from_stage": "construction", "to_stage": "completed", "on": "2024-06-20"})
    school["stage"] = "completed"
    report = exchange_import(actor=world.admin, data=data)
    assert report.ok, report.summary()
    counts = report.counts
    assert counts["projects"].updated == 1 and counts["projects"].unchanged == 1
    assert (counts["investment_entries"].updated, counts["investment_entries"].removed) == (1, 1)
    assert counts["funding_sources"].removed == 1 and counts["stage_transitions"].created == 1
    project = Project.objects.get(name="育新学校教育集团紫金校区")
    assert project.total_investment == Decimal(33000) and project.stage == "completed"
    assert [e.amount for e in project.investment_entries.order_by("month")] == [
        Decimal("812.50"),
        Decimal(900),
    ]
    assert project.history.first().history_change_reason.startswith("数据交换导入")


def test_every_history_row_of_an_import_names_the_importing_user(world, filed):
    data = copy.deepcopy(filed)
    school = next(p for p in library(data)["projects"] if p["name"] == "育新学校教育集团紫金校区")
    school["total_investment"] = "33000"
    school["tags"] = ["市重点"]
    school["investment_entries"][1]["amount"] = "900"
    del school["investment_entries"][2]
    school["funding_sources"].pop()
    school["funding_sources"].append({"kind": "enterprise", "amount": "100", "note": ""})
    (plan,) = library(data)["annual_plans"]
    plan["title"] = "东湖区2024年重大重点项目计划（修订）"
    plan["entries"][0]["planned_investment"] = "8000"
    plan["entries"][0]["monthly_targets"] = []
    before = {m: set(m.history.values_list("history_id", flat=True)) for m in HISTORIED}
    report = exchange_import(actor=world.admin, data=data)
    assert report.ok, report.summary()
    for model in HISTORIED:
        written = model.history.exclude(history_id__in=before[model])
        kinds = set(written.values_list("history_type", "history_user"))
        assert kinds and {user for _, user in kinds} == {world.admin.pk}, (model, kinds)


def test_a_file_of_format_1_0_still_imports(world, filed):
    old = copy.deepcopy(filed)
    old["version"] = "1.0"
    del old["sections"]["library"]
    report = exchange_import(actor=world.admin, data=old)
    assert report.ok, report.summary()


def test_a_file_of_format_1_0_cannot_carry_the_library(world, filed):
    old = copy.deepcopy(filed)
    old["version"] = "1.0"
    report = exchange_import(actor=world.admin, data=old)
    assert [str(e) for e in report.errors] == [
        "sections.library: 数据段 library 自格式 1.1 起才有，1.0 版本的文件不应包含它"
    ]


def test_a_recorder_the_installation_lacks_is_left_empty(world, filed):
    data = copy.deepcopy(filed)
    school = next(p for p in library(data)["projects"] if p["name"] == "育新学校教育集团紫金校区")
    school["transitions"].append(
        {
            "from_stage": "construction",
            "to_stage": "completed",
            "on": "2024-06-20",
            "recorded_by": "someone_else",
        }
    )
    report = exchange_import(actor=world.admin, data=data)
    assert report.ok, report.summary()
    assert StageTransition.objects.get(to_stage="completed").recorded_by is None


# ---------------------------------------------------------------------------------------------------
# Bad input: every error named by its JSON path, in Chinese, and nothing written.


def _project(data, name="育新学校教育集团紫金校区"):
    return next(p for p in library(data)["projects"] if p["name"] == name)


def _set(field, value):
    def change(data):
        _project(data)[field] = value

    return change


def _transition_before_start(data):
    _project(data)["transitions"].append(
        {"from_stage": "construction", "to_stage": "completed", "on": "2023-01-01"}
    )


def _same_code(data):
    _project(data, "贤士湖数字经济产业园")["code"] = _project(data)["code"]


def _second_june(data):
    entries = _project(data)["investment_entries"]
    entries.append(dict(entries[0]))


def _short_targets(data):
    library(data)["annual_plans"][0]["entries"][0]["monthly_targets"] = ["1.00"] * 3


def _targets_over_plan(data):
    library(data)["annual_plans"][0]["entries"][0]["monthly_targets"] = ["1000.00"] * 12


def _unknown_entry(data):
    library(data)["annual_plans"][0]["entries"][0]["project"] = "360102/不存在的项目"


P = "sections.library.projects[{school}]"
CASES = {
    "negative money": (_set("total_investment", "-5"), P + ".total_investment", "金额（万元）不能小于 0"),
    "three decimals": (_set("total_investment", "1.234"), P + ".total_investment", "最多 2 位小数"),
    "money not a number": (_set("total_investment", "三万"), P + ".total_investment", "应为数字或数字字符串"),
    "money as true": (_set("total_investment", True), P + ".total_investment", "应为数字或数字字符串"),
    "unknown category": (_set("category", "建设口"), P + ".category", "取值应为 industry/urban_construction"),
    "impossible date": (_set("planned_start", "2024-02-30"), P + ".planned_start", "应为日期"),
    "date as a number": (_set("planned_start", 20240101), P + ".planned_start", "应为日期"),
    "completion before start": (
        _set("planned_completion", "2022-01-01"),
        P + ".planned_completion",
        "早于计划开工",
    ),
    "moved to 竣工 before 开工": (
        _transition_before_start,
        P + ".transitions[3].on",
        "早于实际开工日期 2023-03-08",
    ),
    "unknown unit": (
        _set("responsible_unit", "360102/区不存在局"),
        P + ".responsible_unit",
        "在文件和系统中都不存在",
    ),
    "unit of another district": (
        _set("supervising_unit", "360111/青山湖区发改委"),
        P + ".supervising_unit",
        "不在本文件的根辖区 360102 及其上级辖区内",
    ),
    "unknown leader": (
        _set("lead_leader", "360102/张三"),
        P + ".lead_leader",
        "人员 “360102/张三” 在文件和系统中都不存在",
    ),
    "code of another district": (
        _set("code", "2023-360111-83-01-000017"),
        P + ".code",
        "地区代码 360111 不属于本辖区",
    ),
    "malformed code": (_set("code", "2023-3601"), P + ".code", "应为 24 位"),
    "duplicate code": (_same_code, "sections.library.projects[{park}].code", "重复"),
    "key not made of the name": (
        _set("key", "360102/别的名字"),
        P + ".key",
        "项目键应为 “360102/育新学校教育集团紫金校区”",
    ),
    "unknown tag": (
        _set("tags", ["国重点"]),
        P + ".tags[0]",
        "项目级别“国重点”在文件的 tags 和系统中都不存在",
    ),
    "month entered twice": (_second_june, P + ".investment_entries[3].month", "月份“2024年1月”重复"),
    "unknown field": (_set("budget", 1), P + ".budget", "不认识的字段"),
    "twelve months of targets": (
        _short_targets,
        "sections.library.annual_plans[0].entries[0].monthly_targets",
        "应为空或 12 个月",
    ),
    "targets over the plan": (
        _targets_over_plan,
        "sections.library.annual_plans[0].entries[0].monthly_targets",
        "超过年度计划投资",
    ),
    "entry of an unknown project": (
        _unknown_entry,
        "sections.library.annual_plans[0].entries[0].project",
        "在文件和系统中都不存在",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_input_is_refused_naming_the_path_and_nothing_is_written(world, filed, case):
    change, path, message = case
    data = copy.deepcopy(filed)
    change(data)
    names = [p["name"] for p in library(data)["projects"]]
    path = path.format(
        school=names.index("育新学校教育集团紫金校区"), park=names.index("贤士湖数字经济产业园")
    )
    before = row_counts()
    report = exchange_import(actor=world.admin, data=exchange_dumps(data))
    assert not report.ok
    assert any(e.path == path and message in e.message for e in report.errors), [
        str(e) for e in report.errors
    ]
    assert "导入失败，未写入任何数据" in report.summary()
    assert row_counts() == before


def test_projects_outside_the_files_root_are_refused(world, filed):
    data = copy.deepcopy(filed)
    _project(data)["jurisdiction_code"] = "360111"
    _project(data)["key"] = "360111/育新学校教育集团紫金校区"
    report = exchange_import(actor=world.admin, data=data)
    assert any("不在本文件的根辖区 360102 之下" in e.message for e in report.errors), report.summary()


def test_an_admin_of_another_district_cannot_import_this_library(world, filed):
    with pytest.raises(AccessDenied):
        exchange_import(actor=world.foreign_admin, data=filed)
    assert not Project.objects.filter(jurisdiction=world.other_district).exists()


def test_the_section_is_in_the_json_schema():
    from tuijin.core.exchange.registry import envelope_model

    schema = json.dumps(envelope_model().model_json_schema(), ensure_ascii=False)
    assert "LibrarySection" in schema and "项目键" in schema


def test_recording_times_keep_their_moment(world, filed):
    data = copy.deepcopy(filed)
    moment = datetime(2024, 6, 20, 9, 30, tzinfo=SHANGHAI)
    _project(data)["transitions"].append(
        {
            "from_stage": "construction",
            "to_stage": "completed",
            "on": "2024-06-20",
            "recorded_at": moment.isoformat(),
        }
    )
    assert exchange_import(actor=world.admin, data=data).ok
    assert StageTransition.objects.get(to_stage="completed").recorded_at == moment
