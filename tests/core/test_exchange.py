"""The JSON data exchange format, version 1.0: organisation (issue 6 part 6, docs/exchange.md)."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import PASSWORD
from tuijin.core.access import AccessDenied
from tuijin.core.exchange import version as exchange_version
from tuijin.core.exchange.errors import format_path, translate_error
from tuijin.core.exchange.services import exchange_dumps, exchange_export, exchange_import
from tuijin.org.models import Jurisdiction, LeadingGroup, LeadingGroupMember, Person, Unit, User
from tuijin.org.services import account_reset_password

ORG_MODELS = [
    Jurisdiction,
    Unit,
    Person,
    Person.units_in_charge.through,
    LeadingGroup,
    LeadingGroupMember,
    User,
]


def row_counts():
    counts = {model.__name__: model.objects.count() for model in ORG_MODELS}
    counts["history"] = sum(
        model.history.count() for model in (Jurisdiction, Unit, Person, LeadingGroup, User)
    )
    return counts


def comparable(data):
    """An export without the moment it was made."""
    return {key: value for key, value in data.items() if key != "exported_at"}


def empty_organisation():
    """Turn the test database into an installation that holds no organisation at all."""
    User.objects.all().delete()
    LeadingGroupMember.objects.all().delete()
    LeadingGroup.objects.all().delete()
    Person.objects.all().delete()
    Unit.objects.all().delete()
    for jurisdiction in sorted(Jurisdiction.objects.all(), key=lambda j: -len(j.path)):
        jurisdiction.delete()


def org(data):
    return data["sections"]["organisation"]


def position(records, **match):
    return next(i for i, r in enumerate(records) if all(r[k] == v for k, v in match.items()))


def add_namesakes(world):
    """Two people called 王伟 in one district, told apart by their keys' #2."""
    first = Person.objects.create(jurisdiction=world.district, name="王伟", post="科长", unit=world.dept)
    second = Person.objects.create(
        jurisdiction=world.district, name="王伟", post="科员", unit=world.other_dept
    )
    return first, second


# ---------------------------------------------------------------------------------------------------
# Export


def test_export_carries_the_organisation_of_the_subtree(world):
    data = exchange_export(actor=world.admin, jurisdiction=world.district)
    assert data["format"] == "tuijin-exchange"
    assert data["version"] == exchange_version.version_text()
    assert data["root"] == "360102"
    section = org(data)
    assert [j["code"] for j in section["ancestors"]] == ["36", "3601"]
    assert [j["code"] for j in section["jurisdictions"]] == ["360102", "360102001"]
    assert "青山湖区发改委" not in {u["name"] for u in section["units"]}
    street = section["units"][position(section["units"], name="公园街道办事处")]
    assert street["governs_code"] == "360102001" and street["kind"] == "street"
    leader = section["people"][position(section["people"], name="林志远")]
    assert leader["key"] == "360102/林志远"
    assert leader["units_in_charge"] == ["360102/区发展和改革委员会"]
    group = section["leading_groups"][0]
    assert group["office"] == "360102/区重点公共建设项目管理中心"
    assert group["members"] == [{"person": "360102/林志远", "role": "deputy", "sort": 0}]
    assert "foreign_admin" not in {a["username"] for a in section["accounts"]}
    head = section["accounts"][position(section["accounts"], username="head")]
    assert head == {
        "username": "head",
        "display_name": "head",
        "role": "unit_head",
        "jurisdiction_code": "360102",
        "unit": "360102/区发展和改革委员会",
        "person": "360102/周文博",
        "is_active": True,
    }


def test_exported_accounts_carry_no_password(world):
    text = exchange_dumps(exchange_export(actor=world.admin, jurisdiction=world.district))
    assert "password" not in text
    assert world.admin.password not in text
    assert "md5$" not in text and "pbkdf2" not in text


def test_namesakes_are_numbered_by_entry_order(world):
    add_namesakes(world)
    people = org(exchange_export(actor=None, jurisdiction=world.district))["people"]
    by_key = {p["key"]: p for p in people}
    assert by_key["360102/王伟"]["post"] == "科长"
    assert by_key["360102/王伟#2"]["post"] == "科员"


def test_reporter_cannot_export_or_import(world):
    data = exchange_export(actor=world.admin, jurisdiction=world.district)
    with pytest.raises(AccessDenied):
        exchange_export(actor=world.reporter, jurisdiction=world.district)
    with pytest.raises(AccessDenied):
        exchange_import(actor=world.reporter, data=data)


def test_office_admin_cannot_export_another_district(world):
    with pytest.raises(AccessDenied):
        exchange_export(actor=world.foreign_admin, jurisdiction=world.district)


