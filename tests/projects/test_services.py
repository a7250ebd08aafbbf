"""The project library's writes: create/update with validation and history, stage moves, hand-overs,
monthly investment and routing to a coordinating office."""

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from tests.factories import unit
from tests.projects.factories import invest, move, project
from tuijin.core.access import AccessDenied
from tuijin.core.models import RuleSet
from tuijin.core.ruleset_services import ruleset_seed
from tuijin.projects import rules, services
from tuijin.projects.models import FundingSource, Handover, InvestmentEntry, Project, StageTransition

TODAY = date(2024, 6, 15)


def _data(world, **kw):
    data = {
        "name": "东湖区数字经济产业园",
        "category": "industry",
        "sector": "industrial",
        "total_investment": Decimal("52000"),
        "responsible_unit": world.dept,
        "planned_start": date(2024, 3, 4),
        "planned_start_precision": "week",
        "planned_completion": date(2026, 12, 1),
        "planned_completion_precision": "month",
    }
    data.update(kw)
    return data


def _create(world, user=None, **kw):
    extra = {k: kw.pop(k) for k in ("tags", "secondary_units", "funding", "stage") if k in kw}
    return services.project_create(
        user=user or world.admin, jurisdiction=world.district, data=_data(world, **kw), today=TODAY, **extra
    )


def _errors(excinfo) -> dict[str, str]:
    return {field: " ".join(messages) for field, messages in excinfo.value.message_dict.items()}


# ---------------------------------------------------------------------------------------------------
# Create


def test_office_creates_a_project_with_one_history_row_signed_by_the_office(world):
    from tuijin.projects.models import ProjectTag

    tags = list(ProjectTag.objects.filter(name__in=["省重点", "区重点"]))
    p = _create(
        world,
        code="2024－360102－47－01－123456",
        tags=tags,
        secondary_units=[world.street_unit],
        funding=[{"kind": "special_bond", "amount": Decimal("20000"), "note": "第一批"}],
    )
    assert p.code == "2024-360102-47-01-123456"
    assert {t.name for t in p.tags.all()} == {"省重点", "区重点"}
    assert list(p.funding_sources.values_list("kind", "amount")) == [("special_bond", Decimal("20000.00"))]
    history = list(p.history.all())
    assert [(h.history_type, h.history_user, h.history_change_reason) for h in history] == [
        ("+", world.admin, "新建项目")
    ]
    assert history[0].tags.count() == 2
    assert FundingSource.history.get().history_user == world.admin


def test_a_project_created_in_a_late_stage_invents_no_transitions(world):
    p = _create(world, stage="construction")
    assert p.stage == "construction"
    assert not StageTransition.objects.filter(project=p).exists()


def test_a_code_from_before_2021_is_accepted_with_a_note(world):
    p = _create(world, code="2019-360102-47-01-000123")
    assert "早于校验位规则" in p.code_note


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"total_investment": Decimal("-1")}, "total_investment", "不能为负数"),
        ({"total_investment": None}, "total_investment", "不能为空"),
        ({"name": "  "}, "name", "不能为空"),
        ({"planned_completion": date(2023, 1, 1)}, "planned_completion", "早于计划开工"),
        ({"code": "2024-3601"}, "code", "格式不对"),
        ({"code": "2024-360111-47-01-123456"}, "code", "不属于本辖区"),
        ({"longitude": Decimal("200"), "latitude": Decimal("28")}, "longitude", "不在中国境内"),
        ({"longitude": Decimal("115.9")}, "latitude", "同时填写"),
        ({"planned_start_precision": "year"}, "planned_start_precision", "日、周或月"),
    ],
)
def test_bad_input_is_refused_with_a_chinese_message_and_nothing_saved(world, changes, field, words):
    with pytest.raises(ValidationError) as excinfo:
        _create(world, **changes)
    assert words in _errors(excinfo)[field]
    assert not Project.objects.exists()


