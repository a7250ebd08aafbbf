"""Writes of promotion chains (REQ C): applying a template (倒排工期), the chain's signature and the
office's confirmation, re-plans that keep the baseline, a node's progress, evidence and confirmations,
image-progress milestones, and the offices' own templates.

Every write checks access first (`actor=None` is the command line or a system job), validates everything
with the pure rules and raises `ValidationError({field: Chinese message})` naming the node, then writes
under one transaction, so nothing is half-saved. Each chain write ends by refreshing the project's lights
in the same transaction, so the page shows the right light at once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from tuijin.core.access import AccessDenied, require
from tuijin.core.calendar_selectors import current_calendar
from tuijin.org.models import Jurisdiction, Person, Unit
from tuijin.projects.models import Project

from . import build, rules
from .models import Chain, ChainNode, ChainTemplate, NodeEvidence, NodeReplan, TemplateNode


class _Keep:
    """The default of optional fields: leave the value as it is (None clears it)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()

EVIDENCE_TYPES = (".pdf", ".ofd", ".jpg", ".jpeg", ".png", ".webp", ".doc", ".docx", ".xls", ".xlsx", ".zip")
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _require(actor: Any, action: str, obj: Any = None) -> None:
    if actor is not None:
        require(actor, action, obj)


def _refresh(project_id: int, today: date | None = None) -> None:
    """The project's node lights and project light, recomputed inside the caller's transaction."""
    from tuijin.lights.services import lights_refresh_project

    lights_refresh_project(project_id=project_id, today=today)


def _saved(obj: Any, actor: Any, reason: str = "", **kwargs: Any) -> None:
    obj._history_user = actor
    if reason:
        obj._change_reason = reason[:100]
    obj.save(**kwargs)


def _lock_chain(chain: Chain) -> Chain:
    return (
        Chain.objects.select_for_update(of=("self",)).select_related("project__jurisdiction").get(pk=chain.pk)
    )


def _lock_node(node: ChainNode) -> tuple[Chain, ChainNode]:
    """The node's chain locked (writes to one chain follow each other) and the node read again."""
    chain = _lock_chain(node.chain)
    node = ChainNode.objects.select_related("responsible_unit").get(pk=node.pk)
    node.chain = chain
    node.project = chain.project
    return chain, node


def _outside_calendar(day: date | None, what: str) -> str:
    """A date the working-day calendar does not cover (lights, the Gantt and the approval clock count
    working days from it), in words; "" when it is covered or empty."""
    if day is None:
        return ""
    try:
        current_calendar().is_provisional(day)
    except ValueError as exc:
        return f"{what} {day:%Y-%m-%d} 无法使用：{exc}，请检查日期。"
    return ""


def _spec(node: ChainNode) -> rules.NodeSpec:
    return rules.NodeSpec(
        key=node.key,
        name=node.name,
        step=node.step,
        after=tuple(node.after or ()),
        duration=node.duration,
        stage=node.stage,
    )


def _new_problems(
    nodes: Sequence[ChainNode], before: dict[str, date | None], after: dict[str, date | None]
) -> list[str]:
    """Deadline-order problems a change from `before` to `after` introduces (an order already broken
    elsewhere does not block an unrelated change)."""
    specs = [_spec(n) for n in nodes]
    known = set(rules.check_deadlines(specs, before))
    return [
        message for item in rules.check_deadlines(specs, after) if item not in known for message in [item[1]]
    ]


def _related(path: str, other: str) -> bool:
    """Two jurisdictions on one line of the tree (the same, an ancestor or a subdivision)."""
    return path.startswith(other) or other.startswith(path)


def _ancestor_paths(path: str) -> list[str]:
    """The jurisdiction's own path and its ancestors', nearest first."""
    codes = path.strip("/").split("/")
    return ["/" + "/".join(codes[:i]) + "/" for i in range(len(codes), 0, -1)]