# ---------------------------------------------------------------------------------------------------
# Round trips and idempotence


def test_round_trip_into_an_empty_installation_gives_the_same_organisation(world):
    add_namesakes(world)
    before = exchange_export(actor=None, jurisdiction=world.city.parent)
    empty_organisation()
    report = exchange_import(actor=None, data=exchange_dumps(before).encode())
    assert report.ok, report.summary()
    assert report.counts["jurisdictions"].created == 5
    assert report.counts["accounts"].created == 7
    after = exchange_export(actor=None, jurisdiction=Jurisdiction.objects.get(code="36"))
    assert comparable(after) == comparable(before)


def test_a_district_moves_into_an_empty_installation_with_its_ancestors(world):
    before = exchange_export(actor=world.admin, jurisdiction=world.district)
    empty_organisation()
    report = exchange_import(actor=None, data=before)
    assert report.ok, report.summary()
    district = Jurisdiction.objects.get(code="360102")
    assert district.path == "/36/3601/360102/"
    after = exchange_export(actor=None, jurisdiction=district)
    assert comparable(after) == comparable(before)


def test_importing_the_same_file_twice_changes_nothing(world):
    add_namesakes(world)
    data = exchange_export(actor=world.admin, jurisdiction=world.district)
    before = row_counts()
    report = exchange_import(actor=world.admin, data=data)
    assert report.ok, report.summary()
    for kind, counts in report.counts.items():
        assert (counts.created, counts.updated, counts.removed) == (0, 0, 0), kind
        assert counts.unchanged > 0, kind
    assert row_counts() == before


def test_import_updates_what_changed_and_replaces_the_group_roster(world):
    data = exchange_export(actor=world.admin, jurisdiction=world.district)
    section = org(data)
    section["units"][position(section["units"], name="区发展和改革委员会")]["short_name"] = "发改委"
    section["leading_groups"][0]["members"] = [{"person": "360102/周文博", "role": "head", "sort": 1}]
    section["people"].append(
        {
            "key": "360102/李娜",
            "jurisdiction_code": "360102",
            "name": "李娜",
            "unit": "360102/区发展和改革委员会",
        }
    )
    report = exchange_import(actor=world.admin, data=data)
    assert report.ok, report.summary()
    assert report.counts["units"].updated == 1
    assert report.counts["people"].created == 1
    assert (
        report.counts["leading_group_members"].created,
        report.counts["leading_group_members"].removed,
    ) == (1, 1)
    world.dept.refresh_from_db()
    assert world.dept.short_name == "发改委"
    assert list(LeadingGroupMember.objects.values_list("person__name", "role")) == [("周文博", "head")]
    assert world.dept.history.first().history_change_reason.startswith("数据交换导入")


def test_dry_run_counts_but_writes_nothing(world):
    data = exchange_export(actor=world.admin, jurisdiction=world.district)
    org(data)["units"].append({"jurisdiction_code": "360102", "name": "区财政局", "kind": "department"})
    before = row_counts()
    report = exchange_import(actor=world.admin, data=data, dry_run=True)
    assert report.ok and report.counts["units"].created == 1
    assert "未写入任何数据" in report.summary()
    assert row_counts() == before


def test_a_file_of_an_older_minor_version_still_imports(world, monkeypatch):
    data = exchange_export(actor=world.admin, jurisdiction=world.district)
    data["version"] = "1.4"  # a file written before section `scoring` (1.5) existed
    data["sections"].pop("scoring", None)
    report = exchange_import(actor=world.admin, data=data)
    assert report.ok, report.summary()


# ---------------------------------------------------------------------------------------------------
# Accounts


def test_imported_new_account_cannot_log_in_until_an_admin_resets_it(world, client):
    data = exchange_export(actor=world.admin, jurisdiction=world.district)
    empty_organisation()
    assert exchange_import(actor=None, data=data).ok
    reporter = User.objects.get(username="reporter")
    assert not reporter.has_usable_password()
    assert reporter.must_change_password
    assert not client.login(username="reporter", password=PASSWORD)
    admin = User.objects.get(username="admin")
    admin.set_password(PASSWORD)  # the installation's own administrator sets the first admin's password
    admin.save()
    new_password = account_reset_password(actor=admin, user=reporter)
    assert client.login(username="reporter", password=new_password)


def test_import_leaves_existing_passwords_untouched(world, client):
    data = exchange_export(actor=world.admin, jurisdiction=world.district)
    org(data)["accounts"][position(org(data)["accounts"], username="reporter")]["display_name"] = "填报员小王"
    report = exchange_import(actor=world.admin, data=data)
    assert report.counts["accounts"].updated == 1
    assert client.login(username="reporter", password=PASSWORD)