def test_funding_beyond_the_total_or_negative_is_refused_whole(world):
    with pytest.raises(ValidationError) as excinfo:
        _create(
            world,
            total_investment=Decimal("100"),
            funding=[
                {"kind": "fiscal", "amount": Decimal("80")},
                {"kind": "enterprise", "amount": Decimal("-5")},
            ],
        )
    assert "第 2 行（企业自筹）金额不能为负数" in _errors(excinfo)["funding"]
    assert not FundingSource.objects.exists()


def test_a_duplicate_code_names_the_other_project(world):
    project(world, name="老城区改造", code="2024-360102-47-01-123456")
    with pytest.raises(ValidationError) as excinfo:
        _create(world, code="2024-360102-47-01-123456")
    assert "已被项目“老城区改造”（东湖区）使用" in _errors(excinfo)["code"]


CITY_CODE = "2024-360100-47-01-123456"  # a code assigned at city level: valid for the city and its districts


def test_a_duplicate_code_of_a_project_the_user_cannot_read_does_not_name_it(world):
    project(world, name="市级保密项目", jurisdiction=world.city, code=CITY_CODE)
    with pytest.raises(ValidationError) as excinfo:
        _create(world, code=CITY_CODE)
    message = _errors(excinfo)["code"]
    assert "已被其他辖区的项目使用" in message
    assert "市级保密项目" not in message and "南昌市" not in message
    # the command line (no user) and a reader of that project are told which one it is
    with pytest.raises(ValidationError) as excinfo:
        services.project_create(
            user=None, jurisdiction=world.district, data=_data(world, code=CITY_CODE), today=TODAY
        )
    assert "已被项目“市级保密项目”（南昌市）使用" in _errors(excinfo)["code"]


def _no_duplicate_check(monkeypatch):
    """A concurrent create: the other project was not committed yet when the code was checked."""
    monkeypatch.setattr(services, "_check_code", lambda project, today, user: {})


def test_a_code_taken_by_a_concurrent_create_is_the_chinese_error_not_a_500(world, monkeypatch):
    project(world, name="老城区改造", code="2024-360102-47-01-123456")
    _no_duplicate_check(monkeypatch)
    with transaction.atomic():
        with pytest.raises(ValidationError) as excinfo:
            _create(world, code="2024-360102-47-01-123456")
        assert Project.objects.count() == 1  # the transaction is still usable
    assert "已被项目“老城区改造”（东湖区）使用" in _errors(excinfo)["code"]


def test_a_code_taken_by_a_concurrent_update_is_the_chinese_error_not_a_500(world, monkeypatch):
    project(world, name="老城区改造", code="2024-360102-47-01-123456")
    p = project(world, name="新项目")
    _no_duplicate_check(monkeypatch)
    with pytest.raises(ValidationError) as excinfo:
        services.project_update(
            user=world.admin, project=p, data={"code": "2024-360102-47-01-123456"}, today=TODAY
        )
    assert "同一代码只能对应一个项目" in _errors(excinfo)["code"]
    assert Project.objects.get(pk=p.pk).code == ""


def test_a_unit_of_another_district_cannot_be_responsible(world):
    with pytest.raises(ValidationError) as excinfo:
        _create(world, responsible_unit=world.foreign_unit)
    assert "不属于东湖区" in _errors(excinfo)["responsible_unit"]


def test_the_street_must_be_a_street(world):
    with pytest.raises(ValidationError) as excinfo:
        _create(world, street=world.other_dept)
    assert "不是镇/街道" in _errors(excinfo)["street"]


def test_only_the_office_creates_and_only_in_its_subtree(world):
    with pytest.raises(AccessDenied):
        _create(world, user=world.reporter)
    with pytest.raises(AccessDenied):
        services.project_create(
            user=world.foreign_admin, jurisdiction=world.district, data=_data(world), today=TODAY
        )
    assert not Project.objects.exists()


