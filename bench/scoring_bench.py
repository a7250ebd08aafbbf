"""Issue 7's scoring benchmark: a quarter for 500 units and 10,000 projects computed and its ledger written
(target < 3 s), timed in-process with `tuijin.scoring.services.score_run`; and the ranking page of that
quarter, which bench/run.py then drives with wrk (target: median < 80 ms at 2 connections).

Setup (Django side, in a bench database after `tuijin demo --projects N`; never the product demo): the
district with the most projects becomes one assessed jurisdiction of the city's size — every project of the
city is moved into it (projects and their plan entries, an UPDATE per table: a fixture, not the product
path), bench units (基准考核单位001 …, two ranking groups as DH24's 区直单位 / 镇街) are added until the
district has UNITS active units, and the projects' responsible units and their chain nodes' units are
spread over those units (one UPDATE per unit). The bench's rows of an earlier run (its periods, entries,
units) are deleted first. The rule set is WH19's (`wuhan-2019`, the complete 附件3), passed to `score_run`
as `rule_version` (the district keeps its own). Then, timed, for the last quarter that ended before the
demo's day (the stories are told around it; an ended quarter can be closed):

The demo admin (the city's office admin) computes and closes, as the page's buttons do.

1. `score_run` of the quarter from nothing (facts gathered, rules computed, the ledger and the unit
   scores written in bulk) — the measured figure, with its query count;
2. `score_run` again while the period is open (replaces the computed entries) — median of REPEAT;
3. `period_close` (seals the ledger);
4. `score_run` after closing with nothing changed (compares with the sealed ledger: writes nothing);
5. the ranking page's selector (`page_selectors.ranking_for`), median of REPEAT (at least 3).

    python bench/scoring_bench.py [--units 500] [--repeat 3] [--smoke]

prints one JSON line `{"steps": [...], "counts": {...}, "notes": [...]}`; `counts.ranking_path` is the
ranking page bench/run.py measures. `scoring_steps(server, smoke=…)` (runner side, no Django) runs it in
a prepared bench database.

    python bench/scoring_bench.py --standalone [--db sqlite|postgres|both] [--projects 10000] [--smoke]

builds the bench database itself (bench/harness.Server: fresh database, `tuijin demo --projects N`), runs
the above in its environment, then starts gunicorn (2 sync workers) and runs wrk on the ranking page at 2
connections (`--wrk-repeat` runs of 10 s, 3 s with --smoke; the target is the median).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
SCRIPT = Path(__file__).resolve()
UNITS, REPEAT = 500, 3
SMOKE = {"units": 50, "repeat": 2}
RULE_SET = "wuhan-2019"
UNIT_PREFIX = "基准考核单位"
STREET_SHARE = 5  # one bench unit in five is a street (镇街), the others are departments (区直单位)
SCORING_TARGET_S = 3.0
RANKING_TARGET_MS = 80.0
RANKING_PAGE_MARK = 'class="tie-break"'  # under each ranked group's table (not on the login page)
STEP_TIMEOUT = 900


# ===================================================================================================
# Django side


def _django() -> None:
    import os

    import django

    sys.path.insert(0, str(BENCH_DIR.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuijin.settings")
    django.setup()


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _clear(district) -> None:
    """The bench's rows of an earlier run: its score periods (entries, scores, rectifications) and units."""
    from tuijin.scoring.models import Rectification, ScoreEntry, ScorePeriod, UnitScore

    periods = ScorePeriod.objects.filter(jurisdiction=district)
    Rectification.objects.filter(period__in=periods).delete()
    ScoreEntry.objects.filter(period__in=periods, corrects__isnull=False).delete()
    ScoreEntry.objects.filter(period__in=periods).delete()
    UnitScore.objects.filter(period__in=periods).delete()
    periods.delete()


