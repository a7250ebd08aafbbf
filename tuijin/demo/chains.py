"""Every demo project's promotion chain (issue 4 part 6), told around `today` like the library.

Each project gets the preset template of its category (WH19 附件1 for industry, DH24's for the others),
built by `chains.build.plan_chain` as `services.chain_apply_template` builds it: deadlines worked back
from the project's planned dates (倒排工期), departments matched against the district's units. Then what
happened by `today`, from a random stream per project (seed, project name, today; no clock):

- a started project has every approval node done or exempted (免办), before its start;
- otherwise a node well past its deadline is mostly done (some late by a few to 30 working days), some
  stay open (yellow or red), a node not yet due is open;
- stage nodes (开工, 竣工, 投产) never get a date of their own: they read the project's stage transitions;
- projects under construction get 1–3 image-progress milestones (形象进度);
- most planned projects' chains are signed and confirmed; some deadlines are then re-planned (NodeReplan
  with its reason; the baseline stays on the node), and done nodes are confirmed.

Written in bulk with their creation history (and the re-plans' change rows); `lights_recompute` then
computes every light for `today`.
"""

from __future__ import annotations

import importlib
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.apps import apps as django_apps
from django.db import connections, router

from tuijin.chains import build
from tuijin.chains import rules as chain_rules
from tuijin.chains.models import Chain, ChainNode, ChainTemplate, NodeReplan
from tuijin.core.calendar_selectors import current_calendar
from tuijin.org.models import Jurisdiction, Person, Role, Unit, User
from tuijin.projects import rules as project_rules

from .library import REASON, insert_rows, moment
from .stories import Story

UNDER_CONSTRUCTION = ("started", "construction")
IMPLEMENTED = ("new_start", "continuing", "completion")  # plan types of the year's implemented projects
# Procedures a project may not need (免办), with how often and the reason people write.
EXEMPTIONS = {
    "demolition": (0.3, "不涉及征收拆迁"),
    "land_conversion": (0.25, "项目用地已为建设用地，不涉及农用地转用"),
    "energy": (0.3, "年综合能源消费量不足1000吨标准煤，不单独进行节能审查"),
    "eia": (0.1, "列入建设项目环评豁免管理名录"),
}
LATE_NOTES = (
    "材料补正中，已督促业主单位加快报送",
    "待市级部门审批，已发函协调",
    "受征收进度影响，正在协调",
    "业主单位资金未到位，正在协调",
    "设计方案调整，重新报审",
)
REPLAN_REASONS = (
    "土地挂牌时间调整，经调度会研究顺延",
    "设计方案优化调整，按新方案重排",
    "受汛期影响，现场条件不具备",
    "上级审批权限调整，办理时限顺延",
    "业主单位申请，经项目办同意调整",
)
MILESTONES = ("基础完成", "主体结构过半", "主体封顶")
MILESTONES_WORKS = ("路基完成", "管网铺设完成", "路面完成")


@dataclass
class Org:
    """What one build's chains draw on, read once."""

    units: dict[int, list[tuple[int, str, str]]]  # jurisdiction id → its units, then its ancestors'
    handler: dict[int, int]  # unit id → the person who handles its nodes
    head_name: dict[int, str]  # unit id → its head's name (who signs the plan)
    head_account: dict[int, int]  # unit id → the unit head's account (who confirms its nodes)
    approval_bureau: dict[int, int]  # jurisdiction id → its 行政审批局


def _org(jurisdiction_ids: set[int]) -> Org:
    paths = dict(Jurisdiction.objects.filter(pk__in=jurisdiction_ids).values_list("pk", "path"))
    codes = {code for path in paths.values() for code in path.strip("/").split("/")}
    by_code = dict(Jurisdiction.objects.filter(code__in=codes).values_list("code", "pk"))
    # the project's jurisdiction first, then upward, as `services.matching_units` orders them
    ancestors = {
        pk: [by_code[c] for c in reversed(path.strip("/").split("/")) if c in by_code]
        for pk, path in paths.items()
    }
    of, bureau = _units_by_jurisdiction(set(by_code.values()))
    handler, heads = _people_by_unit(set(by_code.values()))
    accounts = User.objects.filter(role=Role.UNIT_HEAD, unit__isnull=False, is_active=True).order_by("-id")
    head_account = dict(accounts.values_list("unit_id", "pk"))  # the first account of each unit
    units = {pk: [u for a in ancestors[pk] for u in of[a]] for pk in paths}
    return Org(units, handler, heads, head_account, bureau)


