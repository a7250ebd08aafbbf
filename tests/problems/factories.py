"""Builders for problem tests: a ladder rule set for the world's city, and a problem through the services."""

from __future__ import annotations

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.projects.factories import project
from tuijin.problems import services

TODAY = date(2024, 6, 3)  # a Monday

LADDER = [
    {"key": "unit", "name": "项目责任单位"},
    {"key": "project_office", "name": "领导小组办公室"},
    {"key": "leader", "name": "项目挂点区领导"},
    {"key": "leading_group", "name": "领导小组"},
]


def with_ladder(world) -> None:
    from tuijin.core.models import RuleSet, RuleSetVersion

    rule_set = RuleSet.objects.create(slug="test-problems", name="测试规则")
    RuleSetVersion.objects.create(
        rule_set=rule_set, number=1, data={"escalation": {"levels": LADDER}}, sha256="x"
    )
    world.city.rule_set = rule_set
    world.city.save()


def pdf(name: str = "复函.pdf", size: int = 100) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 " + b"x" * size, content_type="application/pdf")


def filed(world, *, p=None, title="用地红线未确定", kind="land", today=TODAY):
    p = p or project(world, name="东湖数字产业园")
    return services.problem_file(
        actor=world.reporter,
        project=p,
        kind=kind,
        title=title,
        description="规划红线与地块权属不一致",
        today=today,
    )


def assigned(world, *, unit=None, workdays=10, today=TODAY, **kw):
    problem = filed(world, today=today, **kw)
    return services.problem_assign(
        actor=world.admin, problem=problem, unit=unit or world.dept, workdays=workdays, today=today
    )
