"""The exchange format's problems section, format 1.3 (issue 5 part 10, docs/exchange.md): problems with
their timeline and evidence metadata, slips with numbers and acknowledgements; numbers stay unique."""

import copy
from datetime import date

import pytest

from tests.meetings.exchange_scene import clear_scene
from tests.problems.factories import TODAY, assigned, filed, pdf, with_ladder
from tests.projects.test_exchange_library import comparable, empty_installation
from tuijin.core.access import AccessDenied
from tuijin.core.exchange.registry import envelope_model
from tuijin.core.exchange.services import exchange_dumps, exchange_export, exchange_import
from tuijin.org.models import Jurisdiction
from tuijin.problems import services
from tuijin.problems.models import Counter, Problem, ProblemAttachment, ProblemEvent, Slip

pytestmark = pytest.mark.django_db


def section(data):
    return data["sections"]["problems"]


def state():
    return (
        list(Problem.objects.order_by("id").values_list("year", "number", "status", "title", "closed_at")),
        list(ProblemEvent.objects.order_by("id").values_list("problem_id", "kind", "note", "slip_id")),
        list(ProblemAttachment.objects.order_by("id").values_list("problem_id", "name", "size")),
        list(Slip.objects.order_by("id").values_list("kind", "year", "number", "subject", "acknowledged_at")),
    )


@pytest.fixture
def looped(world):
    """One problem through the whole loop (assigned, acknowledged, supervised, replied with evidence,
    closed), one just filed, escalated rung on the ladder; their slips."""
    with_ladder(world)
    problem = assigned(world)
    services.problem_acknowledge(actor=world.reporter, problem=problem, today=TODAY)
    services.problem_progress(actor=world.reporter, problem=problem, note="已与街道对接", today=TODAY)
    services.problem_supervise(actor=world.admin, problem=problem, content="请加快办理", today=TODAY)
    services.problem_reply(
        actor=world.reporter, problem=problem, resolution="红线已调整", files=[pdf()], today=date(2024, 6, 7)
    )
    services.problem_review_close(actor=world.admin, problem=problem, today=date(2024, 6, 7))
    filed(world, title="供电线路迁改", kind="utilities")
    return exchange_export(actor=world.admin, jurisdiction=world.district)


def test_export_carries_problems_timeline_evidence_and_numbered_slips(world, looped):
    data = section(looped)
    first, second = data["problems"]
    assert (first["jurisdiction_code"], first["year"], first["number"]) == ("360102", 2024, 1)
    assert (
        first["status"] == "closed" and first["closed_by"] == "admin" and first["resolution"] == "红线已调整"
    )
    assert first["assigned_unit"] == "360102/区发展和改革委员会" and first["filed_by"] == "reporter"
    kinds = [e["kind"] for e in first["events"]]
    assert kinds[0] == "filed" and "supervised" in kinds and kinds[-1] == "closed"
    supervised = next(e for e in first["events"] if e["kind"] == "supervised")
    assert supervised["slip"] == {
        "jurisdiction_code": "360102",
        "kind": "supervise",
        "year": 2024,
        "number": 1,
    }
    (evidence,) = first["attachments"]
    assert evidence["name"] == "复函.pdf" and first["events"][evidence["event"]]["kind"] == "replied"
    assert "file" not in evidence  # files are not exchanged
    assert second["number"] == 2 and second["status"] == "filed"
    slips = {(s["kind"], s["number"]): s for s in data["slips"]}
    assign = slips[("assign", 1)]
    assert assign["problem"] == "360102/2024-001" and assign["acknowledged_by"] == "reporter"
    assert (
        assign["issued_by"] == "admin" and slips[("supervise", 1)]["to_unit"] == "360102/区发展和改革委员会"
    )


def test_problems_go_into_an_empty_installation_and_come_back_the_same(world, looped):
    ProblemAttachment.objects.all().delete()
    ProblemEvent.objects.all().delete()
    clear_scene()  # yellow cards proposed by the 督办单 (issue 6) protect them
    Slip.objects.all().delete()
    Problem.objects.all().delete()
    Counter.objects.all().delete()
    empty_installation()
    report = exchange_import(actor=None, data=exchange_dumps(looped).encode())
    assert report.ok, report.summary()
    assert report.counts["problems"].created == 2 and report.counts["slips"].created == 2
    assert report.counts["problem_attachments"].created == 1
    again = exchange_export(actor=None, jurisdiction=Jurisdiction.objects.get(code="360102"))
    assert comparable(again) == comparable(looped)
    assert not ProblemAttachment.objects.get().file  # metadata only
    closed = Problem.objects.get(number=1)
    assert closed.history.first().history_change_reason.startswith("数据交换导入")


