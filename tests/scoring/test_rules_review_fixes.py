"""The engine readings settled after review (F2), each a rule-set key with its reading in the presets,
worked by hand: an exempted late start loses its recovery bonus ([scoring.exemption] recovery), lasting
deductions need every late month exempted (persisting), "提前一个月开工" read like the late side,
责任人 = the responsible unit's principal ([scoring] person), ties at 首位席 ([scoring] place_ties), the
year ranked on the quarter average with the bonus beside it ([scoring.year] adjustments), most-yellow
evidence and the strangers warning. Pure (no database).

Quarter totals: 新开工 × 40% + 在建 × 30% + 议定事项 × 30% + 其它情况 (WH19 附件3; DH24 takes the same)."""

from types import SimpleNamespace

import pytest

from tuijin.scoring import rules as r

from .rules_builders import (
    CardFact,
    CeremonyFact,
    D,
    ExemptionFact,
    F,
    N,
    P,
    U,
    d,
    dh24,
    entries,
    event,
    preset,
    rule_item,
    run,
    wh19,
)


def _late(pid=12, started=None, **kw):
    """Planned 2024年5月 (month precision): late from 2024-06-01."""
    return P(
        pid,
        plan_type="new_start",
        planned_start=d("2024-05-01"),
        planned_start_precision="month",
        started_on=d(started) if started else None,
        **kw,
    )


def _granted(eid: int, month: str, pid: int = 12, unit: int = 1, who: str = "挂点领导 张某、分管领导 李某"):
    return ExemptionFact(eid, project_id=pid, unit_id=unit, month=month, signed_by=who)


# ---------------------------------------------------------------------------------------------------
# 1. DH24: an exempted late start does not keep its recovery bonus (recovery = "waive")


def test_dh24_exempted_late_start_recovered_in_the_same_quarter_scores_100_not_103_20() -> None:
    project = _late(started="2024-06-20")  # 19 days after the first late day: band 1 (+3.2)
    facts = F("2024Q2", projects=(project,), exemptions=(_granted(3, "2024-06"),))
    result = run(facts, dh24())
    late = event(result, 1, "late_start:p12")
    recovered = event(result, 1, "late_start_recovered:p12")
    # −4 waived (June exemption, the first late day 2024-06-01 is in June) → 0; +3.2 waived with it → 0
    assert (late.points, late.exempted_points, late.exemption_id) == (0, D(-4), 3)
    assert (recovered.points, recovered.exempted_points, recovered.exemption_id) == (0, D("3.2"), 3)
    assert "延期开工扣分已因客观原因免扣" in recovered.sentence
    assert "延期后开工的加分相应不计" in recovered.sentence
    # new_starts 100 − 0 + 0 = 100 (before: 100 + 3.2 = 103.2, better than an on-time start)
    assert result.units[1].categories["new_starts"] == 100
    assert result.units[1].total == D("40") + D("30") + D("30") == D("100.00")
    # the June month period (DH24 月通报) reads the same
    month = run(F("2024-06", projects=(project,), exemptions=(_granted(3, "2024-06"),)), dh24())
    assert month.units[1].categories["new_starts"] == 100


def test_dh24_the_recovery_in_a_later_quarter_is_waived_by_the_first_late_months_exemption() -> None:
    # started 2024-07-10: after 2024-07-01 (1 month from 06-01), before 2024-08-01 → band 2, +2, in Q3;
    # the −4 was charged (and exempted) in Q2 — the facts carry the June exemption
    project = _late(started="2024-07-10")
    result = run(F("2024Q3", projects=(project,), exemptions=(_granted(3, "2024-06"),)), dh24())
    recovered = event(result, 1, "late_start_recovered:p12")
    assert (recovered.points, recovered.exempted_points) == (0, D(2))
    assert "2024年6月" in recovered.sentence
    assert result.units[1].categories["new_starts"] == 100
    # no exemption of June (only of July, the start's month): the +2 stands → 102 × 40% + 60 = 100.80
    result = run(F("2024Q3", projects=(project,), exemptions=(_granted(4, "2024-07"),)), dh24())
    assert entries(result, 1) == [("late_start_recovered:p12", D(2))]
    assert result.units[1].total == D("102") * D("0.4") + 60 == D("100.80")


