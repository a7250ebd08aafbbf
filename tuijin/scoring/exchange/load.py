"""Importing section `scoring`: check every exemption and bonus first, then upsert by natural keys
(docs/exchange.md "导入考核数据时").

Exemptions by (project, month, seq), bonuses by (unit, year, seq). A decided record (an exemption granted
or refused, a bonus approved or refused) is a record of someone's signature: the import may add it, never
change it. A bonus lands in the year's score period of its jurisdiction (created, not computed, when the
installation has none yet: the jurisdiction must have picked a rule set). Scores are not imported:
`tuijin score run` computes them from the facts afterwards.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from django.utils import timezone

from tuijin.core.exchange.checks import SectionChecks, related
from tuijin.core.exchange.registry import ImportContext
from tuijin.core.exchange.schema import person_key, split_unit_key
from tuijin.core.models import RuleSet
from tuijin.core.ruleset_selectors import ruleset_version_for_jurisdiction
from tuijin.org.models import Jurisdiction, Person, Unit, User
from tuijin.reports.exchange.load import project_keys, user_ids

from ..models import Bonus, Exemption, ScorePeriod
from .schema import SECTION, BonusRecord, ExemptionRecord, ScoringSection

EXEMPTION_FIELDS = (
    "reason",
    "progress",
    "project_leader_signed_at",
    "leader_in_charge_signed_at",
    "status",
    "decided_note",
    "decided_at",
)
BONUS_FIELDS = ("points", "reason", "document", "status", "decided_at", "decided_note")
DECIDED = {"granted", "refused", "approved"}


def import_scoring(ctx: ImportContext, data: ScoringSection) -> None:
    job = ScoringImport(ctx, data)
    job.check()
    ctx.stop_if_failed()
    job.apply()


def _people(codes: set[str]) -> dict[str, Person]:
    seen: Counter[str] = Counter()
    keyed = {}
    for person in (
        Person.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction").order_by("id")
    ):
        base = f"{person.jurisdiction.code}/{person.name}"
        seen[base] += 1
        keyed[person_key(person.jurisdiction.code, person.name, seen[base])] = person
    return keyed


class ScoringImport(SectionChecks):
    """Runs after every earlier section (same transaction)."""

    section = SECTION

    def __init__(self, ctx: ImportContext, data: ScoringSection) -> None:
        self.ctx, self.data = ctx, data
        self.user = ctx.actor if isinstance(ctx.actor, User) else None
        d = data
        codes = (
            {ctx.root}
            | {e.jurisdiction_code for e in d.exemptions}
            | {b.jurisdiction_code for b in d.bonuses}
            | {c.jurisdiction_code for c in d.rule_sets}
        )
        self.rule_sets = {
            r.slug: r for r in RuleSet.objects.filter(slug__in={c.rule_set for c in d.rule_sets})
        }
        keys = (
            {e.project for e in d.exemptions} | {e.unit for e in d.exemptions} | {b.unit for b in d.bonuses}
        )
        keys |= {p for e in d.exemptions for p in (e.project_leader, e.leader_in_charge)}
        codes |= {k.partition("/")[0] for k in keys}
        self.jurisdictions = {j.code: j for j in Jurisdiction.objects.filter(code__in=codes)}
        self.root = self.jurisdictions.get(ctx.root)
        units = Unit.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        self.units = {(u.jurisdiction.code, u.name): u for u in units}
        self.projects = project_keys(codes)
        self.people = _people(codes)
        names = {e.applied_by for e in d.exemptions} | {b.proposed_by for b in d.bonuses}
        names |= {b.decided_by for b in d.bonuses}
        self.users = user_ids(names)
        held = Exemption.objects.filter(jurisdiction__code__in=codes).order_by("id")
        seq: Counter[tuple[int, str]] = Counter()
        self.held_exemptions: dict[tuple[int, str, int], Exemption] = {}
        for e in held:
            seq[(e.project_id, e.month)] += 1
            self.held_exemptions[(e.project_id, e.month, seq[(e.project_id, e.month)])] = e
        seq_b: Counter[tuple[int, int]] = Counter()
        self.held_bonuses: dict[tuple[int, int, int], Bonus] = {}
        for b in (
            Bonus.objects.filter(period__jurisdiction__code__in=codes).select_related("period").order_by("id")
        ):
            seq_b[(b.unit_id, b.period.start.year)] += 1
            self.held_bonuses[(b.unit_id, b.period.start.year, seq_b[(b.unit_id, b.period.start.year)])] = b

    # -- checks ------------------------------------------------------------------------------------

    def check(self) -> None:
        if self.root is None:
            self.ctx.root_missing()
            return
        for i, c in enumerate(self.data.rule_sets):
            loc = ("rule_sets", i)
            if self._within((*loc, "jurisdiction_code"), c.jurisdiction_code) is None:
                continue
            if c.rule_set not in self.rule_sets:
                known = "、".join(RuleSet.objects.order_by("slug").values_list("slug", flat=True)) or "无"
                self._error((*loc, "rule_set"), f"本系统没有标识为 {c.rule_set} 的规则集（现有：{known}）")
        seen: set[tuple[str, str, int]] = set()
        for i, e in enumerate(self.data.exemptions):
            key = (e.project, e.month, e.seq)
            if key in seen:
                self._error(("exemptions", i), f"项目 {e.project} {e.month} 的第 {e.seq} 份免扣分申请重复")
            seen.add(key)
            self._check_exemption(i, e)
        seen_b: set[tuple[str, int, int]] = set()
        for i, b in enumerate(self.data.bonuses):
            key_b = (b.unit, b.year, b.seq)
            if key_b in seen_b:
                self._error(("bonuses", i), f"{b.unit} {b.year} 年的第 {b.seq} 项奖励加分重复")
            seen_b.add(key_b)
            self._check_bonus(i, b)

    def _check_exemption(self, i: int, e: ExemptionRecord) -> None:
        loc = ("exemptions", i)
        jurisdiction = self._within((*loc, "jurisdiction_code"), e.jurisdiction_code)
        if jurisdiction is None:
            return
        project = self.projects.get(e.project)
        if project is None:
            self._error((*loc, "project"), f"项目 {e.project} 在文件和系统中都不存在")
        elif project.jurisdiction_id != jurisdiction.pk:
            self._error((*loc, "project"), f"项目 {e.project} 不属于辖区 {e.jurisdiction_code}")
        self._unit((*loc, "unit"), e.unit, jurisdiction.path, "申请单位")
        for name in ("project_leader", "leader_in_charge"):
            key = getattr(e, name)
            person = self.people.get(key)
            label = "项目挂点领导" if name == "project_leader" else "分管领导"
            if person is None:
                self._error((*loc, name), f"{label} {key} 在文件和系统中都不存在")
            elif not related(person.jurisdiction.path, jurisdiction.path):
                self._error((*loc, name), f"{label} {key} 不属于本辖区或其上级、下级辖区")
        if e.status == "granted" and not (e.project_leader_signed_at and e.leader_in_charge_signed_at):
            self._error((*loc, "status"), "已同意的免扣分申请须有挂点领导和分管领导两个签字时间")
        if e.renews is not None and e.renews >= e.month:
            self._error((*loc, "renews"), f"续申请自的月份 {e.renews} 应早于本次月份 {e.month}")
        self._require_someone(
            (*loc, "applied_by"), e.applied_by, f"项目 {e.project} {e.month} 免扣分申请的申请人"
        )
        if project is not None:
            held = self.held_exemptions.get((project.pk, e.month, e.seq))
            if (
                held is not None
                and held.status in DECIDED
                and self._exemption_values(e) != self._held_values(held, EXEMPTION_FIELDS)
            ):
                self._error(loc, f"项目 {e.project} {e.month} 的免扣分申请已签字决定，导入不能改写")

    def _check_bonus(self, i: int, b: BonusRecord) -> None:
        loc = ("bonuses", i)
        jurisdiction = self._within((*loc, "jurisdiction_code"), b.jurisdiction_code)
        if jurisdiction is None:
            return
        if not self._unit((*loc, "unit"), b.unit, jurisdiction.path, "加分单位"):
            return
        if (
            self._held_year(jurisdiction, b.year) is None
            and ruleset_version_for_jurisdiction(jurisdiction) is None
        ):
            self._error(
                (*loc, "year"), f"辖区 {b.jurisdiction_code} 未选用规则集，不能导入 {b.year} 年的奖励加分"
            )
        if b.status in ("approved", "refused") and not b.decided_by:
            self._error((*loc, "decided_by"), "已审批的奖励加分须写明审批人 decided_by")
        self._require_someone((*loc, "proposed_by"), b.proposed_by, f"{b.unit} {b.year} 年奖励加分的提出人")
        unit = self.units[split_unit_key(b.unit)]  # type: ignore[index]
        held = self.held_bonuses.get((unit.pk, b.year, b.seq))
        if (
            held is not None
            and held.status in DECIDED
            and self._bonus_values(b) != self._held_values(held, BONUS_FIELDS)
        ):
            self._error(loc, f"{b.unit} {b.year} 年的奖励加分已审批，导入不能改写")
        total = sum(
            (
                x.points
                for x in self.data.bonuses
                if x.unit == b.unit and x.year == b.year and x.status == "approved"
            ),
            start=b.points * 0,
        )
        if total > 5:
            self._error(loc, f"{b.unit} {b.year} 年已批准的奖励加分合计 {total} 分，超过最高 5 分")

    def _held_year(self, jurisdiction: Jurisdiction, year: int) -> ScorePeriod | None:
        return ScorePeriod.objects.filter(jurisdiction=jurisdiction, key=str(year)).first()

    # -- values --------------------------------------------------------------------------------------

    @staticmethod
    def _held_values(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in fields}

    @staticmethod
    def _exemption_values(e: ExemptionRecord) -> dict[str, Any]:
        return {name: getattr(e, name) for name in EXEMPTION_FIELDS}

    @staticmethod
    def _bonus_values(b: BonusRecord) -> dict[str, Any]:
        return {name: getattr(b, name) for name in BONUS_FIELDS}

    # -- apply ---------------------------------------------------------------------------------------

    def apply(self) -> None:
        for c in self.data.rule_sets:
            jurisdiction = self.jurisdictions[c.jurisdiction_code]
            chosen = self.rule_sets[c.rule_set]
            if jurisdiction.rule_set_id == chosen.pk:
                self.ctx.count("rule_sets", "unchanged")
                continue
            jurisdiction.rule_set = chosen
            jurisdiction.save(update_fields=["rule_set"])
            self.ctx.count("rule_sets", "updated")
        by_month: dict[tuple[int, str], Exemption] = {}
        for e in sorted(self.data.exemptions, key=lambda r: (r.month, r.seq)):
            project = self.projects[e.project]
            unit = self.units[split_unit_key(e.unit)]  # type: ignore[index]
            values = {
                **self._exemption_values(e),
                "jurisdiction": self.jurisdictions[e.jurisdiction_code],
                "unit": unit,
                "project_leader": self.people[e.project_leader],
                "leader_in_charge": self.people[e.leader_in_charge],
                "renews": by_month.get((project.pk, e.renews)) if e.renews else None,
            }
            held = self.held_exemptions.get((project.pk, e.month, e.seq))
            if held is None:
                held = Exemption(
                    project=project, month=e.month, applied_by_id=self._someone(e.applied_by), **values
                )
                held.save()
                if e.applied_at is not None:
                    Exemption.objects.filter(pk=held.pk).update(applied_at=e.applied_at)
                self.ctx.count("exemptions", "created")
            elif any(getattr(held, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(held, k, v)
                held.save()
                self.ctx.count("exemptions", "updated")
            else:
                self.ctx.count("exemptions", "unchanged")
            by_month[(project.pk, e.month)] = held
        for b in self.data.bonuses:
            jurisdiction = self.jurisdictions[b.jurisdiction_code]
            unit = self.units[split_unit_key(b.unit)]  # type: ignore[index]
            period = self._held_year(jurisdiction, b.year) or ScorePeriod.objects.create(
                jurisdiction=jurisdiction,
                key=str(b.year),
                kind="year",
                start=date(b.year, 1, 1),
                end=date(b.year, 12, 31),
                rule_version=ruleset_version_for_jurisdiction(jurisdiction),
            )
            values = {**self._bonus_values(b), "decided_by_id": self._user_id(b.decided_by)}
            held_b = self.held_bonuses.get((unit.pk, b.year, b.seq))
            if held_b is None:
                created = Bonus.objects.create(
                    period=period, unit=unit, proposed_by_id=self._someone(b.proposed_by), **values
                )
                if b.proposed_at is not None:
                    Bonus.objects.filter(pk=created.pk).update(proposed_at=b.proposed_at)
                self.ctx.count("bonuses", "created")
            elif any(getattr(held_b, k) != v for k, v in values.items()):
                Bonus.objects.filter(pk=held_b.pk).update(**values)
                self.ctx.count("bonuses", "updated")
            else:
                self.ctx.count("bonuses", "unchanged")
        _ = timezone  # (timestamps come from the file)