def _check_unit(unit: Unit | None, project: Project, label: str = "责任单位") -> str:
    if unit is None:
        return f"请选择{label}。"
    if not unit.is_active:
        return f"{label}“{unit}”已停用，请另选。"
    if not _related(unit.jurisdiction.path, project.jurisdiction.path):
        return f"{label}“{unit}”不属于本项目所在辖区或其上级、下级辖区。"
    return ""


def _check_person(person: Person | None, project: Project) -> str:
    if person is None:
        return ""
    if not person.is_active:
        return f"责任人“{person}”已离职或停用，请另选。"
    if not _related(person.jurisdiction.path, project.jurisdiction.path):
        return f"责任人“{person}”不属于本项目所在辖区或其上级、下级辖区。"
    return ""


# ---------------------------------------------------------------------------------------------------
# Building a chain from a template


def matching_units(jurisdiction: Jurisdiction) -> list[tuple[int, str, str]]:
    """Active units (id, name, short name) of the jurisdiction, then of its ancestors, nearest first:
    what a template's department keyword is matched against."""
    paths = _ancestor_paths(jurisdiction.path)
    rows = Unit.objects.filter(is_active=True, jurisdiction__path__in=paths).values_list(
        "id", "name", "short_name", "jurisdiction__path", "sort"
    )
    ordered = sorted(rows, key=lambda r: (paths.index(r[3]), r[4], r[0]))
    return [(pk, name, short) for pk, name, short, _, _ in ordered]


def template_applies(template: ChainTemplate, jurisdiction: Jurisdiction) -> bool:
    """A preset, or a template of the jurisdiction or one of its ancestors."""
    return template.jurisdiction_id is None or jurisdiction.path.startswith(template.jurisdiction.path)


def _progress(chain: Chain) -> str:
    """Why the chain may not be replaced, in words; "" when nothing has happened on it yet."""
    if chain.confirmed_at is not None:
        return "项目办已确认推进计划"
    if chain.signed_by:
        return f"{chain.signed_by} 已签字"
    done = (
        chain.nodes.filter(
            Q(actual__isnull=False)
            | Q(unit_confirmed_at__isnull=False)
            | Q(office_confirmed_at__isnull=False)
            | Q(evidence__isnull=False)
        )
        .order_by("sort", "id")
        .first()
    )
    if done is None:
        return ""
    if done.actual is not None:
        return f"“{done.name}”已填报实际完成日期"
    if done.unit_confirmed_at is not None or done.office_confirmed_at is not None:
        return f"“{done.name}”已确认"
    return f"“{done.name}”已上传佐证材料"


@transaction.atomic
def chain_apply_template(
    *,
    actor: Any,
    project: Project,
    template: ChainTemplate,
    target: date | None = None,
    today: date | None = None,
) -> Chain:
    """Build the project's chain from a template (REQ C2, C4): deadlines worked backward from the planned
    dates (the target date replaces the planned start), each node's unit matched from the template's
    department, baseline = deadline. A chain nobody has worked on is replaced; one with any actual date,
    confirmation, signature or evidence is refused (adjust its nodes instead)."""
    _require(actor, "chains.manage", project)
    project = (
        Project.objects.select_for_update(of=("self",)).select_related("jurisdiction").get(pk=project.pk)
    )
    template_nodes = list(template.nodes.order_by("step", "id"))
    _check_applicable(template, template_nodes, project, target)
    chain = Chain.objects.select_for_update(of=("self",)).filter(project=project).first()
    if chain is not None and (blocker := _progress(chain)):
        raise ValidationError(
            {"template": f"本项目的推进链条已有进展（{blocker}），不能重新套用模板；请逐个调整节点。"}
        )
    try:
        planned = build.plan_chain(
            template_nodes,
            anchors=build.anchor_dates(project, target=target),
            calendar=current_calendar(),
            unit_for=build.unit_matcher(matching_units(project.jurisdiction), project.responsible_unit_id),
        )
    except ValueError as exc:  # a target or planned date the working-day calendar does not cover
        raise ValidationError(
            {"target": f"无法倒排工期：{exc}。请检查倒排目标日期或项目的计划开工、竣工日期。"}
        ) from exc
    if chain is None:
        chain = Chain(project=project)
    else:
        for node in chain.nodes.all():
            node._history_user = actor
            node.delete()
    chain.template, chain.target, chain.created_by = template, target, actor
    _saved(chain, actor, f"套用模板：{template.name}")
    nodes = [_node_of(chain, item) for item in planned]
    bulk_create_with_history(nodes, ChainNode, default_user=actor, default_change_reason="套用模板")
    _refresh(project.pk, today)
    return chain


