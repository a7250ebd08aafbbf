"""WH19 附件3, row by row and item by item: hand-worked examples reproduced entry by entry by the pure
engine (`tuijin.scoring.rules.compute` with the shipped `wuhan-2019` rule set). The arithmetic is written
in the expected values: a category score is 100 ± its items (扣完为止), the quarter total is
新开工 × 40% + 在建 × 30% + 议定事项 × 30% + 其它情况 (rounded to 2 decimals, ROUND_HALF_UP)."""

from decimal import Decimal

import pytest

from tuijin.scoring import rules as r

from .rules_builders import (
    CardFact,
    CeremonyFact,
    D,
    F,
    MatterFact,
    N,
    P,
    PlaceFact,
    d,
    entries,
    event,
    rule_item,
    run,
    wh19,
)


def total(new_starts, construction=100, matters=100, adjustments=0) -> Decimal:
    """The quarter total as WH19 附件3 weighs it, to 2 decimals."""
    exact = D(str(new_starts)) * D("0.4") + D(str(construction)) * D("0.3") + D(str(matters)) * D("0.3")
    return r.rounded(exact + D(str(adjustments)), 2)


def cats(result, unit) -> dict:
    return {k: v for k, v in result.units[unit].categories.items()}


# ---------------------------------------------------------------------------------------------------
# The brief's worked total


def test_one_late_start_and_one_matter_over_ten_days_gives_96() -> None:
    facts = F(
        "2024Q2",
        projects=(
            P(12, plan_type="new_start", planned_start=d("2024-05-01"), planned_start_precision="month"),
        ),
        matters=(
            MatterFact(7, "道路配套", (1,), "open_overdue", band="late_2", late=12, on=d("2024-06-30")),
        ),
    )
    result = run(facts)
    assert entries(result, 1) == [("late_start:p12", D(-4)), ("matter_band:m7", D(-8))]
    # new_starts 96 × 40% = 38.4, construction 100 × 30% = 30, matters 92 × 30% = 27.6 → 96.00
    assert cats(result, 1) == {"new_starts": 100 - 4, "construction": 100, "matters": 100 - 8}
    assert result.units[1].total == D("38.4") + D("30") + D("27.6") == D("96.00")
    # each entry's weighted share: −4 × 40 ÷ 100 = −1.6; −8 × 30 ÷ 100 = −2.4
    assert [e.weighted for e in result.units[1].events] == [D("-1.6"), D("-2.4")]
    assert event(result, 1, "late_start:p12").sentence == (
        "项目《项目12》计划 2024年5月 开工，截至 2024-06-01 未开工，延期开工扣 4 分（WH19 附件3 第1行 1(1); 四(三)）"
    )


# ---------------------------------------------------------------------------------------------------
# Row 1 1(1): 延期开工的，一个项目扣4分


def _new_start(pid=12, planned="2024-05-01", precision="month", **kw):
    return P(pid, plan_type="new_start", planned_start=d(planned), planned_start_precision=precision, **kw)


@pytest.mark.parametrize(
    ("planned", "precision", "started", "quarter", "expected"),
    [
        # planned 2024年5月: late from 2024-06-01, charged in Q2 (the first late day's quarter)
        ("2024-05-01", "month", None, "2024Q2", [("late_start:p12", D(-4))]),
        # started on the month's last day: on time
        ("2024-05-01", "month", "2024-05-31", "2024Q2", []),
        # started 2024-06-01: the first late day → late (and recovered within a month: +3.2, row 1(3))
        (
            "2024-05-01",
            "month",
            "2024-06-01",
            "2024Q2",
            [("late_start:p12", D(-4)), ("late_start_recovered:p12", D("3.2"))],
        ),
        # planned to the day 2024-06-30: late only from 2024-07-01 → nothing in Q2 …
        ("2024-06-30", "day", None, "2024Q2", []),
        # … and −4 in Q3
        ("2024-06-30", "day", None, "2024Q3", [("late_start:p12", D(-4))]),
        # planned the week of Wed 2024-06-12: the week ends Sun 06-16, late from Mon 06-17
        ("2024-06-12", "week", "2024-06-16", "2024Q2", []),
        # once (WH19 reading): the project late since Q2 costs nothing more in Q3
        ("2024-05-01", "month", None, "2024Q3", []),
    ],
)
def test_late_start(planned, precision, started, quarter, expected) -> None:
    project = _new_start(planned=planned, precision=precision, started_on=d(started) if started else None)
    assert entries(run(F(quarter, projects=(project,))), 1) == expected


