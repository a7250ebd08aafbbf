"""Writes of the working-day calendar: seeding, entering a year, emergency changes, spreadsheet import.
Every refusal is a Chinese message naming the date, row or field, and nothing is half-saved."""

from datetime import date
from io import BytesIO

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from tuijin.core.access import AccessDenied
from tuijin.core.calendar_selectors import current_calendar
from tuijin.core.calendar_services import (
    calendar_day_clear,
    calendar_day_set,
    calendar_import_xlsx,
    calendar_seed,
    calendar_year_enter_text,
    calendar_year_replace,
)
from tuijin.core.models import CalendarDay, CalendarYear
from tuijin.core.rules.holidays import official_schedule, official_years

D = date.fromisoformat
NOTICE_2027 = "国务院办公厅关于2027年部分节假日安排的通知"
# A plausible 2027 schedule (the real one is published in November 2026).
SCHEDULE_2027 = [
    ("2027-01-01", "休息", "元旦"),
    ("2027-02-05", "休息", "春节"),
    ("2027-02-06", "休息", "春节"),
    ("2027-02-07", "休息", "春节"),
    ("2027-02-08", "休息", "春节"),
    ("2027-02-09", "休息", "春节"),
    ("2027-02-10", "休息", "春节"),
    ("2027-02-11", "休息", "春节"),
    ("2027-02-13", "补班", "春节"),
    ("2027-10-01", "休息", "国庆节"),
]


# Each test starts from an empty table and sees every change at once (no recheck delay).
pytestmark = pytest.mark.usefixtures("empty_calendar")


def write_xlsx(path, rows, *, title: str | None = "2027年部分节假日安排", header=("日期", "类型", "名称")):
    """A real workbook: optional title row, header row, then `rows` (None for a blank row)."""
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row) if row is not None else [None])
    book.save(path)
    return path


def import_file(actor, path, *, year=2027, document=NOTICE_2027):
    with open(path, "rb") as handle:
        return calendar_import_xlsx(
            actor=actor, year=year, file=handle, document=document, file_name=path.name
        )


def counts():
    return CalendarYear.objects.count(), CalendarDay.objects.count()


def messages_of(excinfo) -> str:
    return "\n".join(excinfo.value.messages)


# ---------------------------------------------------------------------------------------------------
# Seeding from chinesecalendar.


def test_seed_enters_every_packaged_year_once(db):
    seeded = calendar_seed()
    assert seeded == list(official_years())
    expected_days = sum(
        len(official_schedule(y).days_off) + len(official_schedule(y).make_up_days) for y in seeded
    )
    assert counts() == (len(seeded), expected_days)
    assert set(CalendarYear.objects.values_list("source", flat=True)) == {"package"}
    assert calendar_seed() == []
    assert counts() == (len(seeded), expected_days)


def test_seed_never_overwrites_a_year_an_admin_entered(world):
    calendar_year_enter_text(
        actor=world.admin, year=2026, text="2026-01-01 休 元旦\n2026-02-16 休 春节", document="测试通知"
    )
    calendar_seed()
    entry = CalendarYear.objects.get(year=2026)
    assert entry.source == "manual"
    assert entry.updated_by == world.admin
    assert set(CalendarDay.objects.filter(date__year=2026).values_list("date", flat=True)) == {
        D("2026-01-01"),
        D("2026-02-16"),
    }


def test_after_seed_the_done_when_facts_hold(db):
    calendar_seed()
    cal = current_calendar()
    assert cal.is_workday(D("2026-02-14")) is True  # Saturday make-up day for the Spring Festival
    assert cal.is_workday(D("2026-02-16")) is False
    assert cal.is_workday(D("2020-01-31")) is False  # the 2020 Spring Festival extension
    assert cal.is_provisional(D("2027-03-01")) is True
    assert cal.is_provisional(D("2026-03-02")) is False
    result = cal.add_workdays_explained(D("2026-12-25"), 10)
    assert result.provisional_years == (2027,)


def test_seed_by_a_reporter_is_refused(world):
    with pytest.raises(AccessDenied):
        calendar_seed(actor=world.reporter)
    assert counts() == (0, 0)


# ---------------------------------------------------------------------------------------------------
# Entering a whole year.


