"""`tuijin score run --period 2024Q2 [--jurisdiction CODE] [--rule-set NAME[@VERSION]] [--json] [--reason TEXT]`,
`tuijin score close --period 2024Q2 [--jurisdiction CODE]` and `tuijin score show --period 2024Q2
[--jurisdiction CODE] [--json]` (DESIGN.md "Interfaces that must stay stable"; issue 7 part 6).

Run from a shell on the server, so it acts as the system (no user, no permission check). Without
`--jurisdiction`: the one jurisdiction whose rule set in force has `[scoring]` (several: an error listing
their codes). `--json` prints `selectors.period_export` (per unit the category scores, adjustments,
total, rank, group and every ledger entry with its rule and evidence); otherwise a short Chinese summary
and the ranking. Errors are printed in Chinese on stderr with exit code 1; nothing is written then.
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tuijin.org.models import Jurisdiction
from tuijin.scoring import selectors, services

PLACES = {"first": "首位", "last": "末位"}


def _messages(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _jurisdiction(code: str | None) -> Jurisdiction:
    if code:
        found = Jurisdiction.objects.filter(code=code).first()
        if found is None:
            raise CommandError(f"没有行政区划代码为“{code}”的辖区")
        return found
    candidates = selectors.scoring_jurisdictions()
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise CommandError("没有辖区选用了含计分规则 [scoring] 的规则集，请用 --jurisdiction 指定辖区")
    codes = "、".join(f"{j.code}（{j.name}）" for j in candidates)
    raise CommandError(f"有多个辖区选用了含计分规则的规则集：{codes}；请用 --jurisdiction 指定")


class Command(BaseCommand):
    help = "考核计分：计算（run）、关账（close）、查看（show）某一考评期间"

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{run,close,show}")
        run = verbs.add_parser("run", help="计算一个考评期间（已关账的期间只写更正记录）")
        close = verbs.add_parser("close", help="关账并封存一个已计算的考评期间")
        show = verbs.add_parser("show", help="显示一个已计算的考评期间")
        for sub in (run, close, show):
            sub.add_argument("--period", required=True, help="期间：月度 2024-06，季度 2024Q2，年度 2024")
            sub.add_argument("--jurisdiction", default=None, metavar="CODE", help="辖区（行政区划代码）")
        for sub in (run, show):
            sub.add_argument("--json", action="store_true", help="以 JSON 输出各单位得分和计分记录")
        run.add_argument("--rule-set", default=None, metavar="NAME[@VERSION]", help="规则集标识，可带版本号")
        run.add_argument("--reason", default="", help="更正说明（重新计算已关账期间时写入更正记录）")

    def handle(self, *args, verb: str, **options):
        jurisdiction = _jurisdiction(options.pop("jurisdiction"))
        try:
            getattr(self, f"_{verb}")(jurisdiction, **options)
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from None

    def _run(self, jurisdiction, *, period, rule_set, reason, json, **options):
        outcome = services.score_run(
            jurisdiction=jurisdiction, period_key=period, rule_version=rule_set, reason=reason
        )
        stored = selectors.period_get(jurisdiction, outcome.period.key)
        if json:
            data = selectors.period_export(stored)
            data["run"] = {
                "created": outcome.created,
                "corrections": outcome.corrections,
                "replaced": outcome.replaced,
            }
            self._json(data)
            return
        if stored.status == "closed":
            head = (
                f"已关账，写入更正记录 {outcome.corrections} 条"
                if outcome.corrections
                else "已关账，无变化，未写入任何记录"
            )
        else:
            head = f"写入计分记录 {outcome.created} 条（替换原有 {outcome.replaced} 条）"
        self.stdout.write(f"{jurisdiction.name} {stored.key}：计算 {outcome.units} 个单位，{head}")
        self._ranking(stored)

    def _close(self, jurisdiction, *, period, **options):
        stored = self._stored(jurisdiction, period)
        closed = services.period_close(period=stored)
        self.stdout.write(
            f"{jurisdiction.name} {closed.key} 已关账：封存 {closed.entries.count()} 条计分记录和 "
            f"{closed.scores.count()} 个单位得分（共 {closed.seal.record_count} 条），"
            f"封存哈希 {closed.seal.seal_hash[:16]}…"
        )

    def _show(self, jurisdiction, *, period, json, **options):
        stored = self._stored(jurisdiction, period)
        if json:
            self._json(selectors.period_export(stored))
            return
        self._ranking(stored)

    def _stored(self, jurisdiction, key):
        parsed = services.parse_score_period(key)
        stored = selectors.period_get(jurisdiction, parsed.key)
        if stored is None:
            raise CommandError(
                f"{jurisdiction.name} {parsed.key} 尚未计算（先运行 tuijin score run --period {parsed.key}）"
            )
        return stored

    def _json(self, data) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))

    def _ranking(self, stored) -> None:
        data = selectors.period_export(stored)
        status = data["period"]["status_label"]
        self.stdout.write(
            f"{data['period']['label']}（{status}，{data['period']['rule_set_name']} 第 {data['period']['rule_version']} 版）"
        )
        for warning in data["warnings"]:
            self.stdout.write(self.style.WARNING(f"提示：{warning}"))
        group = None
        for unit in data["units"]:
            if unit["group"] != group:
                group = unit["group"]
                self.stdout.write(f"【{unit['group_name'] or '未分组'}】")
            marks = [PLACES[unit["place"]]] if unit["place"] in PLACES else []
            marks += ["并列"] if unit["tied"] else []
            marks += ["须提交整改报告"] if unit["rectify"] else []
            note = f"（{'，'.join(marks)}）" if marks else ""
            rank = unit["rank"] if unit["rank"] is not None else "—"
            self.stdout.write(f"  {rank:>3}  {unit['unit']['name']}  {unit['total']} 分{note}")