def _check_applicable(
    template: ChainTemplate, nodes: list[TemplateNode], project: Project, target: date | None
) -> None:
    if not template.is_active:
        raise ValidationError({"template": f"模板“{template.name}”已停用，请另选。"})
    if not template_applies(template, project.jurisdiction):
        raise ValidationError({"template": f"模板“{template.name}”属于其他辖区，本项目不能套用。"})
    if not nodes:
        raise ValidationError({"template": f"模板“{template.name}”还没有节点。"})
    problems = rules.check_template(build.template_specs(nodes))
    if problems:
        raise ValidationError({"template": [f"模板“{template.name}”有误：{p}" for p in problems]})
    anchored = {node.anchor for node in nodes if node.anchor}
    anchors = build.anchor_dates(project, target=target)
    if not any(anchors.get(a) for a in anchored):
        raise ValidationError(
            {"target": "项目没有计划开工、竣工或投产日期，无法倒排工期：请填写倒排目标日期（计划开工日期）。"}
        )


def _node_of(chain: Chain, item: build.PlannedNode) -> ChainNode:
    return ChainNode(
        chain=chain,
        project_id=chain.project_id,
        key=item.key,
        name=item.name,
        phase=item.phase,
        step=item.step,
        after=list(item.after),
        duration=item.duration,
        stage=item.stage,
        starts_clock=item.starts_clock,
        deadline=item.deadline,
        baseline=item.deadline,
        responsible_unit_id=item.responsible_unit_id,
        sort=item.sort,
    )


# ---------------------------------------------------------------------------------------------------
# The chain: signature, target, clock class, the office's confirmation


@transaction.atomic
def chain_update(
    *,
    actor: Any,
    chain: Chain,
    target: Any = KEEP,
    clock_class: Any = KEEP,
    signed_by: Any = KEEP,
    signed_on: Any = KEEP,
    today: date | None = None,
) -> Chain:
    """The chain's target date, approval-clock class and the approval department head's signature (REQ
    C3, C5). The signature is fixed once the office has confirmed the plan."""
    _require(actor, "chains.manage", chain)
    chain = _lock_chain(chain)
    errors: dict[str, str] = {}
    if clock_class is not KEEP and clock_class not in rules.CLOCK_CLASSES:
        errors["clock_class"] = "请选择审批时限类别：" + "、".join(rules.CLOCK_CLASSES.values()) + "。"
    signing = signed_by is not KEEP or signed_on is not KEEP
    new_by = (signed_by or "").strip() if signed_by is not KEEP else chain.signed_by
    new_on = signed_on if signed_on is not KEEP else chain.signed_on
    if signing and chain.confirmed_at is not None and (new_by, new_on) != (chain.signed_by, chain.signed_on):
        errors["signed_by"] = "推进计划已经项目办确认，签字信息不能再修改。"
    elif len(new_by) > 80:
        errors["signed_by"] = "签字人不能超过 80 个字。"
    elif new_on is not None and not new_by:
        errors["signed_by"] = "填写了签字日期，请同时填写签字的审批部门负责人。"
    if new_on is not None and new_on > _today(today):
        errors["signed_on"] = f"签字日期 {new_on:%Y-%m-%d} 晚于今天，不能填写未来的日期。"
    if errors:
        raise ValidationError(errors)
    if target is not KEEP:
        chain.target = target
    if clock_class is not KEEP:
        chain.clock_class = clock_class
    chain.signed_by, chain.signed_on = new_by, new_on
    _saved(chain, actor, "修改推进计划信息")
    _refresh(chain.project_id, today)
    return chain


