"""The periods page (考核排名): the jurisdiction's periods with status, who computed and closed them, units
ranked and the notes; the compute form (the periods the rule set computes, around today) calling
`score_run`; 重新计算 and 关账 calling the services; their errors in Chinese beside the form (htmx swaps the
400 answer). The services are replaced by stand-ins here (the pages are under test); the real run is in
test_pages_run.py."""

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from tests.scoring.page_factories import scored, version
from tuijin.scoring import page_selectors as ps
from tuijin.scoring import period_views


@dataclass
class Outcome:
    period: object
    created: int = 0
    corrections: int = 0
    warnings: list = field(default_factory=list)
    units: int = 0


@pytest.fixture
def calls(monkeypatch):
    """Stand-in services recording their calls; set `calls.error` to make them refuse."""
    state = SimpleNamespace(runs=[], closes=[], error=None, outcome=None)

    def score_run(**kw):
        state.runs.append(kw)
        if state.error:
            raise state.error
        return state.outcome

    def period_close(**kw):
        state.closes.append(kw)
        if state.error:
            raise state.error
        return kw["period"]

    services = SimpleNamespace(score_run=score_run, period_close=period_close)
    monkeypatch.setattr(period_views, "_services", lambda: services)
    return state


def _pick(world, v):
    world.district.rule_set = v.rule_set
    world.district.save(update_fields=["rule_set"])


def test_periods_are_listed_with_status_and_counts(world, client_for):
    s = scored(world)
    text = client_for(world.admin).get("/scoring/").content.decode()
    row = text[text.index(f'id="period-{s.period.pk}"') :]
    row = row[: row.index('<div class="card-footer')]
    assert "2024年第2季度" in row and "季度考评" in row and "计算中" in row
    assert "wuhan-pages@1" in row and "计算：2024-07-03 09:30 admin" in row
    assert '<strong class="text-body period-ranked">3</strong>' in row  # units ranked
    assert "计算说明 1 条" in row and "上一期间 2024Q1 尚未计算" in row
    assert "重新计算" in row and "关账" in row


def test_the_form_offers_the_periods_the_rule_set_computes(world):
    v = version()
    choices = ps.period_choices(v, date(2024, 8, 15))
    keys = [k for k, _ in choices]
    assert keys[:5] == ["2024Q3", "2024Q2", "2024Q1", "2023Q4", "2023Q3"]
    assert keys[5:] == ["2024", "2023", "2022"]
    assert dict(choices)["2024Q3"] == "2024年第3季度（进行中）"
    assert ps.default_choice(v, date(2024, 8, 15)) == "2024Q2"  # the latest quarter that has ended
    monthly = version(slug="monthly-pages", scoring={**v.data["scoring"], "periods": ["month"]})
    assert [k for k, _ in ps.period_choices(monthly, date(2024, 1, 10))][:3] == [
        "2024-01",
        "2023-12",
        "2023-11",
    ]


def test_compute_runs_the_period_and_shows_what_it_did(world, client_for, calls):
    s = scored(world)
    _pick(world, s.version)
    calls.outcome = Outcome(
        period=s.period, created=12, units=3, warnings=["单位“区城管局”不在任何排名分组，未参加排名"]
    )
    client = client_for(world.admin)
    response = client.post("/scoring/compute/", {"period": "2024Q2", "reason": ""})
    assert response.status_code == 302 and response["Location"] == f"/scoring/{s.period.pk}/"
    assert calls.runs == [
        {"jurisdiction": world.district, "period_key": "2024Q2", "by": world.admin, "reason": ""}
    ]
    text = client.get(response["Location"]).content.decode()
    assert "已计算2024年第2季度：写入 12 条计分记录，3 个单位。计算说明 1 条，见下方。" in text
    assert text.count("上一期间 2024Q1 尚未计算") == 1  # the period's notes, once


