"""The lights engine's timed steps (issue 4, Performance), run in the bench database's environment (the
server's settings, after `tuijin demo --projects N`, whose projects all have chains):

- all lights from empty: every NodeLight, ProjectLight and LightChange deleted, then `lights_recompute`;
- again the same day (nothing changed: every row read and compared, none written);
- the next working day (the daily job: colours barely move, the overdue counts in the reasons do);
- one project after a node change: `lights_refresh_project` of REFRESH projects with chains, one at a
  time, each after moving one of its node's deadline by a day (median, p95, max);
- with `--scale K` first multiplies the city K times (projects, stage transitions, chains and nodes
  copied with new ids by INSERT … SELECT): `--scale 10` turns the 10,000-project demo into 100,000.

Each timed step reports wall and CPU seconds (the machine is shared: CPU is the steadier figure), rows
changed and written, and the process's peak resident memory during that step (VmHWM, reset before it
through /proc/self/clear_refs): flat memory means the same peak at 10,000 and 100,000 projects.

    python bench/lights_bench.py [--today YYYY-MM-DD] [--refresh 200] [--scale 1]

prints one JSON line. bench/run.py runs it (and `--lights-100k` with `--scale 10`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _reset_peak() -> None:
    with contextlib.suppress(OSError):  # resets VmHWM to the current RSS (Linux ≥ 4.0)
        Path("/proc/self/clear_refs").write_text("5")


def timed(name: str, fn) -> dict:
    _reset_peak()
    wall, cpu = time.perf_counter(), time.process_time()
    summary = fn()
    row = {
        "name": name,
        "seconds": round(time.perf_counter() - wall, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "projects": summary.projects,
        "nodes": summary.nodes,
        "changed": summary.changed,
        "written": summary.written,
        "peak_rss_mb": _status_mb("VmHWM"),
    }
    print(f"  {name}: {row}", file=sys.stderr, flush=True)
    return row


def _clear_lights() -> None:
    from django.db import connection

    from tuijin.lights.models import LightChange, NodeLight, ProjectLight

    with connection.cursor() as cursor:
        for model in (LightChange, ProjectLight, NodeLight):
            table = connection.ops.quote_name(model._meta.db_table)
            if connection.vendor == "postgresql":
                cursor.execute(f"TRUNCATE {table}")
            else:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608


def _copy_sql(model, *, shifts: dict[str, str], blank: tuple[str, ...] = ()) -> tuple[str, str]:
    """INSERT … SELECT copying `model`'s rows with some columns shifted (an SQL expression with `%(k)s`)."""
    from django.db import connection

    qn = connection.ops.quote_name
    columns, values = [], []
    for field in model._meta.concrete_fields:
        columns.append(qn(field.column))
        if field.attname in shifts:
            values.append(shifts[field.attname])
        elif field.attname in blank:
            values.append("''")
        else:
            values.append(qn(field.column))
    table = qn(model._meta.db_table)
    insert = f"INSERT INTO {table} ({', '.join(columns)}) "
    return insert, f"SELECT {', '.join(values)} FROM {table}"  # noqa: S608