@transaction.atomic
def chain_confirm(*, actor: Any, chain: Chain, today: date | None = None) -> Chain:
    """项目办确认 (REQ C3): the signed plan becomes the baseline; every later deadline change is a
    re-plan with a reason. Refused while a node has no deadline or a deadline precedes its predecessor's."""
    _require(actor, "chains.manage", chain)
    chain = _lock_chain(chain)
    if chain.confirmed_at is not None:
        raise ValidationError(
            f"推进计划已于 {timezone.localtime(chain.confirmed_at):%Y-%m-%d} 经项目办确认。"
        )
    nodes = list(chain.nodes.all())
    errors: list[str] = []
    if not chain.signed_by:
        errors.append("请先填写审批部门负责人签字（推进计划须经审批部门负责人签字后由项目办确认）。")
    if not nodes:
        errors.append("推进链条还没有节点。")
    missing = [n.name for n in nodes if n.deadline is None and not n.exempt_reason]
    if missing:
        errors.append("以下节点尚未排定完成时限：" + "、".join(missing) + "。")
    errors += [
        m for _, m in rules.check_deadlines([_spec(n) for n in nodes], {n.key: n.deadline for n in nodes})
    ]
    if errors:
        raise ValidationError(errors)
    for node in nodes:
        if node.baseline != node.deadline:
            node.baseline = node.deadline
            _saved(node, actor, "项目办确认：定为原定时限", update_fields=["baseline"])
    chain.confirmed_by, chain.confirmed_at = actor, timezone.now()
    _saved(chain, actor, "项目办确认推进计划")
    _refresh(chain.project_id, today)
    return chain


# ---------------------------------------------------------------------------------------------------
# Nodes


@transaction.atomic
def node_replan(
    *, actor: Any, node: ChainNode, deadline: date | None, reason: str = "", today: date | None = None
) -> ChainNode:
    """Change a node's deadline (the office). Before the plan is confirmed the baseline moves with it;
    after, the baseline stays and a NodeReplan records old, new, who and why (a reason is required)."""
    _require(actor, "chains.manage", node.chain)
    chain, node = _lock_node(node)
    reason = (reason or "").strip()
    if deadline is None:
        raise ValidationError({"deadline": f"请填写“{node.name}”的完成时限。"})
    if deadline == node.deadline:
        raise ValidationError({"deadline": f"“{node.name}”的完成时限已是 {deadline:%Y-%m-%d}，没有变化。"})
    if message := _outside_calendar(deadline, f"“{node.name}”的完成时限"):
        raise ValidationError({"deadline": message})
    confirmed = chain.confirmed_at is not None
    if confirmed and not reason:
        raise ValidationError({"reason": f"推进计划已确认，调整“{node.name}”的完成时限须填写调整原因。"})
    if len(reason) > 300:
        raise ValidationError({"reason": "调整原因不能超过 300 个字。"})
    nodes = list(chain.nodes.all())
    before = {n.key: n.deadline for n in nodes}
    problems = _new_problems(nodes, before, before | {node.key: deadline})
    if problems:
        raise ValidationError({"deadline": problems})
    old = node.deadline
    node.deadline = deadline
    if not confirmed:
        node.baseline = deadline
    elif node.baseline is None:
        node.baseline = old or deadline
    _saved(node, actor, f"调整完成时限：{reason}" if reason else "调整完成时限")
    if confirmed:
        NodeReplan.objects.create(
            node=node, old_deadline=old, new_deadline=deadline, reason=reason, changed_by=actor
        )
    _refresh(chain.project_id, today)
    return node