# ---------------------------------------------------------------------------------------------------
# Access: an office admin imports only into their own subtree


def test_office_admin_of_another_district_cannot_import_this_district(world):
    data = exchange_export(actor=world.admin, jurisdiction=world.district)
    org(data)["units"][0]["short_name"] = "改过"
    before = row_counts()
    with pytest.raises(AccessDenied) as refusal:
        exchange_import(actor=world.foreign_admin, data=data)
    assert "360102" in refusal.value.message
    assert row_counts() == before


def test_district_admin_cannot_import_the_whole_province(world):
    data = exchange_export(actor=None, jurisdiction=world.city.parent)
    with pytest.raises(AccessDenied) as refusal:
        exchange_import(actor=world.admin, data=data)
    assert "36（江西省）" in refusal.value.message


def test_import_cannot_take_over_an_account_of_another_district(world):
    data = exchange_export(actor=world.admin, jurisdiction=world.district)
    org(data)["accounts"].append(
        {"username": "foreign_admin", "role": "office_admin", "jurisdiction_code": "360102"}
    )
    before = row_counts()
    with pytest.raises(AccessDenied) as refusal:
        exchange_import(actor=world.admin, data=data)
    assert "foreign_admin" in refusal.value.message and "360111" in refusal.value.message
    assert row_counts() == before


def test_new_jurisdiction_outside_own_subtree_is_refused(world):
    data = exchange_export(actor=world.foreign_admin, jurisdiction=world.other_district)
    org(data)["jurisdictions"].append(
        {"code": "360102099", "name": "新街道", "level": "street", "parent_code": "360102"}
    )
    report = exchange_import(actor=world.foreign_admin, data=data)
    assert not report.ok
    assert "sections.organisation.jurisdictions[1].parent_code" in str(report.errors[0])
    assert "不在本文件的根辖区 360111 之下" in str(report.errors[0])


def _new_street_file(world):
    """A file rooted at a street that this installation does not have yet, under 东湖区."""
    data = exchange_export(actor=world.admin, jurisdiction=world.street)
    section = org(data)
    section["jurisdictions"] = [
        {"code": "360102002", "name": "豫章街道", "level": "street", "parent_code": "360102"}
    ]
    section["units"] = [{"jurisdiction_code": "360102002", "name": "豫章街道办事处", "kind": "street"}]
    data["root"] = "360102002"
    return data


def test_office_admin_imports_a_new_jurisdiction_under_their_own(world):
    report = exchange_import(actor=world.admin, data=_new_street_file(world))
    assert report.ok, report.summary()
    assert Jurisdiction.objects.get(code="360102002").path == "/36/3601/360102/360102002/"
    assert Unit.objects.filter(jurisdiction__code="360102002").count() == 1


def test_office_admin_cannot_create_a_jurisdiction_under_another_district(world):
    before = row_counts()
    with pytest.raises(AccessDenied) as refusal:
        exchange_import(actor=world.foreign_admin, data=_new_street_file(world))
    assert "360102002（豫章街道）" in refusal.value.message
    assert row_counts() == before


def test_a_root_without_parent_takes_its_place_in_this_installation(world):
    """A district that runs its own installation, with no levels above it, reports to its city."""
    data = exchange_export(actor=world.admin, jurisdiction=world.district)
    org(data)["ancestors"] = []
    org(data)["jurisdictions"][0]["parent_code"] = None
    report = exchange_import(actor=world.admin, data=data)
    assert report.ok, report.summary()
    world.district.refresh_from_db()
    assert world.district.parent == world.city


# ---------------------------------------------------------------------------------------------------
# Malformed files: one Chinese message naming the path, and nothing written


def _district_file(world):
    return exchange_export(actor=world.admin, jurisdiction=world.district)


def _set(path, value):
    def change(data):
        target = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
        return data

    return change


def _unit_index(data, name):
    return position(org(data)["units"], name=name)


def _drop_kind(data):
    del org(data)["units"][_unit_index(data, "区纪委监委")]["kind"]
    return data


def _bureau(data):
    org(data)["units"][_unit_index(data, "区纪委监委")]["kind"] = "bureau"
    return data


def _unknown_jurisdiction(data):
    org(data)["units"][_unit_index(data, "区纪委监委")]["jurisdiction_code"] = "999999"
    return data


def _duplicate_unit(data):
    units = org(data)["units"]
    units.append(dict(units[_unit_index(data, "区纪委监委")], short_name="纪委"))
    return data


