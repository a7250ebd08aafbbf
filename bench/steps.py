"""The timed steps of issue 3's benchmark besides the pages: the export of the whole list over HTTP (the
demo admin sees every project of the city) and the import of a 10,000-row sheet with
`tuijin projects import`. A step whose command does not exist yet is skipped with a note; one that fails
is reported with `ok: false` and its error.

The import needs one jurisdiction's sheet (units, streets and leaders are the jurisdiction's own, and a
project code belongs to one jurisdiction), so `python bench/steps.py import-sheet EXPORT OUT` turns the
city-wide export into the demo district's sheet of the same rows: names, money, dates, stages, plan types,
content and funding kept; units, streets and leaders put into the district by name (another district's
"区住建局" becomes this district's); codes kept only where they are the district's. Importing it updates
the district's own projects (matched by code) and creates the others, outside the year's plan (the plan
is issued: adding to it takes a decision, not a spreadsheet).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import zlib
from decimal import Decimal
from pathlib import Path

from harness import REPO_DIR, Server, fetch, step

EXPORT_PATH = "/projects/export/"
EXPORT_TIMEOUT = 120


def _count_rows(content: bytes) -> int:
    """Data rows of an exported sheet: between the header (row 3) and the 合计 row."""
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    rows = 0
    for values in sheet.iter_rows(min_row=4, max_col=1, values_only=True):
        if values[0] == "合计":
            break
        rows += 1
    return rows


def export_step(server: Server, cookie: str) -> dict:
    """GET /projects/export/ as the demo admin: the whole list as .xlsx, saved for the import step."""
    started = time.monotonic()
    status, content = fetch(server.base_url, EXPORT_PATH, cookie, timeout=EXPORT_TIMEOUT)
    seconds = time.monotonic() - started
    if status != 200:
        return step(server.db, "export", None, ok=False, note=f"导出失败 / export answered HTTP {status}")
    (server.var_dir / "export.xlsx").write_bytes(content)
    rows = _count_rows(content)
    return step(server.db, f"export {rows} rows", seconds, rows=rows)


def _has_import_command(server: Server) -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "tuijin.cli", "projects", "import", "--help"],
        cwd=REPO_DIR,
        env=server.run_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode == 0


def _import_sheet(server: Server, exported: Path) -> dict:
    """Run this file's `import-sheet` mode in the server's environment: {rows, jurisdiction, kept_codes}."""
    sheet = server.var_dir / "import.xlsx"
    cmd = [sys.executable, str(Path(__file__).resolve()), "import-sheet", str(exported), str(sheet)]
    done = subprocess.run(cmd, cwd=REPO_DIR, env=server.run_env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        return {"error": done.stderr[-1500:]}
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "path": sheet}


def import_step(server: Server) -> dict:
    """`tuijin projects import <sheet> --jurisdiction <district> --user admin`, timed end to end."""
    path = server.var_dir / "export.xlsx"
    if not path.exists():
        return step(
            server.db,
            "import",
            None,
            ok=None,
            note="没有导出文件，跳过导入 / no exported file: import skipped",
        )
    if not _has_import_command(server):
        return step(
            server.db, "import", None, ok=None, note="tuijin projects import 尚不存在，跳过 / not there yet"
        )
    sheet = _import_sheet(server, path)
    if "error" in sheet:
        return step(
            server.db,
            "import",
            None,
            ok=False,
            note=f"生成导入表失败 / import sheet failed: {sheet['error']}",
        )
    name, rows = f"import {sheet['rows']} rows", sheet["rows"]
    note = f"{sheet['jurisdiction']}：{sheet['kept_codes']} 行按项目代码更新已有项目，其余新建"
    cmd = [sys.executable, "-m", "tuijin.cli", "projects", "import", str(sheet["path"])]
    cmd += ["--jurisdiction", sheet["jurisdiction"], "--user", "admin"]
    started = time.monotonic()
    try:
        done = subprocess.run(
            cmd, cwd=REPO_DIR, env=server.run_env, capture_output=True, text=True, timeout=300
        )
    except subprocess.TimeoutExpired:
        return step(server.db, name, None, rows=rows, ok=False, note="导入超时 / import timed out (300 s)")
    seconds = time.monotonic() - started
    if done.returncode != 0:
        error = (done.stdout + done.stderr).strip()[-1500:]
        return step(server.db, name, seconds, rows=rows, ok=False, note=f"导入失败 / import failed: {error}")
    return step(server.db, name, seconds, rows=rows, note=note)


# --- `python bench/steps.py import-sheet EXPORT OUT` (runs with the server's Django settings) -------------


def _pick(name: str, choices: list[str]) -> str:
    """A stable choice for a name (the same row always gets the same unit)."""
    return choices[zlib.crc32(name.encode()) % len(choices)] if choices else ""


def make_import_sheet(exported: Path, out: Path) -> dict:
    import django

    sys.path.insert(0, str(REPO_DIR))
    django.setup()
    import openpyxl

    from tuijin.demo import data
    from tuijin.org.models import Jurisdiction, Person, Unit
    from tuijin.projects.export import TITLE, write_workbook
    from tuijin.projects.sheet_columns import COLUMNS

    district = Jurisdiction.objects.get(code=data.DISTRICT[0])
    units = dict(Unit.objects.filter(jurisdiction=district).values_list("name", "kind"))
    departments = sorted(
        n for n, kind in units.items() if kind in ("department", "state_company", "approval")
    )
    streets = sorted(n for n, kind in units.items() if kind == "street")
    leaders = sorted(
        Person.objects.filter(jurisdiction=district, is_leader=True).values_list("name", flat=True)
    )
    # another district's unit has this district's unit's name with its own place name in it
    short = district.name.removesuffix("区")

    def unit(text: str, pool: list[str]) -> str:
        if not text or text in units:
            return text
        return next((n for n in units if n.replace(short, "") == text), "") or _pick(text, pool)

    sheet = openpyxl.load_workbook(exported, read_only=True).active
    title = str(sheet["A1"].value or "")
    year = int(title.split("年")[0][-4:])
    keys = ["number", *(c.key for c in COLUMNS)]
    rows, kept = [], 0
    for values in sheet.iter_rows(min_row=4, values_only=True):
        if values[0] == "合计":
            break
        row = dict(zip(keys, values, strict=False))
        row.pop("number")
        for key, value in row.items():
            row[key] = "" if value is None and key not in ("longitude", "latitude") else value
        code = str(row["code"] or "")
        if code and code.split("-")[1] == district.code:
            kept += 1
        else:  # a new project of the district: not in its issued plan (adding one needs a decision)
            row["code"] = row["plan_type"] = ""
            row["planned_investment"] = None
        row["responsible_unit"] = unit(row["responsible_unit"], departments)
        row["supervising_unit"] = unit(row["supervising_unit"], departments)
        row["street"] = unit(row["street"], streets)
        row["secondary_units"] = "、".join(
            filter(None, (unit(u, departments) for u in row["secondary_units"].split("、")))
        )
        if row["lead_leader"] and row["lead_leader"] not in leaders:
            row["lead_leader"] = _pick(row["lead_leader"], leaders)
        row["service_officer"] = ""
        for key in ("total_investment", "planned_investment", "invested_total", "invested_year"):
            row[key] = None if row[key] in ("", None) else Decimal(str(row[key]))
        rows.append(row)
    out.write_bytes(write_workbook(rows, title=TITLE.format(place=district.name, year=year)))
    return {"rows": len(rows), "jurisdiction": district.code, "kept_codes": kept}


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "import-sheet":
        sys.exit("usage: python bench/steps.py import-sheet EXPORT.xlsx OUT.xlsx")
    print(json.dumps(make_import_sheet(Path(sys.argv[2]), Path(sys.argv[3]))))
