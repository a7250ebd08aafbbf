"""The exchange format 1.4 (issue 6 part 6, docs/exchange.md): sections `meetings` and `supervision` go
out and come back the same, older files still import, bad input is refused in Chinese naming the record
and nothing is half-imported."""

import copy
from datetime import date

import pytest

from tests.meetings.exchange_scene import build_scene, clear_scene
from tests.projects.test_exchange_library import comparable, empty_installation
from tuijin.core.access import AccessDenied
from tuijin.core.exchange.registry import envelope_model
from tuijin.core.exchange.services import exchange_dumps, exchange_export, exchange_import
from tuijin.core.exchange.version import HISTORY, version_text
from tuijin.meetings.models import AgendaItem, Attendance, Matter, MatterEvent, Meeting, MeetingSeries
from tuijin.org.models import Jurisdiction
from tuijin.problems.models import Counter
from tuijin.supervision.models import Card, CardAppeal, Finding, Referral, RequiredAction, SupervisionAct

pytestmark = pytest.mark.django_db


def meetings(data):
    return data["sections"]["meetings"]


def supervision(data):
    return data["sections"]["supervision"]


def state():
    return (
        list(MeetingSeries.objects.order_by("id").values_list("key", "name")),
        list(Meeting.objects.order_by("id").values_list("date", "status", "title", "minutes_number")),
        list(AgendaItem.objects.order_by("id").values_list("meeting_id", "title", "minutes")),
        list(Attendance.objects.order_by("id").values_list("meeting_id", "name", "status")),
        list(Matter.objects.order_by("id").values_list("number", "status", "title", "first_raise_id")),
        list(MatterEvent.objects.order_by("id").values_list("matter_id", "kind", "slip_id")),
        list(SupervisionAct.objects.order_by("id").values_list("kind", "title", "status")),
        list(Finding.objects.order_by("id").values_list("act_id", "kind", "observed")),
        list(RequiredAction.objects.order_by("id").values_list("act_id", "content", "slip_id")),
        list(Card.objects.order_by("id").values_list("color", "status", "slip_id", "revoke_reason")),
        list(CardAppeal.objects.order_by("id").values_list("card_id", "status")),
        list(Referral.objects.order_by("id").values_list("unit_id", "status", "sent_on")),
    )


@pytest.fixture
def scene(world):
    build_scene(world)
    return exchange_export(actor=world.admin, jurisdiction=world.district)


def test_the_format_is_1_4_and_says_what_it_added(scene):
    assert scene["version"] == version_text() == "1.5"
    assert HISTORY[-2][0] == "1.4" and "议定事项" in HISTORY[-2][1] and "黄牌" in HISTORY[-2][1]


def test_export_carries_meetings_with_agenda_minutes_and_matters(world, scene):
    data = meetings(scene)
    (series,) = data["series"]
    assert series["key"] == "monthly_director" and series["chair_person"] == "360102/林志远"
    assert series["member_units"] == ["360102/区住房和城乡建设局", "360102/区发展和改革委员会"]
    may, june = data["meetings"]
    assert (may["series"], may["date"], may["seq"]) == ("monthly_director", "2024-05-31", 1)
    assert may["status"] == "issued" and (may["minutes_year"], may["minutes_number"]) == (2024, 1)
    assert may["start_time"] == "09:30:00" and may["issued_by"] == "admin"
    assert [a["kind"] for a in may["agenda"]] == ["problem", "red_project"]
    assert may["agenda"][0]["problem"] == "360102/2024-001"
    assert may["agenda"][1]["project"] == "360102/东湖数字产业园二期"
    assert [a["name"] for a in may["attendance"]] == ["张三", "林志远"]
    assert may["attendance"][1]["person"] == "360102/林志远"
    assert june["agenda"][0]["matter"] == {"meeting": "360102/monthly_director/2024-05-31", "number": 2}
    closed, carried, again = data["matters"]
    assert closed["meeting"] == "360102/monthly_director/2024-05-31" and closed["agenda_item"] == 0
    assert (closed["late_workdays"], closed["band"], closed["status"]) == (2, "late", "closed")
    assert closed["units"] == ["360102/区住房和城乡建设局", "360102/区发展和改革委员会"]
    supervised = next(e for e in closed["events"] if e["kind"] == "supervise")
    assert supervised["slip"] == {
        "jurisdiction_code": "360102",
        "kind": "supervise",
        "year": 2024,
        "number": 1,
    }
    assert closed["attachments"] == [
        {
            "name": "红线批复.pdf",
            "size": 2048,
            "event": 2,
            "uploaded_by": "reporter",
            "uploaded_at": "2024-06-12T09:00:00+08:00",
        }
    ]
    assert carried["status"] == "carried" and carried["carried_to"] == "360102/monthly_director/2024-06-28"
    assert again["first_raise"] == {"meeting": "360102/monthly_director/2024-05-31", "number": 2}
    assert again["raise_count"] == 2 and again["deadline"] is None