# ---------------------------------------------------------------------------------------------------
# Update


def test_the_office_changes_anything_and_history_records_who(world):
    p = _create(world)
    services.project_update(
        user=world.admin,
        project=p,
        data={"name": "东湖区数字经济产业园（一期）", "total_investment": Decimal("60000")},
        reason="区项目办审核",
        today=TODAY,
    )
    p.refresh_from_db()
    assert p.name == "东湖区数字经济产业园（一期）"
    latest = p.history.first()
    assert (latest.history_type, latest.history_user, latest.history_change_reason) == (
        "~",
        world.admin,
        "区项目办审核",
    )
    assert p.history.count() == 2


def test_an_update_that_changes_nothing_writes_no_history(world):
    p = _create(world)
    services.project_update(user=world.admin, project=p, data={"name": p.name}, today=TODAY)
    assert p.history.count() == 1


def test_the_responsible_units_reporter_edits_content_location_and_funding_only(world):
    p = _create(world)
    services.project_update(
        user=world.reporter,
        project=p,
        data={"content": "标准厂房 12 栋", "address": "东湖区某路 1 号", "name": p.name},
        funding=[{"kind": "enterprise", "amount": Decimal("1000")}],
        today=TODAY,
    )
    p.refresh_from_db()
    assert p.content == "标准厂房 12 栋"
    assert p.history.first().history_user == world.reporter
    with pytest.raises(AccessDenied):
        services.project_update(user=world.reporter, project=p, data={"name": "改名"}, today=TODAY)
    with pytest.raises(AccessDenied):
        services.project_update(user=world.reporter, project=p, data={}, secondary_units=[world.other_dept])


def test_a_reporter_of_another_unit_cannot_edit(world):
    p = _create(world, responsible_unit=world.other_dept)
    with pytest.raises(AccessDenied):
        services.project_update(user=world.reporter, project=p, data={"content": "x"}, today=TODAY)


def test_funding_rows_are_updated_in_place_added_and_removed_with_history(world):
    p = _create(
        world,
        funding=[
            {"kind": "special_bond", "amount": Decimal("100")},
            {"kind": "fiscal", "amount": Decimal("50")},
        ],
    )
    bond = p.funding_sources.get(kind="special_bond")
    services.project_update(
        user=world.admin,
        project=p,
        data={},
        funding=[{"kind": "special_bond", "amount": Decimal("300")}, {"kind": "bank_loan", "amount": None}],
        today=TODAY,
    )
    rows = {f.kind: f for f in p.funding_sources.all()}
    assert set(rows) == {"special_bond", "bank_loan"}
    assert rows["special_bond"].pk == bond.pk and rows["special_bond"].amount == Decimal("300")
    kinds = sorted(FundingSource.history.values_list("kind", "history_type"))
    assert kinds == [
        ("bank_loan", "+"),
        ("fiscal", "+"),
        ("fiscal", "-"),
        ("special_bond", "+"),
        ("special_bond", "~"),
    ]


# ---------------------------------------------------------------------------------------------------
# Stages


def test_moving_to_started_records_the_actual_start_signed_by_the_mover(world):
    p = project(world, stage="preparation")
    t = services.project_move_stage(
        user=world.admin,
        project=p,
        to_stage="started",
        on=date(2024, 3, 8),
        document="施工许可证",
        today=TODAY,
    )
    p.refresh_from_db()
    assert (p.stage, t.from_stage, t.to_stage, t.on, t.recorded_by) == (
        "started",
        "preparation",
        "started",
        date(2024, 3, 8),
        world.admin,
    )
    assert p.history.first().history_user == world.admin