def test_replace_enters_the_year_and_ends_the_provisional_calendar(world):
    days = [(D("2027-02-05"), "off", "春节"), (D("2027-02-13"), "makeup", "春节")]
    entry = calendar_year_replace(actor=world.admin, year=2027, days=days, document=NOTICE_2027)
    assert (entry.source, entry.document, entry.updated_by) == ("manual", NOTICE_2027, world.admin)
    cal = current_calendar()
    assert cal.is_provisional(D("2027-06-01")) is False
    assert cal.is_workday(D("2027-02-13")) is True
    assert cal.is_workday(D("2027-10-01")) is True  # not in the entered list: a normal Friday


def test_replace_refuses_a_day_both_off_and_on_naming_the_date(world):
    days = [(D("2027-02-06"), "off", "春节"), (D("2027-02-06"), "makeup", "春节")]
    with pytest.raises(ValidationError) as excinfo:
        calendar_year_replace(actor=world.admin, year=2027, days=days, document=NOTICE_2027)
    assert "2027-02-06 同时被设为休息日和补班日" in messages_of(excinfo)
    assert counts() == (0, 0)


def test_replace_refuses_a_make_up_day_on_a_weekday(world):
    days = [(D("2026-02-13"), "makeup", "春节")]
    with pytest.raises(ValidationError) as excinfo:
        calendar_year_replace(actor=world.admin, year=2026, days=days, document="通知")
    assert "2026-02-13 是工作日（周五），无需设为补班日" in messages_of(excinfo)
    assert counts() == (0, 0)


def test_replace_allows_a_day_off_on_a_weekend(world):
    days = [(D("2027-02-06"), "off", "春节")]
    calendar_year_replace(actor=world.admin, year=2027, days=days, document=NOTICE_2027)
    assert CalendarDay.objects.get().date == D("2027-02-06")


def test_replace_refuses_dates_outside_the_year_and_repeats(world):
    days = [
        (D("2026-12-31"), "off", "元旦"),
        (D("2027-01-01"), "off", "元旦"),
        (D("2027-01-01"), "off", "元旦"),
    ]
    with pytest.raises(ValidationError) as excinfo:
        calendar_year_replace(actor=world.admin, year=2027, days=days, document=NOTICE_2027)
    text = messages_of(excinfo)
    assert "日期 2026-12-31 不在 2027 年内" in text
    assert "2027-01-01 重复出现" in text


def test_replace_needs_the_document_it_follows(world):
    with pytest.raises(ValidationError) as excinfo:
        calendar_year_replace(
            actor=world.admin, year=2027, days=[(D("2027-01-01"), "off", "元旦")], document=" "
        )
    assert "请填写依据文件" in messages_of(excinfo)
    assert counts() == (0, 0)


def test_entering_a_year_again_replaces_it_whole(world):
    calendar_seed()
    before = CalendarDay.objects.filter(date__year=2026).count()
    assert before > 2
    calendar_year_enter_text(
        actor=world.admin, year=2026, text="2026-01-01 休 元旦\n2026-01-02 休 元旦", document="新通知"
    )
    assert CalendarDay.objects.filter(date__year=2026).count() == 2
    assert CalendarDay.objects.filter(date__year=2025).count() > 0  # other years untouched


def test_text_entry_reports_each_bad_line(world):
    text = "2027-02-06 休 春节\n2027-02-30 休 春节\n2027-02-07 调 春节\n2027-02-08 休"
    with pytest.raises(ValidationError) as excinfo:
        calendar_year_enter_text(actor=world.admin, year=2027, text=text, document=NOTICE_2027)
    text = messages_of(excinfo)
    assert "第 2 行：日期“2027-02-30”无效" in text
    assert "第 3 行：类型“调”无法识别" in text
    assert "第 4 行：“2027-02-08 休”应为“日期 类型 名称”三项" in text
    assert counts() == (0, 0)


def test_a_leader_cannot_enter_a_year(world):
    with pytest.raises(AccessDenied) as excinfo:
        calendar_year_replace(
            actor=world.leader, year=2027, days=[(D("2027-01-01"), "off", "元旦")], document="x"
        )
    assert "无权修改工作日历" in excinfo.value.message


# ---------------------------------------------------------------------------------------------------
# Emergency changes.


def test_emergency_day_off_in_an_entered_year_keeps_who_and_why(world):
    calendar_seed()
    reason = "国务院办公厅关于临时调整的通知"
    calendar_day_set(actor=world.admin, date=D("2026-03-02"), kind="off", name="临时休息", reason=reason)
    row = CalendarDay.objects.get(date=D("2026-03-02"))
    assert (row.kind, row.reason, row.updated_by) == ("off", reason, world.admin)
    assert current_calendar().is_workday(D("2026-03-02")) is False


