"""Bulk reads of what the light rules need (REQ D): for a chunk of projects, their facts (stage, planned
start and completion with precision, actual dates from their stage transitions), their chain nodes (a
stage node takes the project's actual date of its stage: one source of truth), the stored lights to
compare with, and the thresholds of each jurisdiction's rule set.

A chunk costs five queries whatever its number of nodes: the projects (locked), their stored lights,
their stage transitions, their nodes, their nodes' stored lights — each a range of the project ids on an
index, never a join (a join's plan depends on fresh statistics: after a first computation of 1.3 million
node lights PostgreSQL chose to scan them all for every chunk). The querysets are built by the ORM and
run on the cursor (`_rows`): for the 130,000 nodes of 10,000 projects the ORM's per-value converters
cost more than the queries. Nothing is kept beyond the chunk (the
recompute streams). These reads are the engine's own (system work, no user), so they do not go through
`access.scope`; pages read lights through `lights.selectors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from django.db import connections
from django.db.models import Q, QuerySet

from tuijin.chains.models import ChainNode
from tuijin.core.ruleset_selectors import ruleset_version_for_jurisdiction
from tuijin.org.models import Jurisdiction
from tuijin.projects import rules as project_rules
from tuijin.projects.models import Project, StageTransition

from . import rules
from .models import NodeLight, ProjectLight
from .ruleset_lights import light_rules

# The stored values a computation produces, in this order (compared to decide whether a row changed).
LIGHT_FIELDS = ("color", "reason", "days", "provisional", "due_soon", "rule_version_id", "shown")
PROJECT_EXTRA = ("node_id", "red_nodes", "yellow_nodes", "should_start", "should_finish")
OVERRIDE_FIELDS = ("override_color", "override_reason")

_PROJECT_COLUMNS = (
    "id",
    "jurisdiction_id",
    "stage",
    "planned_start",
    "planned_start_precision",
    "planned_completion",
    "planned_completion_precision",
    "jurisdiction__path",
)
_NODE_COLUMNS = ("project_id", "sort", "id", "name", "stage", "deadline", "actual", "exempt_reason")

# A stored light as the engine compares it: (values, override_color, override_reason), values being
# LIGHT_FIELDS [+ PROJECT_EXTRA] in order; None when the light was never computed.
Stored = tuple[tuple, str, str]


class NodeRow(NamedTuple):
    """A chain node as the engine computes it: its facts (a stage node's actual date is the project's)
    and its stored light. (A named tuple: 130,000 of them are made per 10,000 projects.)"""

    id: int
    name: str
    deadline: date | None
    actual: date | None
    exempt_reason: str
    stored: Stored | None


@dataclass
class Chunk:
    """One chunk of projects, in id order: (facts, (jurisdiction id, path), stored light) and their
    nodes."""

    projects: list[tuple[rules.ProjectFacts, tuple[int, str], Stored | None]] = field(default_factory=list)
    nodes: dict[int, list[NodeRow]] = field(default_factory=dict)
    node_count: int = 0


@dataclass(frozen=True)
class Thresholds:
    rules: rules.LightRules
    rule_version_id: int | None


class ThresholdCache:
    """The light thresholds of each jurisdiction's rule set in force, read once per jurisdiction for the
    life of this object (one recompute run, or one refresh)."""

    def __init__(self) -> None:
        self._by_jurisdiction: dict[int, Thresholds] = {}

    def get(self, jurisdiction_id: int, path: str) -> Thresholds:
        found = self._by_jurisdiction.get(jurisdiction_id)
        if found is None:
            # the rule set in force is found from the jurisdiction's path alone (its ancestors' choices)
            version = ruleset_version_for_jurisdiction(Jurisdiction(pk=jurisdiction_id, path=path))
            found = Thresholds(
                light_rules(version.data if version is not None else None),
                version.pk if version is not None else None,
            )
            self._by_jurisdiction[jurisdiction_id] = found
        return found


def _rows(qs: QuerySet) -> list[tuple]:
    """The queryset's rows straight from the cursor. The database driver gives dates and booleans their
    Python types (psycopg natively; Django registers SQLite's converters for declared `date` and `bool`
    columns); a LEFT JOIN's missing row reads as NULLs."""
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _projects(qs: QuerySet, lock: bool) -> list[tuple]:
    if lock:  # FOR NO KEY UPDATE OF the project rows (PostgreSQL; SQLite's IMMEDIATE transaction locks)
        qs = qs.select_for_update(no_key=True, of=("self",))
    return _rows(qs.values_list(*_PROJECT_COLUMNS))