@transaction.atomic
def node_update(
    *,
    actor: Any,
    node: ChainNode,
    actual: Any = KEEP,
    note: Any = KEEP,
    responsible_person: Any = KEEP,
    exempt_reason: Any = KEEP,
    responsible_unit: Any = KEEP,
    today: date | None = None,
) -> ChainNode:
    """A node's progress (REQ C3): the unit it is assigned to (or the office) fills the actual date, note
    and responsible person; only the office marks it exempt (免办) or reassigns it. Arguments left out
    keep their value; None clears. A stage node (开工, 竣工, 投产) takes its actual date from the project's
    stage moves, so it has none of its own. A changed actual date clears the node's confirmations."""
    _require(actor, "chains.update_node", node)
    if exempt_reason is not KEEP or responsible_unit is not KEEP:
        _require(actor, "chains.manage", node.chain)
    chain, node = _lock_node(node)
    project = chain.project
    errors = _node_errors(
        node, project, actual, note, responsible_person, exempt_reason, responsible_unit, today
    )
    if errors:
        raise ValidationError(errors)
    if actual is not KEEP and actual != node.actual:
        node.actual = actual
        node.unit_confirmed_by = node.unit_confirmed_at = None
        node.office_confirmed_by = node.office_confirmed_at = None
    if note is not KEEP:
        node.note = (note or "").strip()
    if responsible_person is not KEEP:
        node.responsible_person = responsible_person
    if exempt_reason is not KEEP:
        node.exempt_reason = (exempt_reason or "").strip()
    if responsible_unit is not KEEP:
        node.responsible_unit = responsible_unit
    _saved(node, actor, "填报节点进展")
    _refresh(chain.project_id, today)
    return node


def _node_errors(node, project, actual, note, person, exempt_reason, unit, today) -> dict[str, str]:
    errors: dict[str, str] = {}
    if actual is not KEEP and actual is not None:
        if node.stage:
            errors["actual"] = (
                f"“{node.name}”的实际日期取自项目阶段变更，请到项目页变更阶段（{rules.STAGE_NODES[node.stage]}）。"
            )
        else:
            message = rules.check_actual(actual, today=_today(today), name=node.name)
            message = message or _outside_calendar(actual, f"“{node.name}”的实际完成日期")
            if message:
                errors["actual"] = message
    if note is not KEEP and len((note or "").strip()) > 300:
        errors["note"] = f"“{node.name}”的备注不能超过 300 个字。"
    if exempt_reason is not KEEP and len((exempt_reason or "").strip()) > 200:
        errors["exempt_reason"] = f"“{node.name}”的免办说明不能超过 200 个字。"
    if person is not KEEP and (message := _check_person(person, project)):
        errors["responsible_person"] = message
    if unit is not KEEP and (message := _check_unit(unit, project)):
        errors["responsible_unit"] = message
    return errors


@transaction.atomic
def node_confirm(
    *, actor: Any, node: ChainNode, office: bool = False, today: date | None = None
) -> ChainNode:
    """责任单位负责人确认 a node (the head of the unit it is assigned to), or with `office` the project
    office's confirmation of it (REQ C3)."""
    _require(actor, "chains.manage" if office else "chains.confirm_node", node.chain if office else node)
    _, node = _lock_node(node)
    now = timezone.now()
    if office:
        if node.office_confirmed_at is not None:
            raise ValidationError(f"“{node.name}”已经项目办确认。")
        node.office_confirmed_by, node.office_confirmed_at = actor, now
    else:
        if node.unit_confirmed_at is not None:
            raise ValidationError(f"“{node.name}”已经责任单位确认。")
        node.unit_confirmed_by, node.unit_confirmed_at = actor, now
    _saved(node, actor, "项目办确认节点" if office else "责任单位确认节点")
    _refresh(node.project_id, today)
    return node


def _new_key(taken: set[str]) -> str:
    number = len(taken) + 1
    while f"n{number}" in taken:
        number += 1
    return f"n{number}"


