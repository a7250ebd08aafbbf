"""The project library's pure rules, table by table, with no database."""

from datetime import date
from decimal import Decimal as D

import pytest

from tuijin.projects import rules
from tuijin.projects.rules import EntryFacts, ProjectFacts, Route, TransitionFacts

DONGHU = ["36", "3601", "360102"]  # 江西省 › 南昌市 › 东湖区
TODAY = date(2024, 6, 15)


def _with_check(body: str) -> str:
    """A post-2021 code whose last character is the computed check character."""
    return body + rules.check_character(body.replace("-", ""))


def _with_wrong_check(body: str) -> str:
    right = rules.check_character(body.replace("-", ""))
    return body + ("0" if right != "0" else "1")


# --- the national investment project code ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2024-360102-47-01-123456", "2024-360102-47-01-123456"),
        ("２０２４－３６０１０２－４７－０１－１２３４５６", "2024-360102-47-01-123456"),
        (" 2024—360102–47-01-12345a ", "2024-360102-47-01-12345A"),
        ("20243601024701123456", "2024-360102-47-01-123456"),
        ("", ""),
    ],
)
def test_normalise_code(text, code):
    assert rules.normalise_code(text) == code


@pytest.mark.parametrize(
    ("region", "codes", "ok"),
    [
        ("360102", DONGHU, True),  # the district itself
        ("360100", DONGHU, True),  # registered at city level
        ("360000", DONGHU, True),  # registered at province level
        ("360111", DONGHU, False),  # a sibling district
        ("440106", DONGHU, False),  # another province
        ("360102", ["36", "3601"], True),  # a city project, a district code
        ("360102", ["36", "3601", "360102", "360102001"], True),  # a street's project
        ("360102", ["X1"], False),
    ],
)
def test_region_matches(region, codes, ok):
    assert rules.region_matches(region, codes) is ok


@pytest.mark.parametrize(
    ("text", "errors", "notes"),
    [
        ("", [], []),
        (_with_check("2024-360102-47-01-12345"), [], []),
        (_with_wrong_check("2024-360102-47-01-12345"), [], ["校验位"]),
        ("2019-360102-47-01-000123", [], ["早于校验位规则"]),
        ("2019-360102-47-01-00012A", ["应为 6 位数字"], ["早于校验位规则"]),
        ("2024-3601", ["格式不对"], []),
        ("1999-360102-47-01-123456", ["赋码年份 1999"], ["早于校验位规则"]),
        ("2025-360102-47-01-123456", ["赋码年份 2025"], None),
        ("2024-360111-47-01-123456", ["不属于本辖区（东湖区）"], None),
    ],
)
def test_check_project_code(text, errors, notes):
    check = rules.check_project_code(text, jurisdiction_codes=DONGHU, jurisdiction_name="东湖区", today=TODAY)
    assert len(check.errors) == len(errors)
    for error, words in zip(check.errors, errors, strict=True):
        assert words in error
    assert check.ok is (not errors)
    if notes is not None:
        assert len(check.notes) == len(notes)
        for note, words in zip(check.notes, notes, strict=True):
            assert words in note


def test_check_character_is_one_of_the_codes_characters():
    assert rules.check_character("20243601024701" + "12345") in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


# --- planned dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "precision", "start", "end", "text"),
    [
        (date(2024, 3, 13), "day", date(2024, 3, 13), date(2024, 3, 13), "2024-03-13"),
        (date(2024, 3, 13), "week", date(2024, 3, 11), date(2024, 3, 17), "2024年第11周"),
        (date(2024, 2, 13), "month", date(2024, 2, 1), date(2024, 2, 29), "2024年2月"),
        (date(2024, 12, 31), "week", date(2024, 12, 30), date(2025, 1, 5), "2025年第1周"),
    ],
)
def test_periods_and_their_text(day, precision, start, end, text):
    assert rules.period_start(day, precision) == start
    assert rules.period_end(day, precision) == end
    assert rules.format_planned(day, precision) == text


def test_format_planned_without_a_date_is_blank():
    assert rules.format_planned(None, "day") == ""


