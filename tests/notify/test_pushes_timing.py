"""Timing check (H2): 2,000 leaders' Monday digests gathered, rendered and queued under 10 s (issue 8
"Performance"). Slow to build, so it runs only with TUIJIN_TIMING=1:

    TUIJIN_TIMING=1 uv run pytest tests/notify/test_pushes_timing.py -q -n 0 -s
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.notify.push_factories import TODAY, many_leaders
from tuijin.notify import pushes
from tuijin.notify.models import Message

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(os.environ.get("TUIJIN_TIMING") != "1", reason="timing check: set TUIJIN_TIMING=1"),
]


def test_two_thousand_digests_under_ten_seconds(world):
    from tuijin.notify import facts
    from tuijin.notify import rules as r

    many_leaders(world, 2000)
    started = time.perf_counter()
    digests = facts.leader_digests(world.district, TODAY, r.DEFAULT)
    gathered = time.perf_counter() - started
    texts = [r.digest_text(d, today=TODAY, url="/x") for d in digests]
    print(
        f"\ngather {gathered:.2f} s, compose {time.perf_counter() - started - gathered:.2f} s ({len(texts)})"
    )
    now = datetime(2024, 6, 3, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    started = time.perf_counter()
    result = pushes.digests_queue(jurisdiction=world.district, today=TODAY, now=now)
    elapsed = time.perf_counter() - started
    print(f"\n2,000 leaders: {result.created} messages queued in {elapsed:.2f} s")
    assert result.created == 4000  # e-mail and SMS each
    assert Message.objects.count() == 4000
    assert elapsed < 10
    started = time.perf_counter()
    again = pushes.digests_queue(jurisdiction=world.district, today=TODAY, now=now)
    print(
        f"rerun: {again.created} created, {again.existing} existing in {time.perf_counter() - started:.2f} s"
    )
    assert again.created == 0


def many_units(world, n: int):
    """n units of 东湖区, each with a 单位负责人 account (phone known), two projects in preparation (so the
    weekly and monthly reports are due) and an overdue problem assigned to it."""
    from tuijin.org.models import Person, Role, Unit, User
    from tuijin.problems.models import Problem
    from tuijin.projects.models import Project

    units = Unit.objects.bulk_create(
        [Unit(jurisdiction=world.district, name=f"待办单位{i}", kind="department") for i in range(n)]
    )
    people = Person.objects.bulk_create(
        [Person(jurisdiction=world.district, name=f"负责人{i}", phone=f"1390{i:07d}") for i in range(n)]
    )
    User.objects.bulk_create(
        [
            User(
                username=f"todo-head-{i}", role=Role.UNIT_HEAD, jurisdiction=world.district, unit=u, person=p
            )
            for i, (u, p) in enumerate(zip(units, people, strict=True))
        ]
    )
    projects = Project.objects.bulk_create(
        [
            Project(
                jurisdiction=world.district,
                name=f"待办项目{i}-{j}",
                category="industry",
                total_investment=10000,
                responsible_unit=u,
                stage="preparation",
            )
            for i, u in enumerate(units)
            for j in range(2)
        ]
    )
    Problem.objects.bulk_create(
        [
            Problem(
                jurisdiction=world.district,
                project=p,
                year=2024,
                number=10000 + k,
                kind="land",
                title="用地红线未确定",
                description="-",
                status="acknowledged",
                filed_unit=p.responsible_unit,
                filed_by=world.reporter,
                filed_at=world.reporter.date_joined,
                assigned_unit=p.responsible_unit,
                due_date=TODAY,
            )
            for k, p in enumerate(projects[::2])
        ]
    )
    return units


def test_five_hundred_units_todos(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    many_units(world, 500)
    now = datetime(2024, 6, 3, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = pushes.unit_todos_queue(jurisdiction=world.district, today=TODAY, now=now)
    elapsed = time.perf_counter() - started
    print(f"\n500 units: {result.created} to-do messages queued in {elapsed:.2f} s, {len(queries)} queries")
    assert result.created >= 500
    # measured 12.9 s / 3,035 queries on SQLite (20.6 s / 5,534 before BULK_TODOS); about six a unit
    assert len(queries) < 500 * 7 and elapsed < 20
