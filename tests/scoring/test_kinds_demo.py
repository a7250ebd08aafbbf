"""The indicator rule sets on the database's facts: the demo district (2024-06-30) computed through
score_run with NC20 (a month), KF19 (a month) and DH24 (the year so far), each by its rule-set name."""

from collections import Counter
from datetime import date
from decimal import Decimal

from tuijin.core.ruleset_services import ruleset_seed
from tuijin.demo.services import demo_build
from tuijin.org.models import Jurisdiction
from tuijin.scoring.models import ScoreEntry, UnitScore
from tuijin.scoring.services import score_run

TODAY = date(2024, 6, 30)


def _run(district, spec: str, key: str):
    outcome = score_run(jurisdiction=district, period_key=key, rule_version=spec, today=TODAY)
    entries = ScoreEntry.objects.filter(period=outcome.period)
    scores = UnitScore.objects.filter(period=outcome.period)
    return Counter(entries.values_list("kind", flat=True)), entries, scores


def test_the_indicator_rule_sets_compute_the_demo_district(db) -> None:
    demo_build(today=TODAY)
    ruleset_seed()
    district = Jurisdiction.objects.get(code="360102")

    kinds, entries, scores = _run(district, "nanchang-2020", "2024-06")
    assert set(kinds) == {"indicator_share", "indicator_normalised"}
    for score in scores.filter(rank__isnull=False):
        assert all(Decimal(0) <= Decimal(v) <= Decimal(100) for v in score.categories.values())
    assert scores.filter(group_name="项目责任单位", rank=1).exists()

    kinds, entries, scores = _run(district, "kaifeng-2019", "2024-06")
    assert {"indicator_share", "pipeline", "tagged"} <= set(kinds)
    for entry in entries.filter(kind="pipeline").exclude(key="pipeline:cap"):
        assert entry.project_id is not None and "储备项目推进加" in entry.sentence
    for entry in entries.filter(key="pipeline:cap"):  # a unit past the 10-point cap: one entry takes it back
        earned = entries.filter(unit_id=entry.unit_id, kind="pipeline").exclude(key="pipeline:cap")
        assert sum(e.points for e in earned) + entry.points == Decimal(10)

    kinds, entries, scores = _run(district, "donghu-2024", "2024")
    declared = entries.filter(kind="declarations")
    assert declared.exists()
    by_group: dict[str, list[Decimal]] = {}
    for entry in declared:
        group = scores.get(unit_id=entry.unit_id).group_name
        by_group.setdefault(group, []).append(entry.points)
    for points in by_group.values():
        assert max(points) == Decimal(10)
        assert all(Decimal(6) <= p <= Decimal(10) for p in points)
