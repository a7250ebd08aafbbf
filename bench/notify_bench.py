"""Issue 8's benchmark: the Monday digests for 2,000 leaders rendered and queued (target < 10 s), and a
monthly notice (月通报) for 500 units rendered to Word (< 5 s) and converted to PDF (< 10 s), timed
in-process; the targets are medians of REPEAT runs.

Setup (Django side, in a bench database after `tuijin demo --projects N`; never the product demo): the
assessed district of bench/scoring_bench.py (`setup(UNITS)`: every project of the city moved into the
district with the most projects, bench units added until it has UNITS active units; idempotent), then, in
bulk, LEADERS bench leaders (基准领导0001 …, fictional e-mail addresses under bench.example, one in four
also a mobile number) — each the 挂点领导 of an equal share of the district's projects (one bulk UPDATE)
and in charge of one assessed unit (the through table written in one INSERT). The bench's leaders of an
earlier run are reused, its messages deleted first. Then, timed:

1. `tuijin.notify.pushes.digests_queue(jurisdiction=…, today=<this week's Monday>)` from nothing: facts
   gathered, every leader's digest composed, one Message per leader and channel written in bulk — median
   of REPEAT (the batch's messages deleted between runs), with the query count of the first;
2. `digests_queue` again with everything queued (idempotent: writes nothing) — once;
3. a monthly notice for UNITS units — H3's bench content (`bulletin_docx.sample_content`: every unit
   ranked, each with a project, a start, a red light and a card, so one row per unit in every table) —
   rendered to Word with `bulletin_docx.bulletin_docx_from_content` (strict docxtpl; median of REPEAT);
4. that Word file to PDF with `tuijin.documents.pdf.docx_to_pdf` (LibreOffice headless; median of at least
   2: the first start of LibreOffice is slower);
5. for scale, no target: the district's own notice — facts gathered with `bulletin_facts` (every project,
   light, start and card of the 10,000-project district; the month's ranking of its units filled in, since
   the bench computes a quarter, not a month) and rendered to Word.

A step that fails is recorded (ok false, with the error) and the others still run.

    python bench/notify_bench.py [--leaders 2000] [--units 500] [--repeat 3] [--smoke]

prints one JSON line `{"steps": [...], "counts": {...}, "notes": [...]}`. `notify_steps(server, smoke=…)`
(runner side, no Django) runs it in a prepared bench database (bench/run.py calls it after the scoring
bench, which already built the district).

    python bench/notify_bench.py --standalone [--db sqlite|postgres|both] [--projects 10000] [--smoke]

builds the bench database itself (bench/harness.Server: fresh database, `tuijin demo --projects N`) and
runs the above there.
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
LEADERS, UNITS, REPEAT = 2000, 500, 3
SMOKE = {"leaders": 200, "units": 50, "repeat": 1}
LEADER_PREFIX = "基准领导"
DIGEST_TARGET_S = 10.0
WORD_TARGET_S = 5.0
PDF_TARGET_S = 10.0
STEP_TIMEOUT = 900


# ===================================================================================================
# Django side


def _django() -> None:
    import os

    import django

    sys.path.insert(0, str(BENCH_DIR.parent))
    sys.path.insert(0, str(BENCH_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuijin.settings")
    django.setup()


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def leaders_setup(district, count: int) -> list:
    """`count` bench leaders of `district` (created once, in bulk), each the 挂点领导 of an equal share
    of its projects and in charge of one active unit."""
    from django.db import transaction

    from tuijin.org.models import Person, Unit
    from tuijin.projects.models import Project

    with transaction.atomic():
        have = list(
            Person.objects.filter(jurisdiction=district, name__startswith=LEADER_PREFIX).order_by("id")
        )
        if len(have) < count:
            Person.objects.bulk_create(
                [
                    Person(
                        jurisdiction=district,
                        name=f"{LEADER_PREFIX}{i:04d}",
                        post="副区长",
                        is_leader=True,
                        email=f"leader{i:04d}@bench.example",
                        phone=f"139{i:08d}" if i % 4 == 0 else "",
                    )
                    for i in range(len(have) + 1, count + 1)
                ]
            )
            have = list(
                Person.objects.filter(jurisdiction=district, name__startswith=LEADER_PREFIX).order_by("id")
            )
        leaders = have[:count]
        Person.objects.filter(pk__in=[p.pk for p in have[count:]]).update(is_leader=False, is_active=False)
        Person.objects.filter(pk__in=[p.pk for p in leaders]).update(is_leader=True, is_active=True)
        # projects: one in len(leaders) to each (bulk UPDATE with a CASE, 500 rows a statement)
        projects = list(Project.objects.filter(jurisdiction=district).order_by("id").only("pk"))
        for i, project in enumerate(projects):
            project.lead_leader_id = leaders[i % len(leaders)].pk
        Project.objects.bulk_update(projects, ["lead_leader"], batch_size=500)
        # units in charge: one assessed unit each
        units = list(
            Unit.objects.filter(jurisdiction=district, is_active=True)
            .order_by("sort", "id")
            .values_list("pk", flat=True)
        )
        through = Person.units_in_charge.through
        through.objects.filter(person_id__in=[p.pk for p in leaders]).delete()
        through.objects.bulk_create(
            [through(person_id=p.pk, unit_id=units[i % len(units)]) for i, p in enumerate(leaders)],
            batch_size=500,
        )
    return leaders


def notice_content(district, units: int, today) -> tuple[float, dict]:
    """The month's notice content for the district, gathered by H3's `bulletin_facts` (timed; every
    project, light, start and card of the district), with the month's ranking of its `units` assessed units
    filled in when the month has not been computed (the bench computes a quarter, not a month): two groups,
    deterministic totals, first and last places. (seconds of the facts, content)"""
    from tuijin.documents import bulletin_rules as rules
    from tuijin.documents.bulletin_facts import bulletin_facts
    from tuijin.org.models import Unit

    period = rules.period_parse(rules.MONTHLY, rules.period_for(rules.MONTHLY, today))
    seconds, content = _timed(lambda: bulletin_facts(district, period, today=today))
    if content["ranking"]["computed"]:
        return seconds, content
    names = list(
        Unit.objects.filter(jurisdiction=district, is_active=True)
        .exclude(rank_group="")
        .order_by("sort", "id")
        .values_list("name", "rank_group")[:units]
    )
    groups: dict[str, list] = {}
    for i, (name, group) in enumerate(names):
        groups.setdefault(group, []).append({"unit": name, "total": f"{100 - (i * 37 % 200) / 10:.2f}"})
    rows = []
    for group, members in groups.items():
        members.sort(key=lambda r: -float(r["total"]))
        for rank, row in enumerate(members, start=1):
            place = "first" if rank == 1 else "last" if rank == len(members) else ""
            rows.append({"group": group, "rank": rank, "tied": False, "place": place, **row})
    content["ranking"] = {"computed": True, "closed": True, "note": "", "rows": rows}
    content["first"] = [r for r in rows if r["place"] == "first"]
    content["last"] = [r for r in rows if r["place"] == "last"]
    content["public"]["ranking"] = rows
    return seconds, content


def digest_steps(district, leaders, monday, args: argparse.Namespace, steps: list[dict], clear) -> None:
    """`digests_queue` from nothing (median of REPEAT, the batch cleared before each) and once more."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tuijin.notify.models import Message
    from tuijin.notify.pushes import digests_queue

    batch = f"digest:{monday.isoformat()}"
    runs, queries, outcome = [], 0, None
    for number in range(args.repeat):
        clear()
        with CaptureQueriesContext(connection) as captured:
            seconds, outcome = _timed(lambda: digests_queue(jurisdiction=district, today=monday))
        runs.append(seconds)
        if number == 0:
            queries = len(captured)
    messages = Message.objects.filter(jurisdiction=district, batch=batch).count()
    steps.append(
        {
            "name": f"digests_queue: {len(leaders)} leaders, from nothing",
            "seconds": round(statistics.median(runs), 3),
            "note": f"median of {len(runs)} ({', '.join(f'{s:.2f}' for s in runs)} s); {messages} messages; "
            f"created {outcome.created}, skipped {len(outcome.skipped)}; {queries} queries",
            "target_s": DIGEST_TARGET_S,
        }
    )
    with CaptureQueriesContext(connection) as captured:
        seconds, again = _timed(lambda: digests_queue(jurisdiction=district, today=monday))
    steps.append(
        {
            "name": "digests_queue again (everything queued: writes nothing)",
            "seconds": round(seconds, 3),
            "note": f"created {again.created}, existing {again.existing}; {len(captured)} queries",
        }
    )


