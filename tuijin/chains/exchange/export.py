"""Exporting section `chains`: the subtree's own templates and its projects' chains, read through the
access scope."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from tuijin.core.exchange.organisation import person_keys_of
from tuijin.core.exchange.registry import ExportContext
from tuijin.core.exchange.schema import unit_key
from tuijin.org.models import Person
from tuijin.projects.exchange.export import project_keys_of

from ..models import Chain, ChainNode, ChainTemplate, NodeReplan, TemplateNode
from .schema import (
    CHAIN_FIELDS,
    NODE_FIELDS,
    NODE_USERS,
    TEMPLATE_FIELDS,
    TEMPLATE_NODE_FIELDS,
    ChainRecord,
    ChainsSection,
    NodeRecord,
    ReplanRecord,
    TemplateNodeRecord,
    TemplateRecord,
    TemplateRef,
)


def _moment(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value is not None else None


def _username(user) -> str | None:
    return user.username if user is not None else None


def _template_record(template: ChainTemplate) -> TemplateRecord:
    return TemplateRecord(
        jurisdiction_code=template.jurisdiction.code,
        name=template.name,
        **{name: getattr(template, name) for name in TEMPLATE_FIELDS},
        nodes=[
            TemplateNodeRecord(key=n.key, **{name: getattr(n, name) for name in TEMPLATE_NODE_FIELDS})
            for n in template.nodes.all()
        ],
    )


def _node_record(node: ChainNode, people: dict[int, str]) -> NodeRecord:
    values = {name: getattr(node, name) for name in NODE_FIELDS}
    for name in ("unit_confirmed_at", "office_confirmed_at"):
        values[name] = _moment(values[name])
    return NodeRecord(
        key=node.key,
        **values,
        **{name: _username(getattr(node, name)) for name in NODE_USERS},
        responsible_unit=unit_key(node.responsible_unit.jurisdiction.code, node.responsible_unit.name),
        responsible_person=people.get(node.responsible_person_id) if node.responsible_person_id else None,
        replans=[
            ReplanRecord(
                old_deadline=r.old_deadline,
                new_deadline=r.new_deadline,
                reason=r.reason,
                changed_by=_username(r.changed_by),
                changed_at=_moment(r.changed_at),
            )
            for r in node.replans.all()
        ],
    )


def _chain_record(chain: Chain, key: str, people: dict[int, str]) -> ChainRecord:
    template = chain.template
    values = {name: getattr(chain, name) for name in CHAIN_FIELDS}
    values["confirmed_at"] = _moment(values["confirmed_at"])
    return ChainRecord(
        project=key,
        template=(
            TemplateRef(
                jurisdiction_code=template.jurisdiction.code if template.jurisdiction_id else None,
                name=template.name,
            )
            if template is not None
            else None
        ),
        **values,
        confirmed_by=_username(chain.confirmed_by),
        created_by=_username(chain.created_by),
        created_at=_moment(chain.created_at),
        nodes=[_node_record(n, people) for n in chain.nodes.all()],
    )


def export_chains(ctx: ExportContext) -> ChainsSection | None:
    """The subtree's templates (not the presets) and chains; None when it has neither. Sorted in Python
    by code point, so two exports of the same data are the same file on every database."""
    path = ctx.root.path
    templates = ctx.readable(ChainTemplate.objects.filter(jurisdiction__path__startswith=path))
    templates = list(
        templates.select_related("jurisdiction").prefetch_related(
            Prefetch("nodes", TemplateNode.objects.order_by("step", "id"))
        )
    )
    nodes = ChainNode.objects.select_related(
        "responsible_unit__jurisdiction", "unit_confirmed_by", "office_confirmed_by"
    ).order_by("sort", "id")
    replans = NodeReplan.objects.select_related("changed_by").order_by("changed_at", "id")
    chains = ctx.readable(Chain.objects.filter(project__jurisdiction__path__startswith=path))
    chains = list(
        chains.select_related(
            "project__jurisdiction", "template__jurisdiction", "confirmed_by", "created_by"
        ).prefetch_related(Prefetch("nodes", nodes), Prefetch("nodes__replans", replans))
    )
    if not templates and not chains:
        return None
    keys = project_keys_of({c.project.jurisdiction_id for c in chains})
    person_ids = {n.responsible_person_id for c in chains for n in c.nodes.all()} - {None}
    people = person_keys_of(Person.objects.filter(pk__in=person_ids).only("id", "jurisdiction_id", "name"))
    chains.sort(key=lambda c: (c.project.jurisdiction.path, keys[c.project_id]))
    templates.sort(key=lambda t: (t.jurisdiction.path, t.sort, t.name))
    return ChainsSection(
        templates=[_template_record(t) for t in templates],
        chains=[_chain_record(c, keys[c.project_id], people) for c in chains],
    )