@pytest.mark.parametrize(
    ("stage", "target", "on", "field", "words"),
    [
        ("preparation", "started", date(2024, 7, 1), "on", "晚于今天"),
        ("preparation", "preparation", date(2024, 3, 1), "to_stage", "已处于"),
        ("preparation", "completed", date(2024, 3, 1), "to_stage", "尚未开工"),
        ("preparation", "bogus", date(2024, 3, 1), "to_stage", "不存在"),
    ],
)
def test_impossible_moves_are_refused(world, stage, target, on, field, words):
    p = project(world, stage=stage)
    with pytest.raises(ValidationError) as excinfo:
        services.project_move_stage(user=world.admin, project=p, to_stage=target, on=on, today=TODAY)
    assert words in _errors(excinfo)[field]
    assert not StageTransition.objects.exists()


def test_completion_before_the_actual_start_is_refused(world):
    p = project(world)
    move(p, "started", date(2024, 3, 1), world.admin)
    with pytest.raises(ValidationError) as excinfo:
        services.project_move_stage(
            user=world.admin, project=p, to_stage="completed", on=date(2024, 2, 1), today=TODAY
        )
    assert "早于上一次阶段变更" in _errors(excinfo)["on"]


def test_a_project_created_under_construction_may_complete(world):
    p = project(world, stage="construction")
    services.project_move_stage(user=world.admin, project=p, to_stage="completed", on=TODAY, today=TODAY)
    assert Project.objects.get(pk=p.pk).stage == "completed"


def test_the_unit_head_moves_own_projects_and_the_leader_does_not(world):
    p = project(world)
    services.project_move_stage(user=world.unit_head, project=p, to_stage="started", on=TODAY, today=TODAY)
    with pytest.raises(AccessDenied):
        services.project_move_stage(
            user=world.leader, project=p, to_stage="construction", on=TODAY, today=TODAY
        )


# ---------------------------------------------------------------------------------------------------
# Backfilling a milestone's date (补录实际开工/竣工/投产日期)


def _dates(p):
    return rules.actual_dates(services._history_facts(p))


def test_a_project_created_under_construction_gets_its_start_backfilled_without_moving(world):
    p = _create(world, stage="construction")
    record = services.project_backfill_milestone(
        user=world.unit_head, project=p, milestone="started", on=date(2023, 5, 8), document="施工许可证"
    )
    p.refresh_from_db()
    assert p.stage == "construction"
    assert (record.from_stage, record.to_stage, record.backfill, record.recorded_by) == (
        "started",
        "started",
        True,
        world.unit_head,
    )
    assert _dates(p) == {"started": date(2023, 5, 8)}
    assert str(record) == "2023-05-08 补录实际开工日期"
    # it completes later; the start stays
    services.project_move_stage(user=world.admin, project=p, to_stage="completed", on=TODAY, today=TODAY)
    assert _dates(p) == {"started": date(2023, 5, 8), "completed": TODAY}


def test_a_start_backfilled_after_the_completion_undoes_nothing(world):
    p = project(world, stage="construction")
    services.project_move_stage(
        user=world.admin, project=p, to_stage="completed", on=date(2024, 3, 1), today=TODAY
    )
    services.project_backfill_milestone(
        user=world.admin, project=p, milestone="started", on=date(2024, 3, 1), today=TODAY
    )
    assert _dates(p) == {"started": date(2024, 3, 1), "completed": date(2024, 3, 1)}
    assert Project.objects.get(pk=p.pk).stage == "completed"


@pytest.mark.parametrize(
    ("stage", "milestone", "on", "field", "words"),
    [
        ("construction", "started", date(2024, 7, 1), "on", "晚于今天"),
        ("construction", "completed", date(2024, 3, 1), "milestone", "尚未竣工"),
        ("preparation", "started", date(2024, 3, 1), "milestone", "尚未开工"),
        ("construction", "construction", date(2024, 3, 1), "milestone", "只能补录"),
        ("construction", "started", None, "on", "请填写日期"),
    ],
)
def test_impossible_backfills_are_refused(world, stage, milestone, on, field, words):
    p = project(world, stage=stage)
    with pytest.raises(ValidationError) as excinfo:
        services.project_backfill_milestone(
            user=world.admin, project=p, milestone=milestone, on=on, today=TODAY
        )
    assert words in _errors(excinfo)[field]
    assert not StageTransition.objects.exists()