def _moved_parent(data):
    org(data)["jurisdictions"][1]["parent_code"] = "360111"
    return data


def _unknown_person(data):
    org(data)["leading_groups"][0]["members"].append({"person": "360102/张三", "role": "member"})
    return data


def _unit_outside_account(data):
    accounts = org(data)["accounts"]
    accounts[position(accounts, username="reporter")]["jurisdiction_code"] = "360102001"
    return data


def _foreign_unit_in_charge(data):
    people = org(data)["people"]
    people[position(people, name="林志远")]["units_in_charge"].append("360111/青山湖区发改委")
    return data


MALFORMED = {
    "wrong format name": (_set(["format"], "other-exchange"), "format", '文件格式应为 "tuijin-exchange"'),
    "unknown major": (_set(["version"], "2.0"), "version", "主版本 2 无法导入"),
    "newer minor": (_set(["version"], "1.99"), "version", "请先升级本系统"),
    "version not a string": (_set(["version"], 1.0), "version", "版本号应为“主版本.次版本”形式的字符串"),
    "missing field": (_drop_kind, "sections.organisation.units[{dw}].kind", "缺少必填字段"),
    "wrong enum value": (
        _bureau,
        "sections.organisation.units[{dw}].kind",
        '取值应为 office/department/approval/street/state_company/government/supervision/discipline 之一，实际为 "bureau"',
    ),
    "string for a number": (
        _set(["sections", "organisation", "units", 0, "sort"], "3"),
        "units[0].sort",
        "应为整数",
    ),
    "misspelt field": (
        _set(["sections", "organisation", "units", 0, "shortname"], "x"),
        "units[0].shortname",
        "不认识的字段",
    ),
    "naive timestamp": (_set(["exported_at"], "2026-05-01T10:00:00"), "exported_at", "应带时区"),
    "unit in unknown jurisdiction": (
        _unknown_jurisdiction,
        "sections.organisation.units[{dw}].jurisdiction_code",
        "辖区代码 999999 在文件和系统中都不存在",
    ),
    "duplicate unit": (
        _duplicate_unit,
        "sections.organisation.units[{last}].name",
        "单位“区纪委监委”在辖区 360102 中重复（另见 units[{dw}]）",
    ),
    "parent moved": (_moved_parent, "jurisdictions[1].parent_code", "导入不能改变辖区的上级"),
    "unknown person": (_unknown_person, "members[1].person", "人员 “360102/张三” 在文件和系统中都不存在"),
    "account unit elsewhere": (
        _unit_outside_account,
        "accounts[",
        "单位“360102/区发展和改革委员会”不在账号所属辖区 360102001 内",
    ),
    "unit in charge elsewhere": (
        _foreign_unit_in_charge,
        "units_in_charge[1]",
        "单位“360111/青山湖区发改委”不在本文件的根辖区 360102 之下",
    ),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_file_is_refused_with_a_chinese_message_naming_the_path(world, case):
    change, path, message = MALFORMED[case]
    data = change(_district_file(world))
    places = {"dw": _unit_index(data, "区纪委监委"), "last": len(org(data)["units"]) - 1}
    before = row_counts()
    report = exchange_import(actor=world.admin, data=exchange_dumps(data).encode())
    assert not report.ok
    texts = [str(issue) for issue in report.errors]
    assert any(path.format(**places) in t and message.format(**places) in t for t in texts), texts
    assert report.counts == {}
    assert row_counts() == before


def test_a_file_that_is_not_json_names_the_line_and_column(world):
    before = row_counts()
    report = exchange_import(
        actor=world.admin, data=b'{\n  "format": "tuijin-exchange",\n  "version": "1.0",,\n}'
    )
    assert [str(issue) for issue in report.errors] == [
        "文件不是有效的 JSON：第 3 行第 20 列，属性名应使用双引号括起（或多了一个逗号）"
    ]
    assert row_counts() == before


def test_a_file_that_is_not_utf8_is_refused(world):
    report = exchange_import(actor=world.admin, data='{"format": "推进"}'.encode("gbk"))
    assert "不是 UTF-8 编码" in str(report.errors[0])


def test_every_error_is_reported_not_just_the_first(world):
    data = _bureau(_unknown_person(_district_file(world)))
    org(data)["accounts"][0]["role"] = "boss"
    report = exchange_import(actor=world.admin, data=data)
    assert len(report.errors) == 2  # schema errors come first; references are checked on a valid file
    report = exchange_import(
        actor=world.admin, data=_unknown_jurisdiction(_unknown_person(_district_file(world)))
    )
    assert len(report.errors) == 2


def test_jurisdiction_problems_are_reported_once_each(world):
    data = _district_file(world)
    jurisdictions = org(data)["jurisdictions"]
    jurisdictions += [
        {"code": "A1", "name": "甲", "level": "street", "parent_code": "A2"},
        {"code": "A2", "name": "乙", "level": "street", "parent_code": "A1"},
        {"code": "B1", "name": "丙", "level": "street", "parent_code": "404"},
        {"code": "B2", "name": "丁", "level": "street", "parent_code": "B1"},
        {"code": "B3", "name": "戊", "level": "street", "parent_code": "B1"},
    ]
    report = exchange_import(actor=world.admin, data=data)
    assert [str(issue) for issue in report.errors] == [
        "sections.organisation.jurisdictions[2].parent_code: 上级关系成环：A1 → A2 → A1",
        "sections.organisation.jurisdictions[4].parent_code: 上级辖区代码 404 在文件和系统中都不存在",
    ]


def test_namesakes_must_be_numbered_in_order(world):
    data = _district_file(world)
    org(data)["people"].append({"key": "360102/王伟#2", "jurisdiction_code": "360102", "name": "王伟"})
    report = exchange_import(actor=world.admin, data=data)
    assert "新增的应从 “360102/王伟” 起依次编号" in str(report.errors[0])


# ---------------------------------------------------------------------------------------------------
# Error texts (no database)


def test_paths_read_like_json():
    assert (
        format_path(("sections", "organisation", "units", 3, "kind")) == "sections.organisation.units[3].kind"
    )
    assert format_path(()) == ""


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"type": "missing", "loc": ("a",)}, "a: 缺少必填字段"),
        ({"type": "string_type", "loc": ("a", 0), "input": 5}, "a[0]: 应为字符串，实际为整数 5"),
        ({"type": "bool_type", "loc": ("b",), "input": "yes"}, 'b: 应为 true 或 false，实际为 "yes"'),
        (
            {"type": "string_too_long", "loc": ("n",), "input": "abcd", "ctx": {"max_length": 3}},
            "n: 不能超过 3 个字符，实际为 4 个字符",
        ),
        (
            {"type": "date_from_datetime_parsing", "loc": ("d",), "input": "x"},
            'd: 应为日期（YYYY-MM-DD，如 2026-05-01），实际为 "x"',
        ),
        (
            {"type": "value_error", "loc": ("c",), "ctx": {"error": ValueError("辖区代码不能含“/”")}},
            "c: 辖区代码不能含“/”",
        ),
        ({"type": "something_new", "loc": ("z",), "msg": "Odd"}, "z: 取值不符合要求（something_new：Odd）"),
    ],
)
def test_pydantic_errors_are_told_in_chinese(error, expected):
    assert str(translate_error(error)) == expected


