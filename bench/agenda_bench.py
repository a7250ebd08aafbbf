"""Issue 6's agenda benchmark: preparing a meeting's agenda for 10,000 projects, 2,000 open problems and
5,000 matters (target < 1 s), timed in-process with `tuijin.meetings.selectors.agenda_proposal`.

Setup (Django side, in a bench database after `tuijin demo --projects 10000`; never the product demo): in
the district with an escalation ladder (the demo's 东湖区, DH24) with the most projects, a monthly series `bench_agenda` at the top rung of the district's
escalation ladder, ten past meetings of it carrying MATTERS open matters (3 in 5 with a deadline that has
passed, the rest without one — every one is a candidate), PROBLEMS open problems of the district's
projects escalated to the series' level (every one a candidate), and at least RED red project lights in
the district (the demo's computed lights; more are turned red by an UPDATE if the demo has fewer — a
fixture, not the product path). Rows are bulk-inserted (bulk_create, no history, no services) in one
transaction; the bench's own rows of an earlier run are deleted first. Then a meeting of the series is
created for the next week and `agenda_proposal(meeting, today)` is timed REPEAT times (the first run,
cold, is reported apart; the median of the others is the measured figure), with the number of queries of
one run. This is the worst case: every problem, matter and red light is proposed to the one meeting.

    python bench/agenda_bench.py [--problems 2000] [--matters 5000] [--red 500] [--repeat 7] [--smoke]

prints one JSON line `{"steps": [...], "counts": {...}, "queries": N, "notes": [...]}`.
`python bench/agenda_bench.py --standalone [--db sqlite|postgres|both] [--projects 10000] [--smoke]` builds
the bench database itself (bench/harness.Server: fresh database, `tuijin demo --projects N`), runs the
above in its environment and prints the rows; bench/run.py calls `agenda_steps(server, smoke=…)` after
its page runs. The card benchmark (bench/cards_bench.py) is run the same way by `cards_steps`.
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
CARDS_SCRIPT = BENCH_DIR / "cards_bench.py"
PROBLEMS, MATTERS, RED, REPEAT = 2000, 5000, 500, 7
SMOKE = {"problems": 200, "matters": 500, "red": 50, "repeat": 3}
AGENDA_TARGET_S = 1.0
CARDS_TARGET_S = 2.0
SERIES_KEY = "bench_agenda"
STEP_TIMEOUT = 900


# ===================================================================================================
# Django side


def _django() -> None:
    import os

    import django

    sys.path.insert(0, str(BENCH_DIR.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuijin.settings")
    django.setup()


def _district():
    """The district whose rule set has an escalation ladder (the demo's 东湖区 runs DH24) with the most
    projects; the district with the most projects when none has a ladder."""
    from django.db.models import Count

    from tuijin.org.models import Jurisdiction
    from tuijin.problems.services import ladder_for

    districts = list(
        Jurisdiction.objects.filter(level="district").annotate(n=Count("projects")).order_by("-n", "id")
    )
    laddered = [d for d in districts if ladder_for(d)]
    if laddered:
        return laddered[0]
    # the city demo picks no rule set: give the demo district DH24's (its ladder has four rungs)
    from tuijin.core.models import RuleSet

    district = next((d for d in districts if d.code == "360102"), districts[0])
    district.rule_set = RuleSet.objects.filter(slug="donghu-2024").first()
    district.save(update_fields=["rule_set"])
    return district


def _clear(district) -> None:
    from tuijin.meetings.models import AgendaItem, Matter, Meeting, MeetingSeries
    from tuijin.problems.models import Problem

    series = MeetingSeries.objects.filter(jurisdiction=district, key=SERIES_KEY).first()
    if series is not None:
        AgendaItem.objects.filter(meeting__series=series).delete()
        Matter.objects.filter(series=series).delete()
        Meeting.objects.filter(series=series).delete()
        series.delete()
    Problem.objects.filter(jurisdiction=district, title__startswith="基准问题").delete()


def setup(problems: int, matters: int, red: int, today) -> tuple[object, dict, list[str]]:
    """The bench rows (see the module's docstring); returns (the meeting to prepare, counts, notes)."""
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone

    from tuijin.lights.models import ProjectLight
    from tuijin.meetings.models import Matter, Meeting, MeetingSeries
    from tuijin.org.models import Unit, User
    from tuijin.problems.models import Problem
    from tuijin.problems.services import ladder_for
    from tuijin.projects.models import Project

    notes: list[str] = []
    district = _district()
    with transaction.atomic():
        _clear(district)
        ladder = ladder_for(district)
        level = ladder[-1].key if ladder else ""
        if not level:
            notes.append(
                f"{district.name}的规则集没有上报层级：议程中没有问题 / no ladder, no problems proposed"
            )
        admin = User.objects.filter(is_superuser=False, role="office_admin").order_by("id").first()
        admin = admin or User.objects.order_by("id").first()
        units = list(Unit.objects.filter(jurisdiction=district).order_by("id"))
        projects = list(
            Project.objects.filter(jurisdiction=district)
            .order_by("id")
            .values_list("id", "responsible_unit_id")
        )
        series = MeetingSeries.objects.create(
            jurisdiction=district,
            key=SERIES_KEY,
            name="基准主任办公会",
            frequency="monthly",
            chair="区长",
            level_key=level,
            source="bench/agenda_bench.py",
        )
        now = timezone.now()
        past = [
            Meeting.objects.create(
                series=series,
                jurisdiction=district,
                title=f"基准会议{k + 1}",
                date=today - timedelta(days=30 * (10 - k)),
                status="held",
                created_by=admin,
            )
            for k in range(10)
        ]
        rows = []
        for n in range(matters):
            project_id, unit_id = projects[n % len(projects)]
            meeting = past[n % len(past)]
            rows.append(
                Matter(
                    jurisdiction=district,
                    meeting=meeting,
                    series=series,
                    number=n // len(past) + 1,
                    title=f"基准议定事项{n + 1}",
                    content="按期推进",
                    project_id=project_id,
                    lead_unit_id=unit_id or units[n % len(units)].pk,
                    deadline=meeting.date + timedelta(days=14) if n % 5 < 3 else None,
                    status="open",
                )
            )
        Matter.objects.bulk_create(rows, batch_size=1000)
        year = today.year
        start = (
            Problem.objects.filter(jurisdiction=district, year=year).aggregate(m=Max("number"))["m"] or 0
        ) + 1
        rows = []
        for n in range(problems if level else 0):
            project_id, unit_id = projects[n % len(projects)]
            unit_id = unit_id or units[n % len(units)].pk
            rows.append(
                Problem(
                    jurisdiction=district,
                    project_id=project_id,
                    year=year,
                    number=start + n,
                    kind="land",
                    title=f"基准问题{n + 1}",
                    description="用于议程基准",
                    status="assigned",
                    filed_unit_id=unit_id,
                    filed_by=admin,
                    filed_at=now,
                    assigned_unit_id=unit_id,
                    assigned_at=now,
                    level=level,
                    escalated_at=now,
                )
            )
        Problem.objects.bulk_create(rows, batch_size=1000)
        lights = ProjectLight.objects.filter(project__jurisdiction=district)
        have = lights.filter(shown="red").count()
        if have < red:
            extra = list(
                lights.exclude(shown="red").order_by("project_id").values_list("pk", flat=True)[: red - have]
            )
            ProjectLight.objects.filter(pk__in=extra).update(shown="red")
            notes.append(
                f"演示数据只有 {have} 个红灯项目，另将 {len(extra)} 个设为红灯 / {len(extra)} lights set red"
            )
        meeting = Meeting.objects.create(
            series=series,
            jurisdiction=district,
            title="基准主任办公会（筹备）",
            date=today + timedelta(days=7),
            status="preparing",
            created_by=admin,
        )
    counts = {
        "district": district.name,
        "projects": Project.objects.count(),
        "district_projects": len(projects),
        "problems": Problem.objects.filter(jurisdiction=district, level=level)
        .exclude(status="closed")
        .count(),
        "matters": Matter.objects.filter(series=series, status="open").count(),
        "red_projects": ProjectLight.objects.filter(project__jurisdiction=district, shown="red").count(),
    }
    return meeting, counts, notes


def measure(meeting, today, repeat: int) -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from tuijin.meetings.selectors import agenda_proposal

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        proposal = agenda_proposal(meeting, today)
        times.append(time.perf_counter() - started)
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        agenda_proposal(meeting, today)
    kinds: dict[str, int] = {}
    for row in proposal:
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    warm = times[1:] or times
    return {
        "cold_s": round(times[0], 3),
        "median_s": round(statistics.median(warm), 3),
        "max_s": round(max(warm), 3),
        "runs": len(warm),
        "items": len(proposal),
        "kinds": kinds,
        "queries": len(captured.captured_queries),
    }


def django_main(args: argparse.Namespace) -> int:
    _django()
    from django.db import connection
    from django.utils import timezone

    today = timezone.localdate()
    sizes = SMOKE if args.smoke else {"problems": args.problems, "matters": args.matters, "red": args.red}
    started = time.perf_counter()
    meeting, counts, notes = setup(sizes["problems"], sizes["matters"], sizes["red"], today)
    setup_s = round(time.perf_counter() - started, 1)
    measured = measure(meeting, today, SMOKE["repeat"] if args.smoke else args.repeat)
    if args.profile:
        import cProfile
        import pstats

        from tuijin.meetings.selectors import agenda_proposal

        profiler = cProfile.Profile()
        profiler.runcall(agenda_proposal, meeting, today)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(35)
    result = {
        "db": connection.vendor,
        "today": today.isoformat(),
        "setup_s": setup_s,
        "counts": counts,
        **measured,
        "notes": notes,
        "steps": [
            {
                "name": (
                    f"agenda proposal ({counts['district_projects']} of {counts['projects']} projects, "
                    f"{counts['problems']} problems, {counts['matters']} matters, {counts['red_projects']} red)"
                ),
                "seconds": measured["median_s"],
                "note": (
                    f"median of {measured['runs']} (cold {measured['cold_s']} s, max {measured['max_s']} s); "
                    f"{measured['items']} items {measured['kinds']}; {measured['queries']} queries"
                ),
            }
        ],
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


# ===================================================================================================
# Runner side (no Django): bench/run.py and --standalone


def _script_steps(
    server, script: Path, extra: list[str], label: str, target: float
) -> tuple[list[dict], dict]:
    from harness import REPO_DIR, step

    if not script.exists():
        note = f"{script.name} 尚不存在，跳过 / not there yet; skipped"
        return [step(server.db, label, None, ok=None, note=note)], {"error": note}
    try:
        done = subprocess.run(
            [sys.executable, str(script), *extra],
            cwd=REPO_DIR,
            env=server.run_env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        note = f"{label} 超时 / timed out ({STEP_TIMEOUT} s)"
        return [step(server.db, label, None, ok=False, note=note)], {"error": note}
    if done.returncode != 0:
        note = f"{label} 失败 / failed: {done.stderr[-1500:]}"
        return [step(server.db, label, None, ok=False, note=note)], {"error": note}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    rows = [
        step(server.db, s["name"], s.get("seconds"), note=s.get("note", "")) | {"target_s": target}
        for s in result.get("steps", [])
    ]
    rows += [step(server.db, f"{label} note", None, ok=None, note=n) for n in result.get("notes", [])]
    return rows, result


def agenda_steps(server, *, smoke: bool = False) -> tuple[list[dict], dict]:
    """Run the agenda benchmark in `server`'s environment (a prepared bench database)."""
    return _script_steps(server, SCRIPT, ["--smoke"] if smoke else [], "agenda proposal", AGENDA_TARGET_S)


def cards_steps(server, *, smoke: bool = False) -> tuple[list[dict], dict]:
    """The card benchmark (bench/cards_bench.py: a year of card computation for 500 units, < 2 s)."""
    return _script_steps(server, CARDS_SCRIPT, ["--smoke"] if smoke else [], "cards", CARDS_TARGET_S)


def agenda_targets(steps: list[dict], db: str | None = None) -> list[dict]:
    """One target row (bench/run.py's shape) per timed step of `db` that carries a `target_s`."""
    rows = []
    for row in steps:
        if "target_s" not in row or (db is not None and row["db"] != db):
            continue
        value = row["seconds"] if row["ok"] else None
        limit = row["target_s"]
        rows.append(
            {
                "name": f"{row['db']} {row['name']} (s)",
                "target": f"< {limit:g}",
                "value": value,
                "ok": None if value is None else value < limit,
            }
        )
    return rows


def standalone(args: argparse.Namespace) -> int:
    from harness import Server, pg_reachable

    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    projects = args.projects or (300 if args.smoke else 10000)
    out: list[dict] = []
    for db in dbs:
        if db == "postgres" and not pg_reachable():
            print("PostgreSQL 不可达，跳过 / not reachable; skipped", file=sys.stderr)
            continue
        server = Server(db)
        try:
            print(f"[{db}] tuijin demo --projects {projects} …", file=sys.stderr, flush=True)
            out += server.prepare(projects)
            rows, _ = agenda_steps(server, smoke=args.smoke)
            out += rows
            if not args.agenda_only:
                rows, _ = cards_steps(server, smoke=args.smoke)
                out += rows
        finally:
            server.close()
    result = {"steps": out, "targets": agenda_targets(out)}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    for row in result["targets"]:
        print(f"  {row['name']}: {row['value']} (target {row['target']})", file=sys.stderr)
    return 0 if all(s["ok"] is not False for s in out) else 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="议程基准 / agenda benchmark (issue 6)")
    parser.add_argument("--problems", type=int, default=PROBLEMS)
    parser.add_argument("--matters", type=int, default=MATTERS)
    parser.add_argument("--red", type=int, default=RED)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--smoke", action="store_true", help="小规模（CI）：200 个问题、500 个议定事项")
    parser.add_argument("--standalone", action="store_true", help="自建基准数据库（演示数据）后运行")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--projects", type=int, default=None)
    parser.add_argument("--profile", action="store_true", help="另把一次议程生成的 cProfile 打印到标准错误")
    parser.add_argument("--agenda-only", action="store_true", help="--standalone 时不运行黄牌红牌基准")
    args = parser.parse_args(argv)
    if args.standalone:
        sys.path.insert(0, str(BENCH_DIR))
        return standalone(args)
    return django_main(args)


if __name__ == "__main__":
    sys.exit(main())