def setup(units: int):
    """The assessed district (see the module's docstring): (district, its active units, projects moved)."""
    from django.db import transaction
    from django.db.models import Count

    from tuijin.chains.models import ChainNode
    from tuijin.org.models import Jurisdiction, Unit
    from tuijin.projects.models import AnnualPlan, PlanEntry, Project

    district = (
        Jurisdiction.objects.filter(level="district")
        .annotate(n=Count("projects"))
        .order_by("-n", "id")
        .first()
    )
    if district is None:
        raise SystemExit("没有区县辖区：请先运行 tuijin demo --projects N")
    city = district.parent
    with transaction.atomic():
        _clear(district)
        # every project of the city into the district, its plan entries into the district's plan
        within = Project.objects.filter(jurisdiction__path__startswith=(city or district).path)
        moved = within.exclude(jurisdiction=district).update(jurisdiction=district)
        for plan in AnnualPlan.objects.filter(jurisdiction__path__startswith=(city or district).path).exclude(
            jurisdiction=district
        ):
            own, _ = AnnualPlan.objects.get_or_create(
                jurisdiction=district, year=plan.year, defaults={"title": plan.title}
            )
            PlanEntry.objects.filter(plan=plan).update(plan=own)
        active = Unit.objects.filter(jurisdiction=district, is_active=True)
        missing = max(0, units - active.exclude(name__startswith=UNIT_PREFIX).count())
        have = Unit.objects.filter(jurisdiction=district, name__startswith=UNIT_PREFIX).order_by("id")
        existing = list(have)
        if len(existing) < missing:
            Unit.objects.bulk_create(
                [
                    Unit(
                        jurisdiction=district,
                        name=f"{UNIT_PREFIX}{i:03d}",
                        short_name=f"考核{i:03d}",
                        kind="street" if i % STREET_SHARE == 0 else "department",
                        rank_group="镇街" if i % STREET_SHARE == 0 else "区直单位",
                        sort=1000 + i,
                    )
                    for i in range(len(existing) + 1, missing + 1)
                ]
            )
        have.filter(pk__in=[u.pk for u in existing[missing:]]).update(is_active=False)
        have.filter(pk__in=[u.pk for u in existing[:missing]]).update(is_active=True)
        assessed = list(active.order_by("sort", "id").values_list("pk", flat=True))
        # projects and their nodes spread over the assessed units (one UPDATE per unit)
        project_ids = list(
            Project.objects.filter(jurisdiction=district).order_by("id").values_list("pk", flat=True)
        )
        for i, unit_id in enumerate(assessed):
            mine = project_ids[i :: len(assessed)]
            for chunk in range(0, len(mine), 900):
                Project.objects.filter(pk__in=mine[chunk : chunk + 900]).update(responsible_unit_id=unit_id)
        node_units = sorted(
            set(
                ChainNode.objects.filter(project__jurisdiction=district, responsible_unit__isnull=False)
                .values_list("responsible_unit_id", flat=True)
                .distinct()
            )
        )
        for old in node_units:
            ChainNode.objects.filter(project__jurisdiction=district, responsible_unit_id=old).update(
                responsible_unit_id=assessed[old % len(assessed)]
            )
    return district, len(assessed), moved


def _ranking_selector():
    """The ranking page's selector (`page_selectors.ranking_for(period, user=…)`), if it exists."""
    try:
        from tuijin.scoring.page_selectors import ranking_for
    except ImportError:
        return None
    return ranking_for


