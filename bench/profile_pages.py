"""Where a page's time goes, without the HTTP server: the Django test client against fresh demo data.

Run: `uv run python bench/profile_pages.py [--db sqlite|postgres] [--requests 200] [--top 25]`
Prints, per page: milliseconds per request (median), SQL queries per request (counted with
CaptureQueriesContext) and their time, time inside template rendering, and cProfile's top functions.
A companion to bench/run.py for when a page misses its target (bench/README.md).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import linecache
import os
import pstats
import statistics
import sys
import time

from harness import BenchError, Server

PAGES = [("home", "/"), ("accounts", "/org/accounts/"), ("login", "/login/")]


def setup_django(server: Server) -> None:
    os.environ.update(server.run_env)
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    import django

    django.setup()


def timed_get(client, path: str) -> tuple[float, float, int]:
    """Wall and CPU milliseconds of one request (CPU time is less disturbed by other load), and its size."""
    start, cpu = time.perf_counter(), time.process_time()
    response = client.get(path)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    if response.status_code != 200:
        raise BenchError(
            f"页面 {path} 返回 HTTP {response.status_code} / page {path} answered {response.status_code}"
        )
    return wall * 1000, cpu * 1000, len(response.content)


def template_ms(client, path: str, rounds: int) -> float:
    """Median time spent in the outermost Template.render of a request."""
    from django.template.backends.django import Template

    spent: list[float] = []
    original = Template.render

    def render(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            spent.append((time.perf_counter() - start) * 1000)

    Template.render = render
    try:
        per_request = []
        for _ in range(rounds):
            spent.clear()
            client.get(path)
            per_request.append(sum(spent))
    finally:
        Template.render = original
    return statistics.median(per_request)


def queries(client, path: str, rounds: int) -> tuple[list[dict], float]:
    """One request's SQL (CaptureQueriesContext) and the median over `rounds` requests of the wall time
    spent in the database driver, in ms (timed here: the debug cursor rounds to whole milliseconds)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    spent: list[float] = []

    def timer(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent.append((time.perf_counter() - start) * 1000)

    per_request = []
    with connection.execute_wrapper(timer):
        for _ in range(rounds):
            spent.clear()
            with CaptureQueriesContext(connection) as ctx:
                client.get(path)
            per_request.append(sum(spent))
    return ctx.captured_queries, statistics.median(per_request)


# (label, file path suffix, function[, class]): cumulative time as a share of the profiled requests.
BUCKETS = [
    ("template rendering (incl. querysets evaluated in it)", "django/template/backends/django.py", "render"),
    ("ORM: querysets evaluated (compile + run + build rows)", "django/db/models/query.py", "_fetch_all"),
    ("ORM: .count()", "django/db/models/query.py", "count"),
    ("SQL compilation (as_sql)", "django/db/models/sql/compiler.py", "as_sql"),
    ("SQL execution (driver)", "django/db/backends/utils.py", "_execute"),
    ("url reversing ({% url %}, menu)", "django/urls/base.py", "reverse"),
    ("context processor core.site", "tuijin/core/context_processors.py", "site"),
    ("  of which the menu (nav_for)", "tuijin/core/nav.py", "nav_for"),
    ("  of which the calendar banner", "tuijin/core/context_processors.py", "_calendar_banner"),
    ("access.scope", "tuijin/core/access.py", "scope"),
    ("session load", "django/contrib/sessions/backends/db.py", "load"),
    ("session save (SESSION_SAVE_EVERY_REQUEST)", "django/contrib/sessions/backends/db.py", "save"),
    ("{% csrf_token %}", "django/template/defaulttags.py", "render", "CsrfTokenNode"),
]


def profile(client, path: str, rounds: int, top: int, median_ms: float) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(v[2] for v in stats.stats.values())  # the sum of own times is the profiled wall time
    lines = [
        f"share of the profiled time, scaled to the {median_ms:.1f} ms median (cumulative, overlapping):"
    ]
    for label, suffix, func, *owner in BUCKETS:
        cum = _cumulative(stats, suffix, func, owner[0] if owner else "")
        lines.append(f"  {cum / total * 100:5.1f} %  {cum / total * median_ms:6.2f} ms  {label}")
    out = io.StringIO()
    stats.stream = out
    stats.strip_dirs().sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return "\n".join(lines) + "\n" + out.getvalue()


def _cumulative(stats: pstats.Stats, suffix: str, func: str, owner: str) -> float:
    """Cumulative seconds of `func` in files ending with `suffix` (recursive calls are counted once)."""
    total = 0.0
    for (filename, lineno, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        if name == func and filename.endswith(suffix) and (not owner or _in_class(filename, lineno, owner)):
            total += ct
    return total


def _in_class(filename: str, lineno: int, owner: str) -> bool:
    for n in range(lineno, 0, -1):
        line = linecache.getline(filename, n)
        if line.startswith("class "):
            return line.startswith(f"class {owner}")
    return False


def report_page(client, name: str, path: str, rounds: int, top: int) -> None:
    for _ in range(10):  # warm-up: template loader cache, lazy imports, connections
        timed_get(client, path)
    samples = [timed_get(client, path) for _ in range(rounds)]
    median_ms = statistics.median(wall for wall, _, _ in samples)
    cpu_ms = statistics.median(cpu for _, cpu, _ in samples)
    captured, sql_ms = queries(client, path, rounds)
    head = f"{name} {path}: {median_ms:.2f} ms median ({cpu_ms:.2f} ms CPU) over {rounds} requests"
    print(f"\n=== {head}, {samples[-1][2] / 1024:.1f} KB")
    print(f"SQL: {len(captured)} queries, {sql_ms:.2f} ms median wall time in the database driver")
    for q in captured:
        print(f"  {q['sql'][:150]}")
    print(f"template rendering: {template_ms(client, path, rounds):.2f} ms median (includes lazy querysets)")
    print(profile(client, path, rounds, top, median_ms))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="页面耗时剖析 / per-page profile")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--settings", default="tuijin.settings")
    args = parser.parse_args(argv)
    server = Server(args.db, settings=args.settings)
    try:
        server.prepare()
        setup_django(server)
        from django.test import Client

        from tuijin.org.models import User

        client = Client()
        anonymous = Client()
        client.force_login(User.objects.get(username="admin"))
        for name, path in PAGES:
            report_page(anonymous if name == "login" else client, name, path, args.requests, args.top)
    except BenchError as exc:
        print(f"剖析失败 / profile failed: {exc}", file=sys.stderr)
        return 2
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
