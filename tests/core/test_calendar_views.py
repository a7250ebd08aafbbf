"""The calendar page: every internal role reads it; office admins (of any district: the calendar is
national) edit it; the provisional banner names the year to enter and goes once it is entered."""

from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from tuijin.core.calendar_selectors import current_calendar
from tuijin.core.calendar_services import calendar_seed
from tuijin.core.models import CalendarDay, CalendarYear
from tuijin.org.models import AccessDenial

D = date.fromisoformat
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOTICE = "国务院办公厅关于2027年部分节假日安排的通知"
READERS = ["admin", "leader", "unit_head", "reporter", "supervisor", "discipline"]
NON_ADMINS = ["leader", "unit_head", "reporter", "supervisor", "discipline"]


@pytest.fixture(autouse=True)
def seeded_calendar(empty_calendar):
    calendar_seed()


def xlsx_upload(rows, name="2027.xlsx"):
    book = openpyxl.Workbook()
    book.active.append(["2027年部分节假日安排"])
    book.active.append(["日期", "类型", "名称"])
    for row in rows:
        book.active.append(list(row))
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


GOOD_2027 = [
    (date(2027, 2, 5), "休息", "春节"),
    (date(2027, 2, 6), "休息", "春节"),
    (date(2027, 2, 13), "补班", "春节"),
]


@pytest.mark.parametrize("persona", READERS)
def test_every_role_reads_the_calendar(persona, world, client_for):
    response = client_for(getattr(world, persona)).get("/calendar/?year=2026")
    assert response.status_code == 200
    text = response.content.decode()
    assert "2026年日历" in text
    assert "2026-02-14" in text and "补班日" in text
    assert "工作日计算器" in text


def test_only_admins_see_the_editing_panels(world, client_for):
    assert "导入放假安排表格" in client_for(world.admin).get("/calendar/").content.decode()
    assert "导入放假安排表格" not in client_for(world.reporter).get("/calendar/").content.decode()


def test_a_provisional_year_says_so_and_names_the_year_to_enter(world, client_for):
    text = client_for(world.leader).get("/calendar/?year=2027").content.decode()
    assert "临时日历：2027年的国务院放假安排尚未录入" in text
    assert "法定节假日（临时日历推算）" in text


@pytest.mark.parametrize("persona", NON_ADMINS)
def test_non_admins_cannot_change_the_calendar(persona, world, client_for):
    user = getattr(world, persona)
    client = client_for(user)
    data = {"date": "2027-03-01", "kind": "off", "name": "临时休息", "reason": "紧急通知"}
    response = client.post("/calendar/day/", data)
    assert response.status_code == 403
    assert "无权修改工作日历" in response.content.decode()
    assert AccessDenial.objects.filter(user=user, path="/calendar/day/").exists()
    upload = client.post(
        "/calendar/import/", {"year": "2027", "document": NOTICE, "file": xlsx_upload(GOOD_2027)}
    )
    assert upload.status_code == 403
    assert client.post("/calendar/seed/").status_code == 403
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_an_admin_of_another_district_may_edit_the_national_calendar(world, client_for):
    data = {"date": "2027-03-01", "kind": "off", "name": "临时休息", "reason": "紧急通知"}
    response = client_for(world.foreign_admin).post("/calendar/day/", data)
    assert response.status_code == 302
    row = CalendarDay.objects.get(date=D("2027-03-01"))
    assert (row.updated_by, row.reason) == (world.foreign_admin, "紧急通知")


def test_an_emergency_change_shows_who_and_why_in_the_list(world, client_for):
    client = client_for(world.admin)
    reason = "国务院办公厅关于延长2026年国庆假期的通知"
    data = {"date": "2026-10-09", "kind": "off", "name": "国庆节", "reason": reason}
    response = client.post("/calendar/day/", data, follow=True)
    text = response.content.decode()
    assert "已将 2026-10-09 设为休息日（国庆节）" in text
    assert reason in text and "临时调整" in text
    assert current_calendar().is_workday(D("2026-10-09")) is False


def test_an_emergency_change_without_a_reason_is_refused_on_the_page(world, client_for):
    data = {"date": "2027-03-01", "kind": "off", "name": "临时休息", "reason": ""}
    response = client_for(world.admin).post("/calendar/day/", data)
    assert response.status_code == 400
    assert "这个字段是必填项" in response.content.decode()
    assert not CalendarDay.objects.filter(date=D("2027-03-01")).exists()


def test_a_make_up_weekday_is_refused_on_the_page(world, client_for):
    data = {"date": "2026-02-13", "kind": "makeup", "name": "春节", "reason": "通知"}
    response = client_for(world.admin).post("/calendar/day/", data)
    assert response.status_code == 400
    assert "2026-02-13 是工作日（周五），无需设为补班日" in response.content.decode()


def test_clearing_a_day_on_the_page(world, client_for):
    response = client_for(world.admin).post("/calendar/day/clear/", {"date": "2026-02-16", "reason": "撤回"})
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(date=D("2026-02-16")).exists()