@transaction.atomic
def node_add(
    *,
    actor: Any,
    chain: Chain,
    name: str,
    phase: str,
    after: Sequence[str] = (),
    deadline: date | None = None,
    responsible_unit: Unit | None = None,
    responsible_person: Person | None = None,
    step: int | None = None,
    duration: int = 0,
    today: date | None = None,
) -> ChainNode:
    """Add a node to a chain (the office). It follows the nodes named in `after` (by key); its deadline
    may not precede theirs. Its first deadline is its baseline."""
    _require(actor, "chains.manage", chain)
    chain = _lock_chain(chain)
    node = _add(
        actor, chain, name, phase, list(after), deadline, responsible_unit, responsible_person, step, duration
    )
    _refresh(chain.project_id, today)
    return node


def _add(actor, chain, name, phase, after, deadline, unit, person, step, duration) -> ChainNode:
    nodes = list(chain.nodes.all())
    by_key = {n.key: n for n in nodes}
    name = (name or "").strip()
    errors: dict[str, Any] = {}
    if not name:
        errors["name"] = "请填写节点名称。"
    elif len(name) > 40:
        errors["name"] = "节点名称不能超过 40 个字。"
    elif any(n.name == name for n in nodes):
        errors["name"] = f"本项目的推进链条已有“{name}”节点。"
    if phase not in rules.PHASES:
        errors["phase"] = "请选择节点类别：" + "、".join(rules.PHASES.values()) + "。"
    unknown = [key for key in after if key not in by_key]
    if unknown:
        errors["after"] = "前置节点不存在：" + "、".join(unknown) + "。"
    if message := _outside_calendar(deadline, f"“{name}”的完成时限" if name else "完成时限"):
        errors["deadline"] = message
    if message := _check_unit(unit, chain.project):
        errors["responsible_unit"] = message
    if message := _check_person(person, chain.project):
        errors["responsible_person"] = message
    if errors:
        raise ValidationError(errors)
    if step is None:
        step = max((by_key[k].step for k in after), default=0) + 1
    node = ChainNode(
        chain=chain,
        project_id=chain.project_id,
        key=_new_key(set(by_key)),
        name=name,
        phase=phase,
        step=step,
        after=list(after),
        duration=duration,
        deadline=deadline,
        baseline=deadline,
        responsible_unit=unit,
        responsible_person=person,
        sort=max((n.sort for n in nodes), default=0) + 10,
    )
    before = {n.key: n.deadline for n in nodes}
    problems = _new_problems([*nodes, node], before, before | {node.key: deadline})
    if problems:
        raise ValidationError({"deadline": problems})
    _saved(node, actor, "新增节点")
    return node


@transaction.atomic
def milestone_add(
    *,
    actor: Any,
    project: Project,
    name: str,
    deadline: date | None,
    responsible_unit: Unit | None = None,
    today: date | None = None,
) -> ChainNode:
    """A monthly image-progress milestone (形象进度, REQ C4: 基础完成, 主体封顶 …) with its planned date,
    after the 开工 node when the chain has one. The chain is created when the project has none."""
    _require(actor, "chains.manage", project)
    if deadline is None:
        raise ValidationError({"deadline": f"请填写“{(name or '').strip() or '形象进度'}”的计划完成日期。"})
    chain, _ = Chain.objects.get_or_create(project=project, defaults={"created_by": actor})
    chain = _lock_chain(chain)
    start = chain.nodes.filter(stage="started").first()
    after = [start.key] if start is not None else []
    step = start.step + 1 if start is not None else None
    unit = responsible_unit or chain.project.responsible_unit
    node = _add(actor, chain, name, "milestone", after, deadline, unit, None, step, 0)
    _refresh(chain.project_id, today)
    return node