@pytest.mark.parametrize(
    ("planned", "precision", "actual", "today", "late"),
    [
        (None, "day", None, TODAY, False),
        (date(2024, 6, 1), "month", None, date(2024, 6, 30), False),  # late only after the month
        (date(2024, 6, 1), "month", None, date(2024, 7, 1), True),
        (date(2024, 6, 10), "week", None, date(2024, 6, 16), False),  # Sunday ends the week
        (date(2024, 6, 10), "week", None, date(2024, 6, 17), True),
        (date(2024, 6, 10), "day", date(2024, 6, 10), date(2024, 12, 1), False),
        (date(2024, 6, 10), "day", date(2024, 6, 11), date(2024, 6, 11), True),
    ],
)
def test_is_late(planned, precision, actual, today, late):
    assert rules.is_late(planned, precision, actual, today=today) is late


# --- stages and libraries --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "library"),
    [
        ("planning", "reserve"),
        ("preparation", "reserve"),
        ("started", "construction"),
        ("construction", "construction"),
        ("completed", "completed"),
        ("producing", "completed"),
    ],
)
def test_library_of(stage, library):
    assert rules.library_of(stage) == library
    assert stage in rules.stages_of_library(library)


def test_library_of_an_unknown_stage_is_an_error():
    with pytest.raises(ValueError):
        rules.library_of("bogus")


H = TransitionFacts


@pytest.mark.parametrize(
    ("current", "target", "on", "history", "expected"),
    [
        ("preparation", "started", date(2024, 3, 1), [], {}),
        ("started", "preparation", date(2024, 3, 2), [H("started", date(2024, 3, 1))], {}),  # moving back
        ("preparation", "preparation", date(2024, 3, 1), [], {"to_stage": ["已处于"]}),
        ("preparation", "started", date(2024, 6, 16), [], {"on": ["晚于今天"]}),
        ("landed", "preparation", date(2024, 1, 1), [H("landed", date(2024, 2, 1))], {"on": ["早于上一次"]}),
        ("preparation", "completed", date(2024, 3, 1), [], {"to_stage": ["尚未开工"]}),
        ("preparation", "producing", date(2024, 3, 1), [], {"to_stage": ["尚未开工"]}),
        ("construction", "completed", date(2024, 3, 1), [], {}),  # created under construction
        ("preparation", "bogus", date(2024, 3, 1), [], {"to_stage": ["不存在"]}),
    ],
)
def test_check_transition(current, target, on, history, expected):
    fields = rules.check_transition_fields(
        current=current, target=target, on=on, history=history, today=TODAY
    )
    assert {k: len(v) for k, v in fields.items()} == {k: len(v) for k, v in expected.items()}
    for field, words in expected.items():
        assert words[0] in fields[field][0]
    flat = rules.check_transition(current=current, target=target, on=on, history=history, today=TODAY)
    assert len(flat) == sum(len(v) for v in fields.values())


def test_completion_before_the_actual_start_is_an_error():
    # a project moved back to 前期 has not started any more: it must start again before it completes
    history = [H("started", date(2024, 3, 1)), H("preparation", date(2024, 3, 1))]
    errors = rules.check_transition_fields(
        current="preparation", target="completed", on=date(2024, 3, 1), history=history, today=TODAY
    )
    assert errors == {"to_stage": ["项目尚未开工，不能直接记为竣工或投产，请先记录开工。"]}
    history = [H("started", date(2024, 5, 1))]
    errors = rules.check_transition(
        current="started", target="completed", on=date(2024, 4, 1), history=history, today=TODAY
    )
    assert any("早于实际开工日期 2024-05-01" in e for e in errors)


@pytest.mark.parametrize(
    ("history", "dates"),
    [
        ([], {}),
        (
            [H("started", date(2024, 3, 1)), H("construction", date(2024, 4, 1))],
            {"started": date(2024, 3, 1)},
        ),
        ([H("construction", date(2024, 4, 1))], {"started": date(2024, 4, 1)}),  # 开工 step not recorded
        (
            [
                H("started", date(2024, 3, 1)),
                H("preparation", date(2024, 3, 5)),
                H("started", date(2024, 5, 1)),
            ],
            {"started": date(2024, 5, 1)},  # the latest start counts
        ),
        (
            [
                H("started", date(2024, 3, 1)),
                H("completed", date(2025, 3, 1)),
                H("construction", date(2025, 4, 1)),
            ],
            {"started": date(2024, 3, 1)},  # moved back to 在建: not completed any more
        ),
        ([H("started", date(2024, 3, 1)), H("preparation", date(2024, 3, 5))], {}),  # start undone
        (
            [
                H("started", date(2023, 3, 1)),
                H("completed", date(2024, 3, 1)),
                H("producing", date(2024, 5, 1)),
            ],
            {"started": date(2023, 3, 1), "completed": date(2024, 3, 1), "producing": date(2024, 5, 1)},
        ),
    ],
)
def test_actual_dates(history, dates):
    assert rules.actual_dates(history) == dates


