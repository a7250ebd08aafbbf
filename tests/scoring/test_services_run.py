"""score_run on an open period (issue 7 part 2): the ledger is written in bulk, computing again replaces
it whole, a running period gives a provisional result, rectification reports follow the ranking, and bad
input is refused in Chinese with nothing written. WH19 (wuhan-2019) as shipped; 东湖区 uses it.

Arithmetic of WH19 附件3 used below: a quarter total = 新开工 × 40% + 在建 × 30% + 议定事项 × 30%, each on
100. One late start (−4): 96 × 0.4 + 30 + 30 = 98.40; two: 92 × 0.4 + 60 = 96.80; an early start (+2):
102 × 0.4 + 60 = 100.80.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.factories import unit
from tests.projects.factories import move
from tests.scoring.score_factories import early_project, heads_log, late_project, planned, use_wuhan  # noqa: F401
from tuijin.core.access import AccessDenied
from tuijin.core.calendar_selectors import current_calendar
from tuijin.core.models import RuleSet, RuleSetVersion
from tuijin.org.models import UnitKind
from tuijin.scoring import services
from tuijin.scoring.models import Rectification, ScoreEntry, ScorePeriod, UnitScore

AFTER_Q2 = date(2024, 7, 10)


@pytest.fixture
def wh19(world):
    return use_wuhan(world)


def run(world, key="2024Q2", today=AFTER_Q2, **kw):
    return services.score_run(jurisdiction=world.district, period_key=key, today=today, **kw)


def score(period, u):
    return UnitScore.objects.get(period=period, unit=u)


def test_a_quarter_writes_one_entry_per_event_and_the_unit_scores(world, wh19):
    late = late_project(world)
    outcome = run(world)
    period = outcome.period
    assert (period.key, period.kind, period.start, period.end) == (
        "2024Q2",
        "quarter",
        date(2024, 4, 1),
        date(2024, 6, 30),
    )
    assert period.rule_version == wh19 and period.status == "open" and period.computed_at is not None
    assert outcome.created == 1 and outcome.replaced == 0 and outcome.corrections == 0
    entry = ScoreEntry.objects.get(period=period)
    assert (entry.unit, entry.kind, entry.category, entry.origin) == (
        world.dept,
        "late_start",
        "new_starts",
        "computed",
    )
    assert (entry.points, entry.weighted) == (Decimal("-4"), Decimal("-1.6"))  # −4 × 40 ÷ 100
    assert entry.on == date(2024, 6, 1) and entry.project == late and entry.rule_version == wh19
    assert entry.key == f"late_start:p{late.pk}" and entry.evidence == {"project": late.pk}
    assert "项目《东湖数字经济产业园》计划 2024年5月 开工，截至 2024-06-01 未开工" in entry.sentence
    mine = score(period, world.dept)
    assert mine.total == Decimal("98.40") and mine.categories["new_starts"] == "96.0000"
    assert mine.entries_count == 1 and mine.rank == 1 and mine.group == "all_units"


def test_computing_an_open_period_again_replaces_its_entries_and_scores(world, wh19):
    late_project(world)
    first = run(world)
    old_ids = set(ScoreEntry.objects.values_list("pk", flat=True))
    late_project(world, name="东湖区第二个延期项目")
    again = run(world)
    assert again.period.pk == first.period.pk
    assert again.replaced == 1 and again.created == 2
    assert ScoreEntry.objects.filter(pk__in=old_ids).count() == 0
    assert ScoreEntry.objects.filter(period=again.period).count() == 2
    assert score(again.period, world.dept).total == Decimal("96.80")  # 92 × 0.4 + 60
    assert UnitScore.objects.filter(period=again.period).count() == 1


def test_the_same_facts_computed_twice_give_the_same_ledger(world, wh19):
    late_project(world)
    early_project(world, unit=world.other_dept)

    def ledger():
        return list(
            ScoreEntry.objects.order_by("unit_id", "key").values_list(
                "unit_id", "key", "points", "weighted", "sentence", "evidence"
            )
        )

    run(world)
    before = ledger()
    run(world)
    assert ledger() == before and len(before) == 2


def test_a_running_period_is_computed_as_of_today_and_says_so(world, wh19):
    late_project(world)  # late from 2024-06-01: not yet on 2024-05-20
    early_project(world, unit=world.other_dept)
    outcome = run(world, today=date(2024, 5, 20))
    assert ScoreEntry.objects.filter(kind="late_start").count() == 0
    assert ScoreEntry.objects.filter(kind="early_start", unit=world.other_dept).count() == 1
    assert any(w.startswith(services.PROVISIONAL_NOTE) and "2024-05-20" in w for w in outcome.warnings)
    assert outcome.period.notes == outcome.warnings


def test_a_start_dated_inside_the_period_counts_even_when_recorded_later(world, wh19):
    late = late_project(world)
    run(world)
    move(late, "started", date(2024, 6, 20))  # recorded in July, dated June: started within a month
    run(world)
    kinds = dict(ScoreEntry.objects.values_list("kind", "points"))
    assert kinds == {"late_start": Decimal("-4"), "late_start_recovered": Decimal("3.2")}
    assert score(ScorePeriod.objects.get(), world.dept).categories["new_starts"] == "99.2000"  # 100 − 4 + 3.2


def test_a_start_after_the_period_is_not_seen_by_it(world, wh19):
    late = late_project(world)
    move(late, "started", date(2024, 7, 3))
    run(world)
    assert list(ScoreEntry.objects.values_list("kind", flat=True)) == ["late_start"]
    assert "未开工" in ScoreEntry.objects.get().sentence


def test_the_computing_user_is_recorded_and_must_be_the_office(world, wh19):
    late_project(world)
    outcome = run(world, by=world.admin)
    assert outcome.period.computed_by == world.admin
    assert ScoreEntry.objects.get().entered_by == world.admin
    for user in (world.reporter, world.unit_head, world.leader, world.foreign_admin):
        with pytest.raises(AccessDenied):
            run(world, by=user)


# ---------------------------------------------------------------------------------------------------
# Rectification reports (WH19 四(三): the two lowest of the group)


@pytest.fixture
def four_units(world, wh19):
    """100.80 (early start), 100, 98.40 (区发改委, one late start), 96.80 (区住建局, two late starts)."""
    fifth = unit(world.district, "区商务局", UnitKind.DEPARTMENT)
    early_project(world, unit=fifth)
    planned(world, plan_type="continuing", responsible_unit=world.street_unit)
    dept_late = late_project(world)
    late_project(world, responsible_unit=world.other_dept, name="住建一")
    late_project(world, responsible_unit=world.other_dept, name="住建二")
    return fifth, dept_late


def close(world, key="2024Q2", today=AFTER_Q2, **kw):
    stored = ScorePeriod.objects.get(jurisdiction=world.district, key=key)
    return services.period_close(period=stored, today=today, **kw)


def test_an_open_run_flags_the_two_lowest_but_writes_no_report(world, four_units):
    """A provisional or not yet closed ranking only sets UnitScore.rectify: a report is owed once the
    ranking is final (closed)."""
    outcome = run(world)
    ranks = {s.unit_id: (s.rank, s.total, s.rectify) for s in UnitScore.objects.filter(period=outcome.period)}
    fifth, _ = four_units
    assert ranks == {
        fifth.pk: (1, Decimal("100.80"), False),
        world.street_unit.pk: (2, Decimal("100.00"), False),
        world.dept.pk: (3, Decimal("98.40"), True),
        world.other_dept.pk: (4, Decimal("96.80"), True),
    }
    assert not Rectification.objects.exists()


def test_closing_writes_the_reports_due_ten_working_days_after_the_close(world, four_units, heads_log):  # noqa: F811
    run(world)
    close(world, today=date(2024, 7, 12))  # a Friday: 07-15 … 07-26 are the ten working days
    due = current_calendar().add_workdays(date(2024, 7, 12), 10)
    assert due == date(2024, 7, 26)
    rows = list(Rectification.objects.order_by("rank").values_list("unit_id", "rank", "due", "status"))
    assert rows == [(world.dept.pk, 3, due, "due"), (world.other_dept.pk, 4, due, "due")]


@pytest.fixture
def graded(world, wh19, heads_log):  # noqa: F811
    """Four departments of one group: 区商务局 100.80 (an early start, +2: 102 × 0.4 + 60), 区发改委 98.40
    (one late start), 区住建局 96.80 (two), 区财政局 95.20 (three: 88 × 0.4 + 60). Flagged: 区住建局, 区财政局."""
    fifth = unit(world.district, "区商务局", UnitKind.DEPARTMENT)
    sixth = unit(world.district, "区财政局", UnitKind.DEPARTMENT)
    early_project(world, unit=fifth)
    late_project(world)
    late_project(world, responsible_unit=world.other_dept, name="住建一")
    late_project(world, responsible_unit=world.other_dept, name="住建二")
    lates = [late_project(world, responsible_unit=sixth, name=f"财政{i}") for i in range(3)]
    return sixth, lates


def test_corrections_keep_the_reports_in_step_with_the_closed_ranking(world, graded):
    sixth, lates = graded
    run(world)
    close(world)
    assert set(Rectification.objects.values_list("unit_id", "rank")) == {
        (world.other_dept.pk, 3),
        (sixth.pk, 4),
    }
    for p in lates:  # recorded later: all three started 2024-05-28, on time for 2024年5月 → 区财政局 100
        move(p, "started", date(2024, 5, 28))
    outcome = run(world, today=date(2024, 7, 22))  # a Monday
    assert outcome.corrections == 3  # three reversals of −4
    ranks = {s.unit_id: (s.rank, s.total, s.rectify) for s in UnitScore.objects.filter(period=outcome.period)}
    assert ranks[sixth.pk] == (2, Decimal("100.00"), False)
    assert ranks[world.dept.pk] == (3, Decimal("98.40"), True)
    assert ranks[world.other_dept.pk] == (4, Decimal("96.80"), True)
    rows = set(Rectification.objects.values_list("unit_id", "rank", "due"))
    assert rows == {
        (world.other_dept.pk, 4, current_calendar().add_workdays(AFTER_Q2, 10)),  # kept, rank updated
        (world.dept.pk, 3, date(2024, 8, 5)),  # new: ten working days after 07-22 (07-23 … 08-05)
    }


def test_a_submitted_report_is_never_touched(world, graded):
    sixth, lates = graded
    run(world)
    close(world)
    Rectification.objects.filter(unit=sixth).update(status="submitted", report="整改措施……")
    for p in lates:
        move(p, "started", date(2024, 5, 28))
    run(world, today=date(2024, 7, 22))
    kept = Rectification.objects.get(unit=sixth)
    assert (kept.status, kept.report, kept.rank) == ("submitted", "整改措施……", 4)


# ---------------------------------------------------------------------------------------------------
# Rule-set versions


def test_rule_set_specs_resolve_to_versions(world, wh19):
    assert services.resolve_rule_version(world.district, None) == wh19
    assert services.resolve_rule_version(world.district, "wuhan-2019") == wh19
    assert services.resolve_rule_version(world.district, "wuhan-2019@1") == wh19
    second = RuleSetVersion.objects.create(rule_set=wh19.rule_set, number=2, data=wh19.data, sha256="2" * 64)
    assert services.resolve_rule_version(world.district, "wuhan-2019") == second
    assert services.resolve_rule_version(world.other_district, "wuhan-2019@1") == wh19


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("no-such-rules", "没有标识为“no-such-rules”的规则集"),
        ("wuhan-2019@3", "规则集“武汉临空港经开区（东西湖区）重大产业项目推进工作机制”没有第 3 版（现有 1）"),
        ("wuhan-2019@x", "规则集版本号应为正整数，实际为“x”"),
        ("wuhan 2019", "规则集写作 标识 或 标识@版本号"),
    ],
)
def test_a_bad_rule_set_spec_is_refused_and_nothing_is_written(world, wh19, spec, message):
    late_project(world)
    with pytest.raises(ValidationError) as caught:
        run(world, rule_version=spec)
    assert message in caught.value.message_dict["rule_set"][0]
    assert not ScorePeriod.objects.exists() and not ScoreEntry.objects.exists()


def test_a_jurisdiction_without_a_rule_set_is_told_so(world):
    with pytest.raises(ValidationError) as caught:
        run(world)
    assert caught.value.message_dict["rule_set"] == ["辖区“东湖区”未选用规则集，请先在规则集页面选用"]


def test_a_rule_set_without_scoring_cannot_score(world):
    rule_set = RuleSet.objects.create(slug="no-scoring", name="没有计分规则的规则集")
    RuleSetVersion.objects.create(
        rule_set=rule_set, number=1, data={"meta": {"name": "没有计分规则的规则集"}}, sha256="x"
    )
    world.district.rule_set = rule_set
    world.district.save()
    with pytest.raises(ValidationError) as caught:
        run(world)
    assert "没有计分规则 [scoring]，不能计算考评" in caught.value.message_dict["rule_set"][0]
    assert not ScorePeriod.objects.exists()


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (
            "2024-06",
            "《武汉临空港经开区（东西湖区）重大产业项目推进工作机制》不计算月度考评（计算：季度、年度）",
        ),
        ("2024Q5", "期间“2024Q5”无效：季度应为 Q1–Q4"),
        ("2024-W23", "考评期间应写作 2024-06（月度）、2024Q2（季度）或 2024（年度），实际为“2024-W23”"),
        ("二季度", "格式不对"),
        ("2024Q3", "2024年第3季度（2024Q3）尚未开始，不能计算"),
    ],
)
def test_a_bad_period_is_refused_and_nothing_is_written(world, wh19, key, message):
    late_project(world)
    with pytest.raises(ValidationError) as caught:
        run(world, key=key, today=date(2024, 6, 20))
    assert message in caught.value.message_dict["period"][0]
    assert not ScorePeriod.objects.exists() and not ScoreEntry.objects.exists()


def test_an_office_reason_longer_than_200_characters_is_refused(world, wh19):
    with pytest.raises(ValidationError) as caught:
        run(world, reason="理" * 201)
    assert caught.value.message_dict["reason"] == ["更正说明最多 200 个字"]


# ---------------------------------------------------------------------------------------------------
# Concurrency


@pytest.mark.django_db(transaction=True)
def test_two_runs_of_one_period_at_once_do_not_interleave():
    import threading

    from django.db import connection

    from tests.factories import build_world

    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database locks whole tables across threads (shared cache)")
    world = build_world()
    use_wuhan(world)
    for i in range(5):
        late_project(world, name=f"并发项目{i}")
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def compute():
        from django.db import connection as conn

        try:
            barrier.wait()
            outcomes.append(run(world))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=compute) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert ScorePeriod.objects.count() == 1
    assert ScoreEntry.objects.count() == 5  # one computation's entries, not two interleaved
    assert sorted(o.replaced for o in outcomes) == [0, 5]
    assert UnitScore.objects.get().total == Decimal("92.00")  # 80 × 0.4 + 60


def test_computing_takes_the_same_number_of_queries_for_few_projects_or_many(world, wh19):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n):
        for i in range(n):
            late_project(world, name=f"发改延期{n}-{i}")
            late_project(world, name=f"住建延期{n}-{i}", responsible_unit=world.other_dept)
            early_project(world, unit=world.street_unit, name=f"街道提前{n}-{i}")

    add(1)
    current_calendar()  # built once per process
    run(world)  # the same two units flagged for a rectification report in both runs below
    with CaptureQueriesContext(connection) as few:
        run(world)
    add(8)
    with CaptureQueriesContext(connection) as many:
        outcome = run(world)
    assert outcome.created == 27 and outcome.replaced == 3
    assert len(many.captured_queries) == len(few.captured_queries) <= 60