def test_recovery_keep_reading_and_the_unexempted_late_start() -> None:
    project = _late(started="2024-06-20")
    keep = dh24(lambda data: data["scoring"]["exemption"].update(recovery="keep"))
    result = run(F("2024Q2", projects=(project,), exemptions=(_granted(3, "2024-06"),)), keep)
    # keep: −4 waived, +3.2 kept → 103.2 × 40% + 60 = 101.28
    assert entries(result, 1) == [("late_start:p12", D(0)), ("late_start_recovered:p12", D("3.2"))]
    assert result.units[1].total == D("103.2") * D("0.4") + 60 == D("101.28")
    # without an exemption: −4 + 3.2 = −0.8 → 99.2 × 40% + 60 = 99.68
    result = run(F("2024Q2", projects=(project,)), dh24())
    assert entries(result, 1) == [("late_start:p12", D(-4)), ("late_start_recovered:p12", D("3.2"))]
    assert result.units[1].total == D("99.2") * D("0.4") + 60 == D("99.68")


def test_recovery_replacing_the_deduction_is_not_waived() -> None:
    # on_top = false: no −4 for a start within the bands, so there is nothing exempted to pair with
    rules = dh24(lambda data: rule_item(data, "late_start_recovered").update(on_top=False))
    project = _late(started="2024-06-20")
    result = run(F("2024Q2", projects=(project,), exemptions=(_granted(3, "2024-06"),)), rules)
    assert entries(result, 1) == [("late_start_recovered:p12", D("3.2"))]


# ---------------------------------------------------------------------------------------------------
# 2. The exemption's month against quarterly events (persisting = "every_month")


def _behind(done: str | None = None):
    """A continuing project whose construction node was due 2024-03-31: behind from 2024-04-01."""
    node = N(30, "2024-03-31", done, unit=1, phase="construction", name="主体封顶")
    return P(20, plan_type="continuing", nodes=(node,))


def test_a_quarter_long_delay_needs_every_month_exempted() -> None:
    rules = dh24()
    april = _granted(5, "2024-04", pid=20)
    may = _granted(6, "2024-05", pid=20, who="挂点领导 王某、分管领导 李某")
    june = _granted(7, "2024-06", pid=20)
    # April only: the project stayed behind in May and June → −5 stands, and the sentence says why
    result = run(F("2024Q2", projects=(_behind(),), exemptions=(april,)), rules)
    behind = event(result, 1, "behind_plan:p20")
    assert behind.exempt_months == ("2024-04", "2024-05", "2024-06")
    assert behind.points == -5 and behind.exemption_id is None
    assert (
        "2024年4月的免扣分申请已同意，但本期 2024年5月、2024年6月 仍滞后且未获同意免扣，照扣"
        in behind.sentence
    )
    # construction 95 × 30% = 28.5 → 40 + 28.5 + 30 = 98.50
    assert result.units[1].total == D("40") + D("95") * D("0.3") + D("30") == D("98.50")
    # May and June only: April is not covered → still −5
    result = run(F("2024Q2", projects=(_behind(),), exemptions=(may, june)), rules)
    assert event(result, 1, "behind_plan:p20").points == -5
    # all three months → waived; the first month's exemption is the evidence, every signer is named
    result = run(F("2024Q2", projects=(_behind(),), exemptions=(april, may, june)), rules)
    behind = event(result, 1, "behind_plan:p20")
    assert (behind.points, behind.exempted_points, behind.exemption_id) == (0, D(-5), 5)
    assert "2024年4月、2024年6月经挂点领导 张某、分管领导 李某签字同意" in behind.sentence
    assert "2024年5月经挂点领导 王某、分管领导 李某签字同意" in behind.sentence
    assert result.units[1].total == D("100.00")


def test_a_delay_ended_in_the_quarter_needs_only_its_months() -> None:
    # the node done 2024-05-10: behind in April and May only → those two exemptions waive the −5
    exemptions = (_granted(5, "2024-04", pid=20), _granted(6, "2024-05", pid=20))
    result = run(F("2024Q2", projects=(_behind("2024-05-10"),), exemptions=exemptions), dh24())
    behind = event(result, 1, "behind_plan:p20")
    assert behind.exempt_months == ("2024-04", "2024-05")
    assert behind.points == 0 and behind.exempted_points == -5