def test_late_start_each_period_reading_charges_every_quarter_still_late() -> None:
    rules = wh19(lambda data: rule_item(data, "late_start").update(repeat="each_period"))
    result = run(F("2024Q3", projects=(_new_start(),)), rules)
    assert entries(result, 1) == [("late_start:p12", D(-4))]
    assert event(result, 1, "late_start:p12").on == d("2024-07-01")
    assert "截至 2024-07-01 仍未开工" in event(result, 1, "late_start:p12").sentence


def test_late_start_charges_the_units_of_late_pre_start_nodes_once_each() -> None:
    nodes = (
        N(44, "2024-04-10", "2024-04-20", unit=2, name="环评"),  # unit 2: done late
        N(45, "2024-04-30", None, unit=2, name="施工许可证"),  # unit 2: undone; its latest late node
        N(46, "2024-04-30", "2024-04-29", unit=3),  # unit 3: on time → not charged
        N(47, "2024-05-10", None, unit=4, exempt=True),  # 免办 → not charged
        N(48, "2024-05-10", None, unit=5, phase="construction"),  # not a pre-start node
        N(49, "2024-04-01", None, unit=1),  # the responsible unit: charged once only
        N(50, "2024-06-05", None, unit=6),  # deadline after the first late day → not the cause
        N(51, "2024-05-20", None, unit=7, name="土地出让合同", person_id=70),
        N(60, "2024-06-20", "2024-06-20", unit=1, phase="construction", stage="started"),
    )
    project = _new_start(nodes=nodes, person_id=99, unit_person_id=11, started_on=d("2024-06-20"))
    result = run(F("2024Q2", units=(1, 2, 3, 4, 5, 6, 7), projects=(project,)))
    assert entries(result, 1) == [("late_start:p12", D(-4)), ("late_start_recovered:p12", D("3.2"))]
    assert entries(result, 2) == [("late_start:p12:n45", D(-4))]
    assert entries(result, 7) == [("late_start:p12:n51", D(-4))]
    for unit in (3, 4, 5, 6):
        assert entries(result, unit) == []
    responsible = event(result, 1, "late_start:p12")
    # 责任人 (WH19 二 主要责任人): the responsible unit's principal (11); the lead leader (99) as evidence
    assert responsible.evidence == {"project": 12, "node": 60, "leader": 99}
    assert responsible.person_id == 11
    charged = event(result, 7, "late_start:p12:n51")
    assert charged.evidence == {"project": 12, "node": 51} and charged.person_id == 70
    assert "本单位负责的前期节点“土地出让合同”时限 2024-05-20，截至 2024-06-01 仍未办结" in charged.sentence
    assert "2024-04-20 才办结" not in event(result, 2, "late_start:p12:n45").sentence
    # unit 2: new_starts 100 − 4 = 96 → 96 × 40% + 30 + 30
    assert result.units[2].total == total(100 - 4) == D("98.40")


def test_late_start_street_reading() -> None:
    project = _new_start(street_unit_id=3)
    assert entries(run(F("2024Q2", projects=(project,))), 3) == []  # WH19 default: not the street
    rules = wh19(lambda data: rule_item(data, "late_start").update(charge=["responsible", "street"]))
    result = run(F("2024Q2", projects=(project,)), rules)
    assert entries(result, 3) == [("late_start:p12:street", D(-4))]
    assert "项目位于本街道" in event(result, 3, "late_start:p12:street").sentence


# ---------------------------------------------------------------------------------------------------
# Row 1 1(2): 提前一个月开工的，1个项目加2分


@pytest.mark.parametrize(
    ("planned", "precision", "started", "expected"),
    [
        # planned 2024年6月, read like the late side: one month early = started in May or earlier, i.e. on
        # or before the end of the planned month shifted back a month (2024-05-31)
        ("2024-06-01", "month", "2024-05-01", [("early_start:p12", D(2))]),
        ("2024-06-01", "month", "2024-04-15", [("early_start:p12", D(2))]),
        ("2024-06-01", "month", "2024-05-15", [("early_start:p12", D(2))]),
        ("2024-06-01", "month", "2024-05-31", [("early_start:p12", D(2))]),
        ("2024-06-01", "month", "2024-06-01", []),  # in the planned month: on time, not early
        # planned to the day 2024-06-15: one month early = 2024-05-15 or before (unchanged)
        ("2024-06-15", "day", "2024-05-15", [("early_start:p12", D(2))]),
        ("2024-06-15", "day", "2024-05-16", []),
        # planned the week of Wed 2024-06-12 (Mon 06-10 – Sun 06-16): the week shifted back a month is the
        # week holding Fri 2024-05-10 (Mon 05-06 – Sun 05-12) → started by 05-12
        ("2024-06-12", "week", "2024-05-12", [("early_start:p12", D(2))]),
        ("2024-06-12", "week", "2024-05-13", []),
    ],
)
def test_early_start(planned, precision, started, expected) -> None:
    project = _new_start(planned=planned, precision=precision, started_on=d(started))
    result = run(F("2024Q2", projects=(project,)))
    assert entries(result, 1) == expected
    if expected:
        assert result.units[1].categories["new_starts"] == 100 + 2
        assert result.units[1].total == total(100 + 2) == D("100.80")


