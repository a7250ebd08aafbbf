"""`tuijin lights recompute [--today YYYY-MM-DD] [--jurisdiction CODE]` (REQ D; DESIGN.md `tuijin <noun>
<verb>`): recompute every project's lights now, as the daily job does, or one jurisdiction's and its
subtree's. Runs as the system; prints what changed and how long it took."""

from argparse import ArgumentTypeError
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from tuijin.lights import services
from tuijin.org.models import Jurisdiction


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ArgumentTypeError(f"--today 应为 YYYY-MM-DD 格式的日期，实际为“{value}”") from exc


class Command(BaseCommand):
    help = "挂图亮灯：recompute [--today YYYY-MM-DD] [--jurisdiction CODE] 重算亮灯"

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{recompute}")
        recompute = verbs.add_parser("recompute", help="重算全部项目（或某辖区及其下级）的节点亮灯和项目亮灯")
        recompute.add_argument("--today", type=_day, default=None, help="按哪一天计算（默认今天）")
        recompute.add_argument("--jurisdiction", metavar="CODE", help="只重算该辖区及其下级的项目，如 360102")
        recompute.add_argument("--chunk", type=int, default=services.CHUNK, help="每批项目数（默认 2000）")

    def handle(self, *args, verb: str, **options):
        self._recompute(**options)

    def _recompute(self, *, today, jurisdiction, chunk, **options):
        place = None
        if jurisdiction:
            place = Jurisdiction.objects.filter(code=jurisdiction).first()
            if place is None:
                raise CommandError(f"辖区代码“{jurisdiction}”不存在。")
        if chunk < 1:
            raise CommandError(f"--chunk 应为正整数，实际为 {chunk}。")
        summary = services.lights_recompute(today=today, jurisdiction=place, chunk=chunk)
        self.stdout.write(self.style.SUCCESS(summary.message()))