def test_emergency_change_can_turn_a_day_off_into_a_make_up_day(world):
    calendar_seed()
    calendar_day_set(actor=world.admin, date=D("2026-02-15"), kind="makeup", name="春节", reason="紧急通知")
    assert CalendarDay.objects.filter(date=D("2026-02-15")).get().kind == "makeup"
    assert current_calendar().is_workday(D("2026-02-15")) is True


def test_emergency_change_in_a_provisional_year_applies_and_stays_provisional(world):
    calendar_day_set(actor=world.admin, date=D("2027-03-01"), kind="off", name="临时休息", reason="紧急通知")
    calendar_day_set(actor=world.admin, date=D("2027-02-06"), kind="makeup", name="春节", reason="紧急通知")
    cal = current_calendar()
    assert cal.is_workday(D("2027-03-01")) is False
    assert cal.is_workday(D("2027-02-06")) is True  # a statutory day overridden by the admin
    assert cal.is_workday(D("2027-02-05")) is False  # the rest of the provisional rule still applies
    assert cal.is_provisional(D("2027-03-01")) is True
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_emergency_change_needs_a_reason(world):
    with pytest.raises(ValidationError) as excinfo:
        calendar_day_set(actor=world.admin, date=D("2027-03-01"), kind="off", name="临时休息", reason="")
    assert "请填写调整原因" in excinfo.value.message_dict["reason"][0]
    assert counts() == (0, 0)


def test_emergency_make_up_day_on_a_weekday_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        calendar_day_set(actor=world.admin, date=D("2026-02-13"), kind="makeup", name="春节", reason="通知")
    assert excinfo.value.message_dict["kind"] == ["2026-02-13 是工作日（周五），无需设为补班日"]


def test_clearing_a_day_restores_the_normal_week(world):
    calendar_seed()
    calendar_day_clear(actor=world.admin, date=D("2026-02-16"), reason="撤回错误录入")
    assert not CalendarDay.objects.filter(date=D("2026-02-16")).exists()
    assert current_calendar().is_workday(D("2026-02-16")) is True


def test_clearing_a_day_without_a_record_says_so(world):
    with pytest.raises(ValidationError) as excinfo:
        calendar_day_clear(actor=world.admin, date=D("2027-03-03"), reason="撤回")
    assert "2027-03-03 没有休息或补班的调整记录" in excinfo.value.message_dict["date"][0]
    with pytest.raises(ValidationError) as excinfo:
        calendar_day_clear(actor=world.admin, date=D("2027-02-05"), reason="撤回")
    assert "临时日历按法定节假日推算的休息日" in excinfo.value.message_dict["date"][0]


def test_unit_head_cannot_make_an_emergency_change(world):
    with pytest.raises(AccessDenied):
        calendar_day_set(actor=world.unit_head, date=D("2027-03-01"), kind="off", name="x", reason="y")
    assert counts() == (0, 0)


# ---------------------------------------------------------------------------------------------------
# Spreadsheet import.


def test_import_reads_titles_blank_rows_and_every_date_form(world, tmp_path):
    rows = [
        (date(2027, 1, 1), "休息", "元旦"),
        None,
        ("2027-02-05", "放假", "春节"),
        ("2027年2月6日", "休", "春节"),
        ("2027/2/7", "休息", "春节"),
        (date(2027, 2, 13), "上班", "春节"),
    ]
    path = write_xlsx(tmp_path / "2027.xlsx", rows)
    result = import_file(world.admin, path)
    assert (result.year, result.days_off, result.makeup_days, result.replaced) == (2027, 4, 1, "")
    assert "已从“2027.xlsx”导入 2027 年放假安排" in result.message
    entry = CalendarYear.objects.get(year=2027)
    assert (entry.source, entry.document, entry.updated_by) == ("import", NOTICE_2027, world.admin)
    cal = current_calendar()
    assert cal.is_provisional(D("2027-06-01")) is False
    assert cal.is_workday(D("2027-02-13")) is True
    assert cal.is_workday(D("2027-02-05")) is False