def test_early_start_counts_in_the_quarter_of_the_start() -> None:
    project = _new_start(planned="2024-07-01", started_on=d("2024-05-20"))
    assert entries(run(F("2024Q2", projects=(project,))), 1) == [("early_start:p12", D(2))]
    assert entries(run(F("2024Q3", projects=(project,))), 1) == []


# ---------------------------------------------------------------------------------------------------
# Row 1 1(3): 延期1个月即开工的加3.2分；延期2个月即开工的加2分


@pytest.mark.parametrize(
    ("started", "expected", "new_starts"),
    [
        # planned 2024年4月 → late from 2024-05-01; started within a month (before 2024-06-01)
        (
            "2024-05-20",
            [("late_start:p12", D(-4)), ("late_start_recovered:p12", D("3.2"))],
            100 - 4 + D("3.2"),
        ),
        (
            "2024-05-31",
            [("late_start:p12", D(-4)), ("late_start_recovered:p12", D("3.2"))],
            100 - 4 + D("3.2"),
        ),
        # within two months (before 2024-07-01)
        ("2024-06-01", [("late_start:p12", D(-4)), ("late_start_recovered:p12", D(2))], 100 - 4 + 2),
        ("2024-06-30", [("late_start:p12", D(-4)), ("late_start_recovered:p12", D(2))], 100 - 4 + 2),
        # two months or more: the −4 alone
        (None, [("late_start:p12", D(-4))], 100 - 4),
    ],
)
def test_late_start_recovered_on_top(started, expected, new_starts) -> None:
    project = _new_start(planned="2024-04-01", started_on=d(started) if started else None)
    result = run(F("2024Q2", projects=(project,)))
    assert entries(result, 1) == expected
    assert result.units[1].categories["new_starts"] == new_starts
    assert result.units[1].total == total(new_starts)


def test_recovery_counts_in_the_quarter_of_the_start() -> None:
    # planned 2024年6月 → late from 2024-07-01 (Q3); started 2024-07-20, within a month: Q3 −4 + 3.2
    project = _new_start(planned="2024-06-01", started_on=d("2024-07-20"))
    assert entries(run(F("2024Q2", projects=(project,))), 1) == []
    result = run(F("2024Q3", projects=(project,)))
    assert entries(result, 1) == [("late_start:p12", D(-4)), ("late_start_recovered:p12", D("3.2"))]
    assert result.units[1].total == total(100 - 4 + D("3.2")) == D("99.68")  # 99.2 × 40% + 60
    # planned to the day 2024-06-20: late from 06-21 (Q2), started 07-10 (Q3): −4 in Q2, +3.2 in Q3
    project = _new_start(planned="2024-06-20", precision="day", started_on=d("2024-07-10"))
    assert entries(run(F("2024Q2", projects=(project,))), 1) == [("late_start:p12", D(-4))]
    assert entries(run(F("2024Q3", projects=(project,))), 1) == [("late_start_recovered:p12", D("3.2"))]


def test_recovery_replacing_the_deduction_reading() -> None:
    rules = wh19(lambda data: rule_item(data, "late_start_recovered").update(on_top=False))
    project = _new_start(planned="2024-04-01", started_on=d("2024-05-20"))
    result = run(F("2024Q2", projects=(project,)), rules)
    assert entries(result, 1) == [("late_start_recovered:p12", D("3.2"))]  # no −4: 100 + 3.2
    assert result.units[1].total == total(100 + D("3.2"))
    assert "不再扣延期开工分" in event(result, 1, "late_start_recovered:p12").sentence
    # started after both bands: the −4 stands
    late = _new_start(planned="2024-04-01", started_on=d("2024-07-02"))
    assert entries(run(F("2024Q2", projects=(late,)), rules), 1) == [("late_start:p12", D(-4))]
    # not yet started at the quarter's end: −4 now; once it starts within the bands a recomputation
    # of the period drops it (a correction entry once the period is closed)
    open_ = _new_start(planned="2024-06-20", precision="day")
    assert entries(run(F("2024Q2", projects=(open_,)), rules), 1) == [("late_start:p12", D(-4))]
    started = _new_start(planned="2024-06-20", precision="day", started_on=d("2024-07-10"))
    assert entries(run(F("2024Q2", projects=(started,)), rules), 1) == []
    assert entries(run(F("2024Q3", projects=(started,)), rules), 1) == [
        ("late_start_recovered:p12", D("3.2"))
    ]


