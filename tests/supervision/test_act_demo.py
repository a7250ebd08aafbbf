"""The demo's supervision acts (tuijin/demo/supervision.py) on the test world: every kind, the light
effects, one done and one overdue required action, a 督办单 to 区住建局 and a circuit supervision's
accountability proposal; a second run changes nothing."""

from datetime import date

import pytest

from tests.factories import account
from tests.lights.boards import node, node_light
from tests.projects.factories import project
from tests.supervision.factories import weekly
from tuijin.demo.supervision import demo_supervision
from tuijin.lights.models import ProjectLight
from tuijin.org.models import Role
from tuijin.supervision import selectors
from tuijin.supervision.models import Finding, RequiredAction, SupervisionAct

pytestmark = pytest.mark.django_db
TODAY = date(2024, 6, 20)


def test_the_demo_writes_every_kind_through_the_services(world):
    account("zjj", Role.UNIT_REPORTER, world.district, world.other_dept)  # 区住建局's reporter replies
    site = project(world, name="东湖文化中心", stage="construction", responsible_unit=world.other_dept)
    for week in (date(2024, 5, 27), date(2024, 6, 3), date(2024, 6, 10)):  # no week missing
        weekly(site, week, "主体结构施工至第 5 层")
    opened = project(world, name="东湖智慧物流园", stage="started")
    node_light(
        node(opened, "施工许可证", deadline=date(2024, 5, 20)), "red", days=12, reason="施工许可证 超期"
    )
    summary = demo_supervision(world.district, today=TODAY)
    assert summary.startswith("督查记录：5 条")
    assert set(SupervisionAct.objects.values_list("kind", flat=True)) == {
        "window",
        "chain",
        "onsite",
        "evaluation",
        "circuit",
    }
    assert ProjectLight.objects.get(pk=site.pk).color == "yellow"
    assert ProjectLight.objects.get(pk=opened.pk).color == "red"
    assert Finding.objects.get(kind="discrepancy").reported.startswith("周报 2024年第24周")
    done, late = RequiredAction.objects.order_by("id")
    assert done.status == "done" and selectors.is_overdue(late, TODAY)
    assert late.slip.to_unit == world.other_dept and late.slip.kind == "supervise"
    circuit = SupervisionAct.objects.get(kind="circuit")
    assert circuit.month == date(2024, 5, 1) and circuit.status == "recorded"
    assert circuit.findings.exists() and circuit.referrals.get().origin == "circuit"
    assert demo_supervision(world.district, today=TODAY).startswith("督查记录：已有 5 条")
