"""The sealed ledger's arithmetic (DESIGN.md "Trust"): canonical serialisation, record hashes, the hash
chain of a seal, the chain of seals, period keys, and the comparison of a seal with the records now.

Pure: standard library only (import-linter forbids Django here); no clock.

- A record is hashed as sha256 over its canonical JSON: sorted keys, no spaces, UTF-8, Decimal as its
  plain normalised digits ("1.50" and "1.5" are the same amount on SQLite and PostgreSQL), dates and
  datetimes as ISO text (datetimes in UTC), so the same data hashes the same on every database.
- A seal's chain starts from sha256("<kind>|<jurisdiction code>|<period key>") and folds each record in
  record-id order: chain = sha256("<chain>|<record id>|<record hash>").
- A seal's own hash is an HMAC-SHA256, keyed with the ledger key (settings.LEDGER_KEY, kept outside the
  database), over its kind, jurisdiction, period, sequence number, chain hash and the previous seal's
  hash, so seals of one (jurisdiction, kind) form a chain too: deleting or editing a seal breaks the link
  of the next one, and someone who can write the database but not read the key cannot make a seal (or
  recompute one over changed records) that verifies.
- Each seal also becomes one line of the append-only heads log (kept outside the database), itself
  HMAC'd with the same key: `head_line` / `parse_head_line`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"无法封存非有限数值 {value}")
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "0") else text
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"无法封存 {type(value).__name__} 类型的值")


def canonical_json(data: Any) -> str:
    """The one serialisation of a record's sealed fields."""
    return json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain, allow_nan=False
    )


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_hash(data: dict[str, Any]) -> str:
    return sha256(canonical_json(data))


def id_key(record_id: Any) -> tuple[int, int, str]:
    """Record ids sort numerically when they are numbers, else as text."""
    text = str(record_id)
    if text.lstrip("-").isdigit():
        return (0, int(text), "")
    return (1, 0, text)


def chain_start(kind: str, jurisdiction_code: str, period_key: str) -> str:
    return sha256(f"{kind}|{jurisdiction_code}|{period_key}")


def chain_hash(start: str, entries: Iterable[tuple[str, str]]) -> str:
    """Fold (record id, record hash) pairs, already in id order, into the seal's chain value."""
    value = start
    for record_id, digest in entries:
        value = sha256(f"{value}|{record_id}|{digest}")
    return value


def hashed_entries(records: Iterable[tuple[Any, dict[str, Any]]]) -> list[tuple[str, str]]:
    """(record id, record hash) for each record, in id order; a repeated id is an error of the source."""
    entries = sorted(((str(rid), record_hash(data)) for rid, data in records), key=lambda e: id_key(e[0]))
    ids = [rid for rid, _ in entries]
    if len(ids) != len(set(ids)):
        raise ValueError("封存来源返回了重复的记录编号")
    return entries


def keyed(key: bytes, text: str) -> str:
    """HMAC-SHA256 of the text with the ledger key, hex."""
    if not key:
        raise ValueError("封存密钥（LEDGER_KEY）为空")
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def seal_hash(
    *,
    key: bytes,
    kind: str,
    jurisdiction_code: str,
    period_key: str,
    sequence: int,
    chain: str,
    prev_seal_hash: str,
) -> str:
    return keyed(key, f"seal|{kind}|{jurisdiction_code}|{period_key}|{sequence}|{chain}|{prev_seal_hash}")


# ---------------------------------------------------------------------------------------------------
# The heads log: one line per seal, kept outside the database (append-only), so a seal deleted from the
# table (even the latest of its chain) is still known.


@dataclass(frozen=True)
class Head:
    kind: str
    jurisdiction_code: str
    period_key: str
    sequence: int
    seal_hash: str
    at: str = ""  # when the seal was made (ISO, for people reading the log)


def _head_text(head: Head) -> str:
    return f"head|{head.at}|{head.kind}|{head.jurisdiction_code}|{head.period_key}|{head.sequence}|{head.seal_hash}"