def next_projects(*, after: int, limit: int, path: str | None, lock: bool) -> list[tuple]:
    """The next `limit` projects with an id above `after` (within the jurisdiction subtree `path`), in
    id order. With `lock` their rows stay locked until the transaction ends, so a
    refresh and a recompute of the same project follow each other."""
    qs = Project.objects.filter(id__gt=after)
    if path is not None:
        qs = qs.filter(jurisdiction__path__startswith=path)
    return _projects(qs.order_by("id")[:limit], lock)


def projects_by_id(ids: Sequence[int], *, lock: bool) -> list[tuple]:
    """These projects (those that still exist), in id order."""
    return _projects(Project.objects.filter(id__in=list(ids)).order_by("id"), lock)


def _project_filter(ids: Sequence[int]) -> Q:
    """The rows of these projects: an id range (the indexes' prefix), narrowed to the list when the ids
    are sparse (a recompute of one jurisdiction among others)."""
    low, high = ids[0], ids[-1]
    where = Q(project_id__gte=low, project_id__lte=high)
    if high - low + 1 > 2 * len(ids):
        where &= Q(project_id__in=list(ids))
    return where


def _stored(model, where: Q, key: str, width: int) -> dict[int, Stored]:
    """The stored lights of the chunk by `key` (node or project id): `width` values, then the override."""
    names = (*LIGHT_FIELDS, *PROJECT_EXTRA)[:width]
    rows = _rows(model.objects.filter(where).values_list(key, *names, *OVERRIDE_FIELDS))
    end = 1 + width
    return {row[0]: (row[1:end], row[end], row[end + 1]) for row in rows}


def read_chunk(project_rows: Sequence[tuple]) -> Chunk:
    """Facts, nodes and stored lights of these projects (`next_projects` rows)."""
    chunk = Chunk()
    if not project_rows:
        return chunk
    ids = [row[0] for row in project_rows]
    where = _project_filter(ids)
    moves: dict[int, list[project_rules.TransitionFacts]] = {}
    # sorted here, not by the database: a sort of wide rows spills to disk on PostgreSQL
    transitions = (
        StageTransition.objects.filter(where)
        .order_by()
        .values_list("project_id", "on", "id", "to_stage", "backfill")
    )
    for project_id, on, _, stage, backfill in sorted(_rows(transitions)):
        moves.setdefault(project_id, []).append(project_rules.TransitionFacts(stage, on, bool(backfill)))
    actuals: dict[int, dict[str, date]] = {}
    stored = _stored(ProjectLight, where, "project_id", len(LIGHT_FIELDS) + len(PROJECT_EXTRA))
    for row in project_rows:
        pid = row[0]
        actual = actuals[pid] = project_rules.actual_dates(moves.get(pid, ()))
        facts = rules.ProjectFacts(
            id=pid,
            stage=row[2],
            planned_start=row[3],
            planned_start_precision=row[4],
            planned_completion=row[5],
            planned_completion_precision=row[6],
            started=actual.get("started"),
            completed=actual.get("completed"),
        )
        chunk.projects.append((facts, (row[1], row[7]), stored.get(pid)))
        chunk.nodes[pid] = []
    stored = _stored(NodeLight, where, "node_id", len(LIGHT_FIELDS))
    nodes = ChainNode.objects.filter(where).order_by().values_list(*_NODE_COLUMNS)
    for row in sorted(_rows(nodes)):  # project, sort, id (ids are unique: the rest is never compared)
        bucket = chunk.nodes.get(row[0])
        if bucket is None:
            continue
        stage, actual = row[4], row[6]
        if stage:  # 开工 / 竣工 / 投产: the project's actual date of that stage
            actual = actuals[row[0]].get(stage)
        bucket.append(NodeRow(row[2], row[3], row[5], actual, row[7], stored.get(row[2])))
        chunk.node_count += 1
    return chunk
