"""The runner's side of the lights engine benchmark (issue 4, Performance): run `bench/lights_bench.py`
in a prepared bench database's environment and turn its JSON into `steps[]` rows and targets.

- after the page runs of a normal run (10,000 projects): all lights from empty, again the same day,
  the next working day, and one project after a node change (200 runs, median);
- `bench/run.py --lights-100k`: a fresh 10,000-project demo multiplied to 100,000 (`--scale 10`), the
  same steps, with the peak resident memory of each (flat in the number of projects: streamed).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from harness import REPO_DIR, Server, step

SCRIPT = Path(__file__).resolve().parent / "lights_bench.py"
TARGETS_10K = {"from empty": 5.0, "same day": 5.0, "next working day": 5.0}
TARGETS_100K = {"from empty": 180.0, "same day": 60.0, "next working day": 60.0}
REFRESH_TARGET_MS = 20.0
BOARD_TARGET_MS = 60.0


def lights_step(
    server: Server, *, scale: int = 1, refresh: int = 200, timeout: int = 600
) -> tuple[list[dict], dict]:
    """Run the lights benchmark in `server`'s environment: (steps rows, its whole JSON or {"error"})."""
    cmd = [sys.executable, str(SCRIPT), "--refresh", str(refresh), "--scale", str(scale)]
    try:
        done = subprocess.run(
            cmd, cwd=REPO_DIR, env=server.run_env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        note = f"亮灯基准超时 / lights benchmark timed out ({timeout} s)"
        return [step(server.db, "lights", None, ok=False, note=note)], {"error": note}
    if done.returncode != 0:
        note = f"亮灯基准失败 / lights benchmark failed: {done.stderr[-1500:]}"
        return [step(server.db, "lights", None, ok=False, note=note)], {"error": note}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    rows = []
    for measured in result["steps"]:
        name = f"lights {measured['name']} ({measured['projects']} projects, {measured['nodes']} nodes)"
        note = (
            f"CPU {measured['cpu_seconds']} s; {measured['changed']} changed, {measured['written']} rows "
            f"written; peak RSS {measured['peak_rss_mb']} MB"
        )
        rows.append(step(server.db, name, measured["seconds"], rows=measured["projects"], note=note))
    refreshed = result.get("refresh")
    if refreshed and refreshed["runs"]:
        note = f"median of {refreshed['runs']}; p95 {refreshed['p95_ms']} ms, max {refreshed['max_ms']} ms"
        row = step(server.db, "lights refresh one project after a node change", None, note=note)
        rows.append(
            row | {"seconds": round(refreshed["median_ms"] / 1000, 4), "median_ms": refreshed["median_ms"]}
        )
    for note in result.get("notes", []):
        rows.append(step(server.db, "lights note", None, ok=None, note=note))
    return rows, result


def lights_targets(steps: list[dict], db: str, *, hundred_k: bool) -> list[dict]:
    """Targets of the lights rows of `steps` for one database."""
    limits = TARGETS_100K if hundred_k else TARGETS_10K
    rows = []
    for row in steps:
        if row["db"] != db or not row["name"].startswith("lights "):
            continue
        if "median_ms" in row:
            rows.append(_target(f"{db} {row['name']}, median (ms)", REFRESH_TARGET_MS, row["median_ms"]))
            continue
        for prefix, limit in limits.items():
            if row["name"].startswith(f"lights {prefix}"):
                rows.append(_target(f"{db} {row['name']} (s)", limit, row["seconds"] if row["ok"] else None))
    return rows


def _target(name: str, limit: float, value: float | None) -> dict:
    return {
        "name": name,
        "target": f"< {limit:g}",
        "value": value,
        "ok": None if value is None else value < limit,
    }
