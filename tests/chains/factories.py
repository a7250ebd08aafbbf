"""Builders of promotion chains for tests, through the service (as the office applies a template).

chain = applied(world, planned_start=date(2026, 9, 30))   # WH19 附件1 template, 区发改委's project
node = chain.nodes.get(key="filing")                        # 核准备案 → 区发改委 (发展和改革)
chain.nodes.get(key="construction_permit")                  # 施工许可证 → 区住建局 (住房和城乡建设)
"""

from __future__ import annotations

from datetime import date

from tests.projects.factories import project
from tuijin.chains import services
from tuijin.chains.models import Chain, ChainTemplate
from tuijin.chains.presets import INDUSTRY, PUBLIC


def preset(name: str = INDUSTRY.name) -> ChainTemplate:
    return ChainTemplate.objects.get(jurisdiction=None, name=name)


def public_preset() -> ChainTemplate:
    return preset(PUBLIC.name)


def applied(
    world,
    *,
    planned_start: date = date(2026, 9, 30),
    planned_completion: date = date(2027, 12, 1),
    template: ChainTemplate | None = None,
    target: date | None = None,
    today: date | None = None,
    **kw,
) -> Chain:
    """A project of 东湖区 (责任单位 区发改委) with a chain from the WH19 industry template."""
    p = project(
        world,
        planned_start=planned_start,
        planned_start_precision="day",
        planned_completion=planned_completion,
        planned_completion_precision="month",
        **kw,
    )
    return services.chain_apply_template(
        actor=world.admin, project=p, template=template or preset(), target=target, today=today
    )


def own_template(world, name: str = "东湖区产业项目模板") -> ChainTemplate:
    """A copy of the industry preset in 东湖区, which its office may edit."""
    existing = ChainTemplate.objects.filter(jurisdiction=world.district, name=name).first()
    return existing or services.template_copy(actor=world.admin, template=preset(), name=name)
