"""The sealed ledger with the database: sealing a period, `tuijin ledger verify` finding records changed,
deleted or added after sealing and seals tampered with, the daily job, and the /ledger/ page. A test-only
kind seals the monthly investment entries of the project library (projects.InvestmentEntry)."""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command

from tests.factories import PASSWORD  # noqa: F401  (personas log in with it)
from tests.projects.factories import invest, project
from tuijin.core import ledger
from tuijin.core.access import AccessDenied
from tuijin.core.ledger_selectors import ledger_verify
from tuijin.core.ledger_services import ledger_seal_due, seal_period
from tuijin.core.models import Seal
from tuijin.core.rules.ledger import parse_period
from tuijin.projects.models import InvestmentEntry

KIND = "test_investment"


def _records(jurisdiction, period_key):
    period = parse_period(period_key)
    entries = InvestmentEntry.objects.filter(
        project__jurisdiction=jurisdiction, year=period.start.year, month=period.start.month
    )
    return [
        (
            e.pk,
            {"project": e.project_id, "year": e.year, "month": e.month, "amount": e.amount, "note": e.note},
        )
        for e in entries
    ]


def _describe(record_id):
    e = InvestmentEntry.objects.select_related("project").filter(pk=record_id).first()
    return f"项目《{e.project.name}》{e.year}年{e.month}月的完成投资" if e else None


def _candidates(ended_before):
    pairs = InvestmentEntry.objects.values_list("project__jurisdiction_id", "year", "month").distinct()
    for jurisdiction_id, year, month in pairs:
        key = f"{year}-{month:02d}"
        if ended_before - timedelta(days=180) <= parse_period(key).end < ended_before:
            yield jurisdiction_id, key


@pytest.fixture(autouse=True)
def heads_log(settings, tmp_path):
    """Each test its own ledger key and heads log (the log is written when the sealing commits: tests
    that need it run the commit callbacks with `django_capture_on_commit_callbacks(execute=True)`)."""
    settings.LEDGER_KEY = "test-ledger-key"
    settings.LEDGER_HEADS_LOG = str(tmp_path / "ledger" / "heads.log")
    return tmp_path / "ledger" / "heads.log"


@pytest.fixture
def kind():
    ledger.register_sealable(
        KIND,
        "月度投资",
        records=_records,
        describe=_describe,
        period="month",
        auto_after_days=10,
        candidates=_candidates,
    )
    yield KIND
    ledger.unregister_sealable(KIND)


@pytest.fixture
def june(world, kind):
    """Three projects of 东湖区 with June 2024 entries, one of another district, sealed by the office."""
    a = project(world, name="东湖路改造")
    b = project(world, name="体育中心")
    c = project(world, name="污水处理厂")
    entries = [
        invest(a, 2024, 6, Decimal("1200.50")),
        invest(b, 2024, 6, Decimal("800")),
        invest(c, 2024, 6, Decimal("0")),
    ]
    invest(a, 2024, 5, Decimal("900"))  # May is another period
    foreign = project(
        world, name="外区项目", jurisdiction=world.other_district, responsible_unit=world.foreign_unit
    )
    invest(foreign, 2024, 6, Decimal("50"))
    seal = seal_period(kind=KIND, jurisdiction=world.district, period_key="2024-06", by=world.admin)
    return seal, entries