# ---------------------------------------------------------------------------------------------------
# Row 1 2: 新开工项目举行开工仪式没有实质进展的，一个项目扣5分


def test_ceremony_once_per_project_and_quarter() -> None:
    ceremonies = (
        CeremonyFact(finding_id=8, act_id=80, on=d("2024-05-20")),
        CeremonyFact(finding_id=7, act_id=70, on=d("2024-04-20")),
        CeremonyFact(finding_id=9, act_id=90, on=d("2024-07-20")),
    )
    project = _new_start(planned="2024-04-01", started_on=d("2024-04-01"), ceremonies=ceremonies)
    result = run(F("2024Q2", projects=(project,)))
    assert entries(result, 1) == [("ceremony:p12", D(-5))]  # two findings in Q2, charged once
    assert event(result, 1, "ceremony:p12").evidence == {"project": 12, "finding": 7, "act": 70}
    assert result.units[1].total == total(100 - 5) == D("98.00")
    assert entries(run(F("2024Q3", projects=(project,))), 1) == [("ceremony:p12", D(-5))]
    continuing = P(13, plan_type="continuing", ceremonies=ceremonies)
    assert entries(run(F("2024Q2", projects=(continuing,))), 1) == []  # not a new start


# ---------------------------------------------------------------------------------------------------
# Row 1 3: 开展前期项目提前开工的，一个项目加6分


@pytest.mark.parametrize(
    ("planned", "started", "expected"),
    [
        (None, "2024-05-10", [("preparation_early_start:p12", D(6))]),  # no planned start this year
        ("2025-03-01", "2024-05-10", [("preparation_early_start:p12", D(6))]),
        ("2024-05-01", "2024-05-10", []),  # within its planned month: not early
        (None, "2024-03-10", []),  # started in Q1
    ],
)
def test_preparation_project_started_early(planned, started, expected) -> None:
    project = P(
        12,
        plan_type="preparation",
        planned_start=d(planned) if planned else None,
        planned_start_precision="month",
        started_on=d(started),
    )
    result = run(F("2024Q2", projects=(project,)))
    assert entries(result, 1) == expected
    if expected:
        assert result.units[1].total == total(100 + 6) == D("102.40")


# ---------------------------------------------------------------------------------------------------
# Row 1 4: 项目当年签约当年开工的，一个项目加10分


def test_signed_and_started_in_the_same_year() -> None:
    same = _new_start(planned="2024-07-01", signed_on=d("2024-02-01"), started_on=d("2024-05-10"))
    result = run(F("2024Q2", projects=(same,)))
    # started ≥ a month early (+2) and signed the same year (+10): separate items, 100 + 2 + 10
    assert entries(result, 1) == [("early_start:p12", D(2)), ("signed_started_same_year:p12", D(10))]
    assert result.units[1].total == total(100 + 2 + 10) == D("104.80")
    other_year = _new_start(planned="2024-05-01", signed_on=d("2023-12-20"), started_on=d("2024-05-10"))
    assert entries(run(F("2024Q2", projects=(other_year,))), 1) == []


# ---------------------------------------------------------------------------------------------------
# Row 2 1: 未按建设进度实施建设和完工投产（运营）的，一个项目扣5分


def _continuing(pid=13, **kw):
    return P(pid, plan_type="continuing", **kw)


@pytest.mark.parametrize(
    ("nodes", "quarter", "expected_node"),
    [
        ((N(1, "2024-05-15", None, phase="construction"),), "2024Q2", 1),  # undone after its deadline
        ((N(1, "2024-05-15", "2024-05-20", phase="milestone"),), "2024Q2", 1),  # 形象进度 done late
        # two late nodes: −5 once, the earliest one is the evidence
        (
            (N(2, "2024-06-01", None, phase="construction"), N(1, "2024-05-01", None, phase="construction")),
            "2024Q2",
            1,
        ),
        # late since Q1, done in Q2: still behind in Q2 (each_period)
        ((N(1, "2024-03-20", "2024-04-10", phase="construction"),), "2024Q2", 1),
        # done late but within Q1: nothing in Q2
        ((N(1, "2024-03-01", "2024-03-20", phase="construction"),), "2024Q2", None),
        ((N(1, "2024-05-15", "2024-05-15", phase="construction"),), "2024Q2", None),  # on time
        ((N(1, "2024-05-15", None, phase="approval"),), "2024Q2", None),  # not a construction node
        ((N(1, "2024-05-15", None, phase="construction", exempt=True),), "2024Q2", None),
        ((N(1, "2024-06-30", None, phase="construction"),), "2024Q2", None),  # late from 07-01
    ],
)
def test_behind_plan_nodes(nodes, quarter, expected_node) -> None:
    result = run(F(quarter, projects=(_continuing(nodes=nodes),)))
    if expected_node is None:
        assert entries(result, 1) == []
        return
    assert entries(result, 1) == [("behind_plan:p13", D(-5))]
    assert event(result, 1, "behind_plan:p13").evidence == {"project": 13, "node": expected_node}
    assert result.units[1].categories["construction"] == 100 - 5
    assert result.units[1].total == total(100, 100 - 5) == D("98.50")


