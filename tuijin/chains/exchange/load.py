"""Importing section `chains`: check every template, chain and node first, then upsert by natural keys
(docs/exchange.md "导入推进链条时"), then compute the imported projects' lights (lights never travel)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from tuijin.core.exchange.registry import ImportContext
from tuijin.core.exchange.schema import person_key, split_unit_key
from tuijin.org.models import Jurisdiction, Person, Unit, User
from tuijin.projects.models import Project

from .. import rules
from ..models import Chain, ChainNode, ChainTemplate, NodeReplan, TemplateNode
from .schema import (
    CHAIN_FIELDS,
    NODE_FIELDS,
    NODE_USERS,
    SECTION,
    TEMPLATE_FIELDS,
    TEMPLATE_NODE_FIELDS,
    ChainRecord,
    ChainsSection,
    NodeRecord,
    TemplateRecord,
)

BATCH = 900  # ids per IN (…) list


def import_chains(ctx: ImportContext, data: ChainsSection) -> None:
    job = ChainsImport(ctx, data)
    job.check()
    ctx.stop_if_failed()
    job.apply()
    job.compute_lights()


def _batches(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = sorted(set(ids))
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _related(path: str, other: str) -> bool:
    """Two jurisdictions on one line of the tree (the same, an ancestor or a subdivision)."""
    return path.startswith(other) or other.startswith(path)


def _specs(nodes: Iterable[Any]) -> list[rules.NodeSpec]:
    return [
        rules.NodeSpec(
            key=n.key,
            name=n.name,
            step=n.step,
            after=tuple(n.after),
            duration=n.duration,
            anchor=getattr(n, "anchor", ""),
            stage=n.stage,
        )
        for n in nodes
    ]


class ChainsImport:
    """Runs after sections `organisation` and `library` have written their records (same transaction), so
    the units, people, accounts and projects the file carries are in the database when it looks them up."""

    def __init__(self, ctx: ImportContext, data: ChainsSection) -> None:
        self.ctx, self.data = ctx, data
        self.user = ctx.actor if isinstance(ctx.actor, User) else None
        self.today = timezone.localdate()
        self._load()

    # -----------------------------------------------------------------------------------------------
    # What the database holds for everything the file mentions (a few queries, whatever the size).

    def _load(self) -> None:
        d = self.data
        nodes = [n for c in d.chains for n in c.nodes]
        unit_refs = {n.responsible_unit for n in nodes}
        person_refs = {n.responsible_person for n in nodes} - {None}
        codes = {self.ctx.root} | {t.jurisdiction_code for t in d.templates}
        codes |= {
            c.template.jurisdiction_code for c in d.chains if c.template and c.template.jurisdiction_code
        }
        codes |= {key.partition("/")[0] for key in unit_refs | person_refs | {c.project for c in d.chains}}
        self.jurisdictions = {j.code: j for j in Jurisdiction.objects.filter(code__in=codes)}
        self.root = self.jurisdictions.get(self.ctx.root)
        units = Unit.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        self.units = {(u.jurisdiction.code, u.name): u for u in units}
        self.people = _keyed(
            Person.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        )
        self.projects = _project_keys(codes)
        self._load_templates(codes)
        self._load_chains({self.projects[c.project][0] for c in d.chains if c.project in self.projects})
        names = {n.lower() for n in _usernames(d)}
        users = User.objects.annotate(lname=Lower("username")).filter(lname__in=names)
        self.users = {u.username.lower(): u.pk for u in users}

    def _load_templates(self, codes: set[str]) -> None:
        nodes = Prefetch("nodes", TemplateNode.objects.order_by("step", "id"))
        self.presets = {t.name: t for t in ChainTemplate.objects.filter(jurisdiction=None)}
        own = ChainTemplate.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        self.templates = {(t.jurisdiction.code, t.name): t for t in own.prefetch_related(nodes)}

    def _load_chains(self, project_ids: set[int]) -> None:
        self.chains: dict[int, Chain] = {}
        replans = Prefetch("replans", NodeReplan.objects.order_by("changed_at", "id"))
        nodes = Prefetch("nodes", ChainNode.objects.prefetch_related(replans))
        for batch in _batches(project_ids):
            for chain in Chain.objects.filter(project_id__in=batch).prefetch_related(nodes):
                self.chains[chain.project_id] = chain

    # -----------------------------------------------------------------------------------------------
    # Checks: report every problem, write nothing.

    def _error(self, loc: tuple[str | int, ...], message: str) -> None:
        self.ctx.error((*SECTION, *loc), message)

    def check(self) -> None:
        if self.root is None:
            self.ctx.root_missing()
            return
        self.file_templates: dict[tuple[str, str], int] = {}
        for i, template in enumerate(self.data.templates):
            self._check_template(i, template)
        seen: dict[str, int] = {}
        for i, chain in enumerate(self.data.chains):
            if chain.project in seen:
                self._error(
                    ("chains", i, "project"),
                    f"项目 “{chain.project}” 的推进链条重复（另见 chains[{seen[chain.project]}]）",
                )
            seen.setdefault(chain.project, i)
            self._check_chain(i, chain)

    def _within(self, loc: tuple, code: str) -> str | None:
        """The path of a record's jurisdiction, which must lie under the root and be the actor's to write."""
        found = self.jurisdictions.get(code)
        if found is None:
            self._error(loc, f"辖区代码 {code} 在文件和系统中都不存在")
            return None
        assert self.root is not None
        if not found.path.startswith(self.root.path):
            self._error(loc, f"辖区 {code}（{found.name}）不在本文件的根辖区 {self.ctx.root} 之下")
            return None
        if not self.ctx.may_write(found.path):
            self.ctx.deny(f"{code}（{found.name}）")
        return found.path

    def _check_template(self, i: int, t: TemplateRecord) -> None:
        loc: tuple[str | int, ...] = ("templates", i)
        self._within((*loc, "jurisdiction_code"), t.jurisdiction_code)
        mine = (t.jurisdiction_code, t.name)
        if mine in self.file_templates:
            self._error(
                (*loc, "name"),
                f"辖区 {mine[0]} 的链条模板“{t.name}”重复（另见 templates[{self.file_templates[mine]}]）",
            )
        self.file_templates.setdefault(mine, i)
        for message in rules.check_template(_specs(t.nodes)):
            self._error((*loc, "nodes"), f"链条模板“{t.name}”：{message}")

    def _check_chain(self, i: int, c: ChainRecord) -> None:
        loc: tuple[str | int, ...] = ("chains", i)
        found = self.projects.get(c.project)
        if found is None:
            self._error((*loc, "project"), f"项目 “{c.project}” 在文件和系统中都不存在")
            return
        path = self._within((*loc, "project"), c.project.partition("/")[0])
        if path is None:
            return
        self._check_template_ref(loc, c, path)
        self._check_nodes(loc, c, path)

    def _check_template_ref(self, loc: tuple, c: ChainRecord, path: str) -> None:
        ref = c.template
        if ref is None:
            return
        if ref.jurisdiction_code is None:
            if ref.name not in self.presets:
                self._error((*loc, "template", "name"), f"预置链条模板“{ref.name}”在系统中不存在")
            return
        mine = (ref.jurisdiction_code, ref.name)
        if mine not in self.file_templates and mine not in self.templates:
            self._error(
                (*loc, "template"),
                f"链条模板“{ref.name}”（辖区 {ref.jurisdiction_code}）在文件和系统中都不存在",
            )
            return
        owner = self.jurisdictions.get(ref.jurisdiction_code)
        if owner is not None and not path.startswith(owner.path):
            self._error(
                (*loc, "template"), f"链条模板“{ref.name}”属于辖区 {ref.jurisdiction_code}，不适用于本项目"
            )

    def _check_nodes(self, loc: tuple, c: ChainRecord, path: str) -> None:
        specs = _specs(c.nodes)
        problems = rules.check_template(specs)
        for message in problems:
            self._error((*loc, "nodes"), f"项目 “{c.project}” 的推进链条：{message}")
        if not problems:
            position = {n.key: k for k, n in enumerate(c.nodes)}
            for key, message in rules.check_deadlines(specs, {n.key: n.deadline for n in c.nodes}):
                self._error((*loc, "nodes", position[key], "deadline"), message)
        for k, node in enumerate(c.nodes):
            self._check_node((*loc, "nodes", k), node, path)

    def _check_node(self, loc: tuple, n: NodeRecord, path: str) -> None:
        parts = split_unit_key(n.responsible_unit)
        if parts is None:
            self._error(
                (*loc, "responsible_unit"), f"单位键应写作“辖区代码/单位名称”，实际为 “{n.responsible_unit}”"
            )
        elif parts not in self.units:
            self._error(
                (*loc, "responsible_unit"),
                f"“{n.name}”的责任单位“{parts[1]}”（辖区 {parts[0]}）在文件和系统中都不存在",
            )
        elif not _related(self.units[parts].jurisdiction.path, path):
            self._error(
                (*loc, "responsible_unit"),
                f"“{n.name}”的责任单位“{parts[1]}”不属于项目所在辖区或其上级、下级辖区",
            )
        person = n.responsible_person
        if person is not None and person not in self.people:
            self._error((*loc, "responsible_person"), f"“{n.name}”的责任人 “{person}” 在文件和系统中都不存在")
        elif person is not None and not _related(self.people[person].jurisdiction.path, path):
            self._error(
                (*loc, "responsible_person"),
                f"“{n.name}”的责任人 “{person}” 不属于项目所在辖区或其上级、下级辖区",
            )
        if n.stage and n.actual is not None:
            stage = rules.STAGE_NODES[n.stage]
            self._error(
                (*loc, "actual"),
                f"“{n.name}”对应项目阶段（{stage}），实际日期取自项目的阶段变更，不能填写 actual",
            )
        elif message := rules.check_actual(n.actual, today=self.today, name=n.name):
            self._error((*loc, "actual"), message)
        for r, replan in enumerate(n.replans):
            if self._changed_by(replan.changed_by) is None:
                who = (
                    f"账号“{replan.changed_by}”在文件和系统中都不存在"
                    if replan.changed_by
                    else "未写明调整人"
                )
                self._error(
                    (*loc, "replans", r, "changed_by"),
                    f"“{n.name}”的时限调整{who}；命令行导入时调整人须是系统或文件 organisation 数据段中的账号",
                )

    def _user_id(self, username: str | None) -> int | None:
        """An account by username; one the installation lacks leaves the field empty."""
        return self.users.get(username.lower()) if username else None

    def _changed_by(self, username: str | None) -> int | None:
        """Who re-planned: the account, else the importing user (a re-plan always names somebody)."""
        return self._user_id(username) or (self.user.pk if self.user is not None else None)

    # -----------------------------------------------------------------------------------------------
    # Writes: only after every check passed, inside the service's transaction.

    def _sign(self, obj: Any) -> None:
        obj._change_reason, obj._history_user = self.ctx.reason, self.user

    def _changed(self, obj: Any, values: dict[str, Any]) -> bool:
        changed = {name: value for name, value in values.items() if getattr(obj, name) != value}
        for name, value in changed.items():
            setattr(obj, name, value)
        return bool(changed)

    def apply(self) -> None:
        for template in self.data.templates:
            self._apply_template(template)
        self.new_nodes: list[tuple[ChainNode, NodeRecord]] = []
        self.new_replans: list[tuple[NodeReplan, datetime | None]] = []
        self.chain_stamps: dict[datetime, list[int]] = defaultdict(list)
        for record in self.data.chains:
            self._apply_chain(record)
        self._flush()

    def _apply_template(self, t: TemplateRecord) -> None:
        key = (t.jurisdiction_code, t.name)
        template = self.templates.get(key)
        values = {name: getattr(t, name) for name in TEMPLATE_FIELDS}
        if template is None:
            template = ChainTemplate(
                jurisdiction=self.jurisdictions[t.jurisdiction_code], name=t.name, **values
            )
            outcome = "created"
        else:
            outcome = "updated" if self._changed(template, values) else "unchanged"
        if outcome != "unchanged":
            self._sign(template)
            template.save()
        self.templates[key] = template
        held = {} if outcome == "created" else {n.key: n for n in template.nodes.all()}
        for node in t.nodes:
            values = {name: getattr(node, name) for name in TEMPLATE_NODE_FIELDS}
            existing = held.pop(node.key, None)
            if existing is None:
                TemplateNode.objects.create(template=template, key=node.key, **values)
                self.ctx.count("template_nodes", "created")
            elif self._changed(existing, values):
                existing.save()
                self.ctx.count("template_nodes", "updated")
            else:
                self.ctx.count("template_nodes", "unchanged")
        for gone in held.values():
            gone.delete()
            self.ctx.count("template_nodes", "removed")
        if held and outcome == "unchanged":
            outcome = "updated"
        self.ctx.count("chain_templates", outcome)

    def _template_id(self, c: ChainRecord) -> int | None:
        ref = c.template
        if ref is None:
            return None
        if ref.jurisdiction_code is None:
            return self.presets[ref.name].pk
        return self.templates[(ref.jurisdiction_code, ref.name)].pk

    def _apply_chain(self, c: ChainRecord) -> None:
        project_id = self.projects[c.project][0]
        values = {name: getattr(c, name) for name in CHAIN_FIELDS}
        values |= {
            "template_id": self._template_id(c),
            "confirmed_by_id": self._user_id(c.confirmed_by),
            "created_by_id": self._user_id(c.created_by),
        }
        chain = self.chains.get(project_id)
        if chain is None:
            chain, outcome = Chain(project_id=project_id, **values), "created"
            self._sign(chain)
            chain.save()
            if c.created_at is not None:
                self.chain_stamps[c.created_at].append(chain.pk)
        else:
            outcome = "updated" if self._changed(chain, values) else "unchanged"
            if outcome == "updated":
                self._sign(chain)
                chain.save()
        self.ctx.count("chains", outcome)
        held = {} if outcome == "created" else {n.key: n for n in chain.nodes.all()}
        for record in c.nodes:
            self._apply_node(chain, record, held.pop(record.key, None))
        for gone in held.values():
            self._sign(gone)
            gone.delete()
            self.ctx.count("chain_nodes", "removed")

    def _node_values(self, chain: Chain, n: NodeRecord) -> dict[str, Any]:
        unit = self.units[split_unit_key(n.responsible_unit)]  # type: ignore[index]
        return {
            **{name: getattr(n, name) for name in NODE_FIELDS},
            **{f"{name}_id": self._user_id(getattr(n, name)) for name in NODE_USERS},
            "responsible_unit_id": unit.pk,
            "responsible_person_id": self.people[n.responsible_person].pk if n.responsible_person else None,
            "project_id": chain.project_id,
        }

    def _apply_node(self, chain: Chain, n: NodeRecord, node: ChainNode | None) -> None:
        values = self._node_values(chain, n)
        if node is None:
            self.new_nodes.append((ChainNode(chain_id=chain.pk, key=n.key, **values), n))
            self.ctx.count("chain_nodes", "created")
            return
        if self._changed(node, values):
            self._sign(node)
            node.save()
            self.ctx.count("chain_nodes", "updated")
        else:
            self.ctx.count("chain_nodes", "unchanged")
        self._apply_replans(node, n, list(node.replans.all()))

    def _apply_replans(self, node: ChainNode, n: NodeRecord, held: list[NodeReplan]) -> None:
        """A node's re-plans are its whole set: rows the same in every field stay, the file's others are
        added, the system's others removed."""
        pool: dict[tuple, list[NodeReplan]] = defaultdict(list)
        for replan in held:
            pool[_replan_signature(replan)].append(replan)
        for record in n.replans:
            values = {
                "old_deadline": record.old_deadline,
                "new_deadline": record.new_deadline,
                "reason": record.reason,
                "changed_by_id": self._changed_by(record.changed_by),
            }
            same = pool.get(_replan_signature(values))
            if same:
                same.pop(0)
                self.ctx.count("node_replans", "unchanged")
                continue
            self.new_replans.append((NodeReplan(node_id=node.pk, **values), record.changed_at))
            self.ctx.count("node_replans", "created")
        for replan in [r for rows in pool.values() for r in rows]:
            replan.delete()
            self.ctx.count("node_replans", "removed")

    def _flush(self) -> None:
        """New nodes in bulk with their history rows, then their re-plans, then the moments the file
        carries for what the database stamps itself (a chain's creation, a re-plan's time)."""
        nodes = [node for node, _ in self.new_nodes]
        if nodes:
            bulk_create_with_history(
                nodes,
                ChainNode,
                batch_size=1000,
                default_user=self.user,
                default_change_reason=self.ctx.reason,
            )
            if any(node.pk is None for node in nodes):  # a database that does not return new ids
                ids = dict(
                    ((c, k), pk)
                    for c, k, pk in ChainNode.objects.filter(
                        chain_id__in={n.chain_id for n in nodes}
                    ).values_list("chain_id", "key", "pk")
                )
                for node in nodes:
                    node.pk = ids[(node.chain_id, node.key)]
        for node, record in self.new_nodes:
            for replan in record.replans:
                values = {
                    "old_deadline": replan.old_deadline,
                    "new_deadline": replan.new_deadline,
                    "reason": replan.reason,
                    "changed_by_id": self._changed_by(replan.changed_by),
                }
                self.new_replans.append((NodeReplan(node_id=node.pk, **values), replan.changed_at))
                self.ctx.count("node_replans", "created")
        NodeReplan.objects.bulk_create([r for r, _ in self.new_replans], batch_size=1000)
        self._stamp(Chain, "created_at", self.chain_stamps)
        replan_stamps: dict[datetime, list[int]] = defaultdict(list)
        for replan, moment in self.new_replans:
            if moment is not None:
                replan_stamps[moment].append(replan.pk)
        self._stamp(NodeReplan, "changed_at", replan_stamps)

    def _stamp(self, model: type, field: str, stamps: dict[datetime, list[int]]) -> None:
        for moment, ids in stamps.items():
            for batch in _batches(ids):
                model.objects.filter(pk__in=batch).update(**{field: moment})

    def compute_lights(self) -> None:
        """Lights are computed, never imported: every project of the root's subtree, for today."""
        if not self.data.chains or self.root is None:
            return
        from tuijin.lights.services import lights_recompute

        lights_recompute(today=self.today, jurisdiction=self.root)