def _verify(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("ledger", "verify", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def test_seal_records_the_period_hash_chain(world, june):
    seal, entries = june
    assert seal.sequence == 1 and seal.prev_seal_hash == "" and seal.record_count == 3
    assert [rid for rid, _ in seal.entries] == [str(e.pk) for e in sorted(entries, key=lambda e: e.pk)]
    assert seal.created_by == world.admin and len(seal.chain_hash) == len(seal.seal_hash) == 64
    result = ledger_verify()
    assert result.ok and result.record_count == 3 and result.seal_count == 1
    assert result.summary == "全部 3 个封存记录校验通过（1 个期间，1 次封存）"


def test_untouched_ledger_passes_the_command(world, june):
    code, text = _verify()
    assert code == 0 and "全部 3 个封存记录校验通过" in text


def test_a_record_changed_in_the_database_is_reported(world, june):
    _, entries = june
    InvestmentEntry.objects.filter(pk=entries[1].pk).update(amount=Decimal("8000"))
    code, text = _verify()
    assert code == 1
    assert "月度投资 东湖区 2024-06：项目《体育中心》2024年6月的完成投资在封存后被修改" in text
    assert "发现 1 处问题" in text


def test_a_change_that_keeps_the_value_is_not_reported(world, june):
    _, entries = june
    InvestmentEntry.objects.filter(pk=entries[0].pk).update(amount=Decimal("1200.5000"))
    assert _verify()[0] == 0


def test_a_record_deleted_is_reported(world, june):
    _, entries = june
    InvestmentEntry.objects.filter(pk=entries[2].pk).delete()
    code, text = _verify()
    assert code == 1
    assert f"月度投资 东湖区 2024-06：记录 #{entries[2].pk}在封存后被删除" in text


def test_a_record_added_after_sealing_is_reported(world, june):
    late = invest(project(world, name="新增项目"), 2024, 6, Decimal("5"))
    result = ledger_verify(kind=KIND)
    assert [(p.what, p.record_id) for p in result.problems] == [("added", str(late.pk))]
    assert "项目《新增项目》2024年6月的完成投资在封存后新增" in result.problems[0].message


def test_other_periods_and_jurisdictions_are_not_sealed(world, june):
    InvestmentEntry.objects.filter(month=5).update(amount=Decimal("1"))
    InvestmentEntry.objects.filter(project__jurisdiction=world.other_district).update(amount=Decimal("1"))
    assert ledger_verify().ok


def test_tampering_with_the_seal_is_reported(world, june):
    seal, _ = june
    Seal.objects.filter(pk=seal.pk).update(entries=[[rid, "0" * 64] for rid, _ in seal.entries])
    result = ledger_verify()
    assert "seal_altered" in {p.what for p in result.problems}
    assert "第 1 次封存的内容与其哈希不符" in result.problems[0].message


def test_deleting_a_seal_breaks_the_chain(world, june):
    first, entries = june
    invest(project(world), 2024, 7, Decimal("10"))
    second = seal_period(kind=KIND, jurisdiction=world.district, period_key="2024-07", by=world.admin)
    assert second.sequence == 2 and second.prev_seal_hash == first.seal_hash
    assert ledger_verify().ok
    Seal.objects.filter(pk=first.pk).delete()
    code, text = _verify()
    assert code == 1 and "月度投资 东湖区 2024-07：第 2 次封存与前一次封存的链接断裂" in text


def test_sealing_again_unchanged_returns_the_same_seal(world, june):
    seal, _ = june
    again = seal_period(kind=KIND, jurisdiction=world.district, period_key="2024-06", by=world.admin)
    assert again.pk == seal.pk and Seal.objects.count() == 1


def test_resealing_after_a_correction_supersedes_and_keeps_the_old_seal(world, june):
    seal, entries = june
    InvestmentEntry.objects.filter(pk=entries[1].pk).update(amount=Decimal("850"))
    with pytest.raises(ValidationError) as exc:
        seal_period(kind=KIND, jurisdiction=world.district, period_key="2024-06", by=world.admin)
    assert "须写明更正原因" in exc.value.message_dict["reason"][0]
    new = seal_period(
        kind=KIND,
        jurisdiction=world.district,
        period_key="2024-06",
        by=world.admin,
        reason="体育中心投资更正",
    )
    assert new.sequence == 2 and new.supersedes == seal and new.prev_seal_hash == seal.seal_hash
    assert Seal.objects.count() == 2
    result = ledger_verify()
    assert result.ok and result.seal_count == 2 and result.period_count == 1


@pytest.mark.parametrize(
    ("kw", "field", "message"),
    [
        ({"kind": "nope", "period_key": "2024-06"}, "kind", "未知的封存类别“nope”"),
        ({"kind": KIND, "period_key": "2024-W23"}, "period", "月度投资按月封存，期间应写作 2024-06"),
        ({"kind": KIND, "period_key": "2024/06"}, "period", "格式不对"),
        ({"kind": KIND, "period_key": "2023-06"}, "period", "没有可封存的月度投资"),
    ],
)
def test_bad_input(world, kind, kw, field, message):
    with pytest.raises(ValidationError) as exc:
        seal_period(jurisdiction=world.district, by=world.admin, **kw)
    assert message in exc.value.message_dict[field][0]
    assert not Seal.objects.exists()


def test_only_the_office_of_the_subtree_seals(world, kind):
    invest(project(world), 2024, 6, Decimal("10"))
    for user in (world.leader, world.unit_head, world.reporter, world.supervisor, world.foreign_admin):
        with pytest.raises(AccessDenied):
            seal_period(kind=KIND, jurisdiction=world.district, period_key="2024-06", by=user)
    assert not Seal.objects.exists()


def test_command_seals_every_jurisdiction_with_records(world, kind):
    invest(project(world), 2024, 6, Decimal("10"))
    other = project(world, jurisdiction=world.other_district, responsible_unit=world.foreign_unit)
    invest(other, 2024, 6, Decimal("20"))
    out = StringIO()
    call_command("ledger", "seal", "--kind", KIND, "--period", "2024-06", stdout=out)
    assert set(Seal.objects.values_list("jurisdiction__name", flat=True)) == {
        "东湖区",
        world.other_district.name,
    }
    assert "第 1 次封存，1 条记录" in out.getvalue()
    call_command(
        "ledger",
        "seal",
        "--kind",
        KIND,
        "--period",
        "2024-06",
        "--jurisdiction",
        world.district.code,
        stdout=out,
    )
    assert Seal.objects.count() == 2  # unchanged: the same seal


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "nope", "--period", "2024-06"], "未知的封存类别“nope”"),
        (["--kind", KIND, "--period", "2024-W23"], "期间应写作 2024-06"),
        (["--kind", KIND, "--period", "2024-06", "--jurisdiction", "999"], "没有行政区划代码为“999”的辖区"),
    ],
)
def test_command_errors(world, kind, args, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("ledger", "seal", *args, stdout=StringIO())


def test_verify_one_jurisdiction_or_kind(world, june):
    _, entries = june
    InvestmentEntry.objects.filter(pk=entries[0].pk).update(note="改")
    assert _verify("--jurisdiction", world.other_district.code)[0] == 0
    assert _verify("--jurisdiction", world.city.code)[0] == 1
    assert _verify("--kind", KIND)[0] == 1


def test_verify_with_nothing_sealed(db):
    code, text = _verify()
    assert code == 0 and "全部 0 个封存记录校验通过" in text


def test_unregistered_kind_is_reported(world, june):
    ledger.unregister_sealable(KIND)
    result = ledger_verify()
    assert [p.what for p in result.problems] == ["unknown_kind"]


def test_daily_job_seals_periods_past_their_grace_days(world, kind):
    invest(project(world), 2024, 5, Decimal("10"))
    invest(project(world), 2024, 6, Decimal("20"))
    run = ledger_seal_due(today=date(2024, 7, 5))  # June ended 5 days ago: not yet
    assert [s.period_key for s in run.sealed] == ["2024-05"]
    assert run.sealed[0].created_by is None and run.sealed[0].reason == "逾期自动封存"
    run = ledger_seal_due(today=date(2024, 7, 12))
    assert [s.period_key for s in run.sealed] == ["2024-06"]
    assert ledger_seal_due(today=date(2024, 7, 13)).sealed == []  # each period once


@time_machine.travel("2024-07-12 10:00 +0800")
def test_daily_task_runs_the_job(world, kind):
    from tuijin.core.ledger_tasks import ledger_seal_due_task

    invest(project(world), 2024, 6, Decimal("20"))
    result = ledger_seal_due_task.enqueue()
    assert result.return_value == {"sealed": 1, "errors": []}


# ---------------------------------------------------------------------------------------------------
# The /ledger/ page


def test_page_lists_seals_and_verifies(world, june, client_for):
    client = client_for(world.admin)
    text = client.get("/ledger/").content.decode()
    assert 'id="seal-table"' in text and "月度投资" in text and "2024-06" in text and "第 1 次" in text
    text = client.post("/ledger/verify/").content.decode()
    assert "全部 3 个封存记录校验通过" in text
    _, entries = june
    InvestmentEntry.objects.filter(pk=entries[0].pk).update(amount=Decimal("1"))
    text = client.post("/ledger/verify/").content.decode()
    assert "项目《东湖路改造》2024年6月的完成投资在封存后被修改" in text


def test_page_seals_a_period(world, kind, client_for):
    invest(project(world), 2024, 6, Decimal("10"))
    client = client_for(world.admin)
    response = client.post(
        "/ledger/seal/", {"kind": KIND, "jurisdiction": world.district.pk, "period": "2024-06"}
    )
    assert response.status_code == 302
    assert Seal.objects.get().created_by == world.admin
    response = client.post(
        "/ledger/seal/", {"kind": KIND, "jurisdiction": world.district.pk, "period": "2024-W23"}
    )
    assert response.status_code == 400
    assert "期间应写作 2024-06" in response.content.decode()


def test_page_shows_only_the_subtree(world, june, client_for):
    text = client_for(world.foreign_admin).get("/ledger/").content.decode()
    assert 'id="seal-empty"' in text
    response = client_for(world.foreign_admin).post(
        "/ledger/seal/", {"kind": KIND, "jurisdiction": world.district.pk, "period": "2024-06"}
    )
    assert response.status_code == 400  # the district is not among the form's choices


# ---------------------------------------------------------------------------------------------------
# Keyed seals and the heads log (review finding 4 a, b)


def _forge(seal):
    """What someone who can write the database but not read the key does: recompute the seal over the
    records now, with the old unkeyed formula (or any key they guess)."""
    from tuijin.core.rules import ledger as rules

    entries = rules.hashed_entries(_records(seal.jurisdiction, seal.period_key))
    chain = rules.chain_hash(rules.chain_start(seal.kind, seal.jurisdiction.code, seal.period_key), entries)
    text = f"seal|{seal.kind}|{seal.jurisdiction.code}|{seal.period_key}|{seal.sequence}|{chain}|{seal.prev_seal_hash}"
    Seal.objects.filter(pk=seal.pk).update(
        entries=[list(e) for e in entries],
        record_count=len(entries),
        chain_hash=chain,
        seal_hash=rules.sha256(text),
    )


def test_a_seal_recomputed_without_the_key_is_reported(world, june):
    seal, entries = june
    InvestmentEntry.objects.filter(pk=entries[1].pk).update(amount=Decimal("8000"))
    _forge(seal)
    code, text = _verify()
    assert code == 1 and "第 1 次封存的内容与其哈希不符" in text


def test_a_seal_made_with_another_key_is_reported(world, june, settings):
    settings.LEDGER_KEY = "another-key"
    result = ledger_verify()
    assert [p.what for p in result.problems] == ["seal_altered"]
    assert "LEDGER_KEY 不是封存时的密钥" in result.problems[0].message


def test_the_key_is_generated_once_into_the_var_dir(settings, tmp_path, monkeypatch):
    from tuijin.core.ledger_heads import ledger_key

    settings.LEDGER_KEY = ""
    monkeypatch.delenv("LEDGER_KEY", raising=False)
    settings.VAR_DIR = tmp_path / "var"
    key = ledger_key()
    assert len(key) > 40 and key == ledger_key()
    path = tmp_path / "var" / "ledger_key"
    assert path.read_text().encode() == key and path.stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("LEDGER_KEY", "from-the-environment")
    assert ledger_key() == b"from-the-environment"


def _seal_logged(django_capture_on_commit_callbacks, **kw):
    with django_capture_on_commit_callbacks(execute=True):
        return seal_period(kind=KIND, **kw)


@pytest.fixture
def logged(world, kind, django_capture_on_commit_callbacks):
    """June and July of 东湖区 sealed, each seal written to the heads log when it commits."""
    a = project(world, name="东湖路改造")
    invest(a, 2024, 6, Decimal("100"))
    invest(a, 2024, 7, Decimal("200"))
    kw = {"jurisdiction": world.district, "by": world.admin}
    june = _seal_logged(django_capture_on_commit_callbacks, period_key="2024-06", **kw)
    july = _seal_logged(django_capture_on_commit_callbacks, period_key="2024-07", **kw)
    return june, july


def test_each_seal_is_appended_to_the_heads_log(world, logged, heads_log):
    from tuijin.core.rules import ledger as rules

    june, july = logged
    lines = heads_log.read_text().splitlines()
    heads = [rules.parse_head_line(b"test-ledger-key", line) for line in lines]
    assert [(h.kind, h.jurisdiction_code, h.period_key, h.sequence, h.seal_hash) for h in heads] == [
        (KIND, "360102", "2024-06", 1, june.seal_hash),
        (KIND, "360102", "2024-07", 2, july.seal_hash),
    ]
    assert _verify() == (0, "全部 2 个封存记录校验通过（2 个期间，2 次封存）\n")


def test_a_seal_rolled_back_leaves_no_line(world, kind, heads_log, django_capture_on_commit_callbacks):
    from django.db import transaction

    invest(project(world), 2024, 6, Decimal("100"))
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        seal_period(kind=KIND, jurisdiction=world.district, period_key="2024-06")
        raise RuntimeError("rolled back")
    assert not heads_log.exists() and not Seal.objects.exists()


def test_deleting_every_seal_is_reported_from_the_log(world, logged):
    """Review 4a: all seals deleted, then a record changed — verify used to pass with 0 seals."""
    Seal.objects.all().delete()
    InvestmentEntry.objects.filter(month=6).update(amount=Decimal("999"))
    code, text = _verify()
    assert code == 1
    assert "月度投资 东湖区 2024-06：第 1 次封存已记入封存日志，但封存表中没有" in text
    assert (
        "月度投资 东湖区 2024-07：第 2 次封存已记入封存日志，但封存表中没有（封存表最后一次为第 0 次；最新的封存被删除）"
        in text
    )


def test_deleting_the_latest_seal_is_reported_from_the_log(world, logged):
    _, july = logged
    Seal.objects.filter(pk=july.pk).delete()
    result = ledger_verify()
    assert [(p.what, p.period_key) for p in result.problems] == [("head_missing", "2024-07")]
    assert "封存表最后一次为第 1 次；最新的封存被删除" in result.problems[0].message
    # scoped to another district or kind: not this chain's business
    assert ledger_verify(jurisdiction=world.other_district).ok
    assert ledger_verify(kind="weekly_report").ok


def test_a_replaced_seal_differs_from_the_log(world, logged):
    june, _ = logged
    Seal.objects.filter(pk=june.pk).update(seal_hash="f" * 64)
    whats = {p.what for p in ledger_verify().problems}
    assert "head_mismatch" in whats and "seal_altered" in whats


def test_an_edited_log_line_is_reported(world, logged, heads_log):
    lines = heads_log.read_text().splitlines()
    heads_log.write_text("\n".join([lines[0].replace("\t1\t", "\t5\t"), lines[1]]) + "\n")
    result = ledger_verify()
    assert [p.what for p in result.problems] == ["log_altered"]
    assert result.problems[0].message.startswith("封存日志第 1 行与其校验码不符")


# ---------------------------------------------------------------------------------------------------
# Periods left unsealed past the daily job's delay


def test_a_period_the_daily_job_should_have_sealed_is_reported(world, kind):
    invest(project(world), 2024, 6, Decimal("20"))  # June ends 6月30日; auto-sealed from 7月11日
    assert ledger_verify(today=date(2024, 7, 12)).ok  # the job's grace: not yet a gap
    result = ledger_verify(today=date(2024, 7, 13))
    assert [(p.what, p.period_key) for p in result.problems] == [("unsealed", "2024-06")]
    assert (
        "月度投资 东湖区 2024-06：期间结束已超过 10 天、有已通过的记录，却没有封存"
        in result.problems[0].message
    )
    assert ledger_verify(today=date(2024, 7, 13), jurisdiction=world.other_district).ok
    ledger_seal_due(today=date(2024, 7, 11))
    assert ledger_verify(today=date(2024, 7, 13)).ok