def test_behind_plan_completion_by_precision() -> None:
    stage_node = N(9, None, None, phase="construction", stage="completed")
    project = _continuing(
        planned_completion=d("2024-06-01"), planned_completion_precision="month", nodes=(stage_node,)
    )
    assert entries(run(F("2024Q2", projects=(project,))), 1) == []  # late only after June
    result = run(F("2024Q3", projects=(project,)))
    assert entries(result, 1) == [("behind_plan:p13", D(-5))]
    assert event(result, 1, "behind_plan:p13").evidence == {"project": 13, "node": 9}
    assert "计划 2024年6月 竣工，截至 2024-07-01 未竣工" in event(result, 1, "behind_plan:p13").sentence
    done = _continuing(
        planned_production=d("2024-06-01"), planned_production_precision="month", producing_on=d("2024-06-28")
    )
    assert entries(run(F("2024Q3", projects=(done,))), 1) == []


# ---------------------------------------------------------------------------------------------------
# Row 2 2: 结转续建项目提前完工投产（运营）的，一个项目加6分


@pytest.mark.parametrize(
    ("completed", "producing", "quarter", "expected"),
    [
        ("2024-08-20", None, "2024Q3", [("finished_early:p13", D(6))]),  # before 2024-09-01
        ("2024-09-05", None, "2024Q3", []),  # within the planned month
        (None, "2024-05-10", "2024Q2", [("finished_early:p13", D(6))]),  # production planned 2024年7月
        # completed early in Q2 and producing early in Q3: one award, in Q2
        ("2024-06-10", "2024-07-10", "2024Q3", []),
        ("2024-06-10", "2024-07-10", "2024Q2", [("finished_early:p13", D(6))]),
    ],
)
def test_finished_early(completed, producing, quarter, expected) -> None:
    project = _continuing(
        planned_completion=d("2024-09-01"),
        planned_completion_precision="month",
        planned_production=d("2024-07-01") if producing else None,
        planned_production_precision="month",
        completed_on=d(completed) if completed else None,
        producing_on=d(producing) if producing else None,
    )
    result = run(F(quarter, projects=(project,)))
    assert entries(result, 1) == expected
    if expected:
        assert result.units[1].total == total(100, 100 + 6) == D("101.80")


def test_behind_and_finished_early_in_one_quarter() -> None:
    behind = _continuing(13, nodes=(N(1, "2024-05-15", None, phase="construction"),))
    early = _continuing(
        14,
        planned_completion=d("2024-09-01"),
        planned_completion_precision="month",
        completed_on=d("2024-05-01"),
    )
    result = run(F("2024Q2", projects=(behind, early)))
    assert entries(result, 1) == [("behind_plan:p13", D(-5)), ("finished_early:p14", D(6))]
    assert result.units[1].total == total(100, 100 - 5 + 6) == D("100.30")


# ---------------------------------------------------------------------------------------------------
# Row 3 1: 有时限的议定事项：提前 +2；超过 5 / 10 / 20 个工作日 −4 / −8 / −15，扣完为止


def _matter(mid, bucket, band, late, units=(1, 2), **kw):
    return MatterFact(mid, f"事项{mid}", units, bucket, band=band, late=late, on=d("2024-06-20"), **kw)


@pytest.mark.parametrize(
    ("bucket", "band", "late", "points"),
    [
        ("closed", "early", -3, D(2)),
        ("closed", "on_time", 0, None),
        ("closed", "late", 5, None),  # exactly 5 working days: not yet "超过5个工作日"
        ("closed", "late_1", 6, D(-4)),
        ("closed", "late_2", 11, D(-8)),
        ("closed", "late_3", 25, D(-15)),  # bands do not add up: −15, not −4 − 8 − 15
        ("open_overdue", "late_2", 12, D(-8)),
    ],
)
def test_matter_bands(bucket, band, late, points) -> None:
    result = run(F("2024Q2", matters=(_matter(7, bucket, band, late),)))
    expected = [] if points is None else [("matter_band:m7", points)]
    assert entries(result, 1) == expected  # the lead unit
    assert entries(result, 2) == expected  # and the co-operating unit (该事项涉及的相关单位)
    if points is not None:
        assert result.units[2].total == total(100, 100, 100 + points)
        assert "本单位为配合单位" in event(result, 2, "matter_band:m7").sentence


