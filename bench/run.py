"""Benchmark runner (platform issue part 7, library issue 3): the production server (gunicorn, 2 sync
workers) on SQLite and on PostgreSQL with a city of 10,000 projects, driven over real HTTP by wrk; prints
one JSON document and a short table on stderr.

Run: `uv run python bench/run.py [--smoke] [--db sqlite|postgres|both] [--duration 10]
      [--connections 2,4,16] [--repeat 1] [--projects 10000] [--settings MODULE] [--out FILE.json]`

Targets: home and accounts pages median < 20 ms at 2 connections (one per worker), peak RSS < 150 MB
per worker, one million `add N working days` calls < 3 s (bench/workdays_bench.py); issue 3: the project
list at 20 rows median < 40 ms at 2 connections, at 100 rows at least the floor's requests/s at 4
connections (bench/floor.py, same server, same run), the project page median < 60 ms at 2 connections,
`tuijin demo --projects 10000` < 60 s, export of 10,000 rows < 3 s, import of 10,000 rows < 10 s.
Issue 6 (bench/agenda_bench.py): a meeting's agenda proposal for 10,000 projects, 2,000 problems and 5,000
matters < 1 s; a year of card computation for 500 units < 2 s (bench/cards_bench.py).
Issue 7 (bench/scoring_bench.py, last: it moves every project into one district): a quarter for 500 units
and 10,000 projects computed and its ledger written < 3 s; that quarter's ranking page median < 80 ms at
2 connections.
Issue 8 (bench/notify_bench.py, after the scoring bench, in its district): the Monday digests for 2,000
leaders rendered and queued < 10 s; a monthly notice for 500 units rendered to Word < 5 s and to PDF
(LibreOffice) < 10 s.
Exit status: 0 when everything worked, even if a target is missed (it is a measurement);
1 when a wrk run saw errors or non-2xx answers; 2 when something is broken (setup, server, a page).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from agenda_bench import agenda_steps, agenda_targets, cards_steps
from harness import (
    PG_ADMIN_URL,
    REPO_DIR,
    WRK,
    BenchError,
    Server,
    check_page,
    cookie_header,
    fetch,
    login,
    pg_reachable,
    require_wrk,
    run_wrk,
)
from lights_steps import BOARD_TARGET_MS, lights_step, lights_targets
from notify_bench import notify_steps
from reports_bench import reports_steps, reports_targets
from scoring_bench import RANKING_PAGE_MARK, RANKING_TARGET_MS, scoring_steps
from steps import export_step, import_step

MEDIAN_TARGET_MS = 20.0
RSS_TARGET_MB = 150.0
WORKDAYS_TARGET_S = 3.0
WORKDAYS_SCRIPT = Path(__file__).resolve().parent / "workdays_bench.py"
# issue 3 (10,000 projects)
PROJECTS = 10000
SMOKE_PROJECTS = 300  # what `--smoke` builds in a few seconds
LIST_TARGET_MS = 40.0
DETAIL_TARGET_MS = 60.0
DEMO_TARGET_S = 60.0
EXPORT_TARGET_S = 3.0
IMPORT_TARGET_S = 10.0
FLOOR_PAGES = ("projects_list_100", "floor")  # compared on requests/s at FLOOR_CONNECTIONS
FLOOR_CONNECTIONS = 4
FLOOR_ROUNDS = 3  # alternating runs of the two (smoke: 1), so a change in the machine's load hits both


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # "{project}" is replaced by a project the list shows
    expected: str  # Chinese text only the real page carries (a redirect to the login page lacks it)
    logged_in: bool
    optional: bool = False  # a page of another part that may not exist yet: skipped with a note if 404


PAGES = [
    Page("login", "/login/", "忘记密码请联系本辖区项目办管理员重置", logged_in=False),
    Page("home", "/", "重大重点项目工作台", logged_in=True),
    Page("accounts", "/org/accounts/", 'id="accounts-table"', logged_in=True),
    Page("projects_list", "/projects/", 'id="project-table"', logged_in=True),
    Page("projects_list_100", "/projects/?per=100", 'id="project-table"', logged_in=True),
    Page("project_detail", "/projects/{project}/", 'id="project-detail"', logged_in=True, optional=True),
    Page("floor", "/__floor__/", 'id="floor-table"', logged_in=False),
    # issue 4: the light board (lights:board), by unit, of every project the admin reads
    Page("lights_board", "/lights/", 'id="board-table"', logged_in=True, optional=True),
]
MEDIAN_TARGETS = {"home": MEDIAN_TARGET_MS, "accounts": MEDIAN_TARGET_MS, "projects_list": LIST_TARGET_MS}
MEDIAN_TARGETS["project_detail"] = DETAIL_TARGET_MS
MEDIAN_TARGETS["lights_board"] = BOARD_TARGET_MS
MEDIAN_TARGETS["scoring_ranking"] = RANKING_TARGET_MS  # issue 7: measured after bench/scoring_bench.py
LIGHTS_100K_SCALE = 10  # --lights-100k: the 10,000-project demo copied ten times
SMOKE_REFRESHES = 20  # one-project refreshes timed in --smoke (200 otherwise)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="推进 Web 性能基准 / Tuijin web benchmark")
    parser.add_argument("--smoke", action="store_true", help="CI 冒烟：3 秒、2 个连接，只在出错时失败")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--duration", type=int, default=None, help="每次 wrk 运行的秒数（默认 10，冒烟 3）")
    parser.add_argument("--connections", default=None, help="逗号分隔的并发连接数（默认 2,4,16，冒烟 2）")
    parser.add_argument("--repeat", type=int, default=1, help="每个组合重复几次（目标取中位数）")
    parser.add_argument(
        "--projects",
        type=int,
        default=None,
        help=f"演示数据的项目数（默认 {PROJECTS}，冒烟 {SMOKE_PROJECTS}）",
    )
    parser.add_argument(
        "--settings", default="tuijin.settings", help="Django 设置模块（对比实验用；默认 tuijin.settings）"
    )
    parser.add_argument("--out", type=Path, default=None, help="另存 JSON 到此文件")
    parser.add_argument(
        "--lights-100k",
        action="store_true",
        help="只测亮灯计算：1 万个项目的演示数据复制成 10 万个，从零计算、同日重算、次日重算及内存峰值（不测页面）",
    )
    parser.add_argument(
        "--reports-only",
        action="store_true",
        help="只测周报（issue 5）：周五集中报送（200 个单位 × 50 个项目，16 个连接）和 1,000 个项目的周报一览表导出，不测页面",
    )
    parser.add_argument("--skip-reports", action="store_true", help="不测周报报送与一览表导出")
    parser.add_argument("--skip-scoring", action="store_true", help="不测考核计分与排名页（issue 7）")
    parser.add_argument("--skip-notify", action="store_true", help="不测周一推送与月通报生成（issue 8）")
    args = parser.parse_args(argv)
    if args.lights_100k and args.smoke:
        parser.error("--lights-100k 不能与 --smoke 同用")
    args.duration = args.duration or (3 if args.smoke else 10)
    args.projects = args.projects or (SMOKE_PROJECTS if args.smoke else PROJECTS)
    default_connections = "2" if args.smoke else "2,4,16"
    args.connections = [int(c) for c in (args.connections or default_connections).split(",") if c.strip()]
    if args.repeat < 1 or args.duration < 1 or not args.connections or min(args.connections) < 1:
        parser.error("--repeat、--duration 和 --connections 必须为正整数")
    if args.projects < 1:
        parser.error("--projects 必须为正整数")
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


@dataclass
class Result:
    """What one database's run produced."""

    runs: list[dict]
    memory: dict
    steps: list[dict]
    notes: list[str]
    floor: dict | None