def run(args: argparse.Namespace) -> int:
    _django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tuijin.core.rules.ledger import parse_period, quarter_key
    from tuijin.org.models import User
    from tuijin.projects.models import Project
    from tuijin.scoring import services
    from tuijin.scoring.models import ScoreEntry, UnitScore

    district, units, moved = setup(args.units)
    # the office computes and closes, as on the page (the demo admin is the city's office admin)
    admin = User.objects.get(username="admin")
    today = timezone.localdate()
    # the last quarter that has ended (it can be closed): the demo's stories are told around today
    key = quarter_key(parse_period(quarter_key(today)).start - timedelta(days=1))
    version = services.resolve_rule_version(district, RULE_SET)
    steps, notes = [], []
    projects = Project.objects.filter(jurisdiction=district).count()

    with CaptureQueriesContext(connection) as queries:
        seconds, outcome = _timed(
            lambda: services.score_run(jurisdiction=district, period_key=key, rule_version=version, by=admin)
        )
    period = outcome.period
    entries = ScoreEntry.objects.filter(period=period).count()
    steps.append(
        {
            "name": f"score_run: quarter {key}, {units} units, {projects} projects, from nothing",
            "seconds": round(seconds, 3),
            "note": f"{entries} entries; {outcome.created} created; {len(queries)} queries; "
            f"{len(outcome.warnings)} warnings",
            "target_s": SCORING_TARGET_S,
        }
    )

    again = []
    for _ in range(args.repeat):
        seconds, _ = _timed(
            lambda: services.score_run(jurisdiction=district, period_key=key, rule_version=version, by=admin)
        )
        again.append(seconds)
    steps.append(
        {
            "name": "score_run again while open (replaces the computed entries)",
            "seconds": round(statistics.median(again), 3),
            "note": f"median of {len(again)}",
            "target_s": SCORING_TARGET_S,
        }
    )

    period.refresh_from_db()
    seconds, _ = _timed(lambda: services.period_close(period=period, by=admin))
    steps.append({"name": "period_close (seal the ledger)", "seconds": round(seconds, 3), "note": ""})

    with CaptureQueriesContext(connection) as queries:
        seconds, outcome = _timed(
            lambda: services.score_run(jurisdiction=district, period_key=key, rule_version=version, by=admin)
        )
    steps.append(
        {
            "name": "score_run after closing, nothing changed (compared with the sealed ledger)",
            "seconds": round(seconds, 3),
            "note": f"{outcome.corrections} corrections; {len(queries)} queries",
            "target_s": SCORING_TARGET_S,
        }
    )

    selector = _ranking_selector()
    if selector is not None:
        runs = []
        for _ in range(max(args.repeat, 3)):
            seconds, _ = _timed(lambda: selector(period, user=admin))
            runs.append(seconds)
        if runs:
            steps.append(
                {
                    "name": "ranking page selector",
                    "seconds": round(statistics.median(runs), 4),
                    "note": f"median of {len(runs)}",
                }
            )
    counts = {
        "jurisdiction": district.code,
        "units": units,
        "unit_scores": UnitScore.objects.filter(period=period).count(),
        "projects": projects,
        "projects_moved": moved,
        "entries": ScoreEntry.objects.filter(period=period).count(),
        "period": period.pk,
        "period_key": key,
        "ranking_path": f"/scoring/{period.pk}/",
        "db": connection.vendor,
    }
    notes.append(
        f"all the city's projects moved into {district.name} and spread over {units} units (fixture); "
        f"rule set {RULE_SET}"
    )
    print(json.dumps({"steps": steps, "counts": counts, "notes": notes}, ensure_ascii=False))
    return 0


# ===================================================================================================
# Runner side (no Django): bench/run.py