def test_matter_bands_cumulative_reading_adds_up() -> None:
    rules = wh19(lambda data: rule_item(data, "matter_band").update(cumulative=True))
    result = run(F("2024Q2", matters=(_matter(7, "closed", "late_3", 25),)), rules)
    assert entries(result, 1) == [("matter_band:m7", D(-4 - 8 - 15))]


def test_matter_lead_only_reading() -> None:
    rules = wh19(lambda data: rule_item(data, "matter_band").update(units="lead"))
    result = run(F("2024Q2", matters=(_matter(7, "closed", "late_1", 6),)), rules)
    assert entries(result, 1) == [("matter_band:m7", D(-4))]
    assert entries(result, 2) == []


def test_an_unresolved_matter_is_charged_the_difference_later() -> None:
    # charged −4 in Q1 (over 5 days); at Q2's end over 10 days: −8 − (−4) = −4 more
    matter = _matter(7, "open_overdue", "late_2", 12, already_charged={1: D(-4), 2: D(-4)})
    result = run(F("2024Q2", matters=(matter,)))
    assert entries(result, 1) == [("matter_band:m7", D(-8) - D(-4))]
    assert "此前各期已扣 4 分，本期扣 4 分" in event(result, 1, "matter_band:m7").sentence
    # closed in Q3 in the same band: nothing more
    closed = _matter(7, "closed", "late_2", 14, already_charged={1: D(-8), 2: D(-8)})
    assert entries(run(F("2024Q3", matters=(closed,))), 1) == []
    # each_period reading: the whole band again
    rules = wh19(lambda data: rule_item(data, "matter_band").update(open="each_period"))
    assert entries(run(F("2024Q2", matters=(matter,)), rules), 1) == [("matter_band:m7", D(-8))]


def test_matters_are_deducted_down_to_zero() -> None:
    matters = tuple(_matter(m, "closed", "late_3", 25, units=(1,)) for m in range(1, 8))
    result = run(F("2024Q2", matters=matters))
    # 7 × −15 = −105 from 100: held at 0 by a floor entry of +5 (扣完为止)
    assert entries(result, 1)[-1] == ("floor:matters", D(100 - 7 * 15) * -1)
    assert result.units[1].categories["matters"] == max(0, 100 - 7 * 15) == 0
    assert sum(points for _, points in entries(result, 1)) == D(-100)
    assert result.units[1].total == total(100, 100, 0) == D("70.00")
    floor = event(result, 1, "floor:matters")
    assert floor.weighted == D("1.5") and "扣完为止，补回 5 分" in floor.sentence


# ---------------------------------------------------------------------------------------------------
# Row 3 2: 无时限事项同一层级上会三次及以上，相关单位每次扣10分


def test_repeated_raising_costs_every_unit_ten_per_raise() -> None:
    matter = MatterFact(9, "园区道路", (1, 3), "repeat", raises=3, on=d("2024-06-12"), meeting_id=5)
    result = run(F("2024Q2", matters=(matter,)))
    assert entries(result, 1) == [("matter_repeat:m9", D(-10 * 3))]
    assert entries(result, 3) == [("matter_repeat:m9", D(-10 * 3))]
    assert result.units[3].total == total(100, 100, 100 - 30) == D("91.00")
    assert event(result, 3, "matter_repeat:m9").evidence == {"matter": 9, "meeting": 5}


# ---------------------------------------------------------------------------------------------------
# Row 4: 其它情况 (the next quarter's total; in Q4 the same quarter)


def _card(cid, unit, color, on, label=None):
    return CardFact(
        cid, unit, color, d(on), label or f"{'黄' if color == 'yellow' else '红'}牌〔2024〕第{cid}号"
    )