def bench_database(db: str, args: argparse.Namespace) -> Result:
    """Prepare, start, log in, check the pages, run wrk for each page × connections × repeat, time the
    export and the import; always clean up."""
    server = Server(db, settings=args.settings)
    notes: list[str] = []
    try:
        _log(f"[{db}] 准备数据库与演示数据（{args.projects} 个项目）/ preparing database and demo data …")
        steps = server.prepare(args.projects)
        notes += [f"[{db}] {s['note']}" for s in steps if s["note"]]
        server.start()
        if args.reports_only:
            steps += _reports(server, args, notes)
            return Result([], _memory(server), steps, notes, None)
        cookie = cookie_header(login(server.base_url))
        pages = _pages(server, cookie, notes)
        for page in pages:
            check_page(server.base_url, page.path, page.expected, cookie if page.logged_in else None)
        runs = []
        for page in pages:
            runs += _bench_page(server, page, cookie if page.logged_in else None, args)
        floor = floor_comparison(server, pages, cookie, args)
        server.sample_memory()
        # The session must still be valid at the end: otherwise the runs measured redirects.
        for page in pages:
            check_page(server.base_url, page.path, page.expected, cookie if page.logged_in else None)
        _log(f"[{db}] 亮灯计算计时 / timing the lights engine …")
        lights, _ = lights_step(server, refresh=SMOKE_REFRESHES if args.smoke else 200)
        steps += lights
        notes += [f"[{db}] {s['name']}: {s['note']}" for s in lights if s["ok"] is not True]
        _log(f"[{db}] 议程与黄牌红牌计时 / timing the agenda proposal and the cards …")
        for meetings_step in (agenda_steps, cards_steps):
            rows, _ = meetings_step(server, smoke=args.smoke)
            steps += rows
            notes += [f"[{db}] {s['name']}: {s['note']}" for s in rows if s["ok"] is False]
        _log(f"[{db}] 导出、导入计时 / timing export and import …")
        exported = export_step(server, cookie)
        steps.append(exported)
        steps.append(import_step(server))
        notes += [f"[{db}] {s['note']}" for s in steps[-2:] if s["note"]]
        if not args.skip_reports:
            steps += _reports(server, args, notes)
        if not args.skip_scoring:  # late: it moves every project of the city into one district
            scored, ranking = _scoring(server, args, notes)
            steps += scored
            runs += ranking
        if not args.skip_notify:  # after the scoring: it reuses the district the scoring bench built
            steps += _notify(server, args, notes)
        return Result(runs, _memory(server), steps, notes, floor)
    except BenchError as exc:
        raise BenchError(f"{exc}\n--- gunicorn log ({db}) ---\n{server.log_tail()}") from exc
    finally:
        server.close()