def head_line(key: bytes, head: Head) -> str:
    """The log line of a seal (tab-separated, no newline): time, kind, jurisdiction code, period,
    sequence, seal hash, HMAC of all of them."""
    fields = (head.at, head.kind, head.jurisdiction_code, head.period_key, str(head.sequence), head.seal_hash)
    if any("\t" in f or "\n" in f for f in fields):
        raise ValueError("封存日志字段不能含制表符或换行")
    return "\t".join((*fields, keyed(key, _head_text(head))))


def parse_head_line(key: bytes, line: str) -> Head | None:
    """The seal a log line records, or None when the line is malformed or its HMAC does not match."""
    parts = line.rstrip("\n").split("\t")
    if len(parts) != 7 or not parts[4].isdigit():
        return None
    at, kind, code, period, sequence, digest, mac = parts
    head = Head(
        kind=kind, jurisdiction_code=code, period_key=period, sequence=int(sequence), seal_hash=digest, at=at
    )
    if not hmac.compare_digest(mac, keyed(key, _head_text(head))):
        return None
    return head


# ---------------------------------------------------------------------------------------------------
# Comparing a seal with the records now


CHANGED = "changed"
DELETED = "deleted"
ADDED = "added"


@dataclass(frozen=True)
class RecordDifference:
    record_id: str
    what: str  # CHANGED | DELETED | ADDED


def compare(sealed: Iterable[tuple[str, str]], current: Iterable[tuple[str, str]]) -> list[RecordDifference]:
    """What differs between a seal's entries and the records' hashes now, in record-id order."""
    before = dict(sealed)
    now = dict(current)
    differences = []
    for rid in sorted(before.keys() | now.keys(), key=id_key):
        if rid not in now:
            differences.append(RecordDifference(rid, DELETED))
        elif rid not in before:
            differences.append(RecordDifference(rid, ADDED))
        elif before[rid] != now[rid]:
            differences.append(RecordDifference(rid, CHANGED))
    return differences


# ---------------------------------------------------------------------------------------------------
# Period keys: "2024-W23" (ISO week), "2024-06" (month), "2024Q2" (quarter) and "2024" (year)

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})Q(\d)$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    key: str
    kind: str  # "week" | "month" | "quarter" | "year"
    start: date
    end: date  # inclusive

    @property
    def label(self) -> str:
        if self.kind == "week":
            year, week = self.key.split("-W")
            return (
                f"{year}年第{int(week)}周（{self.start.month}月{self.start.day}日—"
                f"{self.end.month}月{self.end.day}日）"
            )
        if self.kind == "quarter":
            return f"{self.start.year}年第{(self.start.month + 2) // 3}季度"
        if self.kind == "year":
            return f"{self.start.year}年"
        return f"{self.start.year}年{self.start.month}月"


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def month_key(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def quarter_key(day: date) -> str:
    return f"{day.year}Q{(day.month + 2) // 3}"


def parse_period(key: str) -> Period:
    """A period key, checked: raises ValueError with a Chinese message naming the expected form."""
    key = (key or "").strip()
    if m := _WEEK.match(key):
        year, week = int(m.group(1)), int(m.group(2))
        try:
            start = date.fromisocalendar(year, week, 1)
        except ValueError:
            raise ValueError(f"期间“{key}”无效：{year} 年没有第 {week} 周") from None
        return Period(key=key, kind="week", start=start, end=start + timedelta(days=6))
    if m := _MONTH.match(key):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"期间“{key}”无效：月份应为 01–12")
        start = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return Period(key=key, kind="month", start=start, end=following - timedelta(days=1))
    if m := _QUARTER.match(key):
        year, quarter = int(m.group(1)), int(m.group(2))
        if not 1 <= quarter <= 4:
            raise ValueError(f"期间“{key}”无效：季度应为 Q1–Q4")
        start = date(year, 3 * quarter - 2, 1)
        following = date(year + quarter // 4, (3 * quarter) % 12 + 1, 1)
        return Period(key=key, kind="quarter", start=start, end=following - timedelta(days=1))
    if m := _YEAR.match(key):
        year = int(m.group(1))
        return Period(key=key, kind="year", start=date(year, 1, 1), end=date(year, 12, 31))
    raise ValueError(f"期间“{key}”格式不对：周写作 2024-W23，月写作 2024-06，季度写作 2024Q2，年度写作 2024")
