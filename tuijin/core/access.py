"""The one access module: DESIGN.md "Who may do what", implemented once.

Every queryset a page, export or API reads goes through `scope()`; every write goes through `require()`.
Each capability registers the scope of its models (`register_scope`) and the predicates of its actions
(`register_action`); views never filter by role by hand. Checks read one condition per line so coverage
shows each branch (zulip's `access_*` functions are the model).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Expression, F, Model, Q, QuerySet

from tuijin.org.models import Jurisdiction, Role

logger = logging.getLogger("tuijin.access")

# Roles that read everything in their jurisdiction subtree (information sharing, REQ K2).
SUBTREE_READERS = frozenset({Role.OFFICE_ADMIN, Role.LEADER, Role.SUPERVISOR})
UNIT_ROLES = frozenset({Role.UNIT_HEAD, Role.UNIT_REPORTER})
INTERNAL_ROLES = frozenset(Role.values)


class AccessDenied(PermissionDenied):
    """A refusal with a Chinese message saying what was refused and why."""

    def __init__(self, message: str, *, action: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.action = action


def role_of(user: Any) -> str:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ""
    return user.role or ""


def subtree_path(user: Any) -> str | None:
    """The materialised path of the user's jurisdiction, or None when the user has none."""
    jurisdiction = getattr(user, "jurisdiction", None)
    return jurisdiction.path if jurisdiction is not None else None


# ---------------------------------------------------------------------------------------------------
# Predicates (django-rules). Object predicates take (user, obj).


@rules.predicate
def is_office_admin(user: Any) -> bool:
    return role_of(user) == Role.OFFICE_ADMIN


@rules.predicate
def is_leader(user: Any) -> bool:
    return role_of(user) == Role.LEADER


@rules.predicate
def is_supervisor(user: Any) -> bool:
    return role_of(user) == Role.SUPERVISOR


@rules.predicate
def is_unit_head(user: Any) -> bool:
    return role_of(user) == Role.UNIT_HEAD


@rules.predicate
def is_unit_staff(user: Any) -> bool:
    return role_of(user) in UNIT_ROLES


@rules.predicate
def is_discipline(user: Any) -> bool:
    return role_of(user) == Role.DISCIPLINE


@rules.predicate
def is_internal(user: Any) -> bool:
    return role_of(user) in INTERNAL_ROLES


@rules.predicate
def is_subtree_reader(user: Any) -> bool:
    return role_of(user) in SUBTREE_READERS


@rules.predicate
def no_object(user: Any, obj: Any) -> bool:
    return obj is None


@rules.predicate
def in_subtree(user: Any, obj: Any) -> bool:
    """The object lies in the user's jurisdiction subtree (objects expose `jurisdiction_path`)."""
    root = subtree_path(user)
    if root is None or obj is None:
        return False
    path = jurisdiction_path_of(obj)
    return bool(path) and path.startswith(root)


def jurisdiction_path_of(obj: Any) -> str:
    """Follow the model's registered jurisdiction lookup ("" means the object is a jurisdiction)."""
    spec = _SCOPES.get(type(obj))
    if spec is None:
        raise LookupError(f"{type(obj).__name__} has no registered scope")
    target: Any = obj
    for part in filter(None, spec.jurisdiction_field.split("__")):
        target = getattr(target, part, None)
    return getattr(target, "path", "")


# ---------------------------------------------------------------------------------------------------
# Scopes: how to narrow a model's queryset for a user.


@dataclass(frozen=True)
class ScopeSpec:
    """How a model is scoped.

    jurisdiction_field: lookup to its Jurisdiction (e.g. "jurisdiction", "project__jurisdiction"; "" for
        the Jurisdiction model itself).
    unit_filter: Q for the records unit staff may read, given the user (None: unit staff read none).
    readers: roles that read at all; subtree readers read the whole subtree.
    everyone_reads: reference data every internal role reads whole (the calendar, rule sets).
    """

    jurisdiction_field: str
    unit_filter: Callable[[Any], Q] | None = None
    readers: frozenset[str] = INTERNAL_ROLES
    everyone_reads: bool = False


_SCOPES: dict[type[Model], ScopeSpec] = {}


def register_scope(model: type[Model], spec: ScopeSpec) -> None:
    _SCOPES[model] = spec


def registered_scope(model: type[Model]) -> bool:
    return model in _SCOPES


_SUBTREE_SQL: dict[tuple[str, str], tuple[str, tuple]] = {}