def _reports(server: Server, args: argparse.Namespace, notes: list[str]) -> list[dict]:
    """Issue 5: the Friday rush over HTTP (exactly once counted in the database) and the weekly table's
    Word and Excel export (bench/reports_bench.py)."""
    _log(f"[{server.db}] 周报集中报送与一览表导出 / Friday rush and weekly table …")
    server.wait_idle()
    rows, _ = reports_steps(server, smoke=args.smoke)
    notes += [f"[{server.db}] {s['name']}: {s['note']}" for s in rows if s["ok"] is False]
    return rows


def _scoring(server: Server, args: argparse.Namespace, notes: list[str]) -> tuple[list[dict], list[dict]]:
    """Issue 7: a quarter for 500 units and 10,000 projects computed in-process (bench/scoring_bench.py),
    then that quarter's ranking page under wrk like the other pages."""
    _log(f"[{server.db}] 考核计分计时 / timing the scoring of a quarter …")
    server.wait_idle()
    rows, result = scoring_steps(server, smoke=args.smoke)
    notes += [f"[{server.db}] {s['name']}: {s['note']}" for s in rows if s["ok"] is False]
    path = result.get("counts", {}).get("ranking_path")
    if not path:
        return rows, []
    cookie = cookie_header(login(server.base_url))  # a fresh session: the earlier steps ran for minutes
    page = Page("scoring_ranking", path, RANKING_PAGE_MARK, logged_in=True)
    status, _ = fetch(server.base_url, path, cookie)
    if status == 404:
        notes.append(f"[{server.db}] scoring_ranking {path}: 页面尚不存在（404）/ not there yet; skipped")
        return rows, []
    check_page(server.base_url, path, page.expected, cookie)
    runs = _bench_page(server, page, cookie, args)
    check_page(server.base_url, path, page.expected, cookie)
    return rows, runs