# --- backfilling a milestone's date (补录实际开工/竣工/投产日期) -----------------------------------


def B(stage, on):  # noqa: N802 - reads like H
    return TransitionFacts(stage, on, backfill=True)


@pytest.mark.parametrize(
    ("history", "dates"),
    [
        # a project created under construction: its start recorded later
        ([B("started", date(2023, 5, 1))], {"started": date(2023, 5, 1)}),
        # recorded after the completion, on the same day: it sorts last and must undo nothing
        (
            [H("completed", date(2024, 3, 1)), B("started", date(2024, 3, 1))],
            {"started": date(2024, 3, 1), "completed": date(2024, 3, 1)},
        ),
        # a project created under construction that completed: the start backfilled before it
        (
            [B("started", date(2023, 5, 1)), H("completed", date(2024, 3, 1))],
            {"started": date(2023, 5, 1), "completed": date(2024, 3, 1)},
        ),
        # 在建 → 投产 skipped 竣工; its date backfilled between the two
        (
            [
                H("construction", date(2023, 1, 1)),
                B("completed", date(2024, 4, 1)),
                H("producing", date(2024, 5, 1)),
            ],
            {"started": date(2023, 1, 1), "completed": date(2024, 4, 1), "producing": date(2024, 5, 1)},
        ),
        # a later move back before the milestone still undoes a backfilled date
        ([B("started", date(2023, 5, 1)), H("preparation", date(2024, 1, 1))], {}),
    ],
)
def test_actual_dates_with_backfills(history, dates):
    assert rules.actual_dates(history) == dates


@pytest.mark.parametrize(
    ("current", "milestone", "on", "history", "expected"),
    [
        ("construction", "started", date(2023, 5, 1), [], {}),
        ("started", "started", date(2023, 5, 1), [], {}),
        ("producing", "completed", date(2024, 4, 1), [H("producing", date(2024, 5, 1))], {}),
        ("construction", "completed", date(2024, 4, 1), [], {"milestone": ["尚未竣工"]}),
        ("preparation", "started", date(2024, 4, 1), [], {"milestone": ["尚未开工"]}),
        ("construction", "construction", date(2024, 4, 1), [], {"milestone": ["只能补录"]}),
        (
            "started",
            "started",
            date(2024, 4, 1),
            [H("started", date(2024, 3, 1))],
            {"milestone": ["无需补录"]},
        ),
        (
            "started",
            "started",
            date(2024, 4, 1),
            [B("started", date(2024, 3, 1))],
            {"milestone": ["无需补录"]},
        ),
        ("construction", "started", date(2024, 6, 16), [], {"on": ["晚于今天"]}),
        (
            "completed",
            "started",
            date(2024, 4, 1),
            [H("completed", date(2024, 3, 1))],
            {"on": ["实际开工日期 2024-04-01 晚于实际竣工日期 2024-03-01"]},
        ),
        (
            "producing",
            "completed",
            date(2024, 6, 1),
            [H("construction", date(2023, 1, 1)), H("producing", date(2024, 5, 1))],
            {"on": ["实际竣工日期 2024-06-01 晚于实际投产日期 2024-05-01"]},
        ),
        (
            "producing",
            "completed",
            date(2022, 6, 1),
            [H("construction", date(2023, 1, 1)), H("producing", date(2024, 5, 1))],
            {"on": ["早于实际开工日期 2023-01-01", "早于项目转入“在建”的日期（2023-01-01）"]},
        ),
    ],
)
def test_check_backfill(current, milestone, on, history, expected):
    errors = rules.check_backfill_fields(
        current=current, milestone=milestone, on=on, history=history, today=TODAY
    )
    assert {k: len(v) for k, v in errors.items()} == {k: len(v) for k, v in expected.items()}
    for field, words in expected.items():
        for word, message in zip(words, errors[field], strict=True):
            assert word in message


def test_a_move_after_a_backfilled_date_cannot_precede_it():
    # moving back to 前期 before the backfilled start would leave the start standing (dates sort first)
    errors = rules.check_transition_fields(
        current="construction",
        target="preparation",
        on=date(2024, 4, 1),
        history=[B("started", date(2024, 5, 1))],
        today=TODAY,
    )
    assert errors == {"on": ["日期 2024-04-01 早于补录的实际开工日期（2024-05-01）。"]}


# --- validating a project ---------------------------------------------------------------------------