def test_a_backfill_keeps_the_milestones_in_order_and_is_done_once(world):
    p = project(world, stage="producing")
    move(p, "producing", date(2024, 5, 1), world.admin)
    with pytest.raises(ValidationError) as excinfo:
        services.project_backfill_milestone(
            user=world.admin, project=p, milestone="completed", on=date(2024, 6, 1), today=TODAY
        )
    assert "实际竣工日期 2024-06-01 晚于实际投产日期 2024-05-01" in _errors(excinfo)["on"]
    services.project_backfill_milestone(
        user=world.admin, project=p, milestone="completed", on=date(2024, 4, 1), today=TODAY
    )
    with pytest.raises(ValidationError) as excinfo:
        services.project_backfill_milestone(
            user=world.admin, project=p, milestone="started", on=date(2024, 4, 2), today=TODAY
        )
    assert "实际开工日期 2024-04-02 晚于实际竣工日期 2024-04-01" in _errors(excinfo)["on"]
    with pytest.raises(ValidationError) as excinfo:
        services.project_backfill_milestone(
            user=world.admin, project=p, milestone="completed", on=date(2024, 3, 1), today=TODAY
        )
    assert "无需补录" in _errors(excinfo)["milestone"]


def test_backfilling_is_moving_the_stage_by_permission(world):
    p = project(world, stage="construction")
    for user in (world.leader, world.reporter, world.foreign_admin):
        with pytest.raises(AccessDenied):
            services.project_backfill_milestone(
                user=user, project=p, milestone="started", on=date(2024, 3, 1), today=TODAY
            )
    assert not StageTransition.objects.exists()


# ---------------------------------------------------------------------------------------------------
# Hand-overs


def test_a_handover_is_due_one_month_after_the_papers_were_complete(world):
    p = project(world, stage="registered")
    h = services.handover_open(
        user=world.admin,
        project=p,
        kind="to_office",
        since=date(2024, 1, 31),
        to_unit=world.office,
        today=TODAY,
    )
    assert (h.since, h.due_on, h.recorded_by) == (date(2024, 1, 31), date(2024, 2, 29), world.admin)
    with pytest.raises(ValidationError) as excinfo:
        services.handover_open(user=world.admin, project=p, kind="to_office", since=TODAY, today=TODAY)
    assert "只办理一次" in _errors(excinfo)["kind"]


def test_handover_to_the_economic_bureau_needs_a_producing_project_and_an_on_site_check(world):
    p = project(world, stage="construction")
    with pytest.raises(ValidationError) as excinfo:
        services.handover_open(user=world.admin, project=p, kind="to_economic", since=TODAY, today=TODAY)
    assert "投产/运营之后" in _errors(excinfo)["kind"]
    Project.objects.filter(pk=p.pk).update(stage="producing")
    h = services.handover_open(
        user=world.admin, project=p, kind="to_economic", since=date(2024, 6, 1), today=TODAY
    )
    with pytest.raises(ValidationError) as excinfo:
        services.handover_complete(
            user=world.admin, handover=h, handed_on=TODAY, signed_by="王某", today=TODAY
        )
    assert "现场核实" in _errors(excinfo)["site_checked_on"]
    h = services.handover_complete(
        user=world.admin,
        handover=h,
        handed_on=TODAY,
        signed_by="王某",
        site_checked_on=date(2024, 6, 10),
        today=TODAY,
    )
    assert (h.handed_on, h.signed_by) == (TODAY, "王某")
    with pytest.raises(ValidationError):
        services.handover_complete(
            user=world.admin, handover=h, handed_on=TODAY, signed_by="王某", today=TODAY
        )
    assert Handover.history.filter(history_user=world.admin).count() == 2


