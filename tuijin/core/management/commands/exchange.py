"""`tuijin exchange export FILE.json [--jurisdiction CODE]` and `tuijin exchange import FILE.json [--dry-run]`
(DESIGN.md "Interfaces that must stay stable"; the format is in docs/exchange.md).

The command runs as the system (no actor): whoever can run it runs the installation. `tuijin exchange
schema` prints the format's JSON Schema.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tuijin.core.exchange.registry import envelope_model
from tuijin.core.exchange.services import exchange_dumps, exchange_export, exchange_import
from tuijin.org.models import Jurisdiction


class Command(BaseCommand):
    help = "导出或导入数据交换文件（JSON）：export FILE.json [--jurisdiction CODE] | import FILE.json [--dry-run]"

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{export,import,schema}")
        export = verbs.add_parser("export", help="导出一个辖区及其下级的数据")
        export.add_argument("file", help="写入的文件（- 表示标准输出）")
        export.add_argument(
            "--jurisdiction", metavar="CODE", help="根辖区代码（默认：系统中唯一的最高一级辖区）"
        )
        load = verbs.add_parser("import", help="导入数据交换文件（全部成功或全部不写入）")
        load.add_argument("file", help="要导入的文件")
        load.add_argument("--dry-run", action="store_true", help="只检查并统计，不写入任何数据")
        schema = verbs.add_parser("schema", help="输出数据交换格式的 JSON Schema")
        schema.add_argument("file", nargs="?", default="-", help="写入的文件（默认标准输出）")

    def handle(self, *args, verb: str, **options):
        if verb == "export":
            self._export(options["file"], options.get("jurisdiction"))
        elif verb == "import":
            self._import(options["file"], dry_run=options["dry_run"])
        else:
            self._write(
                options["file"],
                json.dumps(envelope_model().model_json_schema(), ensure_ascii=False, indent=2),
            )

    def _export(self, file: str, code: str | None) -> None:
        root = _root(code)
        data = exchange_export(actor=None, jurisdiction=root)
        self._write(file, exchange_dumps(data))
        if file != "-":
            counts = "，".join(f"{name} {len(rows)}" for name, rows in _record_counts(data))
            self.stdout.write(
                f"已导出 {root.name}（{root.code}）及其下级到 {file}：格式 {data['version']}；{counts}"
            )

    def _import(self, file: str, *, dry_run: bool) -> None:
        try:
            content = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {file}：{exc.strerror or exc}") from exc
        report = exchange_import(actor=None, data=content, dry_run=dry_run)
        if not report.ok:
            self.stderr.write(report.summary())
            raise CommandError(f"{file} 未导入：共 {len(report.errors)} 处错误，见上。", returncode=1)
        self.stdout.write(report.summary())

    def _write(self, file: str, text: str) -> None:
        if file == "-":
            self.stdout.write(text, ending="")
            return
        target = Path(file)
        # Write beside the target and rename, so a failed export never leaves half a file.
        fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _root(code: str | None) -> Jurisdiction:
    if code:
        root = Jurisdiction.objects.filter(code=code).first()
        if root is None:
            raise CommandError(f"辖区代码 {code} 不存在")
        return root
    tops = list(Jurisdiction.objects.filter(parent=None)[:2])
    if len(tops) != 1:
        raise CommandError(
            "系统中没有辖区" if not tops else "系统中有多个最高一级辖区，请用 --jurisdiction CODE 指定根辖区"
        )
    return tops[0]


def _record_counts(data: dict) -> list[tuple[str, list]]:
    labels = {
        "jurisdictions": "辖区",
        "units": "单位",
        "people": "人员",
        "leading_groups": "领导小组",
        "accounts": "账号",
    }
    rows = []
    for payload in data["sections"].values():
        for name, value in (payload or {}).items():
            if name in labels and isinstance(value, list):
                rows.append((labels[name], value))
    return rows