def _facts(**kw):
    values = {"name": "项目", "category": "industry", "total_investment": D("100")}
    values.update(kw)
    return ProjectFacts(**values)


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({}, {}),
        ({"name": " "}, {"name": "项目名称不能为空"}),
        ({"category": "城建"}, {"category": "项目类别应为"}),
        ({"total_investment": None}, {"total_investment": "不能为空"}),
        ({"total_investment": D("-1")}, {"total_investment": "不能为负数"}),
        (
            {"planned_start": date(2024, 5, 1), "planned_completion": date(2024, 4, 1)},
            {"planned_completion": "早于计划开工"},
        ),
        (
            {"planned_completion": date(2024, 5, 1), "planned_production": date(2024, 4, 1)},
            {"planned_production": "早于计划竣工"},
        ),
        ({"longitude": D("60"), "latitude": D("30")}, {"longitude": "不在中国境内"}),
        ({"longitude": D("115"), "latitude": D("60")}, {"latitude": "不在中国境内"}),
        ({"longitude": D("115")}, {"latitude": "同时填写"}),
        ({"latitude": D("28")}, {"longitude": "同时填写"}),
        ({"funding": (D("60"), None, D("50"))}, {"funding": "超过总投资"}),
        ({"funding": (D("60"), D("40"))}, {}),
    ],
)
def test_validate_project(changes, errors):
    found = rules.validate_project(_facts(**changes))
    assert set(found) == set(errors)
    for field, words in errors.items():
        assert words in found[field]


@pytest.mark.parametrize(
    ("lines", "errors"),
    [
        ([], {}),
        ([("special_bond", D("1")), ("fiscal", None)], {}),
        ([("special_bond", D("-1"))], {1: "第 1 行（地方政府专项债）金额不能为负数"}),
        ([("fiscal", D("1")), ("gold", D("1"))], {2: "第 2 行资金来源应为"}),
    ],
)
def test_validate_funding(lines, errors):
    found = rules.validate_funding(lines)
    assert set(found) == set(errors)
    for row, words in errors.items():
        assert words in found[row]


@pytest.mark.parametrize(
    ("targets", "planned", "words"),
    [
        ([], D("0"), ""),
        ([D("10")] * 12, D("120"), ""),
        ([D("10")] * 11, D("120"), "应为 12 个月"),
        ([D("10")] * 11 + [D("-1")], D("120"), "12 月目标不能为负数"),
        ([D("11")] * 12, D("120"), "超过年度计划投资"),
        ([None] * 12, D("0"), ""),
    ],
)
def test_validate_monthly_targets(targets, planned, words):
    error = rules.validate_monthly_targets(targets, planned)
    assert (words in error) if words else error == ""


# --- the year's rates --------------------------------------------------------------------------------


def test_plan_progress_counts_starts_investment_and_completions():
    entries = [
        EntryFacts(
            1,
            "new_start",
            D("100"),
            "industry",
            "started",
            started_on=date(2024, 3, 1),
            invested_this_year=D("50"),
        ),
        EntryFacts(2, "new_start", D("100"), "industry", "preparation", invested_this_year=D("0")),
        EntryFacts(
            3, "new_start", D("100"), "livelihood", "started", started_on=date(2024, 7, 1)
        ),  # after today
        EntryFacts(
            4,
            "completion",
            D("200"),
            "livelihood",
            "completed",
            completed_on=date(2024, 5, 1),
            invested_this_year=D("150"),
        ),
        EntryFacts(5, "continuing", D("0"), "industry", "construction", monthly_targets=(D("1"),) * 12),
    ]
    progress = rules.plan_progress(entries, year=2024, today=TODAY, targets=(D("100"), D("100"), D("90")))
    assert (progress.start.done, progress.start.of, progress.start.percent) == (1, 3, D("33.3"))
    assert progress.start.met is False
    assert (progress.investment.done, progress.investment.of, progress.investment.percent) == (
        D("200"),
        D("500"),
        D("40.0"),
    )
    assert (progress.completion.percent, progress.completion.met) == (D("100.0"), True)
    assert progress.planned_by_month[0] == D("1") and progress.planned_by_month[-1] == D("12")
    assert progress.by_category == {"industry": 3, "livelihood": 2}
    assert progress.by_plan_type["new_start"] == 3
    assert progress.investment_by_category == {"industry": D("50"), "livelihood": D("150")}


def test_a_rate_of_nothing_has_no_percent():
    rate = rules.Rate("开工率", D(0), D(0), D(100))
    assert rate.percent is None and rate.met is None