def test_most_yellow_cards_of_the_previous_quarter() -> None:
    cards = (
        _card(1, 1, "yellow", "2024-02-01"),
        _card(2, 1, "yellow", "2024-03-01"),
        _card(3, 2, "yellow", "2024-01-10"),
        _card(4, 2, "yellow", "2024-03-30"),
        _card(5, 3, "yellow", "2024-03-05"),
        _card(6, 3, "yellow", "2024-04-05"),  # Q2's own card: counts for Q3, not Q2
        _card(7, 3, "yellow", "2024-05-05"),
    )
    result = run(F("2024Q2", cards=cards))
    # Q1: units 1 and 2 have 2 each (tied, both −1), unit 3 has 1
    assert entries(result, 1) == [("most_yellow:2024Q1", D(-1))]
    assert entries(result, 2) == [("most_yellow:2024Q1", D(-1))]
    assert entries(result, 3) == []
    assert result.units[1].adjustments == D(-1)
    assert result.units[1].total == total(100, adjustments=-1) == D("99.00")
    assert event(result, 1, "most_yellow:2024Q1").sentence.startswith(
        "2024年第1季度本单位获“黄牌”预警 2 次（黄牌〔2024〕第1号、黄牌〔2024〕第2号），为各单位最多（与另 1 个单位并列）"
    )
    assert entries(run(F("2024Q3", cards=cards)), 3) == [("most_yellow:2024Q2", D(-1))]


def test_no_yellow_cards_no_deduction() -> None:
    assert entries(run(F("2024Q2", cards=(_card(1, 1, "red", "2024-02-01"),))), 1) == [("red_card:c1", D(-2))]


def test_each_red_card_of_the_previous_quarter() -> None:
    cards = (
        _card(1, 1, "red", "2024-02-01"),
        _card(2, 1, "red", "2024-03-15"),
        _card(3, 1, "red", "2024-04-01"),
    )
    result = run(F("2024Q2", cards=cards))
    assert entries(result, 1) == [("red_card:c1", D(-2)), ("red_card:c2", D(-2))]
    assert result.units[1].total == total(100, adjustments=-2 - 2) == D("96.00")


def test_first_and_last_place_of_the_previous_quarter() -> None:
    places = (
        PlaceFact(1, "first", "2024Q1", "项目责任单位", 1),
        PlaceFact(3, "last", "2024Q1", "项目责任单位", 3),
        PlaceFact(2, "first", "2023Q4", "项目责任单位", 1),  # another period: ignored
    )
    result = run(F("2024Q2", places=places))
    assert entries(result, 1) == [("place:2024Q1:first", D(3))]
    assert entries(result, 3) == [("place:2024Q1:last", D(-2))]
    assert entries(result, 2) == []
    assert result.units[1].total == total(100, adjustments=3) == D("103.00")
    assert result.units[3].total == total(100, adjustments=-2) == D("98.00")
    # ranked = the units involved this year: unit 2 (nothing this year) is left out; 1 first, 3 last
    assert 2 not in result.units
    assert (result.units[1].rank, result.units[1].place) == (1, "first")
    assert (result.units[3].rank, result.units[3].place) == (2, "last")


def test_fourth_quarter_adjusts_itself() -> None:
    projects = (
        _continuing(
            13,
            unit=1,
            planned_completion=d("2024-12-01"),
            planned_completion_precision="month",
            completed_on=d("2024-10-15"),
        ),  # unit 1: +6 → 101.80
        _new_start(12, planned="2024-10-01", unit=3),  # unit 3: −4 → 98.40
    )
    cards = (
        _card(1, 2, "yellow", "2024-08-01"),  # Q3's most yellow: −1 in Q4 (the next quarter)
        _card(2, 2, "red", "2024-11-01"),  # Q4's own red card: −2 in Q4 itself
        _card(3, 3, "red", "2024-10-20"),
    )
    places = (PlaceFact(2, "first", "2024Q3", "项目责任单位", 1),)  # Q3's first place: +3 in Q4
    result = run(F("2024Q4", projects=projects, cards=cards, places=places))
    # preliminary ranking (every event but Q4's own places):
    #   unit 1: 100 + 6 × 30% = 101.80; unit 2: 100 − 1 − 2 + 3 = 100.00; unit 3: 100 − 4 × 40% − 2 = 96.40
    # → unit 1 首位席 (+3), unit 3 末位席 (−2), in Q4 itself
    assert entries(result, 1) == [("finished_early:p13", D(6)), ("place:2024Q4:first", D(3))]
    assert entries(result, 2) == [
        ("most_yellow:2024Q3", D(-1)),
        ("red_card:c2", D(-2)),
        ("place:2024Q3:first", D(3)),
    ]
    assert entries(result, 3) == [
        ("late_start:p12", D(-4)),
        ("red_card:c3", D(-2)),
        ("place:2024Q4:last", D(-2)),
    ]
    assert result.units[1].total == total(100, 106, adjustments=3) == D("104.80")
    assert result.units[2].total == total(100, adjustments=-1 - 2 + 3) == D("100.00")
    assert result.units[3].total == total(96, adjustments=-2 - 2) == D("94.40")
    assert [result.units[u].place for u in (1, 2, 3)] == ["first", "", "last"]
    assert "第四季度实行当季扣分或加分" in event(result, 1, "place:2024Q4:first").sentence
    # 2025Q1 does not charge Q4's cards or places again
    after = run(F("2025Q1", cards=cards, places=(PlaceFact(1, "first", "2024Q4", "项目责任单位", 1),)))
    assert all(entries(after, u) == [] for u in after.units)