def _step(
    steps: list[dict], name: str, runs: list[float], note: str = "", target: float | None = None
) -> None:
    row = {"name": name, "seconds": round(statistics.median(runs), 3), "note": note}
    if len(runs) > 1:
        row["note"] = f"median of {len(runs)} ({', '.join(f'{s:.2f}' for s in runs)} s)" + (
            f"; {note}" if note else ""
        )
    if target is not None:
        row["target_s"] = target
    steps.append(row)


def _failed(steps: list[dict], name: str, exc: Exception, target: float | None = None) -> None:
    row = {"name": name, "seconds": None, "note": f"{type(exc).__name__}: {exc}"[:600], "ok": False}
    if target is not None:
        row["target_s"] = target
    steps.append(row)


def notice_steps(district, today, args: argparse.Namespace, steps: list[dict]) -> None:
    """The monthly notice: (a) the targets, on H3's bench content for `args.units` units
    (`bulletin_docx.sample_content`: every unit ranked, with a project, a start, a red light and a card —
    one row in every table of the notice), Word and PDF; (b) the district's own facts gathered and
    rendered to Word, for scale (no target). A failing step is recorded, the others still run."""
    from tuijin.documents import bulletin_rules as rules
    from tuijin.documents.bulletin_docx import bulletin_docx_from_content, sample_content
    from tuijin.documents.pdf import docx_to_pdf

    def render(content) -> bytes:
        return bulletin_docx_from_content(
            rules.MONTHLY, content, jurisdiction=district, number="通报〔2024〕6号", signer="基准领导0001"
        )

    content = sample_content(rules.MONTHLY, units=args.units)
    name = f"monthly notice to Word: {args.units} units ranked"
    data = b""
    try:
        runs = []
        for _ in range(args.repeat):
            seconds, data = _timed(lambda: render(content))
            runs.append(seconds)
        _step(steps, name, runs, f"{len(data) // 1024} KB", WORD_TARGET_S)
    except Exception as exc:  # noqa: BLE001 (recorded; the other steps still run)
        _failed(steps, name, exc, WORD_TARGET_S)
    name = f"monthly notice to PDF: {args.units} units ranked (LibreOffice)"
    if data:
        try:
            runs, pdf = [], b""
            for _ in range(max(args.repeat, 2)):
                seconds, pdf = _timed(lambda: docx_to_pdf(data))
                runs.append(seconds)
            _step(steps, name, runs, f"{len(pdf) // 1024} KB, {_pages(pdf)} pages", PDF_TARGET_S)
        except Exception as exc:  # noqa: BLE001
            _failed(steps, name, exc, PDF_TARGET_S)
    try:
        facts_s, facts = notice_content(district, args.units, today)
        _step(
            steps,
            f"monthly notice facts of the district ({facts['progress']['projects']} projects)",
            [facts_s],
            f"{len(facts['by_unit'])} units with projects, {len(facts['flagged'])} red/yellow projects, "
            f"{len(facts['ranking']['rows'])} units ranked",
        )
        seconds, data = _timed(lambda: render(facts))
        _step(steps, "the district's notice to Word (no target)", [seconds], f"{len(data) // 1024} KB")
    except Exception as exc:  # noqa: BLE001
        _failed(steps, "the district's notice (facts, Word)", exc)


