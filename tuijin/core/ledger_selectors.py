"""Reading the sealed ledger: the seals a user may list, and `ledger_verify`, which recomputes every
seal's chain and compares the latest seal of each period with the records now (DESIGN.md "Trust")."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from . import ledger
from .access import scope
from .models import Seal
from .rules import ledger as rules


@dataclass(frozen=True)
class LedgerProblem:
    """One thing verification found, with its Chinese message."""

    kind: str
    jurisdiction_id: int
    period_key: str
    what: str  # "changed" | "deleted" | "added" | "seal_altered" | "chain_broken" | "unknown_kind"
    message: str
    record_id: str = ""
    seal_id: int | None = None


@dataclass
class VerifyResult:
    problems: list[LedgerProblem] = field(default_factory=list)
    seal_count: int = 0  # seals checked (every seal of every chain)
    period_count: int = 0  # periods compared with their records (the latest seal of each)
    record_count: int = 0  # records compared

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def summary(self) -> str:
        if self.ok:
            return (
                f"全部 {self.record_count} 个封存记录校验通过"
                f"（{self.period_count} 个期间，{self.seal_count} 次封存）"
            )
        return (
            f"发现 {len(self.problems)} 处问题（共核对 {self.period_count} 个期间、{self.seal_count} 次封存）"
        )


def seals_for(user: Any) -> QuerySet:
    """The seals the user may list, newest first."""
    return scope(user, Seal.objects.select_related("jurisdiction", "created_by")).order_by(
        "-created_at", "-id"
    )


def ledger_verify(
    *, kind: str | None = None, jurisdiction: Any = None, seals: QuerySet | None = None
) -> VerifyResult:
    """Check the seals (of one kind and/or a jurisdiction's subtree, or a given queryset) and return what
    differs: a sealed record changed, deleted or added after sealing, a seal altered, a chain of seals
    broken. Every seal of a chain is checked (the chain runs over the whole (jurisdiction, kind), so a
    partial check still reads the chain whole); only the latest seal of each period is compared with the
    records (older ones were superseded by a correction)."""
    qs = seals if seals is not None else Seal.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction__path__startswith=jurisdiction.path)
    chains = set(qs.values_list("jurisdiction_id", "kind").distinct())
    result = VerifyResult()
    if not chains:
        return result
    by_chain: dict[tuple[int, str], list[Seal]] = defaultdict(list)
    all_seals = Seal.objects.filter(
        jurisdiction_id__in={j for j, _ in chains}, kind__in={k for _, k in chains}
    ).select_related("jurisdiction")
    for seal in all_seals.order_by("jurisdiction_id", "kind", "sequence"):
        if (seal.jurisdiction_id, seal.kind) in chains:
            by_chain[(seal.jurisdiction_id, seal.kind)].append(seal)
    for key in sorted(by_chain):
        _verify_chain(by_chain[key], result)
    return result


def _where(seal: Seal) -> str:
    return f"{ledger.kind_label(seal.kind)} {seal.jurisdiction.name} {seal.period_key}"


def _problem(seal: Seal, what: str, message: str, record_id: str = "") -> LedgerProblem:
    return LedgerProblem(
        kind=seal.kind,
        jurisdiction_id=seal.jurisdiction_id,
        period_key=seal.period_key,
        what=what,
        message=message,
        record_id=record_id,
        seal_id=seal.pk,
    )


def _verify_chain(seals: list[Seal], result: VerifyResult) -> None:
    previous_hash, previous_sequence = "", 0
    latest: dict[str, Seal] = {}
    for seal in seals:
        result.seal_count += 1
        code = seal.jurisdiction.code
        entries = [(str(rid), str(digest)) for rid, digest in (seal.entries or [])]
        chain_value = rules.chain_hash(rules.chain_start(seal.kind, code, seal.period_key), entries)
        own = rules.seal_hash(
            kind=seal.kind,
            jurisdiction_code=code,
            period_key=seal.period_key,
            sequence=seal.sequence,
            chain=seal.chain_hash,
            prev_seal_hash=seal.prev_seal_hash,
        )
        if chain_value != seal.chain_hash or own != seal.seal_hash or len(entries) != seal.record_count:
            result.problems.append(
                _problem(
                    seal,
                    "seal_altered",
                    f"{_where(seal)}：第 {seal.sequence} 次封存的内容与其哈希不符（封存本身被改动）",
                )
            )
        if seal.prev_seal_hash != previous_hash or seal.sequence != previous_sequence + 1:
            result.problems.append(
                _problem(
                    seal,
                    "chain_broken",
                    f"{_where(seal)}：第 {seal.sequence} 次封存与前一次封存的链接断裂（之前的封存被删除或改动）",
                )
            )
        previous_hash, previous_sequence = seal.seal_hash, seal.sequence
        latest[seal.period_key] = seal
    for seal in latest.values():
        _compare_with_records(seal, result)


def _compare_with_records(seal: Seal, result: VerifyResult) -> None:
    sealable = ledger.get_sealable(seal.kind)
    result.period_count += 1
    if sealable is None:
        result.problems.append(
            _problem(seal, "unknown_kind", f"{_where(seal)}：封存类别“{seal.kind}”未注册，无法与记录核对")
        )
        return
    sealed = [(str(rid), str(digest)) for rid, digest in (seal.entries or [])]
    result.record_count += len(sealed)
    current = rules.hashed_entries(sealable.records(seal.jurisdiction, seal.period_key))
    messages = {
        rules.CHANGED: "在封存后被修改",
        rules.DELETED: "在封存后被删除",
        rules.ADDED: "在封存后新增（未经封存）",
    }
    for difference in rules.compare(sealed, current):
        name = ledger.describe_record(sealable, difference.record_id)
        result.problems.append(
            _problem(
                seal,
                difference.what,
                f"{_where(seal)}：{name}{messages[difference.what]}",
                difference.record_id,
            )
        )