def _units_by_jurisdiction(ids: set[int]) -> tuple[dict[int, list[tuple[int, str, str]]], dict[int, int]]:
    """Active units (id, name, short name) by jurisdiction, and each jurisdiction's 行政审批局."""
    rows = Unit.objects.filter(jurisdiction_id__in=ids, is_active=True).order_by("sort", "id")
    of: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    bureau: dict[int, int] = {}
    for pk, jurisdiction_id, name, short, kind in rows.values_list(
        "pk", "jurisdiction_id", "name", "short_name", "kind"
    ):
        of[jurisdiction_id].append((pk, name, short))
        if kind == "approval" and "行政审批" in name:
            bureau.setdefault(jurisdiction_id, pk)
    return of, bureau


def _people_by_unit(ids: set[int]) -> tuple[dict[int, int], dict[int, str]]:
    """Who handles a unit's nodes (its deputy head, else its liaison, else its head) and its head's name."""
    rank = {"分管负责人": 0, "项目联络员": 1, "主要负责人": 2}
    people = Person.objects.filter(unit__jurisdiction_id__in=ids, is_leader=False, is_active=True)
    handler: dict[int, int] = {}
    heads: dict[int, str] = {}
    best: dict[int, tuple[int, int]] = {}
    for pk, unit_id, name, post in people.order_by("id").values_list("pk", "unit_id", "name", "post"):
        if post == "主要负责人":
            heads.setdefault(unit_id, name)
        order = (rank.get(post, 3), pk)
        if unit_id not in best or order < best[unit_id]:
            best[unit_id], handler[unit_id] = order, pk
    return handler, heads


def _templates() -> dict[str, tuple[ChainTemplate, list]]:
    """The presets (no jurisdiction) by the project category they are for; seeded again as migration
    0002 seeds them when they are missing (a flushed database: `flush`, transactional tests)."""
    if not ChainTemplate.objects.filter(jurisdiction=None).exists():
        seeding = importlib.import_module("tuijin.chains.migrations.0002_preset_templates")
        seeding.seed(django_apps, None)
    by_category = {}
    for template in ChainTemplate.objects.filter(jurisdiction=None, is_active=True).prefetch_related("nodes"):
        nodes = sorted(template.nodes.all(), key=lambda n: (n.step, n.id))
        for category in template.categories:
            by_category.setdefault(category, (template, nodes))
    return by_category


@dataclass(slots=True)
class NodeDraft:
    """A chain node's row before it is written: the model's columns by attribute name (`insert_rows`
    reads them), without the cost of a model instance for each of a big city's 150,000 nodes."""

    project_id: int
    key: str
    name: str
    phase: str
    step: int
    after: list[str]
    responsible_unit_id: int
    deadline: date | None
    duration: int = 0
    stage: str = ""
    starts_clock: bool = False
    baseline: date | None = None
    responsible_person_id: int | None = None
    actual: date | None = None
    exempt_reason: str = ""
    note: str = ""
    unit_confirmed_by_id: int | None = None
    unit_confirmed_at: datetime | None = None
    office_confirmed_by_id: int | None = None
    office_confirmed_at: datetime | None = None
    sort: int = 0
    chain_id: int | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        self.baseline = self.deadline  # the original deadline, kept through re-plans


@dataclass(slots=True)
class ChainDraft:
    """A chain's row before it is written (see NodeDraft)."""

    project_id: int
    template_id: int
    created_by_id: int | None
    created_at: datetime
    clock_class: str = "general"
    target: date | None = None
    signed_by: str = ""
    signed_on: date | None = None
    confirmed_by_id: int | None = None
    confirmed_at: datetime | None = None
    id: int | None = None


@dataclass
class Told:
    """One project's chain before it is written."""

    story: Story
    chain: ChainDraft
    nodes: list[NodeDraft]
    replans: list[tuple[str, NodeReplan]] = field(default_factory=list)  # (node key, re-plan)