def _replan_signature(row: Any) -> tuple:
    get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name))
    return tuple(get(name) for name in ("old_deadline", "new_deadline", "reason", "changed_by_id"))


def _keyed(queryset) -> dict[str, Any]:
    """People keyed "<jurisdiction code>/<name>" (#2 … for namesakes, by id), as the export names them."""
    seen: Counter[str] = Counter()
    keyed = {}
    for obj in queryset.order_by("id"):
        base = f"{obj.jurisdiction.code}/{obj.name}"
        seen[base] += 1
        keyed[person_key(obj.jurisdiction.code, obj.name, seen[base])] = obj
    return keyed


def _project_keys(codes: set[str]) -> dict[str, tuple[int, str]]:
    """Project key → (id, jurisdiction path) for the projects of these jurisdictions (projects.exchange
    numbers namesakes the same way)."""
    rows = (
        Project.objects.filter(jurisdiction__code__in=codes)
        .order_by("id")
        .values_list("id", "jurisdiction__code", "jurisdiction__path", "name")
    )
    seen: Counter[tuple[str, str]] = Counter()
    keys = {}
    for pk, code, path, name in rows:
        seen[(code, name)] += 1
        keys[person_key(code, name, seen[(code, name)])] = (pk, path)
    return keys


def _usernames(d: ChainsSection) -> set[str]:
    names = {name for c in d.chains for name in (c.confirmed_by, c.created_by)}
    for node in (n for c in d.chains for n in c.nodes):
        names |= {node.unit_confirmed_by, node.office_confirmed_by}
        names |= {r.changed_by for r in node.replans}
    return names - {None, ""}
