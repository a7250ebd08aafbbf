"""Stand-in for `tuijin demo --projects N` while that option does not exist yet: N projects in the demo
district, with level tags, this year's plan entries, stage transitions and monthly investment entries.
bench/run.py uses it only when `tuijin demo --help` has no `--projects`, and says so in its notes.

Run after `tuijin demo --no-serve`: `python bench/seed_projects.py 10000` (Django settings from the env).
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuijin.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from tuijin.demo import data  # noqa: E402
from tuijin.org.models import Jurisdiction, Person, Unit  # noqa: E402
from tuijin.projects import rules  # noqa: E402
from tuijin.projects.models import (  # noqa: E402
    AnnualPlan,
    InvestmentEntry,
    PlanEntry,
    Project,
    ProjectTag,
    StageTransition,
)

WORDS = ["滨江", "红谷", "青山", "章江", "瑶湖", "赣江", "豫章", "滕王阁", "八一", "象湖", "艾溪湖", "梅岭"]
THINGS = [
    "产业园",
    "综合体",
    "学校扩建",
    "道路改造",
    "安置房",
    "医院",
    "公园",
    "数据中心",
    "物流园",
    "片区更新",
]


@transaction.atomic
def seed(count: int, *, today: date, seed_value: int = 7) -> int:
    rng = random.Random(seed_value)
    district = Jurisdiction.objects.get(code=data.DISTRICT[0])
    units = list(
        Unit.objects.filter(jurisdiction=district, kind__in=("department", "state_company", "street"))
    )
    streets = [u for u in units if u.kind == "street"]
    leaders = list(Person.objects.filter(jurisdiction=district, is_leader=True))
    tags = list(ProjectTag.objects.all())
    stages = list(rules.STAGES)
    start = Project.objects.count()
    projects = []
    for n in range(count):
        stage = rng.choice(stages)
        planned_start = today + timedelta(days=rng.randrange(-700, 400))
        projects.append(
            Project(
                jurisdiction=district,
                name=f"{rng.choice(WORDS)}{rng.choice(THINGS)}项目{start + n + 1:05d}",
                code=f"{today.year - rng.randrange(0, 3)}-360102-{rng.randrange(10, 99)}-01-{start + n + 1:06d}",
                category=rng.choice(list(rules.CATEGORIES)),
                sector=rng.choice(list(rules.SECTORS)),
                total_investment=Decimal(rng.randrange(500, 2_000_000)) / 10,
                content="新建厂房、配套道路及附属设施",
                owner=f"{rng.choice(WORDS)}建设发展有限公司",
                planned_start=planned_start,
                planned_start_precision=rng.choice(("day", "week", "month")),
                planned_completion=planned_start + timedelta(days=rng.randrange(300, 1200)),
                stage=stage,
                lead_leader=rng.choice(leaders) if leaders else None,
                responsible_unit=rng.choice(units),
                street=rng.choice(streets) if streets else None,
            )
        )
    Project.objects.bulk_create(projects, batch_size=500)
    plan, _ = AnnualPlan.objects.get_or_create(
        jurisdiction=district,
        year=today.year,
        defaults={"title": f"{district.name}{today.year}年重大重点项目计划"},
    )
    through = Project.tags.through
    links, entries, moves, invested = [], [], [], []
    plan_types = list(rules.PLAN_TYPES)
    for project in projects:
        for tag in rng.sample(tags, rng.randrange(0, 3)):
            links.append(through(project_id=project.pk, projecttag_id=tag.pk))
        entries.append(
            PlanEntry(
                plan=plan,
                project=project,
                plan_type=rng.choice(plan_types),
                planned_investment=(project.total_investment / 4).quantize(Decimal("0.01")),
            )
        )
        if rules.STAGE_ORDER[project.stage] >= rules.STAGE_ORDER["started"]:
            moves.append(
                StageTransition(project=project, from_stage="preparation", to_stage="started", on=today)
            )
            for month in range(1, today.month + 1):
                invested.append(
                    InvestmentEntry(
                        project=project, year=today.year, month=month, amount=Decimal(rng.randrange(1, 900))
                    )
                )
    for model, rows in (
        (through, links),
        (PlanEntry, entries),
        (StageTransition, moves),
        (InvestmentEntry, invested),
    ):
        model.objects.bulk_create(rows, batch_size=1000)
    return len(projects)


if __name__ == "__main__":
    began = time.monotonic()
    made = seed(int(sys.argv[1]) if len(sys.argv) > 1 else 10000, today=timezone.localdate())
    print(f"{made} projects in {time.monotonic() - began:.1f} s", file=sys.stderr)