class ChainTeller:
    """Tells each story's chain: planned (with caches shared by projects of the same template, dates and
    jurisdiction), then what happened by `today`."""

    def __init__(self, *, today: date, seed: int, recorder: User | None, org: Org, templates) -> None:
        self.today, self.seed, self.recorder, self.org = today, seed, recorder, org
        self.recorder_id = recorder.pk if recorder else None
        self.templates = templates
        self.calendar = current_calendar()
        self.shapes: dict[tuple[int, int], tuple[dict[str, tuple[str, ...]], list[str]]] = {}
        self.plans: dict[tuple, list[build.PlannedNode]] = {}
        self.units: dict[tuple[int, int, int], list[int]] = {}

    # -------------------------------------------------------------------------------------------
    # The chain as planned

    def _planned(self, template, template_nodes, anchors) -> list[build.PlannedNode]:
        """`plan_chain`'s deadlines, the same for every project of the template with the same dates (its
        units are matched per jurisdiction by `_units`)."""
        key = (template.pk, *anchors.values())
        if key not in self.plans:
            self.plans[key] = build.plan_chain(
                template_nodes, anchors=anchors, calendar=self.calendar, unit_for=_no_unit
            )
        return self.plans[key]

    def _units(self, project, template, template_nodes) -> list[int]:
        """Each template node's unit for the project: `build.unit_matcher` over its jurisdiction's units
        and its ancestors', the project's responsible unit when no unit matches."""
        key = (template.pk, project.jurisdiction_id, project.responsible_unit_id)
        if key not in self.units:
            match = build.unit_matcher(self.org.units[project.jurisdiction_id], project.responsible_unit_id)
            self.units[key] = [match(node.department) for node in template_nodes]
        return self.units[key]

    def _shape(
        self, template_id: int, nodes: list[NodeDraft]
    ) -> tuple[dict[str, tuple[str, ...]], list[str]]:
        """Each node's predecessors and an order with predecessors first: the same for every chain of
        the template with as many milestones."""
        key = (template_id, len(nodes))
        if key not in self.shapes:
            specs = [_spec(n) for n in nodes]
            self.shapes[key] = (chain_rules.predecessors(specs), chain_rules.topological_order(specs))
        return self.shapes[key]

    def tell(self, story: Story) -> Told:
        project = story.project
        template, template_nodes = self.templates[project.category]
        rng = random.Random(f"{self.seed}:chain:{project.name}:{self.today.isoformat()}")
        actual = project_rules.actual_dates(
            project_rules.TransitionFacts(t.to_stage, t.on) for t in story.transitions
        )
        planned = self._planned(template, template_nodes, build.anchor_dates(project))
        units = self._units(project, template, template_nodes)
        nodes = [self._node(project, p, unit) for p, unit in zip(planned, units, strict=True)]
        if project.stage in UNDER_CONSTRUCTION and actual.get("started"):
            nodes += self._milestones(project, nodes, actual["started"], rng)
        chain = self._chain(story, template, nodes, rng)
        told = Told(story, chain, nodes)
        by_key = {n.key: n for n in nodes}
        before, order = self._shape(template.pk, nodes)
        _keep_order(order, before, by_key)
        self._exempt(nodes, rng)
        for key in order:
            node = by_key[key]
            self._happened(node, [by_key[k] for k in before[key] if k in by_key], actual, rng)
        if chain.confirmed_at is not None:
            self._replan(told, before, rng)
            self._confirm(told, rng)
        return told

    def _node(self, project, planned: build.PlannedNode, unit: int) -> NodeDraft:
        return NodeDraft(
            project_id=project.pk,
            key=planned.key,
            name=planned.name,
            phase=planned.phase,
            step=planned.step,
            after=list(planned.after),
            duration=planned.duration,
            stage=planned.stage,
            starts_clock=planned.starts_clock,
            deadline=planned.deadline,
            responsible_unit_id=unit,
            responsible_person_id=self.org.handler.get(unit),
            sort=planned.sort,
        )

    def _milestones(self, project, nodes: list[NodeDraft], started: date, rng) -> list[NodeDraft]:
        """1–3 image-progress milestones between the start and the structure's completion."""
        cal = self.calendar
        start = next(n for n in nodes if n.stage == "started")
        structure = next((n for n in nodes if n.key == "structure"), None)
        base = max(start.deadline or started, started)
        end = structure.deadline if structure is not None and structure.deadline else None
        span = cal.workdays_between(base, end) if end is not None else 0
        span = max(span, 60)
        names = MILESTONES_WORKS if project.sector == "infrastructure" else MILESTONES
        count = rng.randint(1, 3)
        milestones, previous = [], start.key
        for k in range(1, count + 1):
            deadline = cal.add_workdays(base, round(span * k / (count + 1)))
            key = f"milestone_{k}"
            milestones.append(
                NodeDraft(
                    project_id=project.pk,
                    key=key,
                    name=names[k - 1 + (3 - count)],
                    phase="milestone",
                    step=start.step + 1,
                    after=[previous],
                    deadline=deadline,
                    responsible_unit_id=project.responsible_unit_id,
                    responsible_person_id=self.org.handler.get(project.responsible_unit_id),
                    sort=start.sort + k,
                )
            )
            previous = key
        return milestones

    def _chain(self, story: Story, template, nodes: list[NodeDraft], rng) -> ChainDraft:
        project, today = story.project, self.today
        created = min(today, story.entered_on + timedelta(days=14))
        chain = ChainDraft(
            project_id=project.pk,
            template_id=template.pk,
            created_by_id=self.recorder_id,
            created_at=moment(created, 10),
        )
        planned = story.entry is not None and story.entry.plan_type in IMPLEMENTED
        if planned and any(n.deadline for n in nodes) and rng.random() < 0.85:
            self._sign(chain, project, created, rng)
        return chain

    def _sign(self, chain: ChainDraft, project, created: date, rng) -> None:
        """The plan of a project in the year's plan, signed by the approval bureau's head and confirmed by
        the project office (C3) within days of the chain being built."""
        signed = min(self.today, created + timedelta(days=rng.randint(3, 15)))
        confirmed = min(self.today, signed + timedelta(days=rng.randint(1, 5)))
        bureau = self.org.approval_bureau.get(project.jurisdiction_id)
        chain.signed_by = self.org.head_name.get(bureau, "") if bureau else ""
        chain.signed_on = signed
        chain.confirmed_by_id = self.recorder_id
        chain.confirmed_at = moment(confirmed, 16)

    # -------------------------------------------------------------------------------------------
    # What happened by today

    def _exempt(self, nodes: list[NodeDraft], rng) -> None:
        for node in nodes:
            chance, reason = EXEMPTIONS.get(node.key, (0, ""))
            if node.phase == "approval" and rng.random() < chance:
                node.exempt_reason = reason

    def _happened(self, node: NodeDraft, before: list[NodeDraft], actual: dict[str, date], rng) -> None:
        if node.stage or node.exempt_reason:
            return  # stage nodes read the transitions; exempted nodes have no date
        after = max((b.actual for b in before if b.actual), default=None)
        started = actual.get("started")
        if node.phase == "approval" and started is not None:
            node.actual = self._done_by(node, after, started, rng)
            return
        if node.phase != "approval" and started is None:
            return
        if any(b.actual is None and not b.exempt_reason and not b.stage for b in before):
            return  # its predecessor is still open
        if node.key == "structure" and actual.get("completed"):
            done = actual["completed"] - timedelta(days=rng.randint(30, 90))
            node.actual = max(done, started + timedelta(days=1)) if started else done
            node.actual = min(node.actual, actual["completed"])
            return
        self._maybe_done(node, after, started, rng)

    def _done_by(self, node: NodeDraft, after: date | None, limit: date, rng) -> date:
        """A started project's approval node: done on or before the start."""
        cal = self.calendar
        if node.deadline is None:
            done = limit - timedelta(days=rng.randint(5, 60))
        elif rng.random() < 0.75:
            done = cal.add_workdays(node.deadline, -rng.randint(0, 8))
        else:
            done = cal.add_workdays(node.deadline, rng.randint(3, 30))
        done = min(done, limit, self.today)
        return max(done, after) if after else done

    def _maybe_done(self, node: NodeDraft, after: date | None, started: date | None, rng) -> None:
        """A node of a project not yet started, or a construction node or milestone after the start."""
        cal, today = self.calendar, self.today
        if node.deadline is None or node.deadline > today:
            return
        overdue = cal.workdays_between(node.deadline, today)
        if rng.random() >= (0.97 if overdue > 60 else 0.88 if overdue > 10 else 0.55):
            if rng.random() < 0.6:
                node.note = rng.choice(LATE_NOTES)
            return
        if rng.random() < 0.7:
            done = cal.add_workdays(node.deadline, -rng.randint(0, 8))
        else:
            done = cal.add_workdays(node.deadline, rng.randint(3, 30))
        lower = [d for d in (after, started) if d]
        done = max([done, *lower]) if lower else done
        if done <= today:
            node.actual = done

    def _replan(self, told: Told, before: dict[str, tuple[str, ...]], rng) -> None:
        """A few nodes that fell behind, or will, re-planned after the chain was confirmed; the new
        deadline never passes a successor's."""
        assert told.chain.confirmed_at is not None
        confirmed = told.chain.confirmed_at.date()
        by_key = {n.key: n for n in told.nodes}
        after: dict[str, list[NodeDraft]] = defaultdict(list)
        for key, keys in before.items():
            for k in keys:
                after[k].append(by_key[key])
        for node in told.nodes:
            if len(told.replans) >= 2 or node.stage or node.exempt_reason or node.baseline is None:
                continue
            if node.actual is not None and node.actual <= node.baseline:
                continue
            if rng.random() >= 0.12:
                continue
            room = min((s.deadline for s in after[node.key] if s.deadline), default=None)
            new = self.calendar.add_workdays(node.baseline, rng.randint(5, 25))
            new = min(new, room) if room else new
            lo = node.baseline if node.baseline <= self.today else self.today - timedelta(days=30)
            hi = min(node.actual or self.today, self.today)
            lo = max(lo, confirmed)
            if new <= node.baseline or lo > hi:
                continue
            on = lo + timedelta(days=rng.randint(0, (hi - lo).days))
            told.replans.append(
                (
                    node.key,
                    NodeReplan(
                        old_deadline=node.baseline,
                        new_deadline=new,
                        reason=rng.choice(REPLAN_REASONS),
                        changed_by_id=self.recorder_id,
                        changed_at=moment(on, 15),
                    ),
                )
            )
            node.deadline = new

    def _confirm(self, told: Told, rng) -> None:
        """Done nodes confirmed by the project office, and by the unit's head where the unit has one."""
        for node in told.nodes:
            if node.actual is None:
                continue
            if rng.random() < 0.7:
                node.office_confirmed_by_id = self.recorder_id
                node.office_confirmed_at = moment(
                    min(self.today, node.actual + timedelta(days=rng.randint(1, 5))), 11
                )
            head = self.org.head_account.get(node.responsible_unit_id)
            if head is not None:
                node.unit_confirmed_by_id = head
                node.unit_confirmed_at = moment(min(self.today, node.actual + timedelta(days=1)), 10)