def test_next_quarter_reading_without_the_q4_note() -> None:
    def switch(data):
        for kind in ("most_yellow", "red_card"):
            rule_item(data, kind).update(q4_same_quarter=False)
        for position in ("top", "bottom"):
            rule_item(data, "place", position).update(q4_same_quarter=False)

    rules = wh19(switch)
    cards = (_card(2, 2, "red", "2024-11-01"),)
    assert entries(run(F("2024Q4", cards=cards), rules), 2) == []
    assert entries(run(F("2025Q1", cards=cards), rules), 2) == [("red_card:c2", D(-2))]


# ---------------------------------------------------------------------------------------------------
# Year (WH19 四(四)): the quarters' weighted average, 10/35 of the annual review, bonus up to 5


def test_year_is_the_average_of_the_quarters_plus_bonus_up_to_five() -> None:
    from tuijin.scoring.rules import BonusFact

    totals = {1: {"2024Q1": D("96"), "2024Q2": D("98.4"), "2024Q3": D("100"), "2024Q4": D("101.8")}}
    bonuses = (
        BonusFact(1, 1, D(3), "获省级表彰", "区长 张某", d("2024-11-01")),
        BonusFact(2, 1, D(4), "市委市政府通报表扬", "区长 张某", d("2024-12-01")),
    )
    result = run(F("2024", units=(1,), quarter_totals=totals, bonuses=bonuses))
    assert entries(result, 1) == [
        ("quarter_average:2024Q1", D("96") / 4),
        ("quarter_average:2024Q2", D("98.4") / 4),
        ("quarter_average:2024Q3", D("100") / 4),
        ("quarter_average:2024Q4", D("101.8") / 4),
        ("bonus:b1", D(3)),
        ("bonus:b2", D(5 - 3)),  # capped at 5 a year: 4 asked, 2 counted
    ]
    average = (D("96") + D("98.4") + D("100") + D("101.8")) / 4  # 99.05
    assert result.units[1].categories == {"quarters": average}
    # [scoring.year] adjustments = "separate": the year total (ranked on) is the average alone; the bonus
    # (WH19 四(四) 奖励项, ≤ 5) is a figure of its own, still in the ledger as its entries
    assert result.units[1].total == average == D("99.05")
    assert result.units[1].adjustments == 5
    assert "年度加分最高 5 分，此前已加 3 分，本项只计 2 分" in event(result, 1, "bonus:b2").sentence
    # 10/35: the average of 100 becomes 10 of the 35 points → 99.05 × 10 ÷ 100 = 9.905 → 9.91
    unit = result.units[1]
    assert (unit.average, unit.review, unit.bonus) == (D("99.05"), D("9.91"), D(5))
    rules = wh19()
    summary = r.year_summary(result.units[1], rules)
    assert summary["average"] == D("99.05") and summary["bonus"] == 5 and summary["total"] == D("99.05")
    assert summary["review"] == r.review_points(D("99.05"), rules) == D("9.91")
    assert summary["review_total"] == 35


def test_a_missing_quarter_is_left_out_with_a_warning() -> None:
    totals = {1: {"2024Q1": D("96"), "2024Q2": D("99"), "2024Q4": D("102")}}
    result = run(F("2024", units=(1,), quarter_totals=totals))
    assert result.units[1].total == (D("96") + D("99") + D("102")) / 3 == D("99.00")
    assert result.warnings == [
        "1 个单位缺少 2024年第3季度考评总分（该季度未计算或单位未参加排名），年度分按已有季度加权平均"
    ]
    zero = wh19(lambda data: rule_item(data, "quarter_average").update(missing="zero"))
    assert run(F("2024", units=(1,), quarter_totals=totals), zero).units[1].total == D("74.25")  # 297 ÷ 4


def test_every_entry_sentence_cites_the_notice() -> None:
    project = _new_start(planned="2024-04-01", started_on=d("2024-05-20"), signed_on=d("2024-01-05"))
    result = run(F("2024Q2", projects=(project,)))
    assert all("WH19 附件3 第1行" in e.sentence for e in result.units[1].events)