@transaction.atomic
def node_remove(*, actor: Any, node: ChainNode, today: date | None = None) -> None:
    """Remove a node nobody has worked on (the office). Nodes that followed it follow its predecessors
    instead. A stage node stays (mark it exempt if it does not apply)."""
    _require(actor, "chains.manage", node.chain)
    chain, node = _lock_node(node)
    if node.stage:
        raise ValidationError(f"“{node.name}”对应项目阶段，不能删除；如不涉及，请填写免办说明。")
    if (
        node.actual is not None
        or node.unit_confirmed_at
        or node.office_confirmed_at
        or node.evidence.exists()
    ):
        raise ValidationError(
            f"“{node.name}”已有进展（实际日期、确认或佐证材料），不能删除；如不涉及，请填写免办说明。"
        )
    nodes = list(chain.nodes.all())
    before = rules.predecessors([_spec(n) for n in nodes])[node.key]
    for other in nodes:
        if node.key in (other.after or []):
            other.after = _bridged(other.after, node.key, before)
            _saved(other, actor, f"前置节点“{node.name}”已删除", update_fields=["after"])
    node._history_user = actor
    node.delete()
    _refresh(chain.project_id, today)


def _bridged(after: list[str], removed: str, replacement: Sequence[str]) -> list[str]:
    result = [key for key in after if key != removed]
    return result + [key for key in replacement if key not in result]


@transaction.atomic
def evidence_add(
    *, actor: Any, node: ChainNode, uploaded_file: Any, today: date | None = None
) -> NodeEvidence:
    """A file proving a node's progress (批复文件, 证照, 现场照片), from the node's unit or the office."""
    _require(actor, "chains.update_node", node)
    _, node = _lock_node(node)
    if uploaded_file is None:
        raise ValidationError({"file": "请选择要上传的佐证材料。"})
    name = os.path.basename(uploaded_file.name or "")
    if not name.lower().endswith(EVIDENCE_TYPES):
        kinds = "、".join(t.lstrip(".") for t in EVIDENCE_TYPES)
        raise ValidationError({"file": f"“{name}”的文件类型不支持，请上传 {kinds} 文件。"})
    if uploaded_file.size > EVIDENCE_MAX_BYTES:
        raise ValidationError({"file": f"“{name}”超过 20 MB，请压缩后再上传。"})
    if uploaded_file.size == 0:
        raise ValidationError({"file": f"“{name}”是空文件。"})
    evidence = NodeEvidence(node=node, name=name[:120], uploaded_by=actor)
    evidence.file.save(name, uploaded_file, save=False)
    evidence.save()
    _refresh(node.project_id, today)
    return evidence


# ---------------------------------------------------------------------------------------------------
# Templates (the office's own; presets are copied first)


def _template_specs(nodes: Sequence[TemplateNode]) -> list[rules.NodeSpec]:
    return build.template_specs(nodes)


@transaction.atomic
def template_copy(*, actor: Any, template: ChainTemplate, name: str = "") -> ChainTemplate:
    """Copy a preset (or a parent jurisdiction's template) into the actor's jurisdiction, to edit."""
    _require(actor, "chains.manage_templates")
    jurisdiction = actor.jurisdiction
    if jurisdiction is None:
        raise ValidationError("您的账号没有所属辖区，不能复制模板。")
    if not template_applies(template, jurisdiction):
        raise AccessDenied("不能复制其他辖区的模板。", action="chains.manage_templates")
    name = (name or "").strip() or template.name
    if len(name) > 60:
        raise ValidationError({"name": "模板名称不能超过 60 个字。"})
    if ChainTemplate.objects.filter(jurisdiction=jurisdiction, name=name).exists():
        raise ValidationError({"name": f"{jurisdiction.name}已有名为“{name}”的模板，请换一个名称。"})
    copy = ChainTemplate(
        jurisdiction=jurisdiction,
        name=name,
        description=template.description,
        categories=list(template.categories or []),
        source=template.source,
        sort=template.sort,
    )
    _saved(copy, actor, f"复制自“{template.name}”")
    for node in template.nodes.order_by("step", "id"):
        node.pk, node.template = None, copy
        node._state.adding = True
        node.save()
    return copy