def _no_unit(keyword: str) -> int:
    return 0  # units are matched by ChainTeller._units


def _keep_order(order: list[str], before: dict[str, tuple[str, ...]], by_key: dict[str, NodeDraft]) -> None:
    """Worked back from a planned completion close to the start, 主体完工 can fall before 开工; the office
    moves such a deadline to its latest predecessor's before confirming (no re-plan: nothing was agreed
    yet), so the demo's chains pass `check_deadlines`."""
    for key in order:
        node = by_key[key]
        latest = max((by_key[k].deadline for k in before[key] if by_key[k].deadline), default=None)
        if node.deadline is not None and latest is not None and node.deadline < latest:
            node.deadline = node.baseline = latest


def _spec(node: NodeDraft) -> chain_rules.NodeSpec:
    return chain_rules.NodeSpec(
        key=node.key, name=node.name, step=node.step, after=tuple(node.after or ()), stage=node.stage
    )


# ---------------------------------------------------------------------------------------------------
# Writing


@dataclass
class ChainSummary:
    chains: int = 0
    nodes: int = 0
    milestones: int = 0
    replans: int = 0
    exempt: int = 0

    def line(self) -> str:
        return (
            f"推进链条：{self.chains} 个项目，节点 {self.nodes} 个（其中形象进度 {self.milestones} 个、"
            f"免办 {self.exempt} 个），时限调整 {self.replans} 次。"
        )


