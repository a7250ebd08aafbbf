"""Fixes from the issue-4 review: bad input on the chain and node pages gives a Chinese message, never a
raw 500, and nothing is half-saved."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from tests.chains.factories import applied
from tuijin.chains import services

D = date.fromisoformat


def _node(chain, key):
    return chain.nodes.get(key=key)


@pytest.mark.parametrize(("key", "bad"), [("production", "2150-06-30"), ("filing", "1990-01-15")])
def test_a_deadline_outside_the_working_day_calendar_is_refused_by_replan(world, key, bad):
    chain = applied(world)
    node = _node(chain, key)
    old = node.deadline
    with pytest.raises(ValidationError) as exc:
        services.node_replan(actor=world.admin, node=node, deadline=D(bad), reason="测试")
    assert "工作日历" in " ".join(exc.value.messages)
    node.refresh_from_db()
    assert node.deadline == old


def test_a_deadline_outside_the_calendar_is_refused_when_adding_a_node_or_milestone(world):
    chain = applied(world)
    with pytest.raises(ValidationError) as exc:
        services.node_add(
            actor=world.admin,
            chain=chain,
            name="专项评审",
            phase="approval",
            deadline=D("2150-01-01"),
            responsible_unit=world.dept,
        )
    assert "工作日历" in " ".join(exc.value.messages)
    with pytest.raises(ValidationError) as exc:
        services.milestone_add(
            actor=world.admin, project=chain.project, name="主体封顶", deadline=D("2150-01-01")
        )
    assert "工作日历" in " ".join(exc.value.messages)
    assert not chain.nodes.filter(name__in=["专项评审", "主体封顶"]).exists()


def test_the_chain_page_survives_a_replan_form_with_a_far_date(world, client_for):
    chain = applied(world)
    node = _node(chain, "production")
    client = client_for(world.admin)
    response = client.post(f"/chains/node/{node.pk}/replan/", {"deadline": "2150-06-30", "reason": "测试"})
    assert response.status_code == 400
    assert "工作日历" in response.content.decode()
    assert client.get(f"/chains/project/{chain.project_id}/").status_code == 200


def test_an_actual_date_before_the_calendar_is_refused(world):
    chain = applied(world)
    node = _node(chain, "land_auction")  # starts the approval clock: its actual date is counted from
    with pytest.raises(ValidationError) as exc:
        services.node_update(actor=world.admin, node=node, actual=D("1995-03-01"), today=D("2026-11-20"))
    assert "工作日历" in " ".join(exc.value.messages)
    node.refresh_from_db()
    assert node.actual is None


def test_a_target_outside_the_calendar_is_refused_when_applying_a_template(world):
    with pytest.raises(ValidationError) as exc:
        applied(world, target=D("2150-03-01"))
    assert "无法倒排工期" in " ".join(exc.value.messages)