def test_only_the_office_hands_over(world):
    p = project(world, stage="signed")
    with pytest.raises(AccessDenied):
        services.handover_open(user=world.unit_head, project=p, kind="to_office", since=TODAY, today=TODAY)


# ---------------------------------------------------------------------------------------------------
# Monthly investment


def test_recording_a_month_twice_corrects_it(world):
    p = project(world)
    services.investment_record(
        user=world.admin, project=p, year=2024, month=5, amount=Decimal("800"), today=TODAY
    )
    entry = services.investment_record(
        user=world.admin, project=p, year=2024, month=5, amount=Decimal("850"), note="更正", today=TODAY
    )
    assert InvestmentEntry.objects.get().amount == Decimal("850")
    assert (entry.recorded_by, entry.source) == (world.admin, "office")
    assert InvestmentEntry.history.count() == 2


@pytest.mark.parametrize(
    ("year", "month", "amount", "field", "words"),
    [
        (2024, 7, Decimal("1"), "month", "未来月份"),
        (2025, 1, Decimal("1"), "year", "2000 年至 2024 年"),
        (2024, 5, Decimal("-3"), "amount", "不能为负数"),
        (2024, 13, Decimal("1"), "month", "1～12"),
        (2024, 5, None, "amount", "请填写"),
    ],
)
def test_future_months_and_negative_amounts_are_refused(world, year, month, amount, field, words):
    p = project(world)
    with pytest.raises(ValidationError) as excinfo:
        services.investment_record(
            user=world.admin, project=p, year=year, month=month, amount=amount, today=TODAY
        )
    assert words in _errors(excinfo)[field]
    assert not InvestmentEntry.objects.exists()


def test_a_month_inserted_meanwhile_by_an_unlocked_writer_is_the_chinese_error(world, monkeypatch):
    from django.db.models import QuerySet

    p = project(world)
    real_first = QuerySet.first
    looked = []

    def first_before_the_other_commit(self):
        if self.model is InvestmentEntry and not looked:
            looked.append(self)
            return None  # the month was looked up just before a bulk writer (an import) inserted it
        return real_first(self)

    invest(p, 2024, 5, 1)
    monkeypatch.setattr(QuerySet, "first", first_before_the_other_commit)
    with transaction.atomic():
        with pytest.raises(ValidationError) as excinfo:
            services.investment_record(
                user=world.admin, project=p, year=2024, month=5, amount=Decimal("800"), today=TODAY
            )
        assert InvestmentEntry.objects.count() == 1  # the transaction is still usable
    assert looked and "2024年5月的完成投资刚由他人录入" in _errors(excinfo)["month"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between connections: PostgreSQL")
def test_two_first_entries_for_a_month_at_once_follow_each_other(transactional_db, monkeypatch):
    from tests.factories import build_world

    world = build_world()
    p = project(world)
    first_saving = threading.Event()
    real_save = InvestmentEntry.save

    def slow_save(self, *args, **kwargs):
        if threading.current_thread().name == "first":
            first_saving.set()
            time.sleep(0.5)  # the second request arrives while the first has not committed
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(InvestmentEntry, "save", slow_save)
    failures: list[Exception] = []

    def record(amount: str) -> None:
        try:
            services.investment_record(
                user=world.admin, project=p, year=2024, month=5, amount=Decimal(amount), today=TODAY
            )
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=record, args=("800",), name="first")
    first.start()
    assert first_saving.wait(5)
    second = threading.Thread(target=record, args=("850",), name="second")
    second.start()
    first.join(10)
    second.join(10)
    assert failures == []
    assert list(InvestmentEntry.objects.values_list("amount", flat=True)) == [Decimal("850")]


def test_only_the_office_records_investment(world):
    p = project(world)
    with pytest.raises(AccessDenied):
        services.investment_record(user=world.reporter, project=p, year=2024, month=5, amount=Decimal("1"))


# ---------------------------------------------------------------------------------------------------
# Routing (WH19 二 三层五线)