def _pages(pdf: bytes) -> int | str:
    try:
        import io

        from pypdf import PdfReader

        return len(PdfReader(io.BytesIO(pdf)).pages)
    except Exception:  # noqa: BLE001 (pypdf is a dev dependency)
        return "?"


def run(args: argparse.Namespace) -> int:
    _django()
    from django.db import connection
    from django.utils import timezone
    from scoring_bench import setup as district_setup

    from tuijin.notify.models import Attempt, Message

    district, units, moved = district_setup(args.units)
    leaders = leaders_setup(district, args.leaders)
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    batch = f"digest:{monday.isoformat()}"
    steps, notes = [], []

    def clear() -> None:
        mine = Message.objects.filter(jurisdiction=district, batch=batch)
        Attempt.objects.filter(message__in=mine).delete()
        mine.delete()

    try:
        digest_steps(district, leaders, monday, args, steps, clear)
    except Exception as exc:  # noqa: BLE001 (recorded; the notice steps still run)
        _failed(steps, f"digests_queue: {len(leaders)} leaders, from nothing", exc, DIGEST_TARGET_S)
    notice_steps(district, today, args, steps)
    clear()
    counts = {
        "jurisdiction": district.code,
        "leaders": len(leaders),
        "units": units,
        "projects_moved": moved,
        "monday": monday.isoformat(),
        "db": connection.vendor,
    }
    notes.append(
        f"{len(leaders)} bench leaders in {district.name}, each 挂点领导 of its share of the projects and in "
        f"charge of one of {units} units (fixture); the notice targets use H3's bench content "
        f"(bulletin_docx.sample_content, {args.units} units); the district's own notice is gathered by "
        "bulletin_facts with the month's ranking filled in by the bench (it computes a quarter, not a month)"
    )
    print(json.dumps({"steps": steps, "counts": counts, "notes": notes}, ensure_ascii=False))
    return 0