def test_export_carries_acts_cards_and_referrals(scene):
    data = supervision(scene)
    onsite, circuit = data["acts"]
    assert (onsite["date"], onsite["kind"], onsite["seq"]) == ("2024-06-12", "onsite", 1)
    assert onsite["projects"] == ["360102/东湖数字产业园二期"] and onsite["units"] == [
        "360102/区发展和改革委员会"
    ]
    (finding,) = onsite["findings"]
    assert finding["kind"] == "discrepancy" and finding["observed"] == "基础施工"
    (photo,) = onsite["photos"]
    assert photo["finding"] == 0 and photo["original_name"] == "IMG_0412.jpg" and "file" not in photo
    (action,) = onsite["actions"]
    assert action["slip"]["number"] == 2 and action["finding"] == 0
    assert circuit["month"] == "2024-06-01"
    (review,) = data["card_reviews"]
    assert review["meeting"] == "360102/monthly_director/2024-06-28"
    yellow1, yellow2, red = data["cards"]
    assert (yellow1["color"], yellow1["seq"], yellow1["slip"]["number"]) == ("yellow", 1, 1)
    assert (yellow2["seq"], yellow2["slip"]["number"], yellow2["review"]) == (2, 2, "2024-06-01")
    assert red["from_cards"] == [
        {"unit": "360102/区发展和改革委员会", "color": "yellow", "period": "2024", "seq": 1},
        {"unit": "360102/区发展和改革委员会", "color": "yellow", "period": "2024", "seq": 2},
    ]
    assert yellow1["appeals"][0]["status"] == "upheld"
    (referral,) = data["referrals"]
    assert referral["act"] == "360102/2024-06-20/circuit" and referral["status"] == "consented"


def test_meetings_and_supervision_go_into_an_empty_installation_and_come_back_the_same(world, scene):
    clear_scene()
    empty_installation()
    Counter.objects.all().delete()
    report = exchange_import(actor=None, data=exchange_dumps(scene).encode())
    assert report.ok, report.summary()
    assert report.counts["meetings"].created == 2 and report.counts["matters"].created == 3
    assert report.counts["cards"].created == 3 and report.counts["referrals"].created == 1
    again = exchange_export(actor=None, jurisdiction=Jurisdiction.objects.get(code="360102"))
    assert comparable(again) == comparable(scene)
    issued = Meeting.objects.get(status="issued")
    assert issued.history.first().history_change_reason.startswith("数据交换导入")
    counter = Counter.objects.get(series="minutes", year=2024)
    assert counter.last == 1  # numbering of minutes continues after the imported 第1期


def test_importing_the_same_file_twice_changes_nothing(world, scene):
    before = state()
    report = exchange_import(actor=world.admin, data=scene)
    assert report.ok, report.summary()
    for kind in ("meeting_series", "meetings", "agenda_items", "attendance", "matters", "matter_events"):
        counts = report.counts[kind]
        assert (counts.created, counts.updated, counts.removed) == (0, 0, 0), kind
    for kind in ("acts", "findings", "required_actions", "cards", "card_appeals", "referrals", "act_photos"):
        counts = report.counts[kind]
        assert (counts.created, counts.updated, counts.removed) == (0, 0, 0), kind
        assert counts.unchanged > 0, kind
    assert state() == before


def test_import_updates_an_open_meeting_and_a_referral_and_appends(world, scene):
    data = copy.deepcopy(scene)
    june = meetings(data)["meetings"][1]
    june["agenda"].append({"order": 2, "kind": "other", "title": "其他事项"})
    june["attendance"].append({"order": 1, "name": "李四", "status": "leave", "note": "出差"})
    referral = supervision(data)["referrals"][0]
    referral.update(status="sent", sent_on="2024-06-25", sent_by="admin")
    report = exchange_import(actor=world.admin, data=data)
    assert report.ok, report.summary()
    assert report.counts["agenda_items"].created == 1 and report.counts["attendance"].created == 1
    assert Meeting.objects.get(date=date(2024, 6, 28)).agenda.count() == 2
    assert Referral.objects.get().status == "sent"


# ---------------------------------------------------------------------------------------------------
# Bad input: Chinese, naming the record, nothing written


def _issued_minutes_edited(data):
    meetings(data)["meetings"][0]["agenda"][1]["minutes"] = "改过的纪要"
    return "纪要〔2024〕第1期已印发，印发的纪要不能由导入修改"


def _minutes_number_taken(data):
    meetings(data)["meetings"][1].update(minutes_year=2024, minutes_number=1)
    return "期号不能重复"


def _issued_without_number(data):
    meetings(data)["meetings"][1]["status"] = "issued"
    return "应有纪要期号"


def _closed_matter_changed(data):
    meetings(data)["matters"][0]["done_on"] = "2024-06-11"
    return "销号的事项不能由导入修改"


def _closed_without_date(data):
    matter = meetings(data)["matters"][1]
    matter.update(status="closed", closed_at="2024-06-12T10:00:00+08:00")
    return "应有销号时间 closed_at 和完成日期 done_on"