def write_chains(stories: list[Story], *, recorder: User | None, today: date, seed: int) -> ChainSummary:
    """Every story's chain, written in bulk after the library (the projects have their ids)."""
    if not stories:
        return ChainSummary()
    org = _org({s.project.jurisdiction_id for s in stories})
    teller = ChainTeller(today=today, seed=seed, recorder=recorder, org=org, templates=_templates())
    told = [teller.tell(story) for story in stories]
    insert_rows(Chain, [t.chain for t in told])
    project_ids = [t.story.project.pk for t in told]
    chain_ids = _chain_ids(project_ids)
    for t in told:
        t.chain.id = chain_ids[t.story.project.pk]
        for node in t.nodes:
            node.chain_id = t.chain.id
    insert_rows(ChainNode, [n for t in told for n in t.nodes])
    _write_replans([t for t in told if t.replans])
    _history([t.chain.id for t in told], recorder)
    counts = Counter(n.phase for t in told for n in t.nodes)
    return ChainSummary(
        chains=len(told),
        nodes=sum(counts.values()),
        milestones=counts["milestone"],
        replans=sum(len(t.replans) for t in told),
        exempt=sum(1 for t in told for n in t.nodes if n.exempt_reason),
    )


def _chain_ids(project_ids: list[int]) -> dict[int, int]:
    ids: dict[int, int] = {}
    for start in range(0, len(project_ids), 900):
        batch = project_ids[start : start + 900]
        ids.update(Chain.objects.filter(project_id__in=batch).values_list("project_id", "pk"))
    return ids


