"""The problem ledger (问题台账) to Excel, opened back with openpyxl: title, header, one row per problem in
scope with its kind, grade, units, dates, status, overdue flag and the slips issued; the list's filters
apply; the 导出台账 button on the problem list."""

import io

import openpyxl
import pytest
import time_machine

from tests.problems.factories import TODAY, assigned, filed
from tests.projects.factories import project
from tuijin.problems.selectors import LEDGER_COLUMNS

HEADER = [
    "序号",
    "编号",
    "项目",
    "问题类别",
    "等级",
    "问题描述",
    "上报单位",
    "上报时间",
    "交办单位",
    "办理时限",
    "状态",
    "是否超期",
    "办理情况",
    "销号时间",
    "已发四单",
]


@pytest.fixture(autouse=True)
def _travel():
    with time_machine.travel("2024-07-01 10:00 +0800", tick=False):  # the 10-workday deadline has passed
        yield


@pytest.fixture
def ledger(world):
    late = assigned(world, title="用地红线未确定", today=TODAY)
    fresh = filed(
        world, p=project(world, name="航空物流园"), title="施工用电未接入", kind="utilities", today=TODAY
    )
    return late, fresh


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def test_ledger_has_every_problem_with_its_columns(world, ledger, client_for):
    late, fresh = ledger
    sheet = _sheet(client_for(world.admin).get("/problems/ledger.xlsx"))
    assert sheet["A1"].value == f"{world.district.name}重大项目问题台账"
    assert "共 2 个问题" in sheet["A2"].value
    assert [c.value for c in sheet[3]] == HEADER
    assert len(HEADER) == len(LEDGER_COLUMNS)
    rows = {sheet.cell(row=r, column=2).value: [c.value for c in sheet[r]] for r in (4, 5)}
    first = rows[late.code]
    assert first[2] == late.project.name
    assert first[3] == "用地" and first[4] == late.get_grade_display()
    assert first[5].startswith("用地红线未确定：")
    assert first[6] == str(world.dept)
    assert first[7].date() == TODAY
    assert first[8] == str(world.dept)
    assert first[9].date() == late.due_date
    assert first[10] == late.get_status_display()
    assert first[11] == "是"
    assert first[14].startswith("交办单〔2024〕第")
    second = rows[fresh.code]
    assert second[3] == "水电气等配套" and second[8] in ("", None) and second[11] == "否" and not second[14]
    assert sorted(sheet.cell(row=r, column=1).value for r in (4, 5)) == [1, 2]
    assert sheet.page_setup.orientation == "landscape"


def test_the_lists_filters_apply(world, ledger, client_for):
    late, _ = ledger
    sheet = _sheet(client_for(world.admin).get("/problems/ledger.xlsx?overdue=1"))
    assert "超期" in sheet["A2"].value and "共 1 个问题" in sheet["A2"].value
    assert sheet["B4"].value == late.code
    assert sheet["B5"].value is None


def test_unit_staff_get_only_their_units_problems(world, ledger, client_for):
    from tuijin.problems import services

    theirs = services.problem_file(
        actor=world.admin,
        project=project(world, name="他单位项目", responsible_unit=world.other_dept),
        kind="funding",
        title="资金未到位",
        description="配套资金缺口",
        filed_unit=world.other_dept,
        today=TODAY,
    )
    late, fresh = ledger
    sheet = _sheet(client_for(world.reporter).get("/problems/ledger.xlsx"))
    codes = {sheet.cell(row=r, column=2).value for r in range(4, 8)} - {None}
    assert codes == {late.code, fresh.code}
    assert theirs.code not in codes
    office = _sheet(client_for(world.admin).get("/problems/ledger.xlsx"))
    assert "共 3 个问题" in office["A2"].value
    foreign = _sheet(client_for(world.foreign_admin).get("/problems/ledger.xlsx"))
    assert "共 0 个问题" in foreign["A2"].value


def test_list_has_the_export_button_with_its_filters(world, ledger, client_for):
    text = client_for(world.admin).get("/problems/?status=assigned").content.decode()
    assert 'id="problem-ledger-export"' in text
    assert 'href="/problems/ledger.xlsx?status=assigned"' in text
