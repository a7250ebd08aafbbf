"""`tuijin projects import FILE.xlsx --jurisdiction CODE [--year YYYY] [--user USERNAME] [--dry-run]
[--map 表头=列名]` and `tuijin projects template OUT.xlsx` (issue 3 part 6; DESIGN.md `tuijin <noun> <verb>`).

Without --user the import runs as the system (history rows carry no author); with it, as that office
admin, within their jurisdiction subtree. Every row's errors are printed in Chinese and the command exits
with status 1; nothing is imported unless the whole sheet is right.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from tuijin.org.models import Jurisdiction, User
from tuijin.projects import import_services as services
from tuijin.projects.import_rows import ImportMapping, ImportPreview
from tuijin.projects.sheet_columns import BY_KEY, IMPORTED, normalise_header
from tuijin.projects.sheet_template import template_xlsx


def _column_key(text: str) -> str:
    """A --map target: our column key, our header, or 忽略/不导入 (empty: ignore the column)."""
    if text in ("", "忽略", "不导入", "-"):
        return ""
    if text in BY_KEY and BY_KEY[text].imported:
        return text
    for column in IMPORTED:
        if normalise_header(text) in (normalise_header(column.header), column.header.split("（")[0]):
            return column.key
    raise CommandError(f"--map 的列名“{text}”不存在，可用：{'、'.join(c.header for c in IMPORTED)}。")


class Command(BaseCommand):
    help = "项目库表格：import FILE.xlsx --jurisdiction CODE [--year YYYY] [--user USERNAME] [--dry-run] | template OUT.xlsx"

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{import,template}")
        load = verbs.add_parser("import", help="导入项目清单（.xlsx；全部无误才导入，否则一行也不导入）")
        load.add_argument("file", type=Path)
        load.add_argument("--jurisdiction", required=True, metavar="CODE", help="导入到的辖区代码，如 360102")
        load.add_argument(
            "--year", type=int, help="计划类型、年度计划投资列入的年度（默认：表格标题中的年份，否则今年）"
        )
        load.add_argument("--user", metavar="USERNAME", help="以该项目办管理员的身份导入（记入变更记录）")
        load.add_argument("--dry-run", action="store_true", help="只检查并列出错误，不写入任何数据")
        load.add_argument(
            "--map",
            dest="maps",
            action="append",
            default=[],
            metavar="表头=列名",
            help="表头与系统列的对应，如 --map 包抓领导=挂点领导；列名写“忽略”表示不导入该列（会被记住）",
        )
        template = verbs.add_parser("template", help="生成空白导入模板")
        template.add_argument("file", type=Path)

    def handle(self, *args, verb: str, **options):
        if verb == "template":
            options["file"].write_bytes(template_xlsx())
            self.stdout.write(self.style.SUCCESS(f"已生成导入模板：{options['file']}"))
            return
        self._import(**options)

    def _import(
        self, *, file: Path, jurisdiction: str, year, user, dry_run: bool, maps: list[str], **options
    ):
        if not file.is_file():
            raise CommandError(f"找不到文件“{file}”。")
        place = Jurisdiction.objects.filter(code=jurisdiction).first()
        if place is None:
            raise CommandError(f"辖区代码“{jurisdiction}”不存在。")
        actor = None
        if user:
            actor = User.objects.filter(username__iexact=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"用户“{user}”不存在或已停用。")
        mapping = ImportMapping(columns=dict(self._pair(item) for item in maps))
        arguments = {"user": actor, "jurisdiction": place, "file": file.read_bytes(), "file_name": file.name}
        try:
            if dry_run:
                preview = services.import_preview(year=year, mapping=mapping, **arguments)
                self._report(preview)
                if not preview.ok:
                    raise CommandError(f"表格有 {len(preview.messages())} 处错误（未写入任何数据）。")
                self.stdout.write(
                    self.style.SUCCESS(f"检查通过：{self._summary(preview)}（--dry-run，未写入）。")
                )
                return
            result = services.import_apply(year=year, mapping=mapping, **arguments)
        except services.ImportRefused as exc:
            self._report(exc.preview)
            raise CommandError(f"表格有 {len(exc.preview.messages())} 处错误，未导入任何数据。") from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(result.message))

    def _pair(self, item: str) -> tuple[str, str]:
        header, sep, target = item.partition("=")
        if not sep or not header.strip():
            raise CommandError(f"--map 应写成“表头=列名”，实际为“{item}”。")
        return header.strip(), _column_key(target.strip())

    def _summary(self, preview: ImportPreview) -> str:
        return (
            f"共 {len(preview.plans)} 行，新增 {preview.count('新增')} 个，更新 {preview.count('更新')} 个，"
            f"无变化 {preview.count('无变化')} 个"
        )

    def _report(self, preview: ImportPreview) -> None:
        for message in preview.messages():
            self.stderr.write(message)
        for name in preview.names:
            kind = "单位" if name.kind == "unit" else "人员"
            rows = "、".join(str(r) for r in name.rows[:10])
            self.stderr.write(
                f"未知{kind}“{name.text}”（第 {rows} 行）：请在导入预览页的“名称对应”中选择对应的{kind}，选择会被记住。"
            )
        for note in preview.notes:
            self.stdout.write(f"提示：{note}")
