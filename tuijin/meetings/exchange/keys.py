"""Natural keys of records that have no number of their own (a meeting, a supervision act, a card, a
referral): a *base* that names what the record is (the series and the date of a meeting …) and, for the
second and later records with the same base, "#2", "#3" … in the order they were entered (by id), like
person keys (docs/exchange.md "记录之间怎样互相引用（键）"). An import creates new records in key order and
requires their ordinals to continue the numbering the importing system has, so keys survive a round trip.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from typing import Any


def with_ordinal(base: str, ordinal: int) -> str:
    return base if ordinal == 1 else f"{base}#{ordinal}"


def split_ordinal(key: str) -> tuple[str, int]:
    """ "360102/x/2024-06-28#2" → ("360102/x/2024-06-28", 2); no valid suffix → (key, 1)."""
    base, sep, suffix = key.rpartition("#")
    if sep and suffix.isascii() and suffix.isdigit() and not suffix.startswith("0") and int(suffix) >= 2:
        return base, int(suffix)
    return key, 1


def ordinals(rows: Iterable[tuple[Any, Hashable]]) -> dict[Any, int]:
    """pk → ordinal among the rows with the same base; `rows` are (pk, base) in id order."""
    seen: Counter[Hashable] = Counter()
    found = {}
    for pk, base in rows:
        seen[base] += 1
        found[pk] = seen[base]
    return found


def check_new_ordinals(
    wanted: Iterable[tuple[Hashable, int, Any]], held: Counter[Hashable], error: Any, what: str
) -> None:
    """New records (base, ordinal, loc) of one kind must continue the importing system's numbering per
    base: with two held, the new ones are #3, #4 … in the file's order. Reports each one that does not."""
    nxt = Counter({base: count + 1 for base, count in held.items()})
    for base, ordinal, loc in wanted:
        expected = nxt[base] or 1
        if ordinal != expected:
            shown = "不加序号" if expected == 1 else f"#{expected}"
            error(
                loc,
                f"{what}的序号应接着系统中已有的编号：系统中同一键已有 {expected - 1} 条，"
                f"新增的这一条应{shown}（文件中为 {'不加序号' if ordinal == 1 else f'#{ordinal}'}）",
            )
        nxt[base] = max(expected, ordinal) + 1