def _notify(server: Server, args: argparse.Namespace, notes: list[str]) -> list[dict]:
    """Issue 8: the Monday digests of 2,000 leaders queued, a monthly notice of 500 units to Word and PDF,
    in-process (bench/notify_bench.py)."""
    _log(f"[{server.db}] 周一推送与月通报计时 / timing the Monday digests and the monthly notice …")
    server.wait_idle()
    rows, _ = notify_steps(server, smoke=args.smoke)
    notes += [f"[{server.db}] {s['name']}: {s['note']}" for s in rows if s["ok"] is False]
    return rows


def _pages(server: Server, cookie: str, notes: list[str]) -> list[Page]:
    """The pages to run, "{project}" filled in with the first project the list links to; optional pages
    that do not exist yet (404) are left out with a note."""
    status, body = fetch(server.base_url, "/projects/", cookie)
    match = re.search(rb'href="/projects/(\d+)/"', body) if status == 200 else None
    pages = []
    for page in PAGES:
        if "{project}" in page.path:
            if match is None:
                notes.append(f"[{server.db}] {page.name}: 项目列表里没有项目 / no project listed; skipped")
                continue
            page = replace(page, path=page.path.format(project=match.group(1).decode()))
        if page.optional:
            status, _ = fetch(server.base_url, page.path, cookie if page.logged_in else None)
            if status == 404:
                notes.append(
                    f"[{server.db}] {page.name} {page.path}: 页面尚不存在（404）/ not there yet; skipped"
                )
                continue
        pages.append(page)
    return pages


def _bench_page(server: Server, page: Page, cookie: str | None, args: argparse.Namespace) -> list[dict]:
    url = server.base_url + page.path
    server.wait_idle()
    run_wrk(url, connections=2, duration=1, cookie=cookie)  # warm-up: templates, imports, connections
    runs = []
    for connections in args.connections:
        for repeat in range(args.repeat):
            _log(f"[{server.db}] {page.name} c={connections} #{repeat + 1} …")
            server.wait_idle()
            cpu_before = server.worker_cpu_seconds()
            raw = run_wrk(url, connections=connections, duration=args.duration, cookie=cookie)
            raw["worker_cpu_s"] = server.worker_cpu_seconds() - cpu_before
            server.sample_memory()
            runs.append(_run_row(server.db, page, connections, repeat, raw))
    return runs


def floor_comparison(server: Server, pages: list[Page], cookie: str, args: argparse.Namespace) -> dict:
    """The 100-row list and the floor at FLOOR_CONNECTIONS, alternating, FLOOR_ROUNDS times each: the
    issue compares their requests/s "measured in the same run", and other work on the machine changes
    from minute to minute, so each round measures both within seconds of each other."""
    by_name = {page.name: page for page in pages}
    rounds = []
    for number in range(1 if args.smoke else FLOOR_ROUNDS):
        measured = {}
        for name in FLOOR_PAGES:
            page = by_name[name]
            _log(f"[{server.db}] floor comparison #{number + 1}: {name} c={FLOOR_CONNECTIONS} …")
            server.wait_idle()
            cpu_before = server.worker_cpu_seconds()
            url = server.base_url + page.path
            raw = run_wrk(
                url,
                connections=FLOOR_CONNECTIONS,
                duration=args.duration,
                cookie=cookie if page.logged_in else None,
            )
            raw["worker_cpu_s"] = server.worker_cpu_seconds() - cpu_before
            measured[name] = _run_row(server.db, page, FLOOR_CONNECTIONS, number, raw)
        rounds.append(measured)
    return _floor_row(server.db, rounds)


