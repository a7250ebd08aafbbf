"""The only writer of seals (DESIGN.md "Trust"): `seal_period` seals one period of one kind in one
jurisdiction; `ledger_seal_due` is the daily job's sealing of periods past their grace days.

Sealing is per (jurisdiction, kind): only seals of the same chain wait for each other (the unique
sequence number), never every write of the system. Each seal's hash is keyed with the ledger key and,
once the transaction commits, appended to the heads log outside the database (`ledger_heads`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import ledger, ledger_heads
from .access import require
from .models import Seal
from .rules import ledger as rules

logger = logging.getLogger("tuijin.ledger")


def _sealable(kind: str) -> ledger.Sealable:
    sealable = ledger.get_sealable(kind)
    if sealable is None:
        known = "、".join(f"{s.kind}（{s.label}）" for s in ledger.sealables()) or "无"
        raise ValidationError({"kind": f"未知的封存类别“{kind}”，可用：{known}"})
    return sealable


def seal_period(*, kind: str, jurisdiction: Any, period_key: str, by: Any = None, reason: str = "") -> Seal:
    """Seal the records of `kind` for `jurisdiction` and `period_key` now.

    `by` is the user pressing 「封存」 (checked: office admin of a jurisdiction above or at this one) or
    None for the system (the command and the daily job). Sealing a period whose last seal still matches
    its records returns that seal (a double click or a retry seals once); a period whose records changed
    since (a correction) gets a new seal superseding the old one, which is kept. A period without records
    is refused."""
    sealable = _sealable(kind)
    try:
        period_key = ledger.check_period(sealable, period_key)
    except ValueError as exc:
        raise ValidationError({"period": str(exc)}) from exc
    if by is not None:
        require(by, "core.seal_period", jurisdiction)
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise ValidationError({"reason": "说明最多 200 个字"})
    try:
        with transaction.atomic():
            return _seal(sealable, jurisdiction, period_key, by, reason)
    except IntegrityError as exc:  # another seal of this chain was written at the same moment
        raise ValidationError(
            {"period": f"{jurisdiction.name}的{sealable.label}正在被另一操作封存，请稍后重试"}
        ) from exc


def _seal(sealable: ledger.Sealable, jurisdiction: Any, period_key: str, by: Any, reason: str) -> Seal:
    try:
        entries = rules.hashed_entries(sealable.records(jurisdiction, period_key))
    except (TypeError, ValueError) as exc:
        raise ValidationError({"period": f"无法封存{sealable.label}：{exc}"}) from exc
    chain = Seal.objects.select_for_update().filter(jurisdiction=jurisdiction, kind=sealable.kind)
    last = chain.order_by("-sequence").first()
    previous = chain.filter(period_key=period_key).order_by("-sequence").first()
    entry_lists = [list(e) for e in entries]
    if previous is not None and previous.entries == entry_lists:
        return previous  # nothing changed since the period was sealed
    if previous is not None and not reason:
        raise ValidationError(
            {
                "reason": f"{jurisdiction.name} {period_key} 的{sealable.label}已封存且记录已有变化，重新封存须写明更正原因"
            }
        )
    if not entries:
        raise ValidationError(
            {"period": f"{jurisdiction.name} {period_key} 没有可封存的{sealable.label}（尚无已通过的记录）"}
        )
    sequence = (last.sequence + 1) if last else 1
    prev_seal_hash = last.seal_hash if last else ""
    chain_value = rules.chain_hash(rules.chain_start(sealable.kind, jurisdiction.code, period_key), entries)
    key = ledger_heads.ledger_key()
    seal = Seal.objects.create(
        kind=sealable.kind,
        jurisdiction=jurisdiction,
        period_key=period_key,
        sequence=sequence,
        entries=entry_lists,
        record_count=len(entries),
        chain_hash=chain_value,
        prev_seal_hash=prev_seal_hash,
        seal_hash=rules.seal_hash(
            key=key,
            kind=sealable.kind,
            jurisdiction_code=jurisdiction.code,
            period_key=period_key,
            sequence=sequence,
            chain=chain_value,
            prev_seal_hash=prev_seal_hash,
        ),
        supersedes=previous,
        reason=reason,
        created_by=by,
        created_at=timezone.now(),
    )
    head = rules.Head(
        kind=sealable.kind,
        jurisdiction_code=jurisdiction.code,
        period_key=period_key,
        sequence=sequence,
        seal_hash=seal.seal_hash,
        at=seal.created_at.isoformat(),
    )
    transaction.on_commit(lambda: _log_head(head, key))
    logger.info(
        "sealed %s %s %s: %d records, seal #%d",
        sealable.kind,
        jurisdiction.code,
        period_key,
        len(entries),
        sequence,
    )
    return seal


def _log_head(head: rules.Head, key: bytes) -> None:
    try:
        ledger_heads.append_head(head, key=key)
    except OSError:  # the seal stands; verify cannot see its deletion until the log is repaired
        logger.exception(
            "could not append seal #%d of %s %s to the heads log",
            head.sequence,
            head.kind,
            head.jurisdiction_code,
        )


def due_unsealed(sealable: ledger.Sealable, today: date) -> list[tuple[int, str]]:
    """(jurisdiction id, period key) of the periods the daily job seals on `today`: past the kind's grace
    days, with records ready to seal (the kind's `candidates` may hold back periods still under review),
    and no seal yet. Verification uses the same test a little later to find periods left unsealed."""
    if sealable.auto_after_days is None or sealable.candidates is None:
        return []
    ended_before = today - timedelta(days=sealable.auto_after_days)
    pairs = set(sealable.candidates(ended_before))
    if not pairs:
        return []
    sealed = set(
        Seal.objects.filter(kind=sealable.kind, jurisdiction_id__in={j for j, _ in pairs})
        .values_list("jurisdiction_id", "period_key")
        .distinct()
    )
    return sorted(pairs - sealed)


@dataclass
class SealRun:
    sealed: list[Seal] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def ledger_seal_due(*, today: date | None = None) -> SealRun:
    """The daily job: seal every period of every auto-sealed kind that ended more than its grace days ago
    and has records ready but no seal yet (a period sealed once is left to the office: re-sealing after a
    correction is a decision, not a routine)."""
    from tuijin.org.models import Jurisdiction

    today = today or timezone.localdate()
    run = SealRun()
    for sealable in ledger.sealables():
        todo = due_unsealed(sealable, today)
        jurisdictions = Jurisdiction.objects.in_bulk({j for j, _ in todo})
        for jurisdiction_id, period_key in todo:
            try:
                run.sealed.append(
                    seal_period(
                        kind=sealable.kind,
                        jurisdiction=jurisdictions[jurisdiction_id],
                        period_key=period_key,
                        reason="逾期自动封存",
                    )
                )
            except ValidationError as exc:
                run.errors.extend(exc.messages)
    return run