# ---------------------------------------------------------------------------------------------------
# The command


def test_command_round_trip_through_real_files(world, tmp_path, capsys):
    add_namesakes(world)
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    call_command("exchange", "export", str(first), "--jurisdiction", "360102")
    assert "已导出 东湖区（360102）" in capsys.readouterr().out
    empty_organisation()
    call_command("exchange", "import", str(first), "--dry-run")
    assert "试导入通过" in capsys.readouterr().out
    assert not Jurisdiction.objects.exists()
    call_command("exchange", "import", str(first))
    out = capsys.readouterr().out
    assert "导入完成" in out and "人员：新增 5，更新 0，未变 0" in out
    call_command("exchange", "export", str(second), "--jurisdiction", "360102")
    assert comparable(json.loads(second.read_text("utf-8"))) == comparable(
        json.loads(first.read_text("utf-8"))
    )


def test_command_prints_every_error_and_fails(world, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(exchange_dumps(_unknown_jurisdiction(_bureau(_district_file(world)))), encoding="utf-8")
    before = row_counts()
    err = tmp_path / "stderr.txt"
    with err.open("w", encoding="utf-8") as stderr, pytest.raises(CommandError) as failure:
        call_command("exchange", "import", str(bad), stderr=stderr)
    assert failure.value.returncode == 1
    printed = err.read_text("utf-8")
    assert "导入失败，未写入任何数据" in printed and ".kind: 取值应为" in printed
    assert row_counts() == before


def test_command_export_without_a_code_exports_the_top_jurisdiction(world, tmp_path):
    target = tmp_path / "all.json"
    call_command("exchange", "export", str(target))
    assert json.loads(target.read_text("utf-8"))["root"] == "36"


def test_command_reports_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("exchange", "import", str(tmp_path / "missing.json"))
