"""Importing section `library`: check every record and reference first, then upsert by natural keys
(docs/exchange.md "导入项目库时")."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from tuijin.core.exchange.registry import ImportContext
from tuijin.core.exchange.schema import (
    person_key,
    person_key_ordinal,
    split_unit_key,
)
from tuijin.org.models import Jurisdiction, Person, Unit, User

from .. import rules
from ..models import (
    AnnualPlan,
    FundingSource,
    Handover,
    InvestmentEntry,
    PlanChange,
    PlanEntry,
    Project,
    ProjectTag,
    StageTransition,
)
from .schema import (
    HANDOVER_FIELDS,
    PERSON_FIELDS,
    PLAIN_FIELDS,
    SECTION,
    UNIT_FIELDS,
    LibrarySection,
    PlanRecord,
    ProjectRecord,
    as_money,
)


def import_library(ctx: ImportContext, data: LibrarySection) -> None:
    job = LibraryImport(ctx, data)
    job.check()
    ctx.stop_if_failed()
    job.apply()


PREFETCH = (
    "tags",
    "secondary_units",
    Prefetch("funding_sources", FundingSource.objects.order_by("id")),
    Prefetch("transitions", StageTransition.objects.order_by("on", "id")),
    "handovers",
    "investment_entries",
)
# validate_project's field → the record's field
FACT_FIELDS = {"funding": "funding_sources"}


class LibraryImport:
    """Runs after section `organisation` has written its records (same transaction), so every unit,
    person and account the file carries is in the database when these checks look them up."""

    def __init__(self, ctx: ImportContext, data: LibrarySection) -> None:
        self.ctx, self.data = ctx, data
        # the author of every history row the import writes (None: the command line, as the system)
        self.user = ctx.actor if isinstance(ctx.actor, User) else None
        self.file_keys: dict[str, int] = {}  # project key → position in projects
        self.ordinals: dict[int, int] = {}
        self.resolved_paths: dict[str, str] = {}  # project key → jurisdiction path
        self._load()

    # -----------------------------------------------------------------------------------------------
    # What the database holds for everything the file mentions (a few queries, whatever the size).

    def _load(self) -> None:
        d = self.data
        unit_refs = {key for p in d.projects for key in _unit_refs(p)}
        person_refs = {getattr(p, name) for p in d.projects for name in PERSON_FIELDS} - {None}
        project_refs = {r.project for plan in d.annual_plans for r in [*plan.entries, *plan.changes]}
        codes = {self.ctx.root} | {r.jurisdiction_code for r in [*d.projects, *d.annual_plans]}
        codes |= {key.partition("/")[0] for key in unit_refs | person_refs | project_refs}
        self.jurisdictions = {j.code: j for j in Jurisdiction.objects.filter(code__in=codes)}
        self.root = self.jurisdictions.get(self.ctx.root)
        units = Unit.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        self.units = {(u.jurisdiction.code, u.name): u for u in units}
        self.people = _keyed(
            Person.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        )
        self.db_projects = _keyed(
            Project.objects.filter(jurisdiction__code__in=codes)
            .select_related("jurisdiction")
            .prefetch_related(*PREFETCH)
        )
        self.db_namesakes = Counter(key.partition("#")[0] for key in self.db_projects)
        wanted_codes = {rules.normalise_code(p.code) for p in d.projects if p.code}
        self.codes_in_use = {
            p.code: p for p in Project.objects.filter(code__in=wanted_codes).select_related("jurisdiction")
        }
        names = {n.lower() for n in _usernames(d)}
        users = User.objects.annotate(lname=Lower("username")).filter(lname__in=names)
        self.users = {u.username.lower(): u.pk for u in users}
        self.tags = {t.name: t for t in ProjectTag.objects.all()}
        plans = AnnualPlan.objects.filter(jurisdiction__code__in=codes).select_related("jurisdiction")
        plans = plans.prefetch_related(
            "entries", Prefetch("changes", PlanChange.objects.order_by("decided_on", "id"))
        )
        self.db_plans = {(p.jurisdiction.code, p.year): p for p in plans}

    # -----------------------------------------------------------------------------------------------
    # Checks: report every problem, write nothing.

    def _error(self, loc: tuple[str | int, ...], message: str) -> None:
        self.ctx.error((*SECTION, *loc), message)

    def check(self) -> None:
        if self.root is None:
            self.ctx.root_missing()
            return
        seen: dict[str, int] = {}
        for i, tag in enumerate(self.data.tags):
            if tag.name in seen:
                self._error(("tags", i, "name"), f"项目级别“{tag.name}”重复（另见 tags[{seen[tag.name]}]）")
            seen.setdefault(tag.name, i)
        self.known_tags = set(self.tags) | set(seen)
        self._check_keys()
        codes: dict[str, int] = {}
        for i, record in enumerate(self.data.projects):
            self._check_project(i, record, codes)
        self._check_plans()

    def _within(self, loc: tuple, code: str) -> str | None:
        """The path of a record's jurisdiction, which must lie under the root and be the actor's to write."""
        found = self.jurisdictions.get(code)
        if found is None:
            self._error(loc, f"辖区代码 {code} 在文件和系统中都不存在")
            return None
        if not found.path.startswith(self.root.path):
            self._error(loc, f"辖区 {code}（{found.name}）不在本文件的根辖区 {self.ctx.root} 之下")
            return None
        if not self.ctx.may_write(found.path):
            self.ctx.deny(f"{code}（{found.name}）")
        return found.path

    def _near(self, path: str) -> bool:
        """Units and people a project refers to lie under the root or above it (a city leader or a city
        department may take part in a district's project), never in another subtree."""
        return path.startswith(self.root.path) or self.root.path.startswith(path)

    def _unit(self, loc: tuple, key: str | None) -> None:
        if key is None:
            return
        parts = split_unit_key(key)
        if parts is None:
            self._error(loc, f"单位键应写作“辖区代码/单位名称”，实际为 “{key}”")
        elif parts not in self.units:
            self._error(loc, f"单位“{parts[1]}”（辖区 {parts[0]}）在文件和系统中都不存在")
        elif not self._near(self.units[parts].jurisdiction.path):
            self._error(loc, f"单位“{key}”不在本文件的根辖区 {self.ctx.root} 及其上级辖区内")

    def _person(self, loc: tuple, key: str | None) -> None:
        if key is None:
            return
        if key not in self.people:
            self._error(loc, f"人员 “{key}” 在文件和系统中都不存在")
        elif not self._near(self.people[key].jurisdiction.path):
            self._error(loc, f"人员 “{key}” 不在本文件的根辖区 {self.ctx.root} 及其上级辖区内")

    def _check_keys(self) -> None:
        """Project keys as person keys: "<code>/<name>", "#2" … for namesakes, continuing the numbering
        the database has (schema.person_key), so keys stay the same after import."""
        by_base: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(self.data.projects):
            base = f"{p.jurisdiction_code}/{p.name}"
            ordinal = person_key_ordinal(p.key, p.jurisdiction_code, p.name)
            if ordinal is None:
                self._error(
                    ("projects", i, "key"),
                    f"项目键应为 “{base}”（同名时依次为 “{base}#2”…），实际为 “{p.key}”",
                )
            elif p.key in self.file_keys:
                self._error(
                    ("projects", i, "key"), f"项目键 “{p.key}” 重复（另见 projects[{self.file_keys[p.key]}]）"
                )
            else:
                self.file_keys[p.key], self.ordinals[i] = i, ordinal
                by_base[base].append(i)
        for base, positions in by_base.items():
            held = self.db_namesakes[base]
            new = sorted(self.ordinals[i] for i in positions if self.ordinals[i] > held)
            if new != list(range(held + 1, held + 1 + len(new))):
                first = min(positions, key=lambda i: self.ordinals[i])
                expected = person_key(*base.split("/", 1), held + 1)
                self._error(
                    ("projects", first, "key"),
                    f"同名项目 “{base}” 的键应连续编号：系统中已有 {held} 个，新增的应从 “{expected}” 起依次编号",
                )

    def _check_project(self, i: int, p: ProjectRecord, codes: dict[str, int]) -> None:
        loc: tuple[str | int, ...] = ("projects", i)
        path = self._within((*loc, "jurisdiction_code"), p.jurisdiction_code)
        if path is not None:
            self.resolved_paths[p.key] = path
            self._check_code(i, p, path, codes)
        facts = rules.ProjectFacts(
            name=p.name,
            category=p.category,
            total_investment=p.total_investment,
            planned_start=p.planned_start,
            planned_completion=p.planned_completion,
            planned_production=p.planned_production,
            longitude=p.longitude,
            latitude=p.latitude,
            funding=tuple(f.amount for f in p.funding_sources),
            planned_start_precision=p.planned_start_precision,
            planned_completion_precision=p.planned_completion_precision,
            planned_production_precision=p.planned_production_precision,
        )
        for name, message in rules.validate_project(facts).items():
            self._error((*loc, FACT_FIELDS.get(name, name)), message)
        for name in UNIT_FIELDS:
            self._unit((*loc, name), getattr(p, name))
        for name in PERSON_FIELDS:
            self._person((*loc, name), getattr(p, name))
        for k, tag in enumerate(p.tags):
            if tag not in self.known_tags:
                self._error((*loc, "tags", k), f"项目级别“{tag}”在文件的 tags 和系统中都不存在")
        _once(self, (*loc, "secondary_units"), p.secondary_units, "配合单位")
        for k, key in enumerate(p.secondary_units):
            self._unit((*loc, "secondary_units", k), key)
        self._check_rows(loc, p)

    def _check_code(self, i: int, p: ProjectRecord, path: str, codes: dict[str, int]) -> None:
        if not p.code:
            return
        loc = ("projects", i, "code")
        found = self.jurisdictions[p.jurisdiction_code]
        check = rules.check_project_code(
            p.code,
            jurisdiction_codes=path.strip("/").split("/"),
            jurisdiction_name=found.name,
            today=timezone.localdate(),
        )
        for message in check.errors:
            self._error(loc, message)
        if check.code in codes:
            self._error(loc, f"项目代码 {check.code} 重复（另见 projects[{codes[check.code]}]）")
        codes.setdefault(check.code, i)
        holder, target = self.codes_in_use.get(check.code), self.db_projects.get(p.key)
        if holder is not None and (target is None or holder.pk != target.pk):
            self._error(
                loc,
                f"项目代码 {check.code} 已被系统中的项目“{holder.name}”（辖区 {holder.jurisdiction.code}）使用",
            )

    def _check_rows(self, loc: tuple, p: ProjectRecord) -> None:
        started: date | None = None
        for k, t in enumerate(p.transitions):
            if t.to_stage == "started":
                started = t.on
            elif t.to_stage in ("completed", "producing") and started is not None and t.on < started:
                self._error(
                    (*loc, "transitions", k, "on"), f"竣工/投产日期 {t.on} 早于实际开工日期 {started}"
                )
        _once(self, (*loc, "handovers"), [h.kind for h in p.handovers], "移交类型", field="kind")
        for k, h in enumerate(p.handovers):
            self._unit((*loc, "handovers", k, "from_unit"), h.from_unit)
            self._unit((*loc, "handovers", k, "to_unit"), h.to_unit)
        months = [f"{e.year}年{e.month}月" for e in p.investment_entries]
        _once(self, (*loc, "investment_entries"), months, "月份", field="month")

    def _check_plans(self) -> None:
        seen: dict[tuple[str, int], int] = {}
        years = {(p.jurisdiction_code, p.year) for p in self.data.annual_plans} | set(self.db_plans)
        for i, plan in enumerate(self.data.annual_plans):
            loc: tuple[str | int, ...] = ("annual_plans", i)
            path = self._within((*loc, "jurisdiction_code"), plan.jurisdiction_code)
            mine = (plan.jurisdiction_code, plan.year)
            if mine in seen:
                self._error(
                    (*loc, "year"),
                    f"辖区 {mine[0]} 的 {mine[1]} 年计划重复（另见 annual_plans[{seen[mine]}]）",
                )
            seen.setdefault(mine, i)
            rolled = plan.rolled_from_year
            if rolled is not None and (rolled >= plan.year or (plan.jurisdiction_code, rolled) not in years):
                self._error(
                    (*loc, "rolled_from_year"),
                    f"结转自的年度计划（{plan.jurisdiction_code} {rolled} 年）应早于本计划，且在文件或系统中存在",
                )
            listed: dict[str, int] = {}
            for k, entry in enumerate(plan.entries):
                eloc = (*loc, "entries", k)
                if entry.project in listed:
                    self._error(
                        (*eloc, "project"),
                        f"项目 “{entry.project}” 在计划中重复（另见 entries[{listed[entry.project]}]）",
                    )
                listed.setdefault(entry.project, k)
                self._plan_project((*eloc, "project"), entry.project, path)
                if entry.monthly_targets and len(entry.monthly_targets) != 12:
                    self._error(
                        (*eloc, "monthly_targets"),
                        f"月度目标应为空或 12 个月，实际为 {len(entry.monthly_targets)} 个",
                    )
                elif message := rules.validate_monthly_targets(
                    entry.monthly_targets, entry.planned_investment
                ):
                    self._error((*eloc, "monthly_targets"), message)
            for k, change in enumerate(plan.changes):
                self._plan_project((*loc, "changes", k, "project"), change.project, path)

    def _plan_project(self, loc: tuple, key: str, plan_path: str | None) -> None:
        """A plan lists projects of its own jurisdiction or its subdivisions, from the file or the system."""
        if key in self.file_keys:
            path = self.resolved_paths.get(key)
        elif key in self.db_projects:
            path = self.db_projects[key].jurisdiction.path
        else:
            self._error(loc, f"项目 “{key}” 在文件和系统中都不存在")
            return
        if path and plan_path and not path.startswith(plan_path):
            self._error(loc, f"项目 “{key}” 不属于本计划的辖区")

    # -----------------------------------------------------------------------------------------------
    # Writes: only after every check passed, inside the service's transaction.

    def apply(self) -> None:
        self.pending: dict[type, list] = defaultdict(list)
        self.stamps: dict[type, list[tuple[Any, datetime]]] = defaultdict(list)
        for tag in self.data.tags:
            if tag.name in self.tags:
                self.ctx.count("tags", "unchanged")
            else:
                self.tags[tag.name] = ProjectTag.objects.create(**tag.model_dump())
                self.ctx.count("tags", "created")
        self.project_ids = {key: p.pk for key, p in self.db_projects.items()}
        order = sorted(range(len(self.data.projects)), key=lambda i: self.ordinals[i])
        for i in order:
            self._apply_project(self.data.projects[i])
        for plan in sorted(self.data.annual_plans, key=lambda p: p.year):
            self._apply_plan(plan)
        self._flush()

    def _upsert(self, obj: Any, model: type, values: dict[str, Any]) -> tuple[Any, str]:
        """Create, update only what differs, or leave alone; returns the record and what happened."""
        if obj is None:
            obj, outcome = model(**values), "created"
        else:
            changed = {name: value for name, value in values.items() if getattr(obj, name) != value}
            if not changed:
                return obj, "unchanged"
            for name, value in changed.items():
                setattr(obj, name, value)
            outcome = "updated"
        self._sign(obj)
        obj.save()
        return obj, outcome

    def _sign(self, obj: Any) -> None:
        """The next history row of `obj` names the importing user and the import."""
        obj._change_reason, obj._history_user = self.ctx.reason, self.user

    def _unit_id(self, key: str | None) -> int | None:
        return self.units[split_unit_key(key)].pk if key else None  # type: ignore[index]

    def _user_id(self, username: str | None) -> int | None:
        """The recorder, by username; an account the importing system lacks leaves it empty."""
        return self.users.get(username.lower()) if username else None

    def _apply_project(self, p: ProjectRecord) -> None:
        values = {name: getattr(p, name) for name in PLAIN_FIELDS}
        values |= {
            "jurisdiction_id": self.jurisdictions[p.jurisdiction_code].pk,
            "code": rules.normalise_code(p.code) if p.code else "",
            "total_investment": p.total_investment,
            "longitude": p.longitude,
            "latitude": p.latitude,
            **{f"{name}_id": self._unit_id(getattr(p, name)) for name in UNIT_FIELDS},
            **{
                f"{name}_id": self.people[getattr(p, name)].pk if getattr(p, name) else None
                for name in PERSON_FIELDS
            },
        }
        existing = self.db_projects.get(p.key)
        project, outcome = self._upsert(existing, Project, values)
        self.project_ids[p.key] = project.pk
        tags = {self.tags[name].pk for name in p.tags}
        units = {self._unit_id(key) for key in p.secondary_units}
        held_tags = set() if existing is None else {t.pk for t in existing.tags.all()}
        held_units = set() if existing is None else {u.pk for u in existing.secondary_units.all()}
        self._sign(project)  # the history rows the tag and unit changes below write
        if tags != held_tags:
            project.tags.set(tags)
            outcome = outcome if outcome == "created" else "updated"
        if units != held_units:
            project.secondary_units.set(units)
            outcome = outcome if outcome == "created" else "updated"
        self.ctx.count("projects", outcome)
        self._apply_rows(project, p, fresh=existing is None)

    def _apply_rows(self, project: Project, p: ProjectRecord, *, fresh: bool) -> None:
        of = {"project_id": project.pk}
        held = (lambda name: []) if fresh else (lambda name: list(getattr(project, name).all()))
        self._match(
            "funding_sources",
            FundingSource,
            held("funding_sources"),
            [of | {"kind": f.kind, "amount": f.amount, "note": f.note} for f in p.funding_sources],
        )
        self._match(
            "stage_transitions",
            StageTransition,
            held("transitions"),
            [
                of
                | {
                    "from_stage": t.from_stage,
                    "to_stage": t.to_stage,
                    "on": t.on,
                    "note": t.note,
                    "document": t.document,
                    "recorded_by_id": self._user_id(t.recorded_by),
                }
                for t in p.transitions
            ],
            stamps=[t.recorded_at for t in p.transitions],
        )
        handovers = [
            of
            | {name: getattr(h, name) for name in ("kind", *HANDOVER_FIELDS)}
            | {
                "from_unit_id": self._unit_id(h.from_unit),
                "to_unit_id": self._unit_id(h.to_unit),
                "recorded_by_id": self._user_id(h.recorded_by),
            }
            for h in p.handovers
        ]
        self._by_key("handovers", Handover, held("handovers"), handovers, ("kind",))
        entries = [
            of
            | {
                "year": e.year,
                "month": e.month,
                "amount": e.amount,
                "source": e.source,
                "note": e.note,
                "recorded_by_id": self._user_id(e.recorded_by),
            }
            for e in p.investment_entries
        ]
        stamps = [e.recorded_at for e in p.investment_entries]
        self._by_key(
            "investment_entries",
            InvestmentEntry,
            held("investment_entries"),
            entries,
            ("year", "month"),
            stamps,
        )

    def _match(
        self, kind: str, model: type, held: list, wanted: list[dict], stamps: list | None = None
    ) -> None:
        """Rows without a key of their own (funding, transitions, plan changes): a row the same in every
        field is left alone, the file's other rows are added, the system's other rows removed."""
        fields = list(wanted[0]) if wanted else []
        pool: dict[tuple, list] = defaultdict(list)
        for obj in held:
            pool[_signature(obj, fields)].append(obj)
        for n, values in enumerate(wanted):
            same = pool.get(_signature(values, fields))
            if same:
                same.pop(0)
                self.ctx.count(kind, "unchanged")
            else:
                self._create(kind, model, values, stamps[n] if stamps else None)
        for obj in [o for objs in pool.values() for o in objs]:
            self._remove(kind, obj)

    def _by_key(
        self,
        kind: str,
        model: type,
        held: list,
        wanted: list[dict],
        key: tuple[str, ...],
        stamps: list | None = None,
    ) -> None:
        """Rows with a key (a hand-over's kind, an entry's month, a plan's project): upsert, remove the rest."""
        by_key = {tuple(getattr(obj, name) for name in key): obj for obj in held}
        for n, values in enumerate(wanted):
            obj = by_key.pop(tuple(values[name] for name in key), None)
            if obj is None:
                self._create(kind, model, values, stamps[n] if stamps else None)
                continue
            changed = {name: v for name, v in values.items() if not _same(getattr(obj, name), v)}
            if not changed:
                self.ctx.count(kind, "unchanged")
                continue
            for name, v in changed.items():
                setattr(obj, name, v)
            self._sign(obj)
            obj.save()
            if stamps and stamps[n] is not None:
                self.stamps[model].append((obj, stamps[n]))
            self.ctx.count(kind, "updated")
        for obj in by_key.values():
            self._remove(kind, obj)

    def _create(self, kind: str, model: type, values: dict, stamp: datetime | None) -> None:
        obj = model(**values)
        self.pending[model].append(obj)
        if stamp is not None:
            self.stamps[model].append((obj, stamp))
        self.ctx.count(kind, "created")

    def _remove(self, kind: str, obj: Any) -> None:
        self._sign(obj)
        obj.delete()
        self.ctx.count(kind, "removed")

    def _apply_plan(self, plan: PlanRecord) -> None:
        existing = self.db_plans.get((plan.jurisdiction_code, plan.year))
        jurisdiction = self.jurisdictions[plan.jurisdiction_code]
        rolled = (
            self.db_plans.get((plan.jurisdiction_code, plan.rolled_from_year))
            if plan.rolled_from_year
            else None
        )
        values = {
            "jurisdiction_id": jurisdiction.pk,
            "year": plan.year,
            "title": plan.title,
            "document": plan.document,
            "start_rate_target": plan.start_rate_target,
            "investment_rate_target": plan.investment_rate_target,
            "completion_rate_target": plan.completion_rate_target,
            "early_planning_target": plan.early_planning_target,
            "rolled_from_id": rolled.pk if rolled else None,
        }
        saved, outcome = self._upsert(existing, AnnualPlan, values)
        self.db_plans[(plan.jurisdiction_code, plan.year)] = saved
        self.ctx.count("annual_plans", outcome)
        of = {"plan_id": saved.pk}
        entries = [
            of
            | {
                "project_id": self.project_ids[e.project],
                "plan_type": e.plan_type,
                "planned_investment": e.planned_investment,
                "monthly_targets": [None if t is None else str(t) for t in e.monthly_targets],
                "annual_content": e.annual_content,
                "removed": e.removed,
                "sort": e.sort,
            }
            for e in plan.entries
        ]
        held = [] if existing is None else list(saved.entries.all())
        self._by_key("plan_entries", PlanEntry, held, entries, ("project_id",))
        changes = [
            of
            | {
                "project_id": self.project_ids[c.project],
                "kind": c.kind,
                "decided_by": c.decided_by,
                "decided_on": c.decided_on,
                "document_number": c.document_number,
                "reason": c.reason,
                "details": c.details,
                "recorded_by_id": self._user_id(c.recorded_by),
            }
            for c in plan.changes
        ]
        held = [] if existing is None else list(saved.changes.all())
        self._match("plan_changes", PlanChange, held, changes, stamps=[c.recorded_at for c in plan.changes])

    def _flush(self) -> None:
        """New rows in bulk, model by model (with their history rows where the model keeps history), then
        the recording times the file carries."""
        for model, objs in self.pending.items():
            if hasattr(model, "history"):
                bulk_create_with_history(
                    objs,
                    model,
                    batch_size=1000,
                    default_user=self.user,
                    default_change_reason=self.ctx.reason,
                )
            else:
                model.objects.bulk_create(objs, batch_size=1000)
        for model, pairs in self.stamps.items():
            by_moment: dict[datetime, list[int]] = defaultdict(list)
            for obj, stamp in pairs:
                by_moment[stamp].append(obj.pk)
            for stamp, ids in by_moment.items():
                for start in range(0, len(ids), 500):
                    model.objects.filter(pk__in=ids[start : start + 500]).update(recorded_at=stamp)


def _unit_refs(p: ProjectRecord) -> list[str]:
    refs = [getattr(p, name) for name in UNIT_FIELDS] + list(p.secondary_units)
    refs += [key for h in p.handovers for key in (h.from_unit, h.to_unit)]
    return [key for key in refs if key]


def _usernames(d: LibrarySection) -> set[str]:
    rows = [r for p in d.projects for r in [*p.transitions, *p.handovers, *p.investment_entries]]
    rows += [c for plan in d.annual_plans for c in plan.changes]
    return {r.recorded_by for r in rows if r.recorded_by}


def _keyed(queryset) -> dict[str, Any]:
    """Records keyed "<jurisdiction code>/<name>" (#2 … for namesakes, by id), as the export names them."""
    seen: Counter[str] = Counter()
    keyed = {}
    for obj in queryset.order_by("id"):
        base = f"{obj.jurisdiction.code}/{obj.name}"
        seen[base] += 1
        keyed[person_key(obj.jurisdiction.code, obj.name, seen[base])] = obj
    return keyed


def _same(held: Any, wanted: Any) -> bool:
    if isinstance(held, list) and isinstance(wanted, list):  # monthly targets: "1234.5" is "1234.50"
        return [as_money(v) for v in held] == [as_money(v) for v in wanted]
    return held == wanted


def _signature(row: Any, fields: list[str]) -> tuple:
    get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name))
    return tuple(repr(sorted(v.items())) if isinstance(v := get(name), dict) else v for name in fields)


def _once(job: LibraryImport, loc: tuple, values: list, what: str, *, field: str | None = None) -> None:
    seen: dict[Any, int] = {}
    for k, value in enumerate(values):
        if value in seen:
            where = (*loc, k, field) if field else (*loc, k)
            job._error(where, f"{what}“{value}”重复（另见第 {seen[value] + 1} 项）")
        seen.setdefault(value, k)
