"""The demo's assessment (issue 7, tuijin/demo/scoring.py) on the pinned demo district (2024-06-30, the day
tests/test_demo.py pins, built as the `demo` command builds it: calendar and rule sets seeded, so 东湖区
runs DH24's rule set): 2024Q1 computed and closed, 2024Q2 computed and ranked (open), a unit's −4 links to
the chain node that cost it, a granted DH24 exemption waived a deduction and its renewal waits for the
leader, the two lowest units of each group owe a rectification report. One build for all the checks (it
takes seconds)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from tuijin.org.models import Jurisdiction, User
from tuijin.scoring.models import Exemption, Rectification, ScoreEntry, ScorePeriod, UnitScore

TODAY = date(2024, 6, 30)
pytestmark = pytest.mark.django_db


@pytest.fixture
def district():
    from tuijin.core.calendar_selectors import calendar_refresh
    from tuijin.core.calendar_services import calendar_seed
    from tuijin.core.ruleset_services import ruleset_seed
    from tuijin.demo.services import demo_build

    calendar_seed()
    calendar_refresh()
    ruleset_seed()  # as the `demo` command does: 东湖区 then picks DH24
    result = demo_build(today=TODAY)
    district = Jurisdiction.objects.get(code="360102")
    district.demo_lines = result.summary
    return district


def test_the_demo_scores_its_quarters_from_its_own_facts(district, client):
    periods = {p.key: p for p in ScorePeriod.objects.filter(jurisdiction=district)}
    line = next(s for s in district.demo_lines if s.startswith("考核排名："))
    assert "2024Q1 已计算并关账" in line and "2024Q2 计算中" in line, line
    _quarters_closed_and_ranked(periods)
    _minus_four_links_to_its_node(periods["2024Q2"], client)
    _exemption_waived_a_deduction(district)
    _lowest_two_owe_a_report(periods)
    # the year's months to date (DH24 computes months); those of the ended quarter are closed
    months = {k: p for k, p in periods.items() if p.kind == "month"}
    assert sorted(months) == [f"2024-{m:02d}" for m in range(1, 7)]
    assert {k for k, p in months.items() if p.status == "closed"} <= {"2024-01", "2024-02", "2024-03"}
    assert all(p.status == "open" for k, p in months.items() if k >= "2024-04")
    _worked_example(periods["2024Q2"])
    _recomputing_gives_the_same_ledger(district, periods["2024Q2"])
    # a second run keeps what is there
    from tuijin.demo.scoring import demo_scoring

    count = ScoreEntry.objects.count()
    assert demo_scoring(district, today=TODAY) == f"考核排名：已有 {len(periods)} 个考核期间，保留不变"
    assert ScoreEntry.objects.count() == count


def _quarters_closed_and_ranked(periods):
    closed, current = periods["2024Q1"], periods["2024Q2"]
    assert closed.status == "closed" and closed.seal_id is not None and closed.closed_by.username == "admin"
    assert current.status == "open" and current.computed_at is not None
    assert current.rule_version.rule_set.slug == "donghu-2024"
    for period in (closed, current):
        scores = UnitScore.objects.filter(period=period, rank__isnull=False)
        assert set(scores.values_list("group_name", flat=True)) == {"区直单位", "镇街"}
        for group in ("区直单位", "镇街"):
            ranks = list(scores.filter(group_name=group).order_by("rank").values_list("rank", flat=True))
            assert ranks[0] == 1
        # a unit's total is the sum of its ledger: Σ base × weight ÷ 100 (= 100) + Σ weighted
        for score in UnitScore.objects.filter(period=period):
            weighted = ScoreEntry.objects.filter(period=period, unit_id=score.unit_id).values_list(
                "weighted", flat=True
            )
            assert score.total == (Decimal(100) + sum(weighted, Decimal(0))).quantize(Decimal("0.01"))
    # Q1's first and last places count in Q2 (WH19 四(三): +3 / −2 next quarter)
    first = UnitScore.objects.get(period=closed, group_name="区直单位", place="first")
    last = UnitScore.objects.get(period=closed, group_name="区直单位", place="last")
    assert ScoreEntry.objects.get(period=current, unit_id=first.unit_id, kind="place").points == 3
    assert ScoreEntry.objects.get(period=current, unit_id=last.unit_id, kind="place").points == -2
    # the story's texture: late starts (a department charged for its late node too), behind plan, the
    # ceremony finding, matters in two bands (early +2, more than 5 working days late −4), finished early
    kinds = set(ScoreEntry.objects.filter(period=current).values_list("kind", "points"))
    for expected in (
        ("late_start", Decimal(-4)),
        ("behind_plan", Decimal(-5)),
        ("ceremony", Decimal(-5)),
        ("matter_band", Decimal(2)),
        ("matter_band", Decimal(-4)),
        ("finished_early", Decimal(6)),
    ):
        assert expected in kinds, expected


def _worked_example(current):
    """docs/scoring.md's example from the demo: 区住建局 in 2024Q2, entry by entry."""
    score = UnitScore.objects.get(period=current, unit__short_name="区住建局")
    entries = sorted(
        (e.kind, e.points, e.exempted_points)
        for e in ScoreEntry.objects.filter(period=current, unit=score.unit)
    )
    assert entries == sorted(
        [
            # 新开工: two late starts whose 施工许可证 node this unit handles was late, and a ceremony
            ("late_start", Decimal(-4), None),
            ("late_start", Decimal(-4), None),
            ("ceremony", Decimal(-5), None),
            # 在建: three projects behind plan; a fourth −5 waived by the May exemption (DH24 五(四))
            ("behind_plan", Decimal(-5), None),
            ("behind_plan", Decimal(-5), None),
            ("behind_plan", Decimal(-5), None),
            ("behind_plan", Decimal(0), Decimal(-5)),
            # 议定事项: two matters more than 5 working days late (lead of one, co-operating in the other)
            ("matter_band", Decimal(-4), None),
            ("matter_band", Decimal(-4), None),
            # 其它情况: 末位席 of 2024Q1
            ("place", Decimal(-2), None),
        ]
    )
    # 新开工 100 − 4 − 4 − 5 = 87; 在建 100 − 3 × 5 = 85; 议定事项 100 − 4 − 4 = 92
    assert score.categories == {"new_starts": "87.0000", "construction": "85.0000", "matters": "92.0000"}
    assert score.adjustments == Decimal(-2)
    # 87 × 40% + 85 × 30% + 92 × 30% − 2 = 34.80 + 25.50 + 27.60 − 2 = 85.90
    assert score.total == Decimal("85.90")
    assert score.place == "last" and score.rectify


