"""Builders for the push tests (H2): a small world around the persona leader 林志远 (副区长, in charge of
区发改委) with lights, nodes, problems, matters and meetings, and `many_leaders` for the query-count and
timing checks.

    scene = digest_scene(world)     # TODAY = 2024-06-03 (Monday); see the docstring of Scene
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tests.lights.boards import light, node, node_light
from tests.meetings import matter_factories as mf
from tests.projects.factories import project
from tuijin.meetings.models import AgendaItem, Matter, Meeting
from tuijin.org.models import Person, Unit
from tuijin.problems.models import Problem
from tuijin.projects.models import Project

TODAY = date(2024, 6, 3)  # a Monday


@dataclass
class Scene:
    led: Project  # lead_leader = 林志远, responsible 区住建局 (red light)
    charged: Project  # responsible 区发改委 (in 林志远's charge; yellow light)
    green: Project  # responsible 区发改委, green
    other: Project  # someone else's (区住建局, no leader): never in 林志远's digest
    node_due: object  # of `charged`, due 2024-06-05
    node_late_window: object  # of `charged`, due 2024-06-20 (outside the 7-day window)
    node_done: object  # of `led`, due 2024-06-04 but done
    problem: Problem  # on `led`, due 2024-05-31, open
    matter: Matter  # led by 区发改委, deadline 2024-05-20, open
    meeting: Meeting  # 2024-06-06, with an agenda item on `led`


def problem(
    world, p, *, title="用地红线未确定", due=date(2024, 5, 31), status="acknowledged", unit=None
) -> Problem:
    number = Problem.objects.filter(jurisdiction=world.district).count() + 1
    return Problem.objects.create(
        jurisdiction=world.district,
        project=p,
        year=due.year,
        number=number,
        kind="land",
        title=title,
        description="规划红线与地块权属不一致",
        status=status,
        filed_unit=unit or p.responsible_unit,
        filed_by=world.reporter,
        filed_at=world.reporter.date_joined,
        assigned_unit=unit or p.responsible_unit,
        due_date=due,
        closed_at=world.reporter.date_joined if status == "closed" else None,
    )


def matter(
    world, *, title="协调东湖数字产业园用地报批", deadline=date(2024, 5, 20), lead=None, p=None
) -> Matter:
    m = mf.meeting(world, on=date(2024, 5, 10))
    number = Matter.objects.filter(meeting=m).count() + 1
    s = m.series
    return Matter.objects.create(
        jurisdiction=world.district,
        meeting=m,
        series=s,
        number=number,
        title=title,
        content="6 月底前完成用地预审",
        project=p,
        lead_unit=lead or world.dept,
        deadline=deadline,
        status="open",
    )


def digest_scene(world) -> Scene:
    leader = world.leader_person
    led = project(world, name="东湖数字产业园", responsible_unit=world.other_dept, lead_leader=leader)
    charged = project(world, name="滨江智造基地", responsible_unit=world.dept)
    green = project(world, name="绿色项目", responsible_unit=world.dept)
    other = project(world, name="别人的项目", responsible_unit=world.other_dept)
    light(led, "red", reason="施工许可节点超期 12 个工作日")
    light(charged, "yellow", reason="用地预审节点超期 3 个工作日")
    light(green, "green", reason="按计划推进")
    light(other, "red", reason="别人的红灯")
    due = node(charged, "施工许可", deadline=date(2024, 6, 5))
    node_light(due, "green")
    outside = node(charged, "竣工验收", deadline=date(2024, 6, 20))
    done = node(led, "用地预审", deadline=date(2024, 6, 4), actual=date(2024, 6, 1))
    node_light(done, "done")
    node(other, "别人的节点", deadline=date(2024, 6, 5))
    prob = problem(world, led)
    problem(world, led, title="已销号的问题", status="closed")
    problem(world, other, title="别人的问题")
    mat = matter(world, lead=world.dept)
    matter(world, title="别人的事项", lead=world.other_dept)
    ahead = mf.meeting(world, on=date(2024, 6, 6), status="planned", title="6月调度会")
    AgendaItem.objects.create(meeting=ahead, title="东湖数字产业园用地", project=led, order=1)
    mf.meeting(world, on=date(2024, 6, 30), status="planned", title="月底的会")
    return Scene(
        led=led,
        charged=charged,
        green=green,
        other=other,
        node_due=due,
        node_late_window=outside,
        node_done=done,
        problem=prob,
        matter=mat,
        meeting=ahead,
    )


def many_leaders(world, n: int, *, projects_each: int = 2, with_contact: bool = True) -> list[Person]:
    """n leaders of 东湖区, each leading `projects_each` projects with a red light, a node due tomorrow
    and an overdue problem; half of them also in charge of a unit of their own."""
    first = Person.objects.filter(jurisdiction=world.district, name__startswith="领导").count()
    leaders = Person.objects.bulk_create(
        [
            Person(
                jurisdiction=world.district,
                name=f"领导{first + i}",
                post="副区长",
                is_leader=True,
                email=f"leader{first + i}@example.cn" if with_contact else "",
                phone=f"1380{first + i:07d}" if with_contact else "",
            )
            for i in range(n)
        ]
    )
    units = Unit.objects.bulk_create(
        [Unit(jurisdiction=world.district, name=f"单位{first + i}", kind="department") for i in range(n // 2)]
    )
    through = Person.units_in_charge.through
    through.objects.bulk_create([through(person_id=leaders[i].pk, unit_id=u.pk) for i, u in enumerate(units)])
    projects = Project.objects.bulk_create(
        [
            Project(
                jurisdiction=world.district,
                name=f"项目{first + i}-{j}",
                category="industry",
                total_investment=10000,
                responsible_unit=units[i] if i < len(units) else world.dept,
                stage="preparation",
                lead_leader=leaders[i],
            )
            for i in range(n)
            for j in range(projects_each)
        ]
    )
    from tuijin.chains.models import Chain, ChainNode
    from tuijin.lights.models import ProjectLight

    ProjectLight.objects.bulk_create(
        [
            ProjectLight(
                project=p, color="red", shown="red", reason="节点超期 12 个工作日", computed_on=TODAY
            )
            for p in projects
        ]
    )
    chains = Chain.objects.bulk_create([Chain(project=p) for p in projects])
    ChainNode.objects.bulk_create(
        [
            ChainNode(
                chain=c,
                project_id=c.project_id,
                key="permit",
                name="施工许可",
                phase="approval",
                step=1,
                deadline=TODAY + timedelta(days=1),
                responsible_unit_id=world.dept.pk,
            )
            for c in chains
        ]
    )
    base = Problem.objects.filter(jurisdiction=world.district).count()
    Problem.objects.bulk_create(
        [
            Problem(
                jurisdiction=world.district,
                project=p,
                year=2024,
                number=base + k + 1,
                kind="land",
                title="用地红线未确定",
                description="-",
                status="acknowledged",
                filed_unit=world.dept,
                filed_by=world.reporter,
                filed_at=world.reporter.date_joined,
                assigned_unit=world.dept,
                due_date=TODAY - timedelta(days=3),
            )
            for k, p in enumerate(projects[::projects_each])
        ]
    )
    return leaders
