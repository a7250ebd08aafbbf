"""Builders for meeting tests: the world's district on a real preset rule set (DH24 by default), series
and meetings through the meeting services, escalated problems and red projects for the agenda."""

from __future__ import annotations

from datetime import date

from tuijin.core.models import RuleSet
from tuijin.meetings import services
from tuijin.meetings.models import Meeting, MeetingSeries

TODAY = date(2024, 6, 3)  # a Monday


def seeded(world, slug: str = "donghu-2024") -> RuleSet:
    """Seed the preset rule sets and let the world's district use `slug`."""
    from tuijin.core.ruleset_services import ruleset_seed

    if not RuleSet.objects.filter(slug=slug).exists():
        ruleset_seed()
    rule_set = RuleSet.objects.get(slug=slug)
    world.district.rule_set = rule_set
    world.district.save()
    return rule_set


def series(
    world, *, name="区重大重点项目月度调度会", level_key="leader", chair_person=None, units=None, **kw
):
    world.district.refresh_from_db()
    if world.district.rule_set_id is None:
        seeded(world)
    data = {"kind": "meeting", "frequency": "monthly", "chair": "区长", "source": "项目办自设", **kw}
    return services.series_save(
        actor=world.admin,
        jurisdiction=world.district,
        chair_person=chair_person,
        member_units=units if units is not None else [world.dept, world.other_dept],
        name=name,
        level_key=level_key,
        **data,
    )


def meeting(world, s: MeetingSeries | None = None, *, on: date = TODAY, **kw) -> Meeting:
    s = s or series(world)
    return services.meeting_create(actor=world.admin, series=s, date=on, place="区政府第一会议室", **kw)


def escalated_problem(world, *, title="用地红线未确定", level="leader", project=None, today=TODAY):
    """A problem assigned to 区发改委 and escalated by the office to `level` of the DH24 ladder."""
    from tests.problems.factories import assigned
    from tuijin.problems import services as problems

    kw = {"p": project} if project is not None else {}
    problem = assigned(world, title=title, today=today, **kw)
    return problems.problem_escalate(actor=world.admin, problem=problem, level=level, today=today)


def red_project(world, *, name="东湖数字产业园", leader=None, reason="开工节点超期 12 个工作日"):
    from tests.projects.factories import project
    from tuijin.lights.models import ProjectLight

    p = project(world, name=name, lead_leader=leader)
    ProjectLight.objects.create(
        project=p, color="red", shown="red", reason=reason, days=12, computed_on=TODAY
    )
    return p