OFFICES = {
    "cyber": "区现代服务业建设管理办公室",
    "mech": "区机电产业建设管理办公室",
    "airport": "临空产业建设管理办公室",
    "rural": "区农业农村局",
    "tech": "区科学技术和经济信息化局",
}


@pytest.fixture
def wuhan(world):
    ruleset_seed()
    world.district.rule_set = RuleSet.objects.get(slug="wuhan-2019")
    world.district.save()
    return {key: unit(world.district, name) for key, name in OFFICES.items()}


@pytest.mark.parametrize(
    ("name", "sector", "total", "office"),
    [
        ("网络安全人才与创新基地", "service", Decimal("500000"), "cyber"),
        ("临空港智能制造基地", "industrial", Decimal("100000"), "mech"),
        ("商业综合体", "service", Decimal("150000"), "mech"),
        ("物流园", "service", Decimal("99999.99"), "airport"),
        ("住宅小区", "real_estate", Decimal("30000"), "airport"),
        ("乡村振兴示范片", "rural", Decimal("200000"), "rural"),
        ("食品加工厂", "industrial", Decimal("20000"), "tech"),
    ],
)
def test_routes_pick_the_coordinating_office_in_order(world, wuhan, name, sector, total, office):
    p = project(world, name=name, sector=sector, total_investment=total)
    result = services.project_route(project=p)
    assert result.office == wuhan[office]
    assert "WH19" in result.explanation and OFFICES[office] in result.explanation


def test_a_new_project_without_a_coordinating_office_is_routed(world, wuhan):
    p = _create(world, sector="industrial", total_investment=Decimal("20000"))
    assert p.coordinating_office == wuhan["tech"]


def test_routing_explains_why_nothing_matched(world, wuhan):
    p = project(world, sector="", total_investment=Decimal("1000"))
    result = services.project_route(project=p)
    assert result.office is None and "没有符合的归口规则" in result.explanation
    wuhan["tech"].delete()
    p = project(world, sector="industrial")
    assert "没有名为“区科学技术和经济信息化局”的单位" in services.project_route(project=p).explanation


def test_routing_an_office_known_by_its_short_name(world, wuhan):
    wuhan["tech"].delete()
    short = unit(world.district, "区科学技术局", short_name="区科信局")
    assert services.project_route(project=project(world, sector="industrial")).office == short


def test_routing_without_a_rule_set_or_without_routes_says_so(world):
    p = project(world)
    assert "未采用规则集" in services.project_route(project=p).explanation
    ruleset_seed()
    world.city.rule_set = RuleSet.objects.get(slug="donghu-2024")
    world.city.save()
    assert "没有分线归口规则" in services.project_route(project=p).explanation


def test_clearing_the_coordinating_office_routes_again(world, wuhan):
    p = _create(
        world, sector="industrial", total_investment=Decimal("20000"), coordinating_office=world.office
    )
    assert p.coordinating_office == world.office
    services.project_update(user=world.admin, project=p, data={"coordinating_office": None}, today=TODAY)
    assert Project.objects.get(pk=p.pk).coordinating_office == wuhan["tech"]


def test_the_stage_is_set_on_creation_but_changes_only_through_a_dated_move(world):
    p = _create(world, stage="signed")
    assert p.stage == "signed"
    p2 = services.project_create(
        user=world.admin,
        jurisdiction=world.district,
        data=_data(world, stage="landed", name="乙"),
        today=TODAY,
    )
    assert p2.stage == "landed"
    with pytest.raises(ValidationError) as excinfo:
        services.project_update(user=world.admin, project=p, data={"stage": "started"}, today=TODAY)
    assert "记录阶段变更" in _errors(excinfo)["stage"]
    services.project_update(
        user=world.admin, project=p, data={"stage": "signed", "owner": "某公司"}, today=TODAY
    )
    assert Project.objects.get(pk=p.pk).owner == "某公司"