def _subtree_sql(root: str, connection: Any) -> tuple[str, tuple]:
    """`SELECT id FROM jurisdiction WHERE path LIKE 'root%'`, compiled once per root (every scoped query
    of every page would compile it again)."""
    key = (connection.alias, root)
    if key not in _SUBTREE_SQL:
        subtree = Jurisdiction.objects.filter(path__startswith=root).order_by().values("pk")
        sql, params = subtree.query.get_compiler(connection=connection).as_sql()
        if len(_SUBTREE_SQL) > 1000:
            _SUBTREE_SQL.clear()
        _SUBTREE_SQL[key] = (sql, tuple(params))
    return _SUBTREE_SQL[key]


class InSubtree(Expression):
    """`column IN (the ids of the jurisdictions under root)`; on PostgreSQL `column = ANY(ARRAY(…))`: the
    ids are read once (an InitPlan) and become an index condition, so an index on (column, id) serves
    ORDER BY column, id LIMIT n in order, where a join on `path LIKE` sorts every row in scope. Same rows
    either way (a NULL column matches neither)."""

    output_field = BooleanField()

    def __init__(self, column: Any, root: str) -> None:
        super().__init__()
        self.column = column
        self.root = root

    def get_source_expressions(self) -> list:
        return [self.column]

    def set_source_expressions(self, exprs: list) -> None:
        (self.column,) = exprs

    def _parts(self, compiler: Any, connection: Any) -> tuple[str, str, list]:
        column, column_params = compiler.compile(self.column)
        subtree, subtree_params = _subtree_sql(self.root, connection)
        return column, subtree, [*column_params, *subtree_params]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list]:
        column, subtree, params = self._parts(compiler, connection)
        return f"{column} IN ({subtree})", params

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list]:
        column, subtree, params = self._parts(compiler, connection)
        return f"{column} = ANY(ARRAY({subtree}))", params


def scope(user: Any, queryset: QuerySet) -> QuerySet:
    """The part of `queryset` the user may read (DESIGN.md "reads" column)."""
    spec = _SCOPES.get(queryset.model)
    if spec is None:
        raise LookupError(f"{queryset.model.__name__} has no registered scope")
    role = role_of(user)
    if getattr(user, "is_superuser", False) and user.is_active:
        return queryset
    if role not in spec.readers:
        return queryset.none()
    if spec.everyone_reads:
        return queryset
    root = subtree_path(user)
    if root is None:
        return queryset.none()
    if spec.jurisdiction_field:  # the subtree's jurisdiction ids, not a join on `path LIKE`
        in_tree = queryset.filter(InSubtree(F(spec.jurisdiction_field), root))
    else:
        in_tree = queryset.filter(path__startswith=root)
    if role in SUBTREE_READERS:
        return in_tree
    if role in UNIT_ROLES and spec.unit_filter is not None and user.unit_id is not None:
        return in_tree.filter(spec.unit_filter(user)).distinct()
    return queryset.none()


def can_read(user: Any, obj: Model) -> bool:
    model = type(obj)
    return scope(user, model._default_manager.filter(pk=obj.pk)).exists()


def get_readable(user: Any, queryset: QuerySet, **lookup: Any) -> Any:
    """One record the user may read, else 404 (a record outside one's scope does not exist for them)."""
    from django.http import Http404

    try:
        return scope(user, queryset).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404(f"{queryset.model._meta.verbose_name}不存在或无权查看") from exc


def get_for_action(user: Any, queryset: QuerySet, action: str, **lookup: Any) -> Any:
    """One record a write is aimed at: 404 if it does not exist, 403 (logged) if the user may not do
    `action` on it. Writes use this rather than `get_readable`, so a forged request is refused and logged."""
    from django.http import Http404

    try:
        obj = queryset.get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404(f"{queryset.model._meta.verbose_name}不存在") from exc
    require(user, action, obj)
    return obj


# ---------------------------------------------------------------------------------------------------
# Actions: writes and privileged pages. Each has a predicate and the Chinese refusal.


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    predicate: rules.Predicate


_ACTIONS: dict[str, Action] = {}


def register_action(name: str, label: str, predicate: rules.Predicate) -> None:
    _ACTIONS[name] = Action(name=name, label=label, predicate=predicate)
    rules.set_perm(name, predicate)


def actions() -> dict[str, Action]:
    return dict(_ACTIONS)


def can(user: Any, action: str, obj: Any = None) -> bool:
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return bool(_ACTIONS[action].predicate.test(user, obj))


def require(user: Any, action: str, obj: Any = None) -> None:
    """Raise AccessDenied (403, logged by the middleware) unless the user may do `action` on `obj`."""
    if can(user, action, obj):
        return
    label = _ACTIONS[action].label
    if not getattr(user, "is_authenticated", False):
        raise AccessDenied(f"请先登录后再{label}。", action=action)
    role = user.get_role_display() if getattr(user, "role", "") else "未分配角色"
    raise AccessDenied(f"您的角色（{role}）无权{label}，或该记录不在您的管辖范围内。", action=action)