def test_htmx_compute_redirects_the_page(world, client_for, calls):
    s = scored(world)
    _pick(world, s.version)
    calls.outcome = Outcome(period=s.period, created=3)
    response = client_for(world.admin).post("/scoring/compute/", {"period": "2024Q2"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Redirect"] == f"/scoring/{s.period.pk}/"


def test_a_refusal_is_shown_beside_the_form(world, client_for, calls):
    s = scored(world)
    _pick(world, s.version)
    calls.error = ValidationError({"period": "《武汉临空港 2019》不计算月度考评（计算：季度、年度）"})
    client = client_for(world.admin)
    response = client.post("/scoring/compute/", {"period": "2024Q2"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    text = response.content.decode()
    assert text.lstrip().startswith('<div class="card mb-3" id="compute-panel">')  # the panel htmx swaps in
    assert "不计算月度考评（计算：季度、年度）" in text and "invalid-feedback" in text
    calls.error = ValidationError({"rule_set": "规则集《X》没有计分规则 [scoring]，不能计算考评"})
    page = client.post("/scoring/compute/", {"period": "2024Q2"})
    assert page.status_code == 400 and "没有计分规则 [scoring]" in page.content.decode()
    assert "<html" in page.content.decode()  # without htmx: the whole page


def test_a_malformed_period_is_refused_in_chinese(world, client_for, calls):
    s = scored(world)
    _pick(world, s.version)
    response = client_for(world.admin).post("/scoring/compute/", {"period": "2024Q5"})
    assert response.status_code == 400 and "期间“2024Q5”无效：季度应为 Q1–Q4" in response.content.decode()
    assert calls.runs == []


def test_recompute_and_close_call_the_services(world, client_for, calls):
    s = scored(world)
    calls.outcome = Outcome(period=s.period, created=5)
    client = client_for(world.admin)
    response = client.post(f"/scoring/{s.period.pk}/compute/", {"reason": "补录开工日期"})
    assert response.status_code == 302
    assert calls.runs[0]["period_key"] == "2024Q2" and calls.runs[0]["reason"] == "补录开工日期"
    response = client.post(f"/scoring/{s.period.pk}/close/")
    assert response.status_code == 302 and calls.closes == [{"period": s.period, "by": world.admin}]
    assert "已关账，计分记录已封存" in client.get(response["Location"]).content.decode()


def test_a_closed_period_recomputed_reports_its_corrections(world, client_for, calls):
    s = scored(world, status="closed")
    calls.outcome = Outcome(period=s.period, created=1, corrections=1)
    client = client_for(world.admin)
    response = client.post(f"/scoring/{s.period.pk}/compute/", {"reason": ""})
    text = client.get(response["Location"]).content.decode()
    assert "已关账：重新计算新增更正记录 1 条，原计分记录不变。" in text
    assert 'id="close-period"' not in text  # closed: no second close


def test_close_refused_is_shown_on_the_row(world, client_for, calls):
    s = scored(world)
    calls.error = ValidationError({"period": "东湖区 2024Q2 尚未结束（2024-06-30 截止），不能关账"})
    response = client_for(world.admin).post(f"/scoring/{s.period.pk}/close/")
    assert response.status_code == 400
    text = response.content.decode()
    assert "period-error" in text and "尚未结束（2024-06-30 截止），不能关账" in text


def test_unit_staff_see_no_form_and_may_not_compute(world, client_for, calls):
    s = scored(world)
    _pick(world, s.version)
    client = client_for(world.unit_head)
    text = client.get("/scoring/").content.decode()
    assert "2024年第2季度" in text and 'id="compute-form"' not in text
    assert "重新计算" not in text
    assert client.post("/scoring/compute/", {"period": "2024Q2"}).status_code == 403
    assert client.post(f"/scoring/{s.period.pk}/close/").status_code == 403
    assert calls.runs == [] and calls.closes == []


def test_without_a_rule_set_the_form_says_why(world, client_for):
    text = client_for(world.admin).get("/scoring/").content.decode()
    assert "东湖区未选用规则集，不能计算考评" in text and 'id="compute-form"' not in text
    assert "还没有计算过考评" in text
    v = version(scoring={})
    v.data = {"ranking": {}}
    v.save()
    _pick(world, v)
    text = client_for(world.admin).get("/scoring/").content.decode()
    assert "没有计分规则 [scoring]，不能计算考评" in text