def test_a_month_period_needs_its_own_month() -> None:
    # DH24 月通报 2024-05: the project is behind in May; May's exemption waives it, April's does not
    may = run(F("2024-05", projects=(_behind(),), exemptions=(_granted(6, "2024-05", pid=20),)), dh24())
    assert event(may, 1, "behind_plan:p20").points == 0
    april = run(F("2024-05", projects=(_behind(),), exemptions=(_granted(5, "2024-04", pid=20),)), dh24())
    assert event(april, 1, "behind_plan:p20").points == -5


def test_event_month_reading_keeps_the_old_rule() -> None:
    rules = dh24(lambda data: data["scoring"]["exemption"].update(persisting="event_month"))
    result = run(F("2024Q2", projects=(_behind(),), exemptions=(_granted(5, "2024-04", pid=20),)), rules)
    assert event(result, 1, "behind_plan:p20").points == 0  # 2024-04-01, the event's day, is in April


def test_one_day_events_go_by_their_own_month() -> None:
    rules = dh24()
    # late start: the first late day 2024-06-01 → June's exemption alone waives it in Q2
    result = run(F("2024Q2", projects=(_late(),), exemptions=(_granted(3, "2024-06"),)), rules)
    assert event(result, 1, "late_start:p12").points == 0
    assert event(result, 1, "late_start:p12").exempt_months == ()
    # … and April's does not
    result = run(F("2024Q2", projects=(_late(),), exemptions=(_granted(3, "2024-04"),)), rules)
    assert event(result, 1, "late_start:p12").points == -4
    # ceremony found 2024-05-20 → May's exemption
    found = (CeremonyFact(finding_id=8, act_id=9, on=d("2024-05-20")),)
    project = P(14, plan_type="new_start", ceremonies=found)
    result = run(F("2024Q2", projects=(project,), exemptions=(_granted(3, "2024-05", pid=14),)), rules)
    assert event(result, 1, "ceremony:p14").points == 0
    result = run(F("2024Q2", projects=(project,), exemptions=(_granted(3, "2024-06", pid=14),)), rules)
    assert event(result, 1, "ceremony:p14").points == -5


# ---------------------------------------------------------------------------------------------------
# 3. "提前一个月开工" read like the late side (WH19, DH24, ETDZ19 alike)


@pytest.mark.parametrize("slug", ["wuhan-2019", "donghu-2024", "nanchang-etdz-2019"])
@pytest.mark.parametrize(
    ("started", "expected"),
    [
        ("2024-05-15", [("early_start:p12", D(2))]),  # June plan, started in May → +2
        ("2024-05-31", [("early_start:p12", D(2))]),  # May's last day: still the previous month
        ("2024-06-01", []),  # in the planned month: on time, nothing
    ],
)
def test_a_june_plan_started_in_may_is_a_month_early(slug, started, expected) -> None:
    project = P(
        12,
        plan_type="new_start",
        planned_start=d("2024-06-01"),
        planned_start_precision="month",
        started_on=d(started),
    )
    result = run(F("2024Q2", projects=(project,)), preset(slug))
    assert entries(result, 1) == expected
    if expected:  # new_starts 102 × 40% + 30 + 30 = 100.80
        assert result.units[1].total == D("102") * D("0.4") + 60 == D("100.80")


def test_early_start_latest_day_by_precision() -> None:
    from tuijin.scoring.kinds.wuhan import early_start_latest

    assert early_start_latest(d("2024-06-01"), "month", 1) == d("2024-05-31")
    assert early_start_latest(d("2024-03-01"), "month", 2) == d("2024-01-31")
    assert early_start_latest(d("2024-06-15"), "day", 1) == d("2024-05-15")  # unchanged
    # the week Mon 06-10 – Sun 06-16 shifted back a month: the week of Fri 05-10 → Sun 05-12
    assert early_start_latest(d("2024-06-12"), "week", 1) == d("2024-05-12")


# ---------------------------------------------------------------------------------------------------
# 4. 责任人 of the responsible unit's entries: its principal (WH19 二 主要责任人)


def test_entries_of_the_responsible_unit_name_its_principal_and_keep_the_leader_as_evidence() -> None:
    behind = P(20, plan_type="continuing", person_id=99, unit_person_id=11, nodes=_behind().nodes)
    late = _late(person_id=98, unit_person_id=11)
    result = run(F("2024Q2", projects=(behind, late)))
    for key, leader in (("behind_plan:p20", 99), ("late_start:p12", 98)):
        entry = event(result, 1, key)
        assert entry.person_id == 11
        assert entry.evidence["leader"] == leader
    # the project_leader reading names the lead leader instead
    leaders = wh19(lambda data: data["scoring"].update(person="project_leader"))
    entry = event(run(F("2024Q2", projects=(behind,)), leaders), 1, "behind_plan:p20")
    assert entry.person_id == 99 and "leader" not in entry.evidence


