"""Median over several bench/run.py reports (each a separate server start), for docs/benchmarks.md.

Run: `uv run python bench/combine.py run1.json run2.json run3.json` — prints JSON with, per
db × page × connections, the median (and the spread) of each report's median latency, p95 and req/s,
and the targets evaluated on those medians.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

MEDIAN_TARGET_MS, RSS_TARGET_MB, WORKDAYS_TARGET_S = 20.0, 150.0, 3.0


def combine(reports: list[dict]) -> dict:
    rows = {}
    for report in reports:
        for row in report["summary"]:
            rows.setdefault((row["db"], row["page"], row["connections"]), []).append(row)
    combined = [_row(key, same) for key, same in rows.items()]
    rss = {}
    for report in reports:
        for db, mem in report["rss_mb"].items():
            rss.setdefault(db, []).append(mem["max_peak_per_worker"])
    workdays = [r["workdays"]["seconds"] for r in reports if "seconds" in r["workdays"]]
    return {
        "reports": len(reports),
        "summary": combined,
        "peak_rss_mb": {db: {"median": statistics.median(v), "max": max(v)} for db, v in rss.items()},
        "workdays_seconds": {"median": statistics.median(workdays), "max": max(workdays)}
        if workdays
        else None,
        "targets": _targets(combined, rss, workdays),
    }


def _row(key: tuple, same: list[dict]) -> dict:
    db, page, connections = key
    row = {"db": db, "page": page, "connections": connections, "reports": len(same)}
    for name in ("median_ms", "p95_ms", "p99_ms", "rps", "worker_cpu_ms_per_request"):
        values = [r[name] for r in same if name in r]
        if not values:
            continue
        row[name] = round(statistics.median(values), 2)
        row[f"{name}_range"] = [min(values), max(values)]
    row["errors"] = sum(r["errors"] for r in same)
    return row


def _targets(rows: list[dict], rss: dict, workdays: list[float]) -> list[dict]:
    out = []
    for row in rows:
        if row["page"] in ("home", "accounts") and row["connections"] == 2:
            out.append(
                _ok(
                    f"{row['db']} {row['page']} median at 2 connections (ms)",
                    MEDIAN_TARGET_MS,
                    row["median_ms"],
                )
            )
    for db, values in rss.items():
        out.append(_ok(f"{db} peak RSS per worker (MB, worst report)", RSS_TARGET_MB, max(values)))
    if workdays:
        out.append(
            _ok("1,000,000 add_workdays calls (s, median)", WORKDAYS_TARGET_S, statistics.median(workdays))
        )
    return out


def _ok(name: str, limit: float, value: float) -> dict:
    return {"name": name, "target": f"< {limit:g}", "value": value, "ok": value < limit}


def main(argv: list[str]) -> int:
    if not argv:
        print("用法 / usage: bench/combine.py REPORT.json [REPORT.json …]", file=sys.stderr)
        return 2
    reports = [json.loads(Path(p).read_text(encoding="utf-8")) for p in argv]
    print(json.dumps(combine(reports), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
