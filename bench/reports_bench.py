"""Issue 5's benchmarks (PostgreSQL, 10,000 projects): the Friday rush and the weekly table.

**Friday rush.** 200 units each submit their week (about 50 projects each, WH19 附件2's columns filled
with a few hundred characters) over real HTTP to the production server (gunicorn, 2 sync workers): one
POST of the weekly page (`/reports/weekly/`, op=submit, the page's one-time token) per unit, from 16
client threads (http.client, one connection per request like the browser behind nginx). Every 10th unit
repeats its POST with the same token once the first answered (a retried submission) and every 25th sends
two copies at once (a double click); a request that fails at the socket is retried with its token. Then
the database is counted: each project of each unit has exactly one report of the week, submitted, version
1, with exactly one `submit` version row, and one token row per unit — none lost, none doubled.
Targets: >= 20 submissions/s at 16 connections; median < 150 ms at 2 connections (a separate run of 40
units at 2 threads, before the rush; its reports are then deleted so the rush starts from an empty week).

**Weekly table.** 1,000 of the rush's reports accepted (a bulk UPDATE: a fixture, not the product path),
then the jurisdiction's table (`reports.export.weekly_table`, the city admin, accepted only) built and
rendered to Word (`table_docx`, docxtpl) and Excel (`table_xlsx`), timed in-process, median of 3.
Targets: Word < 5 s, Excel < 2 s.

Setup (`setup`): the bench does not touch the product demo. In the bench database only, it creates 200
units (基准填报单位001…, spread over the city's districts in proportion to their projects), moves the
districts' projects not completed or producing to them in blocks of about 50 (a bulk UPDATE of
`responsible_unit`; those neither started nor under construction are set to 建设 so that they must report,
since the demo's city has far fewer than 10,000 reporting projects), gives each a reporter account and a logged-in session (written straight into the
session store: 200 PBKDF2 logins would cost minutes and are not what is measured). The client sends the
session cookie and its own CSRF cookie/field pair.

Runner side (no Django): `reports_steps(server, smoke=…)` — called by bench/run.py — runs the modes below
in the server's environment and drives the HTTP load. Django side, one JSON line each:

    python bench/reports_bench.py setup --units 200 --out FILE     # units, projects, accounts, sessions
    python bench/reports_bench.py reset --week YYYY-MM-DD          # delete the bench units' reports of a week
    python bench/reports_bench.py verify --week YYYY-MM-DD --plan FILE [--units N]
    python bench/reports_bench.py table --week YYYY-MM-DD --rows 1000 [--repeat 3]

`--smoke` (CI): 20 units of 10 projects (of the 300-project smoke demo), 10 units at 2 connections, rush
at 16, exactly-once checked, the table for 100 rows; a few seconds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import secrets
import statistics
import string
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
SCRIPT = Path(__file__).resolve()

UNITS, PER_UNIT = 200, 50
SMOKE_UNITS, SMOKE_PER_UNIT = 20, 10
MEDIAN_UNITS = 40  # units submitting at 2 connections before the rush (smoke: 10)
RUSH_CONNECTIONS, MEDIAN_CONNECTIONS = 16, 2
RETRY_EVERY, DOUBLE_EVERY = 10, 25
TABLE_ROWS, SMOKE_TABLE_ROWS = 1000, 100
RATE_TARGET = 20.0  # submissions/s at 16 connections
MEDIAN_TARGET_MS = 150.0
WORD_TARGET_S, EXCEL_TARGET_S = 5.0, 2.0
UNIT_PREFIX = "基准填报单位"
USER_PREFIX = "bench_reporter_"
STEP_TIMEOUT = 900


# ===================================================================================================
# Django side


def _django() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuijin.settings")
    sys.path.insert(0, str(REPO_DIR))
    django.setup()


def _week(text: str | None):
    from datetime import date, timedelta

    from django.utils import timezone

    day = date.fromisoformat(text) if text else timezone.localdate()
    return day - timedelta(days=day.weekday())


def cmd_setup(args: argparse.Namespace) -> dict:
    """Units, projects, reporter accounts and sessions for the rush; the plan as JSON (to --out)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.db.models import Count

    from tuijin.org.models import Jurisdiction, Role, Unit, User
    from tuijin.projects.models import Project
    from tuijin.reports.selectors import BUILDING_STAGES, DONE_STAGES

    reporting = Project.objects.exclude(stage__in=DONE_STAGES)
    by_district = dict(
        reporting.values("jurisdiction_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("jurisdiction_id", "n")
    )
    # streets' projects go with their district (the units are the district's)
    districts: dict[int, list[int]] = {}
    for j in Jurisdiction.objects.filter(pk__in=by_district).only("pk", "level", "parent_id"):
        home = j.parent_id if j.level == "street" else j.pk
        districts.setdefault(home, []).append(j.pk)
    wanted = args.units * args.per
    total = sum(by_district.values())
    if total < wanted:
        args.per = max(1, total // args.units)
        wanted = args.units * args.per
    shares = {home: sum(by_district[j] for j in members) for home, members in districts.items()}
    homes = sorted(shares, key=lambda h: -shares[h])
    # units per district in proportion to its projects, each with `per` projects it really has
    quota = {h: min(shares[h] // args.per, round(args.units * shares[h] / total)) for h in homes}
    while sum(quota.values()) < args.units:
        room = [h for h in homes if (quota[h] + 1) * args.per <= shares[h]]
        if not room:
            break
        quota[max(room, key=lambda h: shares[h] - quota[h] * args.per)] += 1
    while sum(quota.values()) > args.units:
        quota[max(homes, key=lambda h: quota[h])] -= 1
    password = make_password(secrets.token_urlsafe(16))
    engine = import_module(settings.SESSION_ENGINE)
    backend = next(b for b in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(b), "get_user"))
    plan_units = []
    number = 0
    moved = 0
    with transaction.atomic():
        for home in homes:
            ids = list(
                reporting.filter(jurisdiction_id__in=districts[home])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            for block in range(quota[home]):
                number += 1
                unit = Unit.objects.create(
                    jurisdiction_id=home,
                    name=f"{UNIT_PREFIX}{number:03d}",
                    short_name=f"基准{number:03d}",
                    kind="department",
                    sort=1000 + number,
                )
                mine = ids[block * args.per : (block + 1) * args.per]
                Project.objects.filter(pk__in=mine).update(responsible_unit=unit)
                # a project that must report (WH19 三(三)三): under construction (or in the year's plan)
                moved += (
                    Project.objects.filter(pk__in=mine)
                    .exclude(stage__in=BUILDING_STAGES)
                    .update(stage="construction")
                )
                user = User.objects.create(
                    username=f"{USER_PREFIX}{number:03d}",
                    role=Role.UNIT_REPORTER,
                    jurisdiction_id=home,
                    unit=unit,
                    display_name=f"基准填报员{number:03d}",
                    password=password,
                )
                plan_units.append({"unit": unit.pk, "user": user.pk, "projects": mine})
    sessions = []
    for row in plan_units:
        user = User.objects.get(pk=row["user"])
        store = engine.SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store["_renewed"] = int(time.time())
        store.create()
        row["session"] = store.session_key
        sessions.append(store.session_key)
    plan = {
        "units": plan_units,
        "per_unit": args.per,
        "projects": sum(len(u["projects"]) for u in plan_units),
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
    }
    Path(args.out).write_text(json.dumps(plan), encoding="utf-8")
    return {
        "units": len(plan_units),
        "projects": plan["projects"],
        "per_unit": args.per,
        "stage_set_to_construction": moved,
    }


def cmd_reset(args: argparse.Namespace) -> dict:
    """Delete the bench units' reports (and versions) of a week and the bench users' tokens."""
    from django.db import transaction

    from tuijin.reports.models import Report, ReportVersion, SubmissionToken

    week = _week(args.week)
    with transaction.atomic():
        reports = Report.objects.filter(unit__name__startswith=UNIT_PREFIX, kind="weekly", period_start=week)
        versions = ReportVersion.objects.filter(report__in=reports).delete()[0]
        deleted = reports.delete()[0]
        tokens = SubmissionToken.objects.filter(user__username__startswith=USER_PREFIX).delete()[0]
    return {"reports_deleted": deleted, "versions_deleted": versions, "tokens_deleted": tokens}


def cmd_verify(args: argparse.Namespace) -> dict:
    """Exactly once: per project of the plan's units one report of the week, submitted, version 1, one
    `submit` version row; one token per unit submission."""
    from django.db.models import Count, Q

    from tuijin.reports.models import Report, SubmissionToken

    week = _week(args.week)
    plan = json.loads(Path(args.plan).read_text(encoding="utf-8"))
    units = plan["units"][: args.units] if args.units else plan["units"]
    expected = {pid for u in units for pid in u["projects"]}
    rows = list(
        Report.objects.filter(kind="weekly", period_start=week, project_id__in=expected)
        .annotate(
            submits=Count("versions", filter=Q(versions__event="submit")),
            all_versions=Count("versions"),
        )
        .values_list("project_id", "status", "version", "submits", "all_versions")
    )
    found = [r[0] for r in rows]
    missing = len(expected - set(found))
    doubled_rows = len(found) - len(set(found))
    bad = [r for r in rows if r[1] != "submitted" or r[2] != 1 or r[3] != 1 or r[4] != 1]
    tokens = SubmissionToken.objects.filter(
        user__unit_id__in=[u["unit"] for u in units], action="weekly.submit"
    )
    token_count = tokens.count()
    return {
        "expected_reports": len(expected),
        "reports": len(rows),
        "missing": missing,
        "doubled_rows": doubled_rows,
        "not_exactly_once": len(bad),
        "examples": bad[:3],
        "tokens": token_count,
        "units": len(units),
        "ok": missing == 0 and doubled_rows == 0 and not bad and token_count == len(units),
    }


def cmd_table(args: argparse.Namespace) -> dict:
    """Accept `rows` of the week's bench reports, then time the jurisdiction's table to Word and Excel."""
    from django.db import transaction
    from django.utils import timezone

    from tuijin.org.models import User
    from tuijin.reports import export
    from tuijin.reports.models import Report

    week = _week(args.week)
    admin = User.objects.select_related("jurisdiction").get(username="admin")
    with transaction.atomic():
        ids = list(
            Report.objects.filter(unit__name__startswith=UNIT_PREFIX, kind="weekly", period_start=week)
            .order_by("pk")
            .values_list("pk", flat=True)[: args.rows]
        )
        Report.objects.filter(pk__in=ids).update(
            status="accepted", reviewed_by=admin, reviewed_at=timezone.now()
        )
    target = export.Target("all", admin.jurisdiction_id, admin.jurisdiction.name)
    timings: dict[str, list[float]] = {"rows": [], "word": [], "excel": []}
    sizes = {}
    rows = 0
    for _ in range(args.repeat):
        started = time.perf_counter()
        table = export.weekly_table(admin, target, week, accepted_only=True)
        built = time.perf_counter()
        word = export.table_docx(table)
        worded = time.perf_counter()
        excel = export.table_xlsx(table)
        done = time.perf_counter()
        rows = len(table.rows)
        timings["rows"].append(built - started)
        # the whole export as the page does it: the rows' query and the rendering
        timings["word"].append(worded - built + (built - started))
        timings["excel"].append(done - worded + (built - started))
        sizes = {"word_kb": round(len(word) / 1024), "excel_kb": round(len(excel) / 1024)}
    return {
        "rows": rows,
        "accepted": len(ids),
        "repeat": args.repeat,
        "rows_query_s": round(statistics.median(timings["rows"]), 3),
        "word_s": round(statistics.median(timings["word"]), 3),
        "excel_s": round(statistics.median(timings["excel"]), 3),
        "word_all_s": [round(x, 3) for x in timings["word"]],
        "excel_all_s": [round(x, 3) for x in timings["excel"]],
        **sizes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="周报基准 / reports benchmark (Django side)")
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("setup")
    p.add_argument("--units", type=int, default=UNITS)
    p.add_argument("--per", type=int, default=PER_UNIT)
    p.add_argument("--out", required=True)
    p = sub.add_parser("reset")
    p.add_argument("--week", default=None)
    p = sub.add_parser("verify")
    p.add_argument("--week", default=None)
    p.add_argument("--plan", required=True)
    p.add_argument("--units", type=int, default=0)
    p = sub.add_parser("table")
    p.add_argument("--week", default=None)
    p.add_argument("--rows", type=int, default=TABLE_ROWS)
    p.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    _django()
    result = {"setup": cmd_setup, "reset": cmd_reset, "verify": cmd_verify, "table": cmd_table}[args.mode](
        args
    )
    print(json.dumps(result, ensure_ascii=False, default=str))
    return 0


# ===================================================================================================
# Runner side (bench/run.py imports these; no Django)

FILL = {
    "basic_facts": "项目位于{unit}辖区，总投资约{n}亿元，建设内容包括生产厂房、研发中心及配套设施，规划用地约120亩。",
    "needs": "需协调解决施工用电增容及周边道路临时占用审批，请区供电公司和交管部门予以支持。",
    "progress": "1.桩基施工完成{n}0%，塔吊两台已进场；\n2.施工许可证已于本周取得；\n3.完成本周投资约{n}00万元。",
    "plan_next": "1.完成剩余桩基及承台施工；\n2.启动主体结构施工；\n3.办理燃气报装手续。",
    "responsible_person": "张{n}",
}


def _form(unit: dict, *, week: str, token: str, csrf: str) -> bytes:
    fields: list[tuple[str, str]] = [
        ("csrfmiddlewaretoken", csrf),
        ("op", "submit"),
        ("token", token),
        ("period", week),
        ("unit_head_name", "基准负责人"),
    ]
    for i, pid in enumerate(unit["projects"]):
        fields.append(("pid", str(pid)))
        for name, text in FILL.items():
            fields.append((f"p{pid}-{name}", text.format(unit=unit["unit"], n=i % 9 + 1)))
    return urllib.parse.urlencode(fields).encode()


def _csrf() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


class Driver:
    """Submits units' weeks over HTTP from N threads; latency per first POST, retries, replays."""

    def __init__(self, host: str, port: int, plan: dict, week: str):
        self.host, self.port, self.plan, self.week = host, port, plan, week
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}
        self.socket_retries = 0
        self.replays = 0
        self.errors: list[str] = []

    def _post(self, unit: dict, body: bytes, csrf: str) -> tuple[int, float]:
        cookie = f"{self.plan['session_cookie']}={unit['session']}; {self.plan['csrf_cookie']}={csrf}"
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Referer": f"http://{self.host}:{self.port}/reports/weekly/",
            "Connection": "close",
        }
        started = time.perf_counter()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            connection.request("POST", "/reports/weekly/", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status, time.perf_counter() - started
        finally:
            connection.close()

    def _post_retrying(self, unit: dict, body: bytes, csrf: str) -> tuple[int, float]:
        for attempt in range(4):
            try:
                return self._post(unit, body, csrf)
            except OSError as exc:  # connection refused/reset: the client retries with the same token
                with self.lock:
                    self.socket_retries += 1
                if attempt == 3:
                    with self.lock:
                        self.errors.append(f"unit {unit['unit']}: {exc}")
                    return 0, 0.0
                time.sleep(0.2 * (attempt + 1))
        return 0, 0.0

    def _record(self, status: int, seconds: float | None) -> None:
        with self.lock:
            key = str(status)
            self.statuses[key] = self.statuses.get(key, 0) + 1
            if seconds is not None:
                self.latencies.append(seconds)

    def submit(self, index: int, unit: dict) -> None:
        token, csrf = secrets.token_urlsafe(24), _csrf()
        body = _form(unit, week=self.week, token=token, csrf=csrf)
        if index % DOUBLE_EVERY == DOUBLE_EVERY - 1:
            # a double click: two POSTs with the same token at the same moment
            results: list[tuple[int, float]] = []
            twin = threading.Thread(target=lambda: results.append(self._post_retrying(unit, body, csrf)))
            twin.start()
            status, seconds = self._post_retrying(unit, body, csrf)
            twin.join()
            self._record(status, seconds)
            for other_status, _ in results:
                self._record(other_status, None)
                with self.lock:
                    self.replays += 1
            return
        status, seconds = self._post_retrying(unit, body, csrf)
        self._record(status, seconds)
        if index % RETRY_EVERY == RETRY_EVERY - 1:
            # the user pressed 提交 again after it answered (or the browser resent it)
            again, _ = self._post_retrying(unit, body, csrf)
            self._record(again, None)
            with self.lock:
                self.replays += 1

    def run(self, units: list[dict], connections: int) -> dict:
        queue = list(enumerate(units))
        queue_lock = threading.Lock()

        def worker() -> None:
            while True:
                with queue_lock:
                    if not queue:
                        return
                    index, unit = queue.pop(0)
                try:
                    self.submit(index, unit)
                except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
                    with self.lock:
                        self.errors.append(f"unit {unit['unit']}: {exc!r}")

        threads = [threading.Thread(target=worker) for _ in range(connections)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=STEP_TIMEOUT)
        wall = time.perf_counter() - started
        ms = sorted(x * 1000 for x in self.latencies)

        def pct(p: float) -> float | None:
            return round(ms[min(len(ms) - 1, int(p * len(ms)))], 1) if ms else None

        return {
            "connections": connections,
            "units": len(units),
            "projects": sum(len(u["projects"]) for u in units),
            "seconds": round(wall, 2),
            "submissions_per_s": round(len(units) / wall, 1) if wall else None,
            "median_ms": round(statistics.median(ms), 1) if ms else None,
            "p95_ms": pct(0.95),
            "max_ms": round(ms[-1], 1) if ms else None,
            "statuses": self.statuses,
            "replays_sent": self.replays,
            "socket_retries": self.socket_retries,
            "errors": self.errors[:5],
            "error_count": len(self.errors),
        }


def _django_mode(server, args: list[str], timeout: int = STEP_TIMEOUT) -> dict:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=REPO_DIR,
        env=server.run_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"reports_bench {args[0]} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _current_week() -> str:
    """Monday of this week in Asia/Shanghai (the app's time zone): the week being reported."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    return (today - timedelta(days=today.weekday())).isoformat()


def reports_steps(server, *, smoke: bool) -> tuple[list[dict], dict]:
    """Setup, the 2-connection run, reset, the 16-connection rush, the exactly-once count, the table.
    Returns (steps rows for run.py's JSON, the whole result)."""
    from harness import HOST, step

    units, per = (SMOKE_UNITS, SMOKE_PER_UNIT) if smoke else (UNITS, PER_UNIT)
    few = 10 if smoke else MEDIAN_UNITS
    table_rows = SMOKE_TABLE_ROWS if smoke else TABLE_ROWS
    week = _current_week()
    plan_path = server.var_dir / "reports_plan.json"
    result: dict = {"week": week}
    rows: list[dict] = []
    db = server.db
    try:
        result["setup"] = _django_mode(
            server, ["setup", "--units", str(units), "--per", str(per), "--out", str(plan_path)]
        )
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        # 1. the median at 2 connections: `few` units, then their reports are deleted
        median = Driver(HOST, server.port, plan, week).run(plan["units"][:few], MEDIAN_CONNECTIONS)
        median["verify"] = _django_mode(
            server, ["verify", "--week", week, "--plan", str(plan_path), "--units", str(few)]
        )
        result["median_run"] = median
        result["reset"] = _django_mode(server, ["reset", "--week", week])
        server.wait_idle()
        # 2. the rush: every unit at 16 connections
        rush = Driver(HOST, server.port, plan, week).run(plan["units"], RUSH_CONNECTIONS)
        rush["verify"] = _django_mode(server, ["verify", "--week", week, "--plan", str(plan_path)])
        result["rush"] = rush
        # 3. the weekly table
        result["table"] = _django_mode(
            server, ["table", "--week", week, "--rows", str(table_rows), "--repeat", "1" if smoke else "3"]
        )
    except (RuntimeError, OSError, subprocess.TimeoutExpired, ValueError) as exc:
        note = f"周报基准失败 / reports benchmark failed: {str(exc)[-1500:]}"
        return [step(db, "reports", None, ok=False, note=note)], {**result, "error": note}
    for name, run in (("median_run", result["median_run"]), ("rush", result["rush"])):
        verify = run["verify"]
        ok = verify["ok"] and run["error_count"] == 0 and set(run["statuses"]) <= {"302"}
        note = (
            f"{run['units']} units × {plan['per_unit']} projects at {run['connections']} connections: "
            f"{run['submissions_per_s']} submissions/s, median {run['median_ms']} ms, p95 {run['p95_ms']} ms; "
            f"HTTP {run['statuses']}; {run['replays_sent']} replays, {run['socket_retries']} socket retries; "
            f"exactly once: {verify['reports']}/{verify['expected_reports']} reports, missing {verify['missing']}, "
            f"doubled {verify['doubled_rows']}, not once {verify['not_exactly_once']}, tokens {verify['tokens']}"
        )
        label = "reports rush" if name == "rush" else "reports submit"
        row = step(
            db,
            f"{label} ({run['units']} units, {run['connections']} connections)",
            run["seconds"],
            rows=run["projects"],
            note=note,
            ok=ok,
        )
        row.update(
            submissions_per_s=run["submissions_per_s"], median_ms=run["median_ms"], exactly_once=verify["ok"]
        )
        rows.append(row)
    table = result["table"]
    for fmt, key in (("Word", "word_s"), ("Excel", "excel_s")):
        rows.append(
            step(
                db,
                f"reports weekly table {table['rows']} rows to {fmt}",
                table[key],
                rows=table["rows"],
                note=f"median of {table['repeat']}: {table[key.replace('_s', '_all_s')]} s; rows query "
                f"{table['rows_query_s']} s; {table['word_kb' if fmt == 'Word' else 'excel_kb']} KB",
            )
        )
    return rows, result


def reports_targets(steps: list[dict], db: str) -> list[dict]:
    rows = []
    for s in steps:
        if s["db"] != db or not s["name"].startswith("reports "):
            continue
        if s["name"].startswith("reports rush"):
            value = s.get("submissions_per_s")
            rows.append(
                {
                    "name": f"{db} {s['name']} submissions/s",
                    "target": f">= {RATE_TARGET:g}",
                    "value": value,
                    "ok": None if value is None else value >= RATE_TARGET,
                }
            )
            rows.append(
                {
                    "name": f"{db} {s['name']} exactly once",
                    "target": "true",
                    "value": s.get("exactly_once"),
                    "ok": s.get("exactly_once"),
                }
            )
        elif s["name"].startswith("reports submit"):
            value = s.get("median_ms")
            rows.append(
                {
                    "name": f"{db} {s['name']} median (ms)",
                    "target": f"< {MEDIAN_TARGET_MS:g}",
                    "value": value,
                    "ok": None if value is None else value < MEDIAN_TARGET_MS,
                }
            )
            rows.append(
                {
                    "name": f"{db} {s['name']} exactly once",
                    "target": "true",
                    "value": s.get("exactly_once"),
                    "ok": s.get("exactly_once"),
                }
            )
        elif s["name"].startswith("reports weekly table"):
            limit = WORD_TARGET_S if s["name"].endswith("Word") else EXCEL_TARGET_S
            rows.append(
                {
                    "name": f"{db} {s['name']} (s)",
                    "target": f"< {limit:g}",
                    "value": s["seconds"],
                    "ok": None if s["seconds"] is None else s["seconds"] < limit,
                }
            )
    return rows


if __name__ == "__main__":
    sys.exit(main())
