"""The sealed ledger's arithmetic (tuijin/core/rules/ledger.py): no database."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tuijin.core.rules import ledger as rules


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"amount": Decimal("1.50")}, {"amount": Decimal("1.5")}),  # SQLite and PostgreSQL scale alike
        ({"amount": Decimal("100")}, {"amount": Decimal("1E+2")}),
        ({"amount": Decimal("0.00")}, {"amount": Decimal("-0")}),
        ({"a": 1, "b": "x"}, {"b": "x", "a": 1}),  # key order does not matter
        (
            {"at": datetime(2024, 6, 7, 17, 0, tzinfo=timezone(timedelta(hours=8)))},
            {"at": datetime(2024, 6, 7, 9, 0, tzinfo=UTC)},  # the same instant
        ),
        ({"on": date(2024, 6, 7)}, {"on": "2024-06-07"}),
    ],
)
def test_same_data_same_hash(a, b):
    assert rules.canonical_json(a) == rules.canonical_json(b)
    assert rules.record_hash(a) == rules.record_hash(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"amount": Decimal("1.5")}, {"amount": Decimal("1.51")}),
        ({"text": "进展"}, {"text": "进展 "}),
        ({"n": 1}, {"n": "1"}),
        ({"status": "accepted"}, {"status": "returned"}),
        ({"a": None}, {}),
    ],
)
def test_different_data_different_hash(a, b):
    assert rules.record_hash(a) != rules.record_hash(b)


def test_canonical_json_is_compact_sorted_utf8():
    assert rules.canonical_json({"b": "东湖", "a": [Decimal("2.50"), date(2024, 1, 2)]}) == (
        '{"a":["2.5","2024-01-02"],"b":"东湖"}'
    )


def test_unsupported_values_are_refused():
    with pytest.raises(TypeError, match="无法封存 object"):
        rules.canonical_json({"x": object()})
    with pytest.raises(ValueError):
        rules.canonical_json({"x": float("nan")})


def test_entries_sorted_by_numeric_id_and_unique():
    entries = rules.hashed_entries([(10, {"a": 1}), (9, {"a": 2}), ("100", {"a": 3})])
    assert [rid for rid, _ in entries] == ["9", "10", "100"]
    with pytest.raises(ValueError, match="重复"):
        rules.hashed_entries([(1, {}), ("1", {})])


def test_chain_depends_on_every_record_and_order():
    start = rules.chain_start("weekly_report", "360102", "2024-W23")
    entries = [("1", "a" * 64), ("2", "b" * 64)]
    base = rules.chain_hash(start, entries)
    assert base == rules.chain_hash(start, list(entries))
    assert base != rules.chain_hash(start, entries[::-1])
    assert base != rules.chain_hash(start, [("1", "a" * 64), ("2", "c" * 64)])
    assert base != rules.chain_hash(start, entries[:1])
    assert base != rules.chain_hash(rules.chain_start("weekly_report", "360102", "2024-W24"), entries)


def test_seal_hash_links_to_previous():
    values = dict(
        key=b"k1", kind="k", jurisdiction_code="1", period_key="2024-06", sequence=2, chain="c" * 64
    )
    assert rules.seal_hash(**values, prev_seal_hash="x") != rules.seal_hash(**values, prev_seal_hash="y")


def test_seal_hash_is_keyed():
    """Without the key (kept outside the database) nobody can compute a seal hash that verifies."""
    values = dict(kind="k", jurisdiction_code="1", period_key="2024-06", sequence=1, chain="c" * 64)
    keyed = rules.seal_hash(key=b"secret", **values, prev_seal_hash="")
    assert keyed == rules.seal_hash(key=b"secret", **values, prev_seal_hash="")
    assert keyed != rules.seal_hash(key=b"other", **values, prev_seal_hash="")
    assert keyed != rules.sha256("seal|k|1|2024-06|1|" + "c" * 64 + "|")  # the old unkeyed form
    with pytest.raises(ValueError, match="LEDGER_KEY"):
        rules.seal_hash(key=b"", **values, prev_seal_hash="")


def test_head_lines_round_trip_and_refuse_edits():
    head = rules.Head("weekly_report", "360102", "2024-W23", 3, "a" * 64, at="2024-06-12T02:45:00+00:00")
    line = rules.head_line(b"secret", head)
    assert line.split("\t")[:6] == [
        "2024-06-12T02:45:00+00:00",
        "weekly_report",
        "360102",
        "2024-W23",
        "3",
        "a" * 64,
    ]
    assert rules.parse_head_line(b"secret", line + "\n") == head
    assert rules.parse_head_line(b"other", line) is None  # another key
    assert rules.parse_head_line(b"secret", line.replace("\t3\t", "\t2\t")) is None  # edited
    assert rules.parse_head_line(b"secret", "garbage") is None
    with pytest.raises(ValueError):
        rules.head_line(b"secret", rules.Head("k\tx", "1", "2024-06", 1, "a"))


@pytest.mark.parametrize(
    ("sealed", "current", "expected"),
    [
        ([("1", "a"), ("2", "b")], [("1", "a"), ("2", "b")], []),
        ([("1", "a"), ("2", "b")], [("1", "a"), ("2", "X")], [("2", "changed")]),
        ([("1", "a"), ("2", "b")], [("2", "b")], [("1", "deleted")]),
        ([("1", "a")], [("1", "a"), ("10", "c")], [("10", "added")]),
        (
            [("2", "a"), ("10", "b")],
            [("10", "B"), ("3", "c")],
            [("2", "deleted"), ("3", "added"), ("10", "changed")],
        ),
    ],
)
def test_compare(sealed, current, expected):
    assert [(d.record_id, d.what) for d in rules.compare(sealed, current)] == expected


@pytest.mark.parametrize(
    ("key", "kind", "start", "end"),
    [
        ("2024-W23", "week", date(2024, 6, 3), date(2024, 6, 9)),
        ("2024-W01", "week", date(2024, 1, 1), date(2024, 1, 7)),
        ("2020-W53", "week", date(2020, 12, 28), date(2021, 1, 3)),
        ("2024-06", "month", date(2024, 6, 1), date(2024, 6, 30)),
        ("2024-02", "month", date(2024, 2, 1), date(2024, 2, 29)),
        ("2024-12", "month", date(2024, 12, 1), date(2024, 12, 31)),
    ],
)
def test_parse_period(key, kind, start, end):
    period = rules.parse_period(key)
    assert (period.kind, period.start, period.end) == (kind, start, end)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("2024-W54", "没有第 54 周"),
        ("2023-W53", "没有第 53 周"),
        ("2024-13", "月份应为 01–12"),
        ("2024-6", "格式不对"),
        ("W23", "格式不对"),
        ("", "格式不对"),
    ],
)
def test_parse_period_errors(key, message):
    with pytest.raises(ValueError, match=message):
        rules.parse_period(key)


def test_period_keys_and_labels():
    assert rules.week_key(date(2024, 6, 7)) == "2024-W23"
    assert rules.week_key(date(2024, 12, 30)) == "2025-W01"
    assert rules.month_key(date(2024, 6, 7)) == "2024-06"
    assert rules.parse_period("2024-W23").label == "2024年第23周（6月3日—6月9日）"
    assert rules.parse_period("2024-06").label == "2024年6月"