def _unknown_first_raise(data):
    meetings(data)["matters"][2]["first_raise"]["number"] = 9
    return "会议 360102/monthly_director/2024-05-31 第 9 项议定事项在文件和系统中都不存在"


def _unknown_series(data):
    meetings(data)["meetings"][1]["series"] = "weekly"
    meetings(data)["matters"] = meetings(data)["matters"][:2]
    return "会议系列 360102/weekly 在文件和系统中都不存在"


def _bad_meeting_key(data):
    meetings(data)["matters"][0]["meeting"] = "360102-monthly"
    return "会议键应写作"


def _skipped_ordinal(data):
    new = copy.deepcopy(meetings(data)["meetings"][1])
    new.update(seq=3, agenda=[], status="planned")
    meetings(data)["meetings"].append(new)
    return "新增的这一条应#2"


def _yellow_without_slip(data):
    supervision(data)["cards"][0]["slip"] = None
    return "应写明所依据的督办单"


def _issued_card_changed(data):
    supervision(data)["cards"][2]["reason"] = "另一个理由"
    return "不能由导入修改"


def _slip_twice(data):
    supervision(data)["cards"][1]["slip"] = copy.deepcopy(supervision(data)["cards"][0]["slip"])
    return "一份督办单只对应一张黄牌"


def _red_from_red(data):
    supervision(data)["cards"][2]["from_cards"][0]["color"] = "red"
    return "红牌只能由黄牌合成"


def _sent_without_consent(data):
    supervision(data)["referrals"][0].update(status="sent", consent_at=None, sent_on="2024-06-25")
    return "未经同意不能移送"


def _finding_removed(data):
    supervision(data)["acts"][0]["findings"] = []
    supervision(data)["acts"][0]["photos"] = []
    supervision(data)["acts"][0]["actions"] = []
    return "不能由导入删除"


def _unknown_node(data):
    supervision(data)["acts"][0]["findings"][0]["node"] = "construction_permit"
    return "推进链条中没有节点"


@pytest.mark.parametrize(
    "case",
    [
        _issued_minutes_edited,
        _minutes_number_taken,
        _issued_without_number,
        _closed_matter_changed,
        _closed_without_date,
        _unknown_first_raise,
        _unknown_series,
        _bad_meeting_key,
        _skipped_ordinal,
        _yellow_without_slip,
        _issued_card_changed,
        _slip_twice,
        _red_from_red,
        _sent_without_consent,
        _finding_removed,
        _unknown_node,
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(world, scene, case):
    data = copy.deepcopy(scene)
    expected = case(data)
    before = state()
    report = exchange_import(actor=world.admin, data=data)
    assert not report.ok
    assert any(expected in issue.message for issue in report.errors), report.summary()
    section = "meetings" if case.__name__ in {c.__name__ for c in MEETING_CASES} else "supervision"
    assert all(str(issue).startswith(f"sections.{section}.") for issue in report.errors), report.summary()
    assert state() == before


MEETING_CASES = [
    _issued_minutes_edited,
    _minutes_number_taken,
    _issued_without_number,
    _closed_matter_changed,
    _closed_without_date,
    _unknown_first_raise,
    _unknown_series,
    _bad_meeting_key,
    _skipped_ordinal,
]


def test_a_failure_in_a_later_section_writes_nothing_of_the_earlier_ones(world, scene):
    data = copy.deepcopy(scene)
    meetings(data)["meetings"][1]["title"] = "6月主任办公会（改）"
    supervision(data)["cards"][0]["slip"] = None
    report = exchange_import(actor=world.admin, data=data)
    assert not report.ok
    assert Meeting.objects.get(date=date(2024, 6, 28)).title == "6月主任办公会"


def test_a_file_of_format_1_3_still_imports_and_cannot_carry_the_new_sections(world, scene):
    old = copy.deepcopy(scene)
    old["version"] = "1.3"
    report = exchange_import(actor=world.admin, data=old)
    assert [str(issue) for issue in report.errors] == [
        "sections.meetings: 数据段 meetings 自格式 1.4 起才有，1.3 版本的文件不应包含它",
        "sections.supervision: 数据段 supervision 自格式 1.4 起才有，1.3 版本的文件不应包含它",
    ]
    old["sections"].pop("meetings")
    old["sections"].pop("supervision")
    report = exchange_import(actor=world.admin, data=old)
    assert report.ok, report.summary()
    assert "meetings" not in report.counts


def test_an_admin_of_another_district_cannot_import_these_meetings(world, scene):
    with pytest.raises(AccessDenied):
        exchange_import(actor=world.foreign_admin, data=scene)


def test_the_sections_are_in_the_json_schema():
    schema = envelope_model().model_json_schema()
    for name in ("MeetingsSection", "MatterRecord", "SupervisionSection", "CardRecord", "ReferralRecord"):
        assert name in schema["$defs"], name
