"""`tuijin calendar seed | import | show | add-workdays`."""

from datetime import date
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from tuijin.core.models import CalendarYear

# Each test starts from an empty calendar table, whether or not the migration seeded it.
pytestmark = pytest.mark.usefixtures("empty_calendar")


def run(*args) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def test_seed_then_seed_again_changes_nothing(db):
    assert "已载入 23 个年份：2004–2026" in run("seed")
    assert "均已录入，未作修改" in run("seed")


def test_add_workdays_prints_the_date_and_marks_provisional_results(db):
    run("seed")
    assert (
        run("add-workdays", "2026-02-13", "1").strip() == "2026-02-13 之后第 1 个工作日是 2026-02-14（周六）"
    )
    out = run("add-workdays", "2026-12-25", "10")
    assert "2027-01-11（周一）（临时日历）" in out


def test_show_lists_the_year_with_its_source(db):
    run("seed")
    out = run("show", "2020")
    assert "2020年：chinesecalendar 数据" in out
    assert "2020-01-31 周五  休息日  春节" in out
    assert "（临时日历）" in run("show", "2027")


def test_import_from_the_command_line(db, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["日期", "类型", "名称"])
    book.active.append([date(2027, 2, 5), "休息", "春节"])
    book.save(tmp_path / "2027.xlsx")
    out = run("import", "2027", str(tmp_path / "2027.xlsx"), "--document", "国务院办公厅通知")
    assert "已从“2027.xlsx”导入 2027 年放假安排：休息日 1 天、补班日 0 天" in out
    assert CalendarYear.objects.get(year=2027).document == "国务院办公厅通知"


def test_import_of_a_bad_file_fails_with_the_rows(db, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["日期", "类型", "名称"])
    book.active.append(["2027-02-30", "休息", "春节"])
    book.save(tmp_path / "bad.xlsx")
    with pytest.raises(CommandError) as excinfo:
        run("import", "2027", str(tmp_path / "bad.xlsx"))
    assert "第 2 行：日期“2027-02-30”无效" in str(excinfo.value)
    assert not CalendarYear.objects.exists()
    with pytest.raises(CommandError, match="找不到文件"):
        run("import", "2027", str(tmp_path / "missing.xlsx"))