# ---------------------------------------------------------------------------------------------------
# 5. Ties at 首位席 / 末位席 (place_ties)


def _prep(pid, unit):  # a 前期 project started early: +6 on new_starts (× 40% = +2.4)
    return P(pid, unit=unit, plan_type="preparation", started_on=d("2024-05-10"))


def _two_tied_first():
    # units 1 and 2: 102.40 (tied at every category); unit 3: nothing → 100.00; unit 4: one late start
    # → 96 × 40% + 60 = 98.40
    return F(
        "2024Q2",
        units=(1, 2, 3, 4),
        projects=(_prep(1, 1), _prep(2, 2), P(3, unit=3, plan_type="continuing"), _late(4, unit=4)),
    )


def test_place_ties_all_gives_every_tied_unit_the_place() -> None:
    result = run(_two_tied_first())
    assert [(u.unit_id, u.total, u.rank) for u in result.ranking("all_units")] == [
        (1, D("102.40"), 1),
        (2, D("102.40"), 1),
        (3, D("100.00"), 3),
        (4, D("98.40"), 4),
    ]
    assert [result.units[u].place for u in (1, 2, 3, 4)] == ["first", "first", "", "last"]


def test_place_ties_none_gives_the_place_to_nobody_when_the_tie_passes_the_count() -> None:
    rules = wh19(lambda data: data["scoring"].update(place_ties="none"))
    result = run(_two_tied_first(), rules)
    # 首位席 1, two tied at the top → nobody; 末位席 1, unit 4 alone at the bottom → unit 4
    assert [result.units[u].place for u in (1, 2, 3, 4)] == ["", "", "", "last"]
    # the rectification rule is unchanged: the two lowest (units 3, 4), never a unit tied with the best
    assert [u for u in (1, 2, 3, 4) if result.units[u].rectify] == [3, 4]


def test_place_ties_with_a_count_of_three() -> None:
    def three(data, ties):
        data["scoring"]["place_ties"] = ties
        for item in data["ranking"]["consequences"]:
            if item["position"] == "top":
                item["count"] = 3

    # unit 1: 102.40 (a 前期 project started early, +6); units 2–4: 100.00 each (a listed project, no
    # event); unit 5: a late start → 98.40
    facts = F(
        "2024Q2",
        units=(1, 2, 3, 4, 5),
        projects=(_prep(1, 1), *(P(i, unit=i, plan_type="continuing") for i in (2, 3, 4)), _late(5, unit=5)),
    )
    shared = run(facts, wh19(lambda data: three(data, "all")))
    # ranks 1, 2, 2, 2, 5: the three tied at rank 2 all fall within the first three → all take it
    assert [shared.units[u].rank for u in (1, 2, 3, 4, 5)] == [1, 2, 2, 2, 5]
    assert [shared.units[u].place for u in (1, 2, 3, 4, 5)] == ["first"] * 4 + ["last"]
    alone = run(facts, wh19(lambda data: three(data, "none")))
    # 1 + 3 tied = 4 > 3 places: only unit 1 takes 首位席
    assert [alone.units[u].place for u in (1, 2, 3, 4, 5)] == ["first", "", "", "", "last"]


def test_place_ties_none_in_a_group_all_tied() -> None:
    rules = wh19(lambda data: data["scoring"].update(place_ties="none"))
    result = run(F("2024Q2", units=(1, 2), projects=(_prep(1, 1), _prep(2, 2))), rules)
    assert [result.units[u].place for u in (1, 2)] == ["", ""]


# ---------------------------------------------------------------------------------------------------
# 6. Year: ranked on the quarter average; review share and bonus beside it