def scale_city(times: int) -> dict:
    """Copy every project with its stage transitions, chain and nodes `times - 1` more times (new ids, no
    project code). Lights are not copied: the timed recompute computes them."""
    from django.db import connection, transaction
    from django.db.models import Max

    from tuijin.chains.models import Chain, ChainNode
    from tuijin.projects.models import Project, StageTransition

    started = time.perf_counter()
    models = (Project, StageTransition, Chain, ChainNode)
    top = {m: m.objects.aggregate(top=Max("id"))["top"] or 0 for m in models}
    p = top[Project]
    with transaction.atomic(), connection.cursor() as cursor:
        for k in range(1, times):
            off = {m: top[m] * k for m in models}
            plans = [
                (Project, {"id": f"id + {off[Project]}"}, ("code", "code_note")),
                (
                    StageTransition,
                    {"id": f"id + {off[StageTransition]}", "project_id": f"project_id + {p * k}"},
                    (),
                ),
                (Chain, {"id": f"id + {off[Chain]}", "project_id": f"project_id + {p * k}"}, ()),
                (
                    ChainNode,
                    {
                        "id": f"id + {off[ChainNode]}",
                        "chain_id": f"chain_id + {off[Chain]}",
                        "project_id": f"project_id + {p * k}",
                    },
                    (),
                ),
            ]
            for model, shifts, blank in plans:
                insert, select = _copy_sql(model, shifts=shifts, blank=blank)
                cursor.execute(f"{insert}{select} WHERE id <= %s", [top[model]])
        if connection.vendor == "postgresql":
            for model in models:
                table = model._meta.db_table
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM " + table + "))",
                    [table],
                )
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        else:
            cursor.execute("ANALYZE")
    return {
        "projects": Project.objects.count(),
        "nodes": ChainNode.objects.count(),
        "seconds": round(time.perf_counter() - started, 1),
    }


def next_workday(day: date) -> date:
    from tuijin.core.calendar_selectors import current_calendar

    return current_calendar().next_workday(day)


def refresh_runs(count: int, today: date) -> dict:
    """`lights_refresh_project` after a node change, `count` projects with chains, one at a time."""
    from django.db import transaction

    from tuijin.chains.models import ChainNode
    from tuijin.lights import services

    nodes = list(
        ChainNode.objects.filter(stage="", actual__isnull=True, deadline__isnull=False)
        .order_by("project_id", "id")
        .distinct()
        .values_list("id", "project_id", "deadline")[: count * 20]
    )
    picked, seen = [], set()
    for node_id, project_id, deadline in nodes:
        if project_id not in seen:
            seen.add(project_id)
            picked.append((node_id, project_id, deadline))
    picked = picked[:count]
    times = []
    for node_id, project_id, deadline in picked:
        with transaction.atomic():  # the chain service's transaction: the node change, then the refresh
            ChainNode.objects.filter(pk=node_id).update(deadline=deadline + timedelta(days=1))
            started = time.perf_counter()
            services.lights_refresh_project(project_id=project_id, today=today)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "runs": len(times),
        "median_ms": round(statistics.median(times), 2) if times else None,
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2) if times else None,
        "max_ms": round(times[-1], 2) if times else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="亮灯计算基准 / lights engine benchmark")
    parser.add_argument("--today", type=date.fromisoformat, default=None)
    parser.add_argument("--refresh", type=int, default=200, help="单项目重算次数（默认 200）")
    parser.add_argument("--scale", type=int, default=1, help="把项目库复制成几倍（--scale 10：1 万 → 10 万）")
    args = parser.parse_args(argv)

    import django

    sys.path.insert(0, str(REPO_DIR))
    django.setup()
    from django.utils import timezone

    from tuijin.chains.models import ChainNode
    from tuijin.lights import services

    today = args.today or timezone.localdate()
    result: dict = {"today": today.isoformat(), "steps": [], "notes": []}
    if args.scale > 1:
        result["scaled"] = scale_city(args.scale)
        print(f"  scaled: {result['scaled']}", file=sys.stderr, flush=True)
    if not ChainNode.objects.exists():
        result["notes"].append("演示数据没有推进链条：只有项目亮灯 / the demo has no chains")
    result["baseline_rss_mb"] = _status_mb("VmRSS")
    _clear_lights()
    result["steps"].append(timed("from empty", lambda: services.lights_recompute(today=today)))
    result["steps"].append(timed("same day", lambda: services.lights_recompute(today=today)))
    following = next_workday(today)
    result["steps"].append(
        timed(f"next working day {following}", lambda: services.lights_recompute(today=following))
    )
    if args.refresh:
        result["refresh"] = refresh_runs(args.refresh, following)
        print(f"  refresh: {result['refresh']}", file=sys.stderr, flush=True)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