def _floor_row(db: str, rounds: list[dict]) -> dict:
    def median(page: str, field: str) -> float:
        return round(statistics.median(r[page][field] for r in rounds), 2)

    list_rps, floor_rps = median("projects_list_100", "rps"), median("floor", "rps")
    return {
        "db": db,
        "connections": FLOOR_CONNECTIONS,
        "rounds": [
            {
                name: {k: r[name][k] for k in ("rps", "median_ms", "worker_cpu_ms_per_request", "errors")}
                for name in r
            }
            for r in rounds
        ],
        "projects_list_100_rps": list_rps,
        "floor_rps": floor_rps,
        "ratio": round(list_rps / floor_rps, 2) if floor_rps else None,
        "projects_list_100_cpu_ms": median("projects_list_100", "worker_cpu_ms_per_request"),
        "floor_cpu_ms": median("floor", "worker_cpu_ms_per_request"),
        "errors": sum(r[name]["errors"] for r in rounds for name in r),
    }


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


def targets(
    runs: list[dict], rss: dict, work: dict, dbs: list[str], steps: list[dict], floors: list[dict]
) -> list[dict]:
    rows = []
    for db in dbs:
        for page, limit in MEDIAN_TARGETS.items():
            medians = [
                r["median_ms"] for r in runs if (r["db"], r["page"], r["connections"]) == (db, page, 2)
            ]
            value = round(statistics.median(medians), 2) if medians else None
            rows.append(_target(f"{db} {page} median at 2 connections (ms)", limit, value))
        rows.append(_target(f"{db} peak RSS per worker (MB)", RSS_TARGET_MB, rss[db]["max_peak_per_worker"]))
        for floor in (f for f in floors if f["db"] == db):
            rows.append(
                {
                    "name": f"{db} projects_list_100 req/s at {FLOOR_CONNECTIONS} connections, at least the floor's",
                    "target": f">= {floor['floor_rps']}",
                    "value": floor["projects_list_100_rps"],
                    "ok": floor["projects_list_100_rps"] >= floor["floor_rps"],
                }
            )
        for prefix, limit in (
            ("demo", DEMO_TARGET_S),
            ("export", EXPORT_TARGET_S),
            ("import", IMPORT_TARGET_S),
        ):
            for step in (s for s in steps if s["db"] == db and s["name"].startswith(prefix)):
                rows.append(
                    _target(f"{db} {step['name']} (s)", limit, step["seconds"] if step["ok"] else None)
                )
        rows += lights_targets(steps, db, hundred_k=False)
        rows += reports_targets(steps, db)
        rows += agenda_targets(steps, db)
        # the notify steps carry `target_s`: agenda_targets lists them (no second row)
    rows.append(_target("1,000,000 add_workdays calls (s)", WORKDAYS_TARGET_S, work.get("seconds")))
    return rows


def bench_lights_100k(db: str, args: argparse.Namespace) -> tuple[list[dict], list[str]]:
    """--lights-100k for one database: a fresh 10,000-project demo, the lights steps at 10,000 (for the
    memory comparison), then the city copied to 100,000 projects and the steps again. No server."""
    server = Server(db, settings=args.settings)
    try:
        _log(f"[{db}] 准备 {args.projects} 个项目的演示数据 / preparing the demo …")
        steps = server.prepare(args.projects)
        _log(f"[{db}] 亮灯计算（{args.projects} 个项目）/ lights at {args.projects} projects …")
        small, _ = lights_step(server, refresh=0)
        _log(f"[{db}] 复制到 {args.projects * LIGHTS_100K_SCALE} 个项目并计时 / scaled up …")
        large, result = lights_step(server, scale=LIGHTS_100K_SCALE, refresh=200, timeout=3600)
        notes = [f"[{db}] {s['name']}: {s['note']}" for s in small + large if s["note"]]
        if "scaled" in result:
            notes.append(f"[{db}] scaled: {result['scaled']}")
        return steps + small + large, notes
    finally:
        server.close()