def test_plan_progress_of_a_past_year_stops_at_its_end():
    entries = [EntryFacts(1, "new_start", D("1"), "industry", "started", started_on=date(2024, 1, 5))]
    progress = rules.plan_progress(entries, year=2023, today=TODAY, targets=(D(100),) * 3)
    assert progress.as_of == date(2023, 12, 31) and progress.start.done == 0


# --- roll-over ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan_type", "stage", "carried"),
    [
        ("new_start", "started", "continuing"),
        ("new_start", "construction", "continuing"),
        ("new_start", "preparation", "new_start"),
        ("continuing", "preparation", "continuing"),
        ("completion", "landed", "continuing"),
        ("preparation", "planning", "preparation"),
        ("completion", "completed", None),
        ("continuing", "producing", None),
    ],
)
def test_rollover_plan_type(plan_type, stage, carried):
    assert rules.rollover_plan_type(plan_type=plan_type, stage=stage) == carried


@pytest.mark.parametrize(("total", "invested", "left"), [(D(100), D(30), D(70)), (D(100), D(130), D(0))])
def test_remaining_investment(total, invested, left):
    assert rules.remaining_investment(total, invested) == left


# --- hand-overs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "result"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        (date(2024, 3, 15), 14, date(2025, 5, 15)),
    ],
)
def test_add_months(day, months, result):
    assert rules.add_months(day, months) == result


def test_handover_due_is_one_month_and_knows_its_kinds():
    assert rules.handover_due("to_office", since=date(2024, 5, 31)) == date(2024, 6, 30)
    assert rules.handover_due("to_economic", since=date(2024, 5, 1), months=2) == date(2024, 7, 1)
    with pytest.raises(ValueError):
        rules.handover_due("elsewhere", since=TODAY)


@pytest.mark.parametrize(
    ("kind", "stage", "since", "errors"),
    [
        ("to_office", "signed", TODAY, {}),
        ("to_office", "producing", TODAY, {}),
        ("to_office", "negotiating", TODAY, {"kind": "签约之后"}),
        ("to_economic", "completed", TODAY, {"kind": "投产/运营之后"}),
        ("to_economic", "producing", date(2024, 6, 16), {"since": "晚于今天"}),
        ("elsewhere", "producing", TODAY, {"kind": "移交类型应为"}),
    ],
)
def test_check_handover_open(kind, stage, since, errors):
    found = rules.check_handover_open(kind, stage=stage, since=since, today=TODAY)
    assert set(found) == set(errors)
    for field, words in errors.items():
        assert words in found[field]


@pytest.mark.parametrize(
    ("kind", "since", "handed", "checked", "signer", "errors"),
    [
        ("to_office", date(2024, 5, 1), TODAY, None, "王局长", {}),
        ("to_office", None, None, None, "", {"handed_on": "请填写移交日期", "signed_by": "签字负责人"}),
        ("to_office", None, date(2024, 6, 16), None, "王", {"handed_on": "晚于今天"}),
        ("to_office", date(2024, 6, 1), date(2024, 5, 1), None, "王", {"handed_on": "早于起算日期"}),
        ("to_economic", None, TODAY, None, "王", {"site_checked_on": "现场核实"}),
        ("to_economic", None, date(2024, 6, 1), date(2024, 6, 2), "王", {"site_checked_on": "晚于移交日期"}),
        ("to_economic", None, TODAY, date(2024, 6, 10), "王", {}),
        ("to_office", None, TODAY, date(2024, 6, 20), "王", {"site_checked_on": "晚于今天"}),
    ],
)
def test_check_handover_complete(kind, since, handed, checked, signer, errors):
    found = rules.check_handover_complete(
        kind, since=since, handed_on=handed, site_checked_on=checked, signed_by=signer, today=TODAY
    )
    assert set(found) == set(errors)
    for field, words in errors.items():
        assert words in found[field]


@pytest.mark.parametrize(
    ("due", "handed", "days"),
    [
        (date(2024, 6, 20), None, 0),
        (date(2024, 6, 10), None, 5),
        (date(2024, 6, 1), date(2024, 6, 3), 2),
        (date(2024, 6, 10), date(2024, 6, 3), 0),
    ],
)
def test_handover_overdue_days(due, handed, days):
    assert rules.handover_overdue_days(due, handed, today=TODAY) == days


