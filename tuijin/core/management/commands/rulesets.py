"""`tuijin rulesets seed | check FILE... | list` (docs/rulesets.md).

Run from a shell on the server, so it acts as the system (no user, no permission check). `seed` loads the
preset files shipped in `tuijin/presets/` (the demo command calls it); `check` validates files without
touching the database and exits with status 1 on any error.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tuijin.core import ruleset_selectors as selectors
from tuijin.core import ruleset_services as services
from tuijin.core.models import RuleSet
from tuijin.org.models import Jurisdiction
from tuijin.presets import preset_files


class Command(BaseCommand):
    help = "规则集：导入预置文件、检查规则集文件、列出规则集"

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{seed,check,list}")
        verbs.add_parser(
            "seed", help="导入 tuijin/presets/ 中的规则集文件（新文件建第 1 版，文件有变化时建新版本）"
        )
        check = verbs.add_parser("check", help="检查规则集文件，不写数据库；有错误时退出码为 1")
        check.add_argument("files", nargs="*", type=Path, help="要检查的 .toml 文件（缺省：全部预置文件）")
        verbs.add_parser("list", help="列出规则集、当前版本和采用的辖区")

    def handle(self, *args, verb: str, **options):
        {"seed": self._seed, "check": self._check, "list": self._list}[verb](**options)

    def _seed(self, **options):
        try:
            outcomes = services.ruleset_seed(actor=None)
        except ValidationError as exc:
            raise CommandError("预置规则集文件有错误，未导入任何内容：\n" + "\n".join(exc.messages)) from exc
        for outcome in outcomes:
            if outcome.number is None:
                self.stdout.write(f"{outcome.slug}: 未变化")
            else:
                self.stdout.write(
                    self.style.SUCCESS(f"{outcome.slug}: 已建第 {outcome.number} 版（{outcome.note}）")
                )

    def _check(self, *, files: list[Path], **options):
        problems = []
        for path in files or preset_files():
            try:
                services.ruleset_load_file(path)
            except ValidationError as exc:
                problems += exc.messages
            else:
                self.stdout.write(f"{path.name}: 通过")
        if problems:
            for message in problems:
                self.stderr.write(message)
            raise CommandError(f"共 {len(problems)} 处错误。", returncode=1)

    def _list(self, **options):
        rule_sets = list(RuleSet.objects.order_by("slug"))
        if not rule_sets:
            self.stdout.write("还没有规则集。运行 tuijin rulesets seed 导入预置文件。")
        for rule_set in rule_sets:
            current = selectors.ruleset_current_version(rule_set)
            users = Jurisdiction.objects.filter(rule_set=rule_set).order_by("path")
            names = "、".join(j.name for j in users) or "—"
            number = f"v{current.number}" if current else "无版本"
            self.stdout.write(f"{rule_set.slug}\t{number}\t{rule_set.name}\t采用：{names}")