def test_import_reports_every_bad_row_and_writes_nothing(world, tmp_path):
    calendar_seed()
    before = counts()
    rows = [
        ("2027-02-05", "休息", "春节"),  # row 3
        None,  # row 4
        ("2027-02-30", "休息", "春节"),  # row 5
        ("2027-02-06", "调休", "春节"),  # row 6
        ("2027-02-07", "休息", None),  # row 7
        ("2027-02-05", "补班", "春节"),  # row 8: 2027-02-05 is also off on row 3
        ("2027-02-15", "补班", "春节"),  # row 9: a Monday
        ("2028-01-01", "休息", "元旦"),  # row 10
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    with pytest.raises(ValidationError) as excinfo:
        import_file(world.admin, path)
    text = messages_of(excinfo)
    assert "第 5 行：日期“2027-02-30”无效" in text
    assert "第 6 行：类型“调休”无法识别" in text
    assert "第 7 行：名称不能为空" in text
    assert counts() == before
    assert current_calendar().is_provisional(D("2027-02-05"))


def test_import_reports_year_level_errors_with_row_numbers(world, tmp_path):
    rows = [
        ("2027-02-06", "休息", "春节"),  # row 3
        ("2027-02-06", "补班", "春节"),  # row 4: a Saturday, both off and on
        ("2027-02-15", "补班", "春节"),  # row 5: a Monday
        ("2028-01-01", "休息", "元旦"),  # row 6
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    with pytest.raises(ValidationError) as excinfo:
        import_file(world.admin, path)
    text = messages_of(excinfo)
    assert excinfo.value.messages[0] == "文件“bad.xlsx”有 3 处错误，未导入任何内容："
    assert "第 4 行：2027-02-06 同时被设为休息日和补班日（另见第 3 行）" in text
    assert "第 5 行：2027-02-15 是工作日（周一），无需设为补班日" in text
    assert "第 6 行：日期 2028-01-01 不在 2027 年内" in text
    assert counts() == (0, 0)


def test_import_of_a_file_that_is_not_xlsx_says_so(world, tmp_path):
    path = tmp_path / "安排.xlsx"
    path.write_text("日期,类型,名称\n2027-02-05,休息,春节\n", encoding="utf-8")
    with pytest.raises(ValidationError) as excinfo:
        import_file(world.admin, path)
    assert "文件“安排.xlsx”不是有效的 Excel 工作簿（.xlsx）" in messages_of(excinfo)
    csv = tmp_path / "安排.csv"
    csv.write_text("日期,类型,名称\n", encoding="utf-8")
    with pytest.raises(ValidationError) as excinfo:
        import_file(world.admin, csv)
    assert "文件“安排.csv”不是有效的 Excel 工作簿" in messages_of(excinfo)
    assert counts() == (0, 0)


def test_import_without_the_header_names_the_columns(world, tmp_path):
    path = write_xlsx(
        tmp_path / "nohead.xlsx", [("2027-02-05", "休息", "春节")], header=("日子", "种类", "说明")
    )
    with pytest.raises(ValidationError) as excinfo:
        import_file(world.admin, path)
    assert "找不到表头：需要“日期”“类型”“名称”三列" in messages_of(excinfo)


def test_import_of_an_empty_sheet_is_refused(world, tmp_path):
    path = write_xlsx(tmp_path / "empty.xlsx", [None, None])
    with pytest.raises(ValidationError) as excinfo:
        import_file(world.admin, path)
    assert "文件“empty.xlsx”中没有任何日期行" in messages_of(excinfo)


def test_importing_a_year_again_replaces_the_earlier_import(world, tmp_path):
    import_file(world.admin, write_xlsx(tmp_path / "first.xlsx", SCHEDULE_2027))
    result = import_file(world.admin, write_xlsx(tmp_path / "second.xlsx", [("2027-01-01", "休息", "元旦")]))
    assert result.replaced == "表格导入"
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [D("2027-01-01")]


def test_import_accepts_an_uploaded_file_object(world):
    book = openpyxl.Workbook()
    book.active.append(["日期", "类型", "名称", "说明"])
    book.active.append([date(2027, 1, 1), "休息", "元旦", "按通知"])
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "upload.xlsx"
    result = calendar_import_xlsx(actor=world.admin, year=2027, file=buffer)
    assert result.file_name == "upload.xlsx"
    assert CalendarYear.objects.get(year=2027).document == "表格导入：upload.xlsx"


def test_import_of_a_huge_file_is_refused_before_reading_it(world):
    buffer = BytesIO(b"PK" + b"\0" * (2 * 1024 * 1024))
    buffer.name = "big.xlsx"
    with pytest.raises(ValidationError) as excinfo:
        calendar_import_xlsx(actor=world.admin, year=2027, file=buffer)
    assert "文件“big.xlsx”过大" in messages_of(excinfo)