# --- monthly investment -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "amount", "errors"),
    [
        (2024, 6, D("0"), {}),
        (2023, 12, D("10"), {}),
        (2024, 7, D("10"), {"month": "未来月份"}),
        (2025, 1, D("10"), {"year": "2000 年至 2024 年"}),
        (1999, 1, D("10"), {"year": "2000 年至 2024 年"}),
        (2024, 0, D("10"), {"month": "1～12"}),
        (2024, 5, D("-1"), {"amount": "不能为负数"}),
        (2024, 5, None, {"amount": "请填写"}),
    ],
)
def test_check_investment_month(year, month, amount, errors):
    found = rules.check_investment_month(year=year, month=month, amount=amount, today=TODAY)
    assert set(found) == set(errors)
    for field, words in errors.items():
        assert words in found[field]


# --- routing (WH19 二 三层五线) ---------------------------------------------------------------------------

WH19 = {
    "routes": [
        {"office": "区现代服务业建设管理办公室", "name_contains": ["网络安全"], "source": "WH19 二"},
        {
            "office": "区机电产业建设管理办公室",
            "sectors": ["industrial", "service", "real_estate"],
            "min_investment": 100000,
        },
        {
            "office": "临空产业建设管理办公室",
            "sectors": ["service", "real_estate"],
            "below_investment": 100000,
        },
        {"office": "区农业农村局", "sectors": ["rural"]},
        {
            "office": "区科学技术和经济信息化局",
            "sectors": ["industrial"],
            "below_investment": 100000,
            "aliases": ["区科信局"],
        },
    ]
}


@pytest.mark.parametrize(
    ("name", "sector", "total", "office"),
    [
        ("网络安全人才与创新基地", "industrial", D("20000"), "区现代服务业建设管理办公室"),
        ("智能制造基地", "industrial", D("100000"), "区机电产业建设管理办公室"),
        ("总部大楼", "service", D("120000"), "区机电产业建设管理办公室"),
        ("物流园", "service", D("99999"), "临空产业建设管理办公室"),
        ("住宅", "real_estate", D("5000"), "临空产业建设管理办公室"),
        ("乡村振兴", "rural", D("500000"), "区农业农村局"),
        ("食品厂", "industrial", D("99999.99"), "区科学技术和经济信息化局"),
        ("道路", "infrastructure", D("5000"), None),
        ("未分类", "", D("5000"), None),
    ],
)
def test_route_project(name, sector, total, office):
    route = rules.route_project(rules.routes_from(WH19), sector=sector, total_investment=total, name=name)
    assert (route.office if route else None) == office


def test_routes_from_reads_numbers_as_decimals_and_keeps_aliases():
    routes = rules.routes_from(WH19)
    assert routes[1].min_investment == D("100000")
    assert routes[4].aliases == ("区科信局",)
    assert rules.routes_from({}) == []


@pytest.mark.parametrize(
    ("route", "text"),
    [
        (Route("办", name_contains=("网络安全",)), "项目名称含“网络安全”"),
        (
            Route("办", sectors=("industrial", "service"), min_investment=D(100000)),
            "工业、服务业项目；总投资不低于 10.00亿元",
        ),
        (Route("办", sectors=("industrial",), below_investment=D(100000)), "工业项目；总投资低于 10.00亿元"),
        (Route("办"), "所有项目"),
    ],
)
def test_route_describe(route, text):
    assert route.describe() == text


# --- money ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (None, ""),
        (D("0"), "0.00万元"),
        (D("9999.5"), "9,999.50万元"),
        (D("10000"), "1.00亿元"),
        (D("676000"), "67.60亿元"),
        (D("-20000"), "-2.00亿元"),
    ],
)
def test_format_money(amount, text):
    assert rules.format_money(amount) == text


@pytest.mark.parametrize(
    ("start", "completion", "refused"),
    [
        ((date(2024, 6, 20), "day"), (date(2024, 6, 1), "month"), False),  # 2024年6月 covers the 20th
        ((date(2024, 6, 20), "day"), (date(2024, 6, 19), "day"), True),
        ((date(2024, 6, 3), "week"), (date(2024, 6, 5), "day"), False),  # same week
        ((date(2024, 7, 1), "month"), (date(2024, 6, 30), "month"), True),
    ],
)
def test_planned_dates_compare_by_their_precision(start, completion, refused):
    facts = rules.ProjectFacts(
        name="项目",
        category="industry",
        total_investment=D(1),
        planned_start=start[0],
        planned_start_precision=start[1],
        planned_completion=completion[0],
        planned_completion_precision=completion[1],
    )
    assert ("planned_completion" in rules.validate_project(facts)) is refused