def _write_replans(told: list[Told]) -> None:
    """The re-plans, once their nodes have ids (read back by chain and key)."""
    if not told:
        return
    chain_ids = [t.chain.id for t in told]
    ids = {}
    for start in range(0, len(chain_ids), 900):
        rows = ChainNode.objects.filter(chain_id__in=chain_ids[start : start + 900])
        ids.update({(c, k): pk for pk, c, k in rows.values_list("pk", "chain_id", "key")})
    replans = []
    for t in told:
        for key, replan in t.replans:
            replan.node_id = ids[(t.chain.id, key)]
            replans.append(replan)
    insert_rows(NodeReplan, replans)


def _runs(ids: list[int]) -> list[tuple[int, int]]:
    """Sorted ids as (first, last) runs of consecutive ids: `BETWEEN` ranges an index serves, where a
    long `IN (…)` list made PostgreSQL scan the whole table once per batch."""
    runs: list[tuple[int, int]] = []
    for pk in sorted(ids):
        if runs and pk == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], pk)
        else:
            runs.append((pk, pk))
    return runs


def _history(chain_ids: list[int], recorder: User | None) -> None:
    """Creation rows of chains (when built) and nodes (with their original deadline, the baseline), and
    a change row per re-plan (when, why and by whom), copied by the database, range by range of the
    new chains' ids."""
    connection = connections[router.db_for_write(Chain)]
    q = connection.ops.quote_name
    chains, nodes, replans = (q(m._meta.db_table) for m in (Chain, ChainNode, NodeReplan))
    creation = ("%s", "'+'", "%s")  # reason, type, user
    copies = (
        (Chain, {}, "t.created_at", creation, f"{chains} t WHERE t.id"),
        (
            ChainNode,
            {"deadline": "t.baseline"},
            "o.created_at",
            creation,
            f"{nodes} t JOIN {chains} o ON o.id = t.chain_id WHERE t.chain_id",
        ),
        (
            ChainNode,
            {},
            "r.changed_at",
            ("r.reason", "'~'", "r.changed_by_id"),
            f"{nodes} t JOIN {replans} r ON r.node_id = t.id WHERE t.chain_id",
        ),
    )
    user = recorder.pk if recorder is not None else None
    with connection.cursor() as cursor:
        for model, select, when, (reason, kind, by), source in copies:
            historical = model.history.model
            tracked = [f.column for f in historical.tracked_fields]
            meta = ["history_date", "history_change_reason", "history_type", "history_user_id"]
            head = (
                f"INSERT INTO {q(historical._meta.db_table)} ({', '.join(map(q, [*tracked, *meta]))}) "  # noqa: S608 (quoted names from the models; values are parameters)
                f"SELECT {', '.join(select.get(c, f't.{q(c)}') for c in tracked)}, {when}, {reason}, {kind}, {by} "
                f"FROM {source} BETWEEN %s AND %s"
            )
            params = [REASON, user] if reason == "%s" else []
            for first, last in _runs(chain_ids):
                cursor.execute(head, [*params, first, last])


def chains_and_lights(
    stories: list[Story], *, recorder: User | None, today: date, seed: int, root: Jurisdiction
) -> list[str]:
    """The chains of the stories just written, then every light of `root`'s subtree for `today`."""
    from tuijin.lights.services import lights_recompute

    summary = write_chains(stories, recorder=recorder, today=today, seed=seed)
    lights_recompute(today=today, jurisdiction=root)
    return [summary.line(), light_line(root)]


def light_line(root: Jurisdiction) -> str:
    """The projects of `root`'s subtree by shown light, as the demo prints them."""
    from tuijin.lights.models import ProjectLight
    from tuijin.lights.rules import LIGHTS

    shown = Counter(
        ProjectLight.objects.filter(project__jurisdiction__path__startswith=root.path).values_list(
            "shown", flat=True
        )
    )
    parts = [f"{label} {shown[color]} 个" for color, label in LIGHTS.items() if color != "exempt"]
    return f"亮灯：{'、'.join(parts)}。"