@transaction.atomic
def template_update(
    *, actor: Any, template: ChainTemplate, name: Any = KEEP, description: Any = KEEP, is_active: Any = KEEP
) -> ChainTemplate:
    _require(actor, "chains.manage_templates", template)
    template = ChainTemplate.objects.select_for_update().get(pk=template.pk)
    if name is not KEEP:
        name = (name or "").strip()
        if not name:
            raise ValidationError({"name": "请填写模板名称。"})
        taken = ChainTemplate.objects.filter(jurisdiction_id=template.jurisdiction_id, name=name)
        if taken.exclude(pk=template.pk).exists():
            raise ValidationError({"name": f"已有名为“{name}”的模板，请换一个名称。"})
        template.name = name
    if description is not KEEP:
        template.description = (description or "").strip()[:200]
    if is_active is not KEEP:
        template.is_active = bool(is_active)
    _saved(template, actor, "修改模板")
    return template


TEMPLATE_NODE_FIELDS = (
    "name",
    "phase",
    "step",
    "after",
    "duration",
    "department",
    "anchor",
    "stage",
    "starts_clock",
)


@transaction.atomic
def template_node_save(
    *, actor: Any, template: ChainTemplate, node: TemplateNode | None = None, **data: Any
) -> TemplateNode:
    """Add a node to an office's template or change one (name, step, predecessors, duration, department,
    anchor, stage). The template is checked whole: a cycle of predecessors, a missing one or two nodes
    for one stage is refused with the nodes named."""
    _require(actor, "chains.manage_templates", template)
    template = ChainTemplate.objects.select_for_update().get(pk=template.pk)
    nodes = list(template.nodes.order_by("step", "id"))
    if node is not None:
        node = next((n for n in nodes if n.pk == node.pk), None)
        if node is None:
            raise ValidationError("该节点不属于这个模板。")
    else:
        node = TemplateNode(template=template, key=_new_key({n.key for n in nodes}))
        nodes.append(node)
    for field in TEMPLATE_NODE_FIELDS:
        if field in data:
            setattr(node, field, data[field])
    node.name = (node.name or "").strip()
    node.after = list(node.after or [])
    _check_template_node(node, nodes)
    if node.starts_clock:
        template.nodes.exclude(pk=node.pk).filter(starts_clock=True).update(starts_clock=False)
    node.save()
    return node


def _check_template_node(node: TemplateNode, nodes: list[TemplateNode]) -> None:
    errors: dict[str, Any] = {}
    if not node.name:
        errors["name"] = "请填写节点名称。"
    elif any(n.name == node.name and n is not node for n in nodes):
        errors["name"] = f"本模板已有“{node.name}”节点。"
    if node.phase not in rules.PHASES:
        errors["phase"] = "请选择节点类别。"
    if node.stage and node.phase != "construction":
        errors["stage"] = f"对应项目阶段的节点“{node.name}”须属于建设节点。"
    if errors:
        raise ValidationError(errors)
    problems = rules.check_template(_template_specs(nodes))
    if problems:
        raise ValidationError({"after": problems})


@transaction.atomic
def template_node_remove(*, actor: Any, node: TemplateNode) -> None:
    """Remove a node from an office's template; the nodes that followed it follow its predecessors."""
    _require(actor, "chains.manage_templates", node.template)
    template = ChainTemplate.objects.select_for_update().get(pk=node.template_id)
    nodes = list(template.nodes.order_by("step", "id"))
    node = next(n for n in nodes if n.pk == node.pk)
    before = rules.predecessors(_template_specs(nodes))[node.key]
    rest = [n for n in nodes if n.pk != node.pk]
    for other in rest:
        if node.key in (other.after or []):
            other.after = _bridged(other.after, node.key, before)
    problems = rules.check_template(_template_specs(rest))
    if problems:
        raise ValidationError(problems)
    for other in rest:
        other.save(update_fields=["after"])
    node.delete()