def main_lights_100k(args: argparse.Namespace) -> int:
    notes: list[str] = []
    started = time.monotonic()
    load_before = [round(x, 2) for x in os.getloadavg()]
    try:
        dbs = databases(args.db, False, notes)
        steps = []
        for db in dbs:
            measured, more = bench_lights_100k(db, args)
            steps += measured
            notes += more
    except BenchError as exc:
        _log(f"基准运行失败 / benchmark broken:\n{exc}")
        return 2
    rows = []
    for db in dbs:
        hundred = [s for s in steps if f"({args.projects * LIGHTS_100K_SCALE} projects" in s["name"]]
        rows += lights_targets(hundred, db, hundred_k=True)
    report = {
        "mode": "lights-100k",
        "machine": {**machine(), "loadavg_at_start": load_before},
        "settings": {"projects": args.projects, "scale": LIGHTS_100K_SCALE, "django_settings": args.settings},
        "steps": steps,
        "targets": rows,
        "notes": notes,
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    lines = [f"{st['db']}: {st['name']}: {st['seconds']} s {st['note']}" for st in steps]
    for t in rows:
        mark = {True: "OK  ", False: "MISS", None: "n/a "}[t["ok"]]
        lines.append(f"  {mark} {t['name']}: {t['value']} (target {t['target']})")
    lines += [f"note: {note}" for note in notes]
    _log("\n".join(lines))
    return 2 if any(s["ok"] is False for s in steps) else 0


def _target(name: str, limit: float, value: float | None) -> dict:
    return {
        "name": name,
        "target": f"< {limit:g}",
        "value": value,
        "ok": None if value is None else value < limit,
    }


COLUMNS = [  # (heading, run field, format) for the table on stderr
    ("db", "db", "<9"),
    ("page", "page", "<18"),
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
    for f in report["floor"]:
        out.append(
            f"{f['db']}: projects_list_100 {f['projects_list_100_rps']} req/s vs floor {f['floor_rps']} req/s"
            f" at {f['connections']} connections (× {f['ratio']}; worker CPU {f['projects_list_100_cpu_ms']}"
            f" vs {f['floor_cpu_ms']} ms a request; median of {len(f['rounds'])} alternating rounds)"
        )
    for st in report["steps"]:
        rows = "" if st["rows"] is None else f", {st['rows']} rows"
        out.append(f"{st['db']}: {st['name']}: {st['seconds']} s{rows}")
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
    if args.lights_100k:
        return main_lights_100k(args)
    notes: list[str] = []
    started = time.monotonic()
    load_before = [round(x, 2) for x in os.getloadavg()]
    try:
        require_wrk()
        dbs = databases(args.db, args.smoke, notes)
        work = workdays()
        runs, rss, steps, floors = [], {}, [], []
        for db in dbs:
            result = bench_database(db, args)
            runs += result.runs
            rss[db] = result.memory
            steps += result.steps
            notes += result.notes
            if result.floor is not None:
                floors.append(result.floor)
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
            "projects": args.projects,
            "django_settings": args.settings,
        },
        "runs": runs,
        "summary": summarize(runs),
        "floor": floors,
        "steps": steps,
        "rss_mb": rss,
        "workdays": work,
        "targets": targets(runs, rss, work, dbs, steps, floors),
        "notes": notes,
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print_table(report)
    failed = [s for s in steps if s["ok"] is False]
    if failed:
        _log(
            "计时步骤失败 / timed steps failed: "
            + "; ".join(f"{s['db']} {s['name']}: {s['note']}" for s in failed)
        )
        return 2
    errors = sum(r["errors"] for r in runs) + sum(f["errors"] for f in floors)
    if errors:
        _log(f"wrk 记录到 {errors} 个错误或非 2xx 应答 / wrk saw {errors} errors or non-2xx answers")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
