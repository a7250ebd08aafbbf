"""Benchmark runner (issue part 7): the production server (gunicorn, 2 sync workers) on SQLite and on
PostgreSQL, driven over real HTTP by wrk; prints one JSON document and a short table on stderr.

Run: `uv run python bench/run.py [--smoke] [--db sqlite|postgres|both] [--duration 10]
      [--connections 2,4,16] [--repeat 1] [--settings MODULE] [--out FILE.json]`

Targets: home and accounts pages median < 20 ms at 2 connections (one per worker), peak RSS < 150 MB
per worker, one million `add N working days` calls < 3 s (bench/workdays_bench.py).
Exit status: 0 when everything worked, even if a target is missed (it is a measurement);
1 when a wrk run saw errors or non-2xx answers; 2 when something is broken (setup, server, a page).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from harness import (
    PG_ADMIN_URL,
    REPO_DIR,
    WRK,
    BenchError,
    Server,
    check_page,
    cookie_header,
    login,
    pg_reachable,
    require_wrk,
    run_wrk,
)

MEDIAN_TARGET_MS = 20.0
RSS_TARGET_MB = 150.0
WORKDAYS_TARGET_S = 3.0
WORKDAYS_SCRIPT = Path(__file__).resolve().parent / "workdays_bench.py"


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    expected: str  # Chinese text only the real page carries (a redirect to the login page lacks it)
    logged_in: bool


PAGES = [
    Page("login", "/login/", "忘记密码请联系本辖区项目办管理员重置", logged_in=False),
    Page("home", "/", "重大重点项目工作台", logged_in=True),
    Page("accounts", "/org/accounts/", 'id="accounts-table"', logged_in=True),
]
TARGET_PAGES = ("home", "accounts")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="推进 Web 性能基准 / Tuijin web benchmark")
    parser.add_argument("--smoke", action="store_true", help="CI 冒烟：3 秒、2 个连接，只在出错时失败")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--duration", type=int, default=None, help="每次 wrk 运行的秒数（默认 10，冒烟 3）")
    parser.add_argument("--connections", default=None, help="逗号分隔的并发连接数（默认 2,4,16，冒烟 2）")
    parser.add_argument("--repeat", type=int, default=1, help="每个组合重复几次（目标取中位数）")
    parser.add_argument(
        "--settings", default="tuijin.settings", help="Django 设置模块（对比实验用；默认 tuijin.settings）"
    )
    parser.add_argument("--out", type=Path, default=None, help="另存 JSON 到此文件")
    args = parser.parse_args(argv)
    args.duration = args.duration or (3 if args.smoke else 10)
    default_connections = "2" if args.smoke else "2,4,16"
    args.connections = [int(c) for c in (args.connections or default_connections).split(",") if c.strip()]
    if args.repeat < 1 or args.duration < 1 or not args.connections or min(args.connections) < 1:
        parser.error("--repeat、--duration 和 --connections 必须为正整数")
    return args


def databases(choice: str, smoke: bool, notes: list[str]) -> list[str]:
    if choice == "sqlite":
        return ["sqlite"]
    if pg_reachable():
        return ["sqlite", "postgres"] if choice == "both" else ["postgres"]
    message = f"PostgreSQL {PG_ADMIN_URL} 无法连接 / is not reachable"
    if choice == "both" and smoke:
        notes.append(message + "：只测 SQLite / SQLite only")
        return ["sqlite"]
    raise BenchError(message)


def machine() -> dict:
    import django
    import gunicorn

    def run(cmd: list[str]) -> str:
        try:
            return subprocess.run(
                cmd, cwd=REPO_DIR, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    cpu = next((ln.split(":", 1)[1].strip() for ln in _cpuinfo() if ln.startswith("model name")), "")
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "wrk": (run([WRK, "--version"]).splitlines() or [""])[0].strip(),
        "git_commit": run(["git", "rev-parse", "HEAD"]),
        "git_dirty": bool(run(["git", "status", "--porcelain"])),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def _cpuinfo() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []


def workdays() -> dict:
    """bench/workdays_bench.py's JSON: {calls, seconds, per_call_us, …}."""
    if not WORKDAYS_SCRIPT.exists():
        return {"error": "bench/workdays_bench.py 不存在 / missing"}
    try:
        done = subprocess.run(
            [sys.executable, str(WORKDAYS_SCRIPT)], cwd=REPO_DIR, capture_output=True, text=True, timeout=120
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError("工作日基准超时 / workdays benchmark timed out (120 s)") from exc
    if done.returncode != 0:
        raise BenchError(f"工作日基准失败 / workdays benchmark failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_database(db: str, args: argparse.Namespace) -> tuple[list[dict], dict]:
    """Prepare, start, log in, check the pages, run wrk for each page × connections × repeat; always clean up."""
    server = Server(db, settings=args.settings)
    try:
        _log(f"[{db}] 准备数据库与演示数据 / preparing database and demo data …")
        server.prepare()
        server.start()
        cookie = cookie_header(login(server.base_url))
        for page in PAGES:
            check_page(server.base_url, page.path, page.expected, cookie if page.logged_in else None)
        runs = []
        for page in PAGES:
            runs += _bench_page(server, page, cookie if page.logged_in else None, args)
        server.sample_memory()
        # The session must still be valid at the end: otherwise the runs measured redirects.
        for page in PAGES:
            check_page(server.base_url, page.path, page.expected, cookie if page.logged_in else None)
        return runs, _memory(server)
    except BenchError as exc:
        raise BenchError(f"{exc}\n--- gunicorn log ({db}) ---\n{server.log_tail()}") from exc
    finally:
        server.close()


def _bench_page(server: Server, page: Page, cookie: str | None, args: argparse.Namespace) -> list[dict]:
    url = server.base_url + page.path
    run_wrk(url, connections=2, duration=1, cookie=cookie)  # warm-up: templates, imports, connections
    runs = []
    for connections in args.connections:
        for repeat in range(args.repeat):
            _log(f"[{server.db}] {page.name} c={connections} #{repeat + 1} …")
            cpu_before = server.worker_cpu_seconds()
            raw = run_wrk(url, connections=connections, duration=args.duration, cookie=cookie)
            raw["worker_cpu_s"] = server.worker_cpu_seconds() - cpu_before
            server.sample_memory()
            runs.append(_run_row(server.db, page, connections, repeat, raw))
    return runs


def _run_row(db: str, page: Page, connections: int, repeat: int, raw: dict) -> dict:
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return {
        "db": db,
        "page": page.name,
        "path": page.path,
        "connections": connections,
        "repeat": repeat + 1,
        "median_ms": round(raw["p50_us"] / 1000, 2),
        "p95_ms": round(raw["p95_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "mean_ms": round(raw["mean_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "rps": round(raw["rps"], 1),
        "requests": raw["requests"],
        "errors": raw["non2xx"] + socket_errors,
        "non2xx": raw["non2xx"],
        "socket_errors": socket_errors,
        "duration_s": raw["duration_s"],
        "worker_cpu_ms_per_request": round(raw["worker_cpu_s"] * 1000 / max(raw["requests"], 1), 2),
        "kb_per_response": round(raw["bytes"] / max(raw["requests"], 1) / 1024, 1),
    }


def summarize(runs: list[dict]) -> list[dict]:
    """One row per db × page × connections: the median of each figure over the repeats."""
    keys = list(dict.fromkeys((r["db"], r["page"], r["connections"]) for r in runs))
    rows = []
    for db, page, connections in keys:
        same = [r for r in runs if (r["db"], r["page"], r["connections"]) == (db, page, connections)]
        row = {"db": db, "page": page, "connections": connections, "repeats": len(same)}
        for name in ("median_ms", "p95_ms", "p99_ms", "rps", "worker_cpu_ms_per_request"):
            row[name] = round(statistics.median(r[name] for r in same), 2)
        row["errors"] = sum(r["errors"] for r in same)
        rows.append(row)
    return rows


def _memory(server: Server) -> dict:
    workers = [{"pid": pid, **status} for pid, status in sorted(server.seen_workers.items())]
    return {
        "max_peak_per_worker": max((w["peak_mb"] for w in workers), default=None),
        "max_rss_per_worker": max((w["rss_mb"] for w in workers), default=None),
        "workers": workers,
    }


def targets(runs: list[dict], rss: dict, work: dict, dbs: list[str]) -> list[dict]:
    rows = []
    for db in dbs:
        for page in TARGET_PAGES:
            medians = [
                r["median_ms"] for r in runs if (r["db"], r["page"], r["connections"]) == (db, page, 2)
            ]
            value = round(statistics.median(medians), 2) if medians else None
            rows.append(_target(f"{db} {page} median at 2 connections (ms)", MEDIAN_TARGET_MS, value))
        rows.append(_target(f"{db} peak RSS per worker (MB)", RSS_TARGET_MB, rss[db]["max_peak_per_worker"]))
    rows.append(_target("1,000,000 add_workdays calls (s)", WORKDAYS_TARGET_S, work.get("seconds")))
    return rows


def _target(name: str, limit: float, value: float | None) -> dict:
    return {
        "name": name,
        "target": f"< {limit:g}",
        "value": value,
        "ok": None if value is None else value < limit,
    }


COLUMNS = [  # (heading, run field, format) for the table on stderr
    ("db", "db", "<9"),
    ("page", "page", "<10"),
    ("conn", "connections", ">5"),
    ("#", "repeat", ">3"),
    ("median", "median_ms", ">9.2f"),
    ("p95", "p95_ms", ">9.2f"),
    ("p99", "p99_ms", ">9.2f"),
    ("req/s", "rps", ">9.1f"),
    ("cpu/req", "worker_cpu_ms_per_request", ">9.2f"),
    ("errors", "errors", ">8"),
]


def print_table(report: dict) -> None:
    out = ["".join(f"{head:{fmt.split('.')[0]}}" for head, _, fmt in COLUMNS)]
    for r in report["runs"]:
        out.append("".join(f"{r[key]:{fmt}}" for _, key, fmt in COLUMNS))
    for db, mem in report["rss_mb"].items():
        out.append(
            f"{db}: peak RSS per worker {mem['max_peak_per_worker']} MB (now {mem['max_rss_per_worker']} MB)"
        )
    out.append(f"workdays: {report['workdays']}")
    for t in report["targets"]:
        mark = {True: "OK  ", False: "MISS", None: "n/a "}[t["ok"]]
        out.append(f"  {mark} {t['name']}: {t['value']} (target {t['target']})")
    for note in report["notes"]:
        out.append(f"note: {note}")
    _log("\n".join(out))


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A CI timeout sends SIGTERM: turn it into SystemExit so the finally blocks stop gunicorn and clean up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    notes: list[str] = []
    started = time.monotonic()
    load_before = [round(x, 2) for x in os.getloadavg()]
    try:
        require_wrk()
        dbs = databases(args.db, args.smoke, notes)
        work = workdays()
        runs, rss = [], {}
        for db in dbs:
            db_runs, rss[db] = bench_database(db, args)
            runs += db_runs
    except BenchError as exc:
        _log(f"基准运行失败 / benchmark broken:\n{exc}")
        return 2
    report = {
        "mode": "smoke" if args.smoke else "full",
        "machine": {**machine(), "loadavg_at_start": load_before},
        "settings": {
            "duration_s": args.duration,
            "connections": args.connections,
            "repeat": args.repeat,
            "django_settings": args.settings,
        },
        "runs": runs,
        "summary": summarize(runs),
        "rss_mb": rss,
        "workdays": work,
        "targets": targets(runs, rss, work, dbs),
        "notes": notes,
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print_table(report)
    errors = sum(r["errors"] for r in runs)
    if errors:
        _log(f"wrk 记录到 {errors} 个错误或非 2xx 应答 / wrk saw {errors} errors or non-2xx answers")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