# ===================================================================================================
# Runner side (no Django): bench/run.py


def notify_steps(server, *, smoke: bool = False) -> tuple[list[dict], dict]:
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
        note = f"notify 超时 / timed out ({STEP_TIMEOUT} s)"
        return [step(server.db, "notify", None, ok=False, note=note)], {"error": note}
    if done.returncode != 0:
        note = f"notify 失败 / failed: {done.stderr[-1500:]}"
        return [step(server.db, "notify", None, ok=False, note=note)], {"error": note}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    rows = []
    for s in result.get("steps", []):
        row = step(server.db, s["name"], s.get("seconds"), note=s.get("note", ""), ok=s.get("ok", True))
        if "target_s" in s:
            row["target_s"] = s["target_s"]
        rows.append(row)
    rows += [step(server.db, "notify note", None, ok=None, note=n) for n in result.get("notes", [])]
    return rows, result


def standalone(args: argparse.Namespace) -> int:
    """Build the bench database itself (fresh database, `tuijin demo --projects N`) and run the steps."""
    from agenda_bench import agenda_targets
    from harness import Server, pg_reachable

    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    projects = args.projects or (300 if args.smoke else 10000)
    steps: list[dict] = []
    for db in dbs:
        if db == "postgres" and not pg_reachable():
            print("PostgreSQL 不可达，跳过 / not reachable; skipped", file=sys.stderr)
            continue
        server = Server(db)
        try:
            print(f"[{db}] tuijin demo --projects {projects} …", file=sys.stderr, flush=True)
            steps += server.prepare(projects)
            rows, _ = notify_steps(server, smoke=args.smoke)
            steps += rows
        finally:
            server.close()
    targets = agenda_targets(steps)  # one row per step that carries a target
    print(json.dumps({"steps": steps, "targets": targets}, ensure_ascii=False, indent=1))
    for row in steps:
        print(f"  {row['db']}: {row['name']}: {row['seconds']} s {row['note']}", file=sys.stderr)
    for t in targets:
        mark = {True: "OK  ", False: "MISS", None: "n/a "}[t["ok"]]
        print(f"  {mark} {t['name']}: {t['value']} (target {t['target']})", file=sys.stderr)
    return 0 if all(s["ok"] is not False for s in steps) else 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="推送与通报基准 / notify benchmark (issue 8)")
    parser.add_argument("--leaders", type=int, default=LEADERS)
    parser.add_argument("--units", type=int, default=UNITS)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--smoke", action="store_true", help="小规模（CI）：200 位领导、50 个单位")
    parser.add_argument("--standalone", action="store_true", help="自建基准数据库（演示数据）后运行")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--projects", type=int, default=None)
    args = parser.parse_args(argv)
    if args.standalone:
        sys.path.insert(0, str(BENCH_DIR))
        return standalone(args)
    if args.smoke:
        args.leaders, args.units, args.repeat = SMOKE["leaders"], SMOKE["units"], SMOKE["repeat"]
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
