"""The decided-matters demo on three held meetings of one series: every band, open overdue matters, one
waiting to be closed, and a no-deadline matter raised three times (flagged); idempotent."""

from datetime import date

import pytest

from tests.meetings.matter_factories import meeting, series
from tuijin.demo.matters import demo_matters
from tuijin.meetings import matter_selectors as sel
from tuijin.meetings.models import Matter

pytestmark = pytest.mark.django_db
TODAY = date(2024, 9, 20)


def test_demo_matters(world):
    s = series(world)
    for month in (5, 6, 7):
        meeting(world, s, on=date(2024, month, 15 if month != 6 else 14))
    line = demo_matters(world.district, today=TODAY)
    assert line.startswith("议定事项：") and "上会 3 次" in line
    bands = set(Matter.objects.filter(status="closed").values_list("band", flat=True))
    assert {"early", "on_time", "late_1", "late_2"} <= bands
    assert Matter.objects.filter(status="replied").exists()
    assert sel.matters_for(world.admin, today=TODAY, overdue=True).exists()
    third = Matter.objects.get(raise_count=3)
    assert third.deadline is None and third.first_raise.raise_count == 1
    assert sel.matter_page(world.admin, third, TODAY).row.flagged
    for m in Matter.objects.filter(status="closed"):
        assert m.done_on < TODAY and m.closed_at.date() < TODAY and m.late_workdays is not None
    again = demo_matters(world.district, today=TODAY)
    assert again.startswith("议定事项：已有")