def test_an_admin_imports_a_year_from_a_spreadsheet(world, client_for):
    client = client_for(world.admin)
    response = client.post(
        "/calendar/import/", {"year": "2027", "document": NOTICE, "file": xlsx_upload(GOOD_2027)}, follow=True
    )
    text = response.content.decode()
    assert "已从“2027.xlsx”导入 2027 年放假安排：休息日 2 天、补班日 1 天" in text
    assert "临时日历：2027年" not in text
    assert NOTICE in text
    assert CalendarYear.objects.get(year=2027).source == "import"


def test_import_errors_show_on_the_page_and_nothing_is_saved(world, client_for):
    before = CalendarDay.objects.count()
    rows = [(date(2027, 2, 5), "休息", "春节"), ("2027-02-30", "休息", "春节"), ("2027-02-06", "休息", "")]
    response = client_for(world.admin).post(
        "/calendar/import/", {"year": "2027", "document": NOTICE, "file": xlsx_upload(rows, "坏表.xlsx")}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "文件“坏表.xlsx”有 2 处错误，未导入任何内容：" in text
    assert "第 4 行：日期“2027-02-30”无效" in text
    assert "第 5 行：名称不能为空" in text
    assert CalendarDay.objects.count() == before
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_importing_something_that_is_not_a_spreadsheet_says_so(world, client_for):
    upload = SimpleUploadedFile(
        "安排.xls", b"\xd0\xcf\x11\xe0 not really", content_type="application/vnd.ms-excel"
    )
    response = client_for(world.admin).post(
        "/calendar/import/", {"year": "2027", "document": NOTICE, "file": upload}
    )
    assert response.status_code == 400
    assert "文件“安排.xls”不是有效的 Excel 工作簿（.xlsx）" in response.content.decode()


def test_an_admin_enters_a_year_as_lines_of_text(world, client_for):
    text = "2027-02-05 休 春节\n2027-02-13 班 春节\n"
    response = client_for(world.admin).post(
        "/calendar/enter/", {"year": "2027", "text": text, "document": NOTICE}
    )
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).source == "manual"
    assert current_calendar().is_workday(D("2027-02-13")) is True


def test_text_entry_errors_name_the_line(world, client_for):
    text = "2027-02-05 休 春节\n2027-02-15 班 春节\n"
    response = client_for(world.admin).post(
        "/calendar/enter/", {"year": "2027", "text": text, "document": NOTICE}
    )
    assert response.status_code == 400
    assert "第 2 行：2027-02-15 是工作日（周一），无需设为补班日" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_the_template_round_trips_through_import(world, client_for):
    client = client_for(world.admin)
    response = client.get("/calendar/template.xlsx?year=2027")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    assert [c.value for c in sheet[3]][:3] == ["日期", "类型", "名称"]
    assert sheet["A4"].value.date() == D("2027-01-01")
    upload = SimpleUploadedFile("calendar-2027.xlsx", response.content)
    client.post("/calendar/import/", {"year": "2027", "document": NOTICE, "file": upload})
    assert CalendarDay.objects.filter(date__year=2027).count() == 13  # the statutory days


def test_the_calculator_answers_with_and_without_htmx(world, client_for):
    client = client_for(world.reporter)
    partial = client.get("/calendar/calculate/?start=2026-02-13&n=1", headers={"HX-Request": "true"})
    assert "2026-02-13 之后第 1 个工作日是 2026-02-14（周六）" in partial.content.decode()
    assert "<html" not in partial.content.decode()
    page = client.get("/calendar/?start=2026-12-25&n=10&date_from=2026-02-13&date_to=2026-02-24")
    text = page.content.decode()
    assert "2026-12-25 之后第 10 个工作日是 2027-01-11" in text
    assert "计算涉及临时日历年份 2027" in text
    assert "之间有 2 个工作日" in text


def test_the_calculator_reports_bad_input(world, client_for):
    text = client_for(world.reporter).get("/calendar/calculate/?start=2026-02-30&n=1").content.decode()
    assert "起始日期" in text and "有效的日期" in text


@pytest.mark.parametrize("persona", ["admin", "foreign_admin"])
def test_the_banner_names_the_year_to_enter_until_it_is_entered(persona, world, client_for):
    client = client_for(getattr(world, persona))
    with time_machine.travel(datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI), tick=False):
        assert "2027年的国务院放假安排尚未录入" in client.get("/calendar/").content.decode()
        client.post("/calendar/import/", {"year": "2027", "document": NOTICE, "file": xlsx_upload(GOOD_2027)})
        assert "2027年的国务院放假安排尚未录入" not in client.get("/calendar/").content.decode()


def test_the_banner_is_for_admins_only(world, client_for):
    with time_machine.travel(datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI), tick=False):
        assert (
            "2027年的国务院放假安排尚未录入"
            not in client_for(world.reporter).get("/calendar/").content.decode()
        )