def test_imported_numbers_are_kept_and_numbering_continues_after_them(world, looped):
    data = copy.deepcopy(looped)
    ProblemAttachment.objects.all().delete()
    ProblemEvent.objects.all().delete()
    clear_scene()  # yellow cards proposed by the 督办单 (issue 6) protect them
    Slip.objects.all().delete()
    Problem.objects.all().delete()
    Counter.objects.all().delete()
    data["sections"].pop("supervision", None)  # its yellow card names 督办单第1号 (1.4)
    slip = next(s for s in section(data)["slips"] if s["kind"] == "supervise")
    slip["number"] = 12
    next(e for e in section(data)["problems"][0]["events"] if e["slip"] and e["slip"]["kind"] == "supervise")[
        "slip"
    ]["number"] = 12
    section(data)["problems"][1]["number"] = 7
    report = exchange_import(actor=world.admin, data=data)
    assert report.ok, report.summary()
    assert Slip.objects.get(kind="supervise").number_text == "〔2024〕第12号"
    nxt = services.slip_issue(
        actor=world.admin,
        kind="supervise",
        jurisdiction=world.district,
        to_unit=world.dept,
        subject="会议议定事项督办",
        content="催办",
        today=TODAY,
    )
    assert nxt.number == 13
    assert filed(world, title="新问题").number == 8


def test_importing_the_same_file_twice_changes_nothing(world, looped):
    before = state()
    report = exchange_import(actor=world.admin, data=looped)
    assert report.ok, report.summary()
    for kind in ("problems", "problem_events", "problem_attachments", "slips"):
        counts = report.counts[kind]
        assert (counts.created, counts.updated, counts.removed) == (0, 0, 0), kind
        assert counts.unchanged > 0, kind
    assert state() == before


def test_import_updates_a_problem_and_appends_to_its_timeline(world, looped):
    data = copy.deepcopy(looped)
    second = section(data)["problems"][1]
    second["status"] = "sorted"
    second["sorted_note"] = "需供电公司配合"
    second["events"].append(
        {"kind": "sorted", "actor": "admin", "at": "2024-06-04T09:00:00+08:00", "note": "梳理"}
    )
    report = exchange_import(actor=world.admin, data=data)
    assert report.ok, report.summary()
    assert report.counts["problems"].updated == 1 and report.counts["problem_events"].created == 1
    problem = Problem.objects.get(number=2)
    assert problem.status == "sorted" and problem.events.count() == 2


def _slip_taken(data):
    slip = section(data)["slips"][0]
    slip["subject"] = "另一份交办单"
    return "编号不能重复"


def _number_taken(data):
    section(data)["problems"][1]["number"] = 1  # number 1 is another project's problem in the system
    section(data)["problems"].pop(0)
    return "另一个项目"


def _duplicate_slip(data):
    section(data)["slips"].append(copy.deepcopy(section(data)["slips"][0]))
    return "重复"


def _unknown_slip(data):
    event = next(e for e in section(data)["problems"][0]["events"] if e["slip"])
    event["slip"]["number"] = 99
    return "在文件和系统中都不存在"


def _closed_without_time(data):
    section(data)["problems"][0]["closed_at"] = None
    return "应有销号时间"


def _unknown_level(data):
    section(data)["problems"][1]["level"] = "province_party"
    return "不在本辖区规则集"


def _unknown_unit(data):
    section(data)["problems"][0]["assigned_unit"] = "360102/区不存在局"
    return "在文件和系统中都不存在"


def _bad_key(data):
    section(data)["slips"][0]["problem"] = "360102-2024-1"
    return "问题键应写作"


def _bad_attachment_event(data):
    section(data)["problems"][0]["attachments"][0]["event"] = 99
    return "不存在"


@pytest.mark.parametrize(
    "case",
    [
        _slip_taken,
        _number_taken,
        _duplicate_slip,
        _unknown_slip,
        _closed_without_time,
        _unknown_level,
        _unknown_unit,
        _bad_key,
        _bad_attachment_event,
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(world, looped, case):
    data = copy.deepcopy(looped)
    expected = case(data)
    before = state()
    report = exchange_import(actor=world.admin, data=data)
    assert not report.ok
    assert any(expected in issue.message for issue in report.errors), report.summary()
    assert all(str(issue).startswith("sections.problems.") for issue in report.errors), report.summary()
    assert state() == before


def test_a_file_of_format_1_2_cannot_carry_problems(world, looped):
    old = copy.deepcopy(looped)
    old["version"] = "1.2"
    old["sections"].pop("reports", None)
    old["sections"].pop("supervision", None)  # 1.4: the 督办单's proposed yellow card
    report = exchange_import(actor=world.admin, data=old)
    assert [str(issue) for issue in report.errors] == [
        "sections.problems: 数据段 problems 自格式 1.3 起才有，1.2 版本的文件不应包含它"
    ]
    old["sections"].pop("problems")
    assert exchange_import(actor=world.admin, data=old).ok


def test_an_admin_of_another_district_cannot_import_these_problems(world, looped):
    with pytest.raises(AccessDenied):
        exchange_import(actor=world.foreign_admin, data=looped)


def test_the_section_is_in_the_json_schema():
    schema = envelope_model().model_json_schema()
    assert "ProblemsSection" in schema["$defs"] and "SlipRecord" in schema["$defs"]