def test_the_year_is_ranked_on_the_average_with_the_bonus_beside_it() -> None:
    from tuijin.scoring.rules import BonusFact

    # unit 1: quarters 98, 99, 100, 99 → average 99; bonus 5 → not in the total (WH19: separate)
    # unit 2: quarters 100, 100, 99.5, 100.5 → average 100; no bonus
    totals = {
        1: {"2024Q1": D(98), "2024Q2": D(99), "2024Q3": D(100), "2024Q4": D(99)},
        2: {"2024Q1": D(100), "2024Q2": D(100), "2024Q3": D("99.5"), "2024Q4": D("100.5")},
    }
    bonuses = (BonusFact(1, 1, D(5), "获省级表彰", "区长 张某", d("2024-11-01")),)
    result = run(F("2024", units=(1, 2), quarter_totals=totals, bonuses=bonuses))
    one, two = result.units[1], result.units[2]
    assert (one.average, one.bonus, one.total) == (D("99.00"), D(5), D("99.00"))
    assert (two.average, two.bonus, two.total) == (D("100.00"), D(0), D("100.00"))
    # 99 × 10 ÷ 100 = 9.9; 100 × 10 ÷ 100 = 10 (of the review's 35)
    assert (one.review, two.review) == (D("9.90"), D("10.00"))
    # ranked on the average: unit 2 first although unit 1's average + bonus (104) is higher
    assert [(u.unit_id, u.rank) for u in result.ranking("all_units")] == [(2, 1), (1, 2)]
    # the in_total reading (DH24, KF19): average + bonus = 104 ranks unit 1 first
    in_total = wh19(lambda data: data["scoring"]["year"].update(adjustments="in_total"))
    result = run(F("2024", units=(1, 2), quarter_totals=totals, bonuses=bonuses), in_total)
    assert result.units[1].total == D(99) + 5 == D("104.00") and result.units[1].average == D("99.00")
    assert [(u.unit_id, u.rank) for u in result.ranking("all_units")] == [(1, 1), (2, 2)]
    # quarter periods carry no year figures
    quarter = run(F("2024Q2", projects=(_prep(1, 1),)))
    assert (quarter.units[1].average, quarter.units[1].review, quarter.units[1].bonus) == (None, None, None)


def test_year_figures_from_stored_entries() -> None:
    # the ledger rows of a closed year (category, points, weighted): what the pages and exports re-sum
    rows = [
        SimpleNamespace(category="quarters", points=D("24.5"), weighted=D("24.5")),  # 98 ÷ 4
        SimpleNamespace(category="quarters", points=D("25"), weighted=D("25")),  # 100 ÷ 4
        SimpleNamespace(category="quarters", points=D("24.75"), weighted=D("24.75")),  # 99 ÷ 4
        SimpleNamespace(category="quarters", points=D("24.75"), weighted=D("24.75")),  # 99 ÷ 4
        SimpleNamespace(category="adjustment", points=D(3), weighted=D(3)),  # bonus
        SimpleNamespace(category="adjustment", points=D(-1), weighted=D(-1)),  # a correction of it
    ]
    figures = r.year_figures(wh19(), rows)
    assert figures.average == D("24.5") + 25 + D("24.75") * 2 == D("99.00")
    assert figures.bonus == 3 - 1 == 2
    assert figures.review == D("9.90") and (figures.review_points, figures.review_total) == (10, 35)
    assert figures.total == D("99.00")
    # DH24 has no 10/35 conversion and counts its adjustments (申报项目计分) in the total
    dh = r.year_figures(dh24(), rows)
    assert dh.review is None and dh.total == D("101.00")


# ---------------------------------------------------------------------------------------------------
# 7. Most-yellow evidence lists every card; the strangers warning names units


def test_most_yellow_evidence_lists_all_its_cards() -> None:
    cards = (
        CardFact(1, 1, "yellow", d("2024-02-01"), "黄牌〔2024〕第1号"),
        CardFact(4, 1, "yellow", d("2024-03-05"), "黄牌〔2024〕第4号"),
        CardFact(2, 2, "yellow", d("2024-02-10"), "黄牌〔2024〕第2号"),
    )
    result = run(F("2024Q2", cards=cards))
    most = event(result, 1, "most_yellow:2024Q1")
    assert most.evidence == {"card": 4, "cards": [1, 4]}
    assert entries(result, 2) == []  # one card < two


def test_the_strangers_warning_names_the_units() -> None:
    matter = r.MatterFact(7, "道路配套", (1, 9, 8), "closed", band="late_1", late=7, on=d("2024-05-10"))
    facts = F("2024Q2", units=(U(1),), matters=(matter,), extra={"unit_names": {9: "市自然资源局"}})
    warning = next(w for w in run(facts).warnings if "不在本辖区单位名单中" in w)
    assert warning == "计分事项涉及不在本辖区单位名单中的单位（编号 8、《市自然资源局》），未计入"
