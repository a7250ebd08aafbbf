"""Reading the sealed ledger: the seals a user may list, and `ledger_verify`, which recomputes every
seal's keyed chain, compares the latest seal of each period with the records now, compares the seal table
with the heads log kept outside the database, and looks for periods left unsealed past the daily job's
delay (DESIGN.md "Trust", docs/ledger.md)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from . import ledger, ledger_heads
from .access import scope
from .models import Seal
from .rules import ledger as rules

# verify reports a period the daily job should have sealed only this many days after the job's own
# deadline, so a run that is late or missed once does not read as a gap (basis = "default")
UNSEALED_GRACE_DAYS = 2


@dataclass(frozen=True)
class LedgerProblem:
    """One thing verification found, with its Chinese message."""

    kind: str
    jurisdiction_id: int
    period_key: str
    # failing: "changed" | "deleted" | "added" | "seal_altered" | "chain_broken" | "unknown_kind" |
    #   "head_missing" | "head_mismatch" | "log_altered" | "unsealed"; not failing: "reseal" (待重新封存)
    what: str
    message: str
    record_id: str = ""
    seal_id: int | None = None


@dataclass
class VerifyResult:
    problems: list[LedgerProblem] = field(default_factory=list)  # each makes verification fail
    reseal: list[LedgerProblem] = field(default_factory=list)  # 待重新封存: accepted after sealing
    seal_count: int = 0  # seals checked (every seal of every chain)
    period_count: int = 0  # periods compared with their records (the latest seal of each)
    record_count: int = 0  # records compared

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def summary(self) -> str:
        reseal = f"；另有 {len(self.reseal)} 条记录待重新封存" if self.reseal else ""
        if self.ok:
            return (
                f"全部 {self.record_count} 个封存记录校验通过"
                f"（{self.period_count} 个期间，{self.seal_count} 次封存）{reseal}"
            )
        return (
            f"发现 {len(self.problems)} 处问题（共核对 {self.period_count} 个期间、{self.seal_count} 次封存）"
            f"{reseal}"
        )


def seals_for(user: Any) -> QuerySet:
    """The seals the user may list, newest first."""
    return scope(user, Seal.objects.select_related("jurisdiction", "created_by")).order_by(
        "-created_at", "-id"
    )


def ledger_verify(
    *,
    kind: str | None = None,
    jurisdiction: Any = None,
    seals: QuerySet | None = None,
    jurisdictions: QuerySet | None = None,
    today: date | None = None,
) -> VerifyResult:
    """Check the seals (of one kind and/or a jurisdiction's subtree, or a given queryset of seals and
    of jurisdictions — the page passes the user's) and return what differs:
    - a sealed record changed, deleted or added after sealing; a seal altered (its keyed hash does not
      match); a chain of seals broken. Every seal of a chain is checked (the chain runs over the whole
      (jurisdiction, kind)); only the latest seal of each period is compared with the records (older ones
      were superseded by a correction);
    - a seal recorded in the heads log but missing from (or different in) the seal table, and log lines
      failing their HMAC;
    - a period the daily job should have sealed (UNSEALED_GRACE_DAYS after its deadline) with no seal.
    Records legitimately added to a sealed period (a report accepted after its week was sealed) are listed
    in `reseal` (待重新封存) and do not fail."""
    from tuijin.org.models import Jurisdiction

    today = today or timezone.localdate()
    qs = seals if seals is not None else Seal.objects.all()
    places = jurisdictions if jurisdictions is not None else Jurisdiction.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction__path__startswith=jurisdiction.path)
        places = places.filter(path__startswith=jurisdiction.path)
    restricted = jurisdiction is not None or jurisdictions is not None
    result = VerifyResult()
    chains = set(qs.values_list("jurisdiction_id", "kind").distinct())
    if chains:
        by_chain: dict[tuple[int, str], list[Seal]] = defaultdict(list)
        all_seals = Seal.objects.filter(
            jurisdiction_id__in={j for j, _ in chains}, kind__in={k for _, k in chains}
        ).select_related("jurisdiction")
        for seal in all_seals.order_by("jurisdiction_id", "kind", "sequence"):
            if (seal.jurisdiction_id, seal.kind) in chains:
                by_chain[(seal.jurisdiction_id, seal.kind)].append(seal)
        key = ledger_heads.ledger_key()
        for chain_key in sorted(by_chain):
            _verify_chain(by_chain[chain_key], result, key)
    _check_heads_log(result, kind=kind, places=places, restricted=restricted)
    _check_unsealed(result, kind=kind, places=places, restricted=restricted, today=today)
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


def _verify_chain(seals: list[Seal], result: VerifyResult, key: bytes) -> None:
    previous_hash, previous_sequence = "", 0
    latest: dict[str, Seal] = {}
    for seal in seals:
        result.seal_count += 1
        code = seal.jurisdiction.code
        entries = [(str(rid), str(digest)) for rid, digest in (seal.entries or [])]
        chain_value = rules.chain_hash(rules.chain_start(seal.kind, code, seal.period_key), entries)
        own = rules.seal_hash(
            key=key,
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
                    f"{_where(seal)}：第 {seal.sequence} 次封存的内容与其哈希不符"
                    "（封存本身被改动，或 LEDGER_KEY 不是封存时的密钥）",
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
    differences = rules.compare(sealed, current)
    added = [d.record_id for d in differences if d.what == rules.ADDED]
    late: set[str] = set()
    if added and sealable.late_additions is not None:
        late = {str(rid) for rid in sealable.late_additions(added, seal.created_at)}
    for difference in differences:
        name = ledger.describe_record(sealable, difference.record_id)
        if difference.what == rules.ADDED and difference.record_id in late:
            result.reseal.append(
                _problem(
                    seal,
                    "reseal",
                    f"{_where(seal)}：{name}在封存后才审核通过，待重新封存",
                    difference.record_id,
                )
            )
            continue
        result.problems.append(
            _problem(
                seal,
                difference.what,
                f"{_where(seal)}：{name}{messages[difference.what]}",
                difference.record_id,
            )
        )


def _check_heads_log(result: VerifyResult, *, kind: str | None, places: QuerySet, restricted: bool) -> None:
    """Every seal the heads log recorded must still be in the seal table, with the same hash."""
    log = ledger_heads.read_heads()
    if not log.exists:
        return
    if not restricted:  # a line that fails its HMAC cannot be placed: reported by a full check only
        for number in log.bad_lines:
            result.problems.append(
                LedgerProblem(
                    kind="",
                    jurisdiction_id=0,
                    period_key="",
                    what="log_altered",
                    message=f"封存日志第 {number} 行与其校验码不符（日志被改动，或 LEDGER_KEY 不是写日志时的密钥）",
                )
            )
    heads = [h for h in log.heads if not kind or h.kind == kind]
    if not heads:
        return
    found = {j.code: j for j in places.filter(code__in={h.jurisdiction_code for h in heads})}
    if restricted:
        heads = [h for h in heads if h.jurisdiction_code in found]
    table = {
        (j_id, k, seq): (digest, period)
        for j_id, k, seq, digest, period in Seal.objects.filter(
            jurisdiction_id__in=[j.pk for j in found.values()], kind__in={h.kind for h in heads}
        ).values_list("jurisdiction_id", "kind", "sequence", "seal_hash", "period_key")
    }
    last_in_table: dict[tuple[int, str], int] = defaultdict(int)
    for j_id, k, seq in table:
        last_in_table[(j_id, k)] = max(last_in_table[(j_id, k)], seq)
    seen: set[tuple[str, str, int]] = set()
    for head in heads:
        if (head.jurisdiction_code, head.kind, head.sequence) in seen:
            continue
        seen.add((head.jurisdiction_code, head.kind, head.sequence))
        place = found.get(head.jurisdiction_code)
        name = place.name if place else f"辖区 {head.jurisdiction_code}"
        where = f"{ledger.kind_label(head.kind)} {name} {head.period_key}"
        held = table.get((place.pk, head.kind, head.sequence)) if place else None
        if held is None:
            last = last_in_table.get((place.pk, head.kind), 0) if place else 0
            why = "最新的封存被删除" if head.sequence > last else "封存被删除"
            what, message = (
                "head_missing",
                f"{where}：第 {head.sequence} 次封存已记入封存日志，但封存表中没有"
                f"（封存表最后一次为第 {last} 次；{why}）",
            )
        elif held[0] != head.seal_hash or held[1] != head.period_key:
            what, message = (
                "head_mismatch",
                f"{where}：第 {head.sequence} 次封存与封存日志所记的哈希不符（封存被替换）",
            )
        else:
            continue
        result.problems.append(
            LedgerProblem(
                kind=head.kind,
                jurisdiction_id=place.pk if place else 0,
                period_key=head.period_key,
                what=what,
                message=message,
            )
        )


def _check_unsealed(
    result: VerifyResult, *, kind: str | None, places: QuerySet, restricted: bool, today: date
) -> None:
    """Periods the daily job should have sealed by now (its own test, UNSEALED_GRACE_DAYS later) that
    have no seal: the job did not run, or the period's seals were deleted."""
    from .ledger_services import due_unsealed

    allowed = set(places.values_list("pk", flat=True)) if restricted else None
    for sealable in ledger.sealables():
        if kind and sealable.kind != kind:
            continue
        missing = [
            (j_id, key)
            for j_id, key in due_unsealed(sealable, today - timedelta(days=UNSEALED_GRACE_DAYS))
            if allowed is None or j_id in allowed
        ]
        if not missing:
            continue
        names = dict(places.model.objects.filter(pk__in={j for j, _ in missing}).values_list("pk", "name"))
        for j_id, key in missing:
            result.problems.append(
                LedgerProblem(
                    kind=sealable.kind,
                    jurisdiction_id=j_id,
                    period_key=key,
                    what="unsealed",
                    message=(
                        f"{sealable.label} {names.get(j_id, j_id)} {key}：期间结束已超过 "
                        f"{sealable.auto_after_days} 天、有已通过的记录，却没有封存"
                        "（每日自动封存未运行，或该期间的封存被删除）"
                    ),
                )
            )
