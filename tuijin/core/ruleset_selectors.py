"""Reads of the rule sets, always through the access scope (issue 5)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Count, Max, QuerySet

from tuijin.core.access import scope
from tuijin.core.rules import ruleset_schema as schema
from tuijin.org.models import Jurisdiction
from tuijin.presets import PRESETS_DIR

from .models import RuleSet, RuleSetVersion


def rulesets_for(user) -> QuerySet:
    """Every rule set the user may read, with its number of versions and its current version number."""
    return scope(user, RuleSet.objects.all()).annotate(
        version_count=Count("versions"), current_number=Max("versions__number")
    )


def ruleset_current_version(rule_set: RuleSet) -> RuleSetVersion | None:
    return rule_set.versions.select_related("created_by").order_by("-number").first()


def ruleset_versions(rule_set: RuleSet) -> QuerySet:
    return rule_set.versions.select_related("created_by").order_by("-number")


def _ancestor_codes(jurisdiction: Jurisdiction) -> list[str]:
    return [code for code in jurisdiction.path.split("/") if code]


def ruleset_choice_for(jurisdiction: Jurisdiction) -> tuple[RuleSet | None, Jurisdiction | None]:
    """The rule set in force for a jurisdiction and the jurisdiction that picked it: its own choice, else
    the nearest ancestor's (a street follows its district, a district its city). One query."""
    pickers = Jurisdiction.objects.filter(
        code__in=_ancestor_codes(jurisdiction), rule_set__isnull=False
    ).select_related("rule_set")
    nearest = max(pickers, key=lambda j: len(j.path), default=None)
    return (nearest.rule_set, nearest) if nearest is not None else (None, None)


def ruleset_for_jurisdiction(jurisdiction: Jurisdiction) -> RuleSet | None:
    return ruleset_choice_for(jurisdiction)[0]


def ruleset_version_for_jurisdiction(jurisdiction: Jurisdiction) -> RuleSetVersion | None:
    """The current version of the rule set in force: what rules modules read their numbers from."""
    rule_set = ruleset_for_jurisdiction(jurisdiction)
    return ruleset_current_version(rule_set) if rule_set is not None else None


def ruleset_version_diff(a: RuleSetVersion | None, b: RuleSetVersion) -> list[schema.Change]:
    """Key-by-key changes from version `a` (None: nothing before) to version `b`, for the history page."""
    return schema.diff(a.data if a is not None else None, b.data)


def ruleset_predecessor(version: RuleSetVersion) -> RuleSetVersion | None:
    return (
        RuleSetVersion.objects.filter(rule_set_id=version.rule_set_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )


@dataclass(frozen=True)
class RuleSetRow:
    """One line of the index page."""

    rule_set: RuleSet
    current: RuleSetVersion | None
    used_by: list[Jurisdiction]
    in_force_here: bool


def ruleset_index(user) -> tuple[list[RuleSetRow], RuleSet | None, Jurisdiction | None]:
    """The rule sets with their current version and the jurisdictions (that the user may read) using
    each, plus the rule set in force for the user's jurisdiction and where it was picked."""
    rule_sets = list(rulesets_for(user).order_by("slug"))
    latest: dict[int, RuleSetVersion] = {}
    versions = scope(user, RuleSetVersion.objects.select_related("created_by").defer("data"))
    for version in versions.order_by("rule_set_id", "-number"):
        latest.setdefault(version.rule_set_id, version)
    users: dict[int, list[Jurisdiction]] = {}
    for jurisdiction in scope(user, Jurisdiction.objects.filter(rule_set__isnull=False)).order_by("path"):
        users.setdefault(jurisdiction.rule_set_id, []).append(jurisdiction)
    mine, picked_by = (None, None)
    if getattr(user, "jurisdiction", None) is not None:
        mine, picked_by = ruleset_choice_for(user.jurisdiction)
    rows = [
        RuleSetRow(rs, latest.get(rs.pk), users.get(rs.pk, []), mine is not None and mine.pk == rs.pk)
        for rs in rule_sets
    ]
    return rows, mine, picked_by


def ruleset_version_text(version: RuleSetVersion | None) -> str:
    """The TOML of a version: the preset file itself (with its comments) when the version was made from
    it and the file is unchanged, otherwise the data written back as TOML."""
    if version is None:
        return ""
    if version.source_file:
        path = PRESETS_DIR / Path(version.source_file).name
        try:
            raw = path.read_bytes()
        except OSError:
            raw = b""
        if raw and hashlib.sha256(raw).hexdigest() == version.sha256:
            return raw.decode("utf-8")
    return schema.dump(version.data)