def scoring_steps(server, *, smoke: bool = False) -> tuple[list[dict], dict]:
    """Run this benchmark in `server`'s environment (a prepared bench database): (step rows, its JSON)."""
    from harness import REPO_DIR, step

    try:
        done = subprocess.run(
            [sys.executable, str(SCRIPT), *(["--smoke"] if smoke else [])],
            cwd=REPO_DIR,
            env=server.run_env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        note = f"scoring 超时 / timed out ({STEP_TIMEOUT} s)"
        return [step(server.db, "scoring", None, ok=False, note=note)], {"error": note}
    if done.returncode != 0:
        note = f"scoring 失败 / failed: {done.stderr[-1500:]}"
        return [step(server.db, "scoring", None, ok=False, note=note)], {"error": note}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    rows = []
    for s in result.get("steps", []):
        row = step(server.db, s["name"], s.get("seconds"), note=s.get("note", ""))
        if "target_s" in s:
            row["target_s"] = s["target_s"]
        rows.append(row)
    rows += [step(server.db, "scoring note", None, ok=None, note=n) for n in result.get("notes", [])]
    return rows, result


def ranking_runs(server, path: str, *, duration: int, repeat: int) -> list[dict]:
    """wrk on the ranking page at 2 connections, `repeat` times (after a 1-second warm-up), as the demo
    admin: one row per run with the median, p95, requests/s and the workers' CPU per request (the service
    cost, much less disturbed by other load on the machine than the latencies)."""
    from harness import check_page, cookie_header, login, run_wrk

    cookie = cookie_header(login(server.base_url))
    check_page(server.base_url, path, RANKING_PAGE_MARK, cookie)
    url = server.base_url + path
    server.wait_idle()
    run_wrk(url, connections=2, duration=1, cookie=cookie)
    rows = []
    for number in range(repeat):
        server.wait_idle()
        cpu_before = server.worker_cpu_seconds()
        raw = run_wrk(url, connections=2, duration=duration, cookie=cookie)
        cpu = server.worker_cpu_seconds() - cpu_before
        rows.append(
            {
                "db": server.db,
                "page": "scoring_ranking",
                "run": number + 1,
                "median_ms": round(raw["p50_us"] / 1000, 2),
                "p95_ms": round(raw["p95_us"] / 1000, 2),
                "rps": round(raw["rps"], 1),
                "worker_cpu_ms_per_request": round(cpu * 1000 / max(raw["requests"], 1), 2),
                "kb_per_response": round(raw["bytes"] / max(raw["requests"], 1) / 1024, 1),
                "errors": raw["non2xx"] + raw["connect"] + raw["read"] + raw["write"] + raw["timeout"],
            }
        )
    check_page(server.base_url, path, RANKING_PAGE_MARK, cookie)
    return rows


def standalone(args: argparse.Namespace) -> int:
    """Build the bench database itself (bench/harness.Server: fresh database, `tuijin demo --projects N`),
    run the steps in its environment, then serve it with gunicorn and run wrk on the ranking page."""
    from harness import Server, pg_reachable

    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    projects = args.projects or (300 if args.smoke else 10000)
    steps: list[dict] = []
    runs: list[dict] = []
    for db in dbs:
        if db == "postgres" and not pg_reachable():
            print("PostgreSQL 不可达，跳过 / not reachable; skipped", file=sys.stderr)
            continue
        server = Server(db)
        try:
            print(f"[{db}] tuijin demo --projects {projects} …", file=sys.stderr, flush=True)
            steps += server.prepare(projects)
            rows, result = scoring_steps(server, smoke=args.smoke)
            steps += rows
            path = result.get("counts", {}).get("ranking_path")
            if path:
                server.start()
                runs += ranking_runs(server, path, duration=3 if args.smoke else 10, repeat=args.wrk_repeat)
        finally:
            server.close()
    medians = {}
    for db in dbs:
        mine = [r["median_ms"] for r in runs if r["db"] == db]
        if mine:
            medians[db] = round(statistics.median(mine), 2)
    print(
        json.dumps(
            {"steps": steps, "ranking_runs": runs, "ranking_median_ms": medians}, ensure_ascii=False, indent=1
        )
    )
    for row in steps:
        print(f"  {row['db']}: {row['name']}: {row['seconds']} s {row['note']}", file=sys.stderr)
    for db, value in medians.items():
        print(
            f"  {db}: ranking page median at 2 connections {value} ms (target < {RANKING_TARGET_MS:g})",
            file=sys.stderr,
        )
    return 0 if all(s["ok"] is not False for s in steps) and not any(r["errors"] for r in runs) else 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="考核计分基准 / scoring benchmark (issue 7)")
    parser.add_argument("--units", type=int, default=UNITS)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--smoke", action="store_true", help="小规模（CI）：50 个单位")
    parser.add_argument(
        "--standalone", action="store_true", help="自建基准数据库（演示数据）后运行，并用 wrk 测排名页"
    )
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--projects", type=int, default=None)
    parser.add_argument(
        "--wrk-repeat", type=int, default=3, help="--standalone：排名页 wrk 运行次数（取中位数）"
    )
    args = parser.parse_args(argv)
    if args.standalone:
        sys.path.insert(0, str(BENCH_DIR))
        return standalone(args)
    if args.smoke:
        args.units, args.repeat = SMOKE["units"], SMOKE["repeat"]
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