def _recomputing_gives_the_same_ledger(district, current):
    from tuijin.scoring.services import score_run

    def ledger():
        return sorted(
            ScoreEntry.objects.filter(period=current).values_list(
                "unit_id", "key", "points", "weighted", "sentence"
            )
        )

    before = ledger()
    score_run(jurisdiction=district, period_key=current.key, today=TODAY)
    assert ledger() == before


def _minus_four_links_to_its_node(current, client):
    entry = (
        ScoreEntry.objects.filter(
            period=current, kind="late_start", points=Decimal(-4), node__isnull=False, exemption__isnull=True
        )
        .exclude(node__stage="started")
        .select_related("node", "unit")
        .order_by("unit__sort", "pk")
        .first()
    )
    assert entry is not None, "a department charged −4 for its late pre-start node"
    assert entry.node.phase == "approval" and entry.node.responsible_unit_id == entry.unit_id
    assert entry.node.deadline < entry.on
    assert entry.node.actual is None or entry.node.actual > entry.node.deadline
    client.force_login(User.objects.get(username="admin"))
    ranking = client.get(reverse("scoring:ranking", args=[current.pk])).content.decode()
    unit_url = reverse("scoring:unit", args=[current.pk, entry.unit_id])
    assert unit_url in ranking
    page = client.get(unit_url).content.decode()
    node_url = f"{reverse('chains:project', args=[entry.node.project_id])}#node-{entry.node_id}"
    assert node_url in page and entry.node.name in page
    chain = client.get(reverse("chains:project", args=[entry.node.project_id])).content.decode()
    assert f'id="node-{entry.node_id}"' in chain


def _exemption_waived_a_deduction(district):
    granted = Exemption.objects.get(jurisdiction=district, status="granted")
    assert granted.project_leader_signed_at and granted.leader_in_charge_signed_at
    waived = ScoreEntry.objects.get(period__key="2024Q2", period__jurisdiction=district, exemption=granted)
    assert waived.points == 0 and waived.weighted == 0 and waived.exempted_points < 0
    assert waived.project_id == granted.project_id and waived.on.strftime("%Y-%m") == granted.month
    if granted.project_leader_id == granted.leader_in_charge_id:  # one leader holds both posts
        signers = f"挂点领导兼分管领导 {granted.project_leader.name}"
    else:
        signers = f"挂点领导 {granted.project_leader.name}、分管领导 {granted.leader_in_charge.name}"
    assert waived.sentence.endswith(f"（客观原因免扣分：{signers}签字同意）")
    renewal = Exemption.objects.get(jurisdiction=district, status="applied")
    assert renewal.renews_id == granted.pk and renewal.project_id == granted.project_id
    leader = User.objects.get(username="leader")
    assert leader.person_id in (renewal.project_leader_id, renewal.leader_in_charge_id)


def _lowest_two_owe_a_report(periods):
    for key in ("2024Q1", "2024Q2"):
        period = periods[key]
        flagged = UnitScore.objects.filter(period=period, rectify=True)
        due = Rectification.objects.filter(period=period, status="due")
        assert flagged.filter(group_name="区直单位").count() >= 2
        expected = set(flagged.values_list("unit_id", flat=True)) if period.status == "closed" else set()
        assert set(due.values_list("unit_id", flat=True)) == expected
        for score in flagged:  # fewer than two units of its group below it
            assert (
                UnitScore.objects.filter(period=period, group=score.group, total__lt=score.total).count() < 2
            )
