"""`tuijin calendar seed | import YEAR FILE.xlsx | show YEAR | add-workdays DATE N` (docs/calendar.md).

Run from a shell on the server, so it acts as the system (no user, no permission check); changes made
here are recorded without a user and trigger the same recompute as changes made on the page.
"""

from argparse import ArgumentTypeError
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tuijin.core import calendar_selectors as selectors
from tuijin.core import calendar_services as services
from tuijin.core.rules.workdays import CALENDAR_FIRST, CALENDAR_LAST

PROVISIONAL_MARK = "（临时日历）"


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ArgumentTypeError(f"日期应为 YYYY-MM-DD 格式，实际为“{value}”") from exc


def _year(value: str) -> int:
    try:
        year = int(value)
    except ValueError as exc:
        raise ArgumentTypeError(f"年份应为四位数字，实际为“{value}”") from exc
    if not CALENDAR_FIRST.year <= year <= CALENDAR_LAST.year:
        raise ArgumentTypeError(
            f"年份 {year} 超出工作日历范围（{CALENDAR_FIRST.year}–{CALENDAR_LAST.year} 年）"
        )
    return year


def _failed(exc: ValidationError) -> CommandError:
    return CommandError("\n".join(exc.messages))


class Command(BaseCommand):
    help = "工作日历：载入内置数据、导入某年放假安排、查看某年、计算工作日"

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{seed,import,show,add-workdays}")
        verbs.add_parser("seed", help="载入 chinesecalendar 数据中尚未录入的年份（不覆盖已录入的年份）")
        imp = verbs.add_parser("import", help="从 .xlsx 导入某年放假安排（整体替换该年）")
        imp.add_argument("year", type=_year)
        imp.add_argument("file", type=Path)
        imp.add_argument(
            "--document", default="", help="依据文件，如“国务院办公厅关于2027年部分节假日安排的通知”"
        )
        show = verbs.add_parser("show", help="列出某年的休息日和补班日")
        show.add_argument("year", type=_year)
        add = verbs.add_parser("add-workdays", help="某日之后第 N 个工作日（N 为负数时向前）")
        add.add_argument("date", type=_day)
        add.add_argument("n", type=int)

    def handle(self, *args, verb: str, **options):
        handler = {
            "seed": self._seed,
            "import": self._import,
            "show": self._show,
            "add-workdays": self._add_workdays,
        }[verb]
        handler(**options)

    def _seed(self, **options):
        years = services.calendar_seed(actor=None)
        if years:
            self.stdout.write(self.style.SUCCESS(f"已载入 {len(years)} 个年份：{years[0]}–{years[-1]}。"))
        else:
            self.stdout.write("内置数据中的年份均已录入，未作修改。")

    def _import(self, *, year: int, file: Path, document: str, **options):
        if not file.is_file():
            raise CommandError(f"找不到文件“{file}”。")
        try:
            with file.open("rb") as handle:
                result = services.calendar_import_xlsx(
                    actor=None, year=year, file=handle, document=document, file_name=file.name
                )
        except ValidationError as exc:
            raise _failed(exc) from exc
        self.stdout.write(self.style.SUCCESS(result.message))

    def _show(self, *, year: int, **options):
        overview = selectors.calendar_year_overview(_System(), year)
        entry = overview.entry
        if overview.provisional:
            self.stdout.write(
                f"{year}年{PROVISIONAL_MARK}：尚未录入国务院放假安排，按{selectors.PROVISIONAL_RULE}计算。"
            )
        else:
            by = entry.updated_by.username if entry.updated_by else "系统"
            document = f"，依据：{entry.document}" if entry.document else ""
            self.stdout.write(
                f"{year}年：{entry.get_source_display()}{document}（{by}，{timezone.localtime(entry.updated_at):%Y-%m-%d %H:%M}）"
            )
        for d in overview.special_days:
            reason = f"  原因：{d.reason}" if d.reason else ""
            self.stdout.write(
                f"{d.date.isoformat()} {d.weekday}  {d.kind_label}  {d.name}  [{d.origin_label}]{reason}"
            )
        self.stdout.write(
            f"全年工作日 {overview.workdays} 天；休息日 {overview.days_off} 天，补班日 {overview.makeup_days} 天。"
        )

    def _add_workdays(self, *, date: date, n: int, **options):
        answer = selectors.calendar_add_workdays(date, n)
        if answer.error:
            raise CommandError(answer.error)
        self.stdout.write(answer.text + (PROVISIONAL_MARK if answer.note else ""))
        if answer.note:
            self.stdout.write(answer.note)


class _System:
    """The shell user: reads everything (the calendar is read by every role anyway)."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    role = ""
