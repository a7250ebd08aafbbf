"""The sealed ledger's registry (DESIGN.md "Trust"): each app that seals records registers a kind in
its own `<app>/ledger.py` (found by autodiscovery on first use, like admin.py; importing it from the
app's ready() works too).

    register_sealable(
        "weekly_report", "周报",
        records=lambda jurisdiction, period_key: [(report.pk, {...sealed fields...}), ...],
        describe=lambda record_id: "项目《…》的报告",
        period="week",
    )

`records(jurisdiction, period_key)` yields (record id, canonical dict) for every record the period of that
jurisdiction seals (one query; the dict holds the sealed fields, plain values: str, int, bool, None,
Decimal, date, datetime, lists and dicts of them). The same function is read when sealing and when
verifying, so a record changed, deleted or added after sealing shows as a difference.
`describe(record_id)` names a record in Chinese for the verification report ("项目《…》的报告"); it is
called only for records that differ, and may find the record gone (then return a label from history, or
None for "记录 #id").

`late_additions(record_ids, sealed_at) -> ids` (optional) says which records found in a sealed period
but not in its seal were legitimately added after sealing (e.g. a report accepted after its week was
sealed): verify lists those as 待重新封存 without failing; any other added record fails.

Services: `tuijin.core.ledger_services.seal_period`; verification: `tuijin.core.ledger_selectors.ledger_verify`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .rules.ledger import parse_period


@dataclass(frozen=True)
class Sealable:
    kind: str
    label: str
    records: Callable[[Any, str], Iterable[tuple[Any, dict[str, Any]]]]
    describe: Callable[[str], str | None]
    period: str = "any"  # "week" | "month" | "quarter" | "year" | "any": which period keys the kind takes
    # the daily job seals periods that ended more than this many days ago (None: only by hand);
    # `candidates(ended_before)` lists the (jurisdiction id, period key) pairs that have records ready to
    # seal (a kind may hold back periods still under review); verify flags those left unsealed
    auto_after_days: int | None = None
    candidates: Callable[[date], Iterable[tuple[int, str]]] | None = None
    late_additions: Callable[[list[str], datetime], Iterable[str]] | None = None


PERIOD_EXAMPLES = {
    "week": ("周", "2024-W23"),
    "month": ("月", "2024-06"),
    "quarter": ("季度", "2024Q2"),
    "year": ("年度", "2024"),
}
_SEALABLES: dict[str, Sealable] = {}
_discovered = False


def _discover() -> None:
    """Import every installed app's `ledger` module once (like admin.autodiscover), so an app registers
    its kinds without touching core; done on first use, when every app is loaded."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("ledger")


def register_sealable(
    kind: str,
    label: str,
    *,
    records: Callable[[Any, str], Iterable[tuple[Any, dict[str, Any]]]],
    describe: Callable[[str], str | None],
    period: str = "any",
    auto_after_days: int | None = None,
    candidates: Callable[[date], Iterable[tuple[int, str]]] | None = None,
    late_additions: Callable[[list[str], datetime], Iterable[str]] | None = None,
) -> Sealable:
    if period not in PERIOD_EXAMPLES and period != "any":
        raise ValueError(f"{kind}: period must be week, month, quarter, year or any")
    if auto_after_days is not None and candidates is None:
        raise ValueError(f"{kind}: auto sealing needs `candidates`")
    sealable = Sealable(
        kind=kind,
        label=label,
        records=records,
        describe=describe,
        period=period,
        auto_after_days=auto_after_days,
        candidates=candidates,
        late_additions=late_additions,
    )
    _SEALABLES[kind] = sealable
    return sealable


def unregister_sealable(kind: str) -> None:
    """Remove a kind (tests)."""
    _SEALABLES.pop(kind, None)


def sealables() -> list[Sealable]:
    _discover()
    return list(_SEALABLES.values())


def get_sealable(kind: str) -> Sealable | None:
    _discover()
    return _SEALABLES.get(kind)


def kind_label(kind: str) -> str:
    sealable = get_sealable(kind)
    return sealable.label if sealable else kind


def check_period(sealable: Sealable, period_key: str) -> str:
    """The period key checked against the kind: raises ValueError with the Chinese reason."""
    period = parse_period(period_key)
    if sealable.period != "any" and period.kind != sealable.period:
        label, example = PERIOD_EXAMPLES[sealable.period]
        raise ValueError(f"{sealable.label}按{label}封存，期间应写作 {example}，实际为“{period_key}”")
    return period.key


def describe_record(sealable: Sealable | None, record_id: str) -> str:
    """A record's Chinese name for the verification report, never failing (the record may be gone)."""
    if sealable is not None:
        try:
            text = sealable.describe(record_id)
        except Exception:  # noqa: BLE001  (a deleted record: fall back to its number)
            text = None
        if text:
            return text
    return f"记录 #{record_id}"
