"""`tuijin ledger verify [--kind K] [--jurisdiction CODE]` and
`tuijin ledger seal --kind K --period 2024-W23 [--jurisdiction CODE] [--reason TEXT]` (docs/ledger.md).

Run from a shell on the server, so it acts as the system (no user, no permission check). `verify` prints
every problem and exits 1 when there is any, else prints "全部 N 个封存记录校验通过" and exits 0; records
accepted after their period was sealed are printed as 待重新封存 and do not change the exit code.
"""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tuijin.core import ledger
from tuijin.core import ledger_selectors as selectors
from tuijin.core import ledger_services as services


def _jurisdiction(code: str | None):
    if not code:
        return None
    from tuijin.org.models import Jurisdiction

    try:
        return Jurisdiction.objects.get(code=code)
    except Jurisdiction.DoesNotExist:
        raise CommandError(f"没有行政区划代码为“{code}”的辖区") from None


class Command(BaseCommand):
    help = "封存记录：校验（verify）或封存某一期间（seal）"

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{verify,seal}")
        verify = verbs.add_parser("verify", help="重新计算全部封存的哈希链并与现有记录核对")
        verify.add_argument("--kind", default=None, help="只核对某一封存类别，如 weekly_report")
        verify.add_argument("--jurisdiction", default=None, help="只核对该辖区（行政区划代码）及其下级")
        seal = verbs.add_parser("seal", help="封存某一期间的记录")
        seal.add_argument("--kind", required=True, help="封存类别，如 weekly_report")
        seal.add_argument("--period", required=True, help="期间：周写作 2024-W23，月写作 2024-06")
        seal.add_argument(
            "--jurisdiction", default=None, help="辖区（行政区划代码）；不写则封存每个有记录的辖区"
        )
        seal.add_argument("--reason", default="", help="重新封存（更正后）时写明原因")

    def handle(self, *args, verb: str, **options):
        if verb == "verify":
            self._verify(**options)
        else:
            self._seal(**options)

    def _verify(self, *, kind, jurisdiction, **options):
        if (
            kind
            and ledger.get_sealable(kind) is None
            and not selectors.Seal.objects.filter(kind=kind).exists()
        ):
            raise CommandError(f"未知的封存类别“{kind}”")
        result = selectors.ledger_verify(kind=kind, jurisdiction=_jurisdiction(jurisdiction))
        for problem in result.problems:
            self.stdout.write(self.style.ERROR(problem.message))
        if result.reseal:
            self.stdout.write(
                f"待重新封存（{len(result.reseal)} 条，不影响校验结果，请复核后重新封存并写明原因）："
            )
            for item in result.reseal:
                self.stdout.write(self.style.WARNING(item.message))
        if result.ok:
            self.stdout.write(self.style.SUCCESS(result.summary))
            return
        self.stderr.write(result.summary)
        sys.exit(1)

    def _seal(self, *, kind, period, jurisdiction, reason, **options):
        from tuijin.org.models import Jurisdiction

        sealable = ledger.get_sealable(kind)
        if sealable is None:
            known = "、".join(s.kind for s in ledger.sealables()) or "无"
            raise CommandError(f"未知的封存类别“{kind}”，可用：{known}")
        try:
            ledger.check_period(sealable, period)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        chosen = _jurisdiction(jurisdiction)
        targets = [chosen] if chosen else list(Jurisdiction.objects.order_by("path"))
        sealed = errors = 0
        for target in targets:
            try:
                seal = services.seal_period(kind=kind, jurisdiction=target, period_key=period, reason=reason)
            except ValidationError as exc:
                message = "；".join(exc.messages)
                if chosen is None and "没有可封存" in message:
                    continue  # sealing every jurisdiction: those without records are left out
                self.stderr.write(f"{target.name}：{message}")
                errors += 1
                continue
            sealed += 1
            self.stdout.write(
                f"{target.name} {seal.period_key}：第 {seal.sequence} 次封存，{seal.record_count} 条记录，"
                f"封存哈希 {seal.seal_hash[:16]}…"
            )
        if errors:
            raise CommandError(f"有 {errors} 个辖区未能封存")
        if not sealed:
            self.stdout.write("没有可封存的记录。")
