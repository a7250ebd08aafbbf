"""Sealing the score ledger (issue 7 part 2, DESIGN.md "Trust"), registered with the core ledger
(`tuijin.core.ledger`; found by its autodiscovery of `<app>/ledger.py`).

Kind "scores" (考核计分), any period key ("2024-06", "2024Q2", "2024"): the records of a period are every
`ScoreEntry` of the jurisdiction's `ScorePeriod` with that key, each with its sealed fields (SEALED_FIELDS:
unit, rule kind and index, rule-set version, category, points, weighted, day, key, sentence, evidence,
project, person, exemption, exempted points, origin, corrected entry, reason, who entered and approved it,
when). `period_close` seals them (`services.period_close`); afterwards `tuijin ledger verify` reports any
entry changed, deleted or added with the database's own tools.

The period's ranking is sealed with it: each `UnitScore` is a record "u<unit id>" (UNIT_FIELDS: unit,
group, category scores, adjustments, total, rank, tie, first/last place, rectification flag), so a total
or a rank edited in the database fails verification like an entry does.

Nothing is legitimately added after a seal: recomputing a closed period writes its correction entries,
re-sums the ranking and seals the period again in the same transaction (with the correction's reason), so
any record found after the latest seal — a forged "correction" included — fails verification.

Not sealed: the entry's `node` foreign key (SET_NULL: a chain rebuilt later would read as tampering; the
node id stays sealed in `evidence`), and `UnitScore.entries_count` (a count of the sealed entries).
"""

from __future__ import annotations

from typing import Any

from tuijin.core.ledger import register_sealable
from tuijin.org.models import Unit

from .models import ScoreEntry, UnitScore

KIND = "scores"
SEALED_FIELDS = (
    "unit_id",
    "kind",
    "rule_index",
    "rule_version_id",
    "category",
    "points",
    "weighted",
    "on",
    "key",
    "sentence",
    "evidence",
    "project_id",
    "person_id",
    "exempted_points",
    "exemption_id",
    "origin",
    "corrects_id",
    "reason",
    "entered_by_id",
    "approved_by_id",
    "created_at",
)


UNIT_FIELDS = (
    "unit_id",
    "group",
    "categories",
    "adjustments",
    "total",
    "rank",
    "tied",
    "place",
    "rectify",
)
UNIT_PREFIX = "u"


def score_records(jurisdiction: Any, period_key: str) -> list[tuple[Any, dict[str, Any]]]:
    """(entry id, sealed fields) of every entry of the period and ("u<unit id>", sealed fields) of every
    unit score of its ranking, in two queries."""
    rows = (
        ScoreEntry.objects.filter(period__jurisdiction=jurisdiction, period__key=period_key)
        .order_by("pk")
        .values("pk", *SEALED_FIELDS)
    )
    records: list[tuple[Any, dict[str, Any]]] = [(row.pop("pk"), row) for row in rows]
    scores = (
        UnitScore.objects.filter(period__jurisdiction=jurisdiction, period__key=period_key)
        .order_by("unit_id")
        .values(*UNIT_FIELDS)
    )
    records.extend((f"{UNIT_PREFIX}{row['unit_id']}", row) for row in scores)
    return records


def describe_entry(record_id: str) -> str | None:
    record_id = str(record_id)
    if record_id.startswith(UNIT_PREFIX):
        return _describe_score(record_id[len(UNIT_PREFIX) :])
    if not record_id.isdigit():
        return None
    row = (
        ScoreEntry.objects.filter(pk=record_id)
        .values_list("unit__short_name", "unit__name", "sentence")
        .first()
    )
    if row is None:
        return None
    short_name, name, sentence = row
    short = sentence if len(sentence) <= 40 else sentence[:39] + "…"
    return f"{short_name or name}的计分记录 #{record_id}（{short}）"


def _describe_score(unit_id: str) -> str | None:
    if not unit_id.isdigit():
        return None
    name = Unit.objects.filter(pk=int(unit_id)).values_list("short_name", "name").first()
    if name is None:
        return None
    return f"{name[0] or name[1]}的考评得分与名次"


register_sealable(KIND, "考核计分", records=score_records, describe=describe_entry, period="any")
