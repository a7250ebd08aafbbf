"""Fixes from the review of the score pages: a period computed or closed by the system (CLI, a recompute
after a signature) renders everywhere; one tie-break id per group; the year period's figures for the annual
review (WH19 四(四): the quarter average, its 10/35 share, the bonus apart) on the year ranking, the unit
page, both exports and the CLI JSON; the Q4 note of 附件3 第4行; default citations as `Rule.cite` words them;
the periods list one year at a time."""

import io
import json
import re
from datetime import date

from django.core.management import call_command
from docx import Document
from openpyxl import load_workbook

from tests.scoring.page_factories import YEAR, _entry, scored, version, year_period
from tuijin.core.rules.ledger import parse_period
from tuijin.scoring import documents, selectors
from tuijin.scoring import page_selectors as ps
from tuijin.scoring.models import ScorePeriod


def _ok(client, url: str) -> str | bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content


def _text(ws) -> str:
    return "\n".join(str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None)


# ---------------------------------------------------------------------------------------------------
# 1. computed or closed by the system


def test_a_period_computed_and_closed_by_the_system_renders_everywhere(world, client_for, capsys):
    s = scored(world, status="closed")
    ScorePeriod.objects.filter(pk=s.period.pk).update(computed_by=None, closed_by=None)
    client = client_for(world.admin)
    pk = s.period.pk
    index = _ok(client, "/scoring/").decode()
    assert "计算：2024-07-03 09:30 系统" in index and "关账：2024-07-03 09:30 系统" in index
    ranking = _ok(client, f"/scoring/{pk}/").decode()
    assert "09:30 系统 关账" in ranking and "系统 计算" in ranking
    _ok(client, f"/scoring/{pk}/units/{world.dept.pk}/")
    for url in (
        "ranking.xlsx",
        "ranking.docx",
        "sheet.xlsx",
        "sheet.docx",
        f"sheet.docx?unit={world.dept.pk}",
    ):
        _ok(client, f"/scoring/{pk}/{url}")
    call_command("score", "show", "--period", "2024Q2", "--jurisdiction", world.district.code, "--json")
    assert json.loads(capsys.readouterr().out)["period"]["key"] == "2024Q2"


def test_the_name_of_who_computed_is_shown_when_known(world, client_for):
    s = scored(world, status="closed")
    world.admin.display_name = "王主任"
    world.admin.save(update_fields=["display_name"])
    ranking = _ok(client_for(world.admin), f"/scoring/{s.period.pk}/").decode()
    assert "09:30 王主任 关账" in ranking and "王主任 计算" in ranking


# ---------------------------------------------------------------------------------------------------
# 2. ids


def test_each_group_has_its_own_tie_break_id(world, client_for):
    s = scored(world)
    text = _ok(client_for(world.admin), f"/scoring/{s.period.pk}/").decode()
    ids = re.findall(r'id="([^"]+)"', text)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert 'id="tie-break-district_units"' in text and 'id="tie-break-towns"' in text


# ---------------------------------------------------------------------------------------------------
# 3. year periods (WH19 四(四))


def _rank_row(text: str, unit_id: int) -> str:
    return re.search(rf'<tr class="rank-row" data-unit="{unit_id}">(.*?)</tr>', text, re.S).group(1)


def test_year_ranking_shows_the_average_its_share_and_the_bonus(world, client_for):
    period = year_period(world)
    text = _ok(client_for(world.admin), f"/scoring/{period.pk}/").decode()
    assert "季度平均分" in text and "占专项目标 35 分中的 10 分" in text and "奖励加分" in text
    dept = _rank_row(text, world.dept.pk)
    cells = re.findall(r'<td class="n[^"]*">(?:<strong>)?([^<]*)', dept)
    assert cells == ["97.00", "9.70", "+2", "99.00"]  # average, 97 × 10 ÷ 100, bonus, total = 97 + 2
    assert re.findall(r'<td class="n[^"]*">(?:<strong>)?([^<]*)', _rank_row(text, world.other_dept.pk)) == [
        "95.50",
        "9.55",
        "0",
        "95.50",
    ]
    assert "折算分 = 平均分 × 10 ÷ 100，占专项目标 35 分中的 10 分" in text
    assert "奖励加分另计（每单位每年最多 5 分），不折算" in text
    assert "新开工项目情况" not in text  # a year has no quarter categories


def test_year_figures_are_not_shown_for_a_quarter(world, client_for):
    s = scored(world)
    text = _ok(client_for(world.admin), f"/scoring/{s.period.pk}/").decode()
    assert "季度平均分" not in text and "折算分" not in text
    page = _ok(client_for(world.admin), f"/scoring/{s.period.pk}/units/{world.dept.pk}/").decode()
    assert 'id="unit-year"' not in page
    assert "year" not in selectors.period_export(s.period)["units"][0]


def test_a_rule_set_without_the_conversion_shows_no_share(world, client_for):
    period = year_period(world, year=YEAR, slug="donghu-pages-year")  # DH24: 不折算
    text = _ok(client_for(world.admin), f"/scoring/{period.pk}/").decode()
    assert "折算分" not in text
    assert re.findall(r'<td class="n[^"]*">(?:<strong>)?([^<]*)', _rank_row(text, world.dept.pk)) == [
        "97.00",
        "+2",
        "99.00",
    ]


def test_other_year_adjustments_get_their_own_column(world, client_for):
    period = year_period(world)
    _entry(
        period,
        world.other_dept,
        kind="red_card",
        rule_index=4,
        category="adjustment",
        points=-1,
        weighted=-1,
        key="red_card:c9",
        sentence="更正：红牌扣分",
    )
    period.scores.filter(unit=world.other_dept).update(adjustments=-1, total="94.50")
    text = _ok(client_for(world.admin), f"/scoring/{period.pk}/").decode()
    assert "其它加减分" in text
    cells = re.findall(r'<td class="n[^"]*">(?:<strong>)?([^<]*)', _rank_row(text, world.other_dept.pk))
    assert cells == ["95.50", "9.55", "0", "-1", "94.50"]


def test_unit_page_of_a_year_shows_the_figures(world, client_for):
    period = year_period(world)
    text = _ok(client_for(world.admin), f"/scoring/{period.pk}/units/{world.dept.pk}/").decode()
    year = text[text.index('id="unit-year"') : text.index('id="unit-categories"')]
    assert re.search(r'id="year-average">97.00<', year)
    assert re.search(r'id="year-review">9.70<', year) and "占专项目标 35 分中的 10 分" in year
    assert re.search(r'id="year-bonus">\+2<', year) and "每年最多 5 分" in year


def test_year_exports_show_the_figures(world, client_for):
    period = year_period(world)
    client = client_for(world.admin)
    book = load_workbook(io.BytesIO(_ok(client, f"/scoring/{period.pk}/ranking.xlsx")))
    rows = [list(r) for r in book["区直单位"].iter_rows(values_only=True)]
    assert rows[2] == [
        "名次",
        "单位",
        "季度平均分（百分制）",
        "折算分（占专项目标 35 分中的 10 分）",
        "奖励加分",
        "总分",
        "首末位",
        "整改报告",
    ]
    assert rows[3][:6] == ["1", "区发展和改革委员会", 97, 9.7, 2, 99]
    assert any(str(r[0]).startswith("年度考核：季度平均分 = ") for r in rows[4:])
    doc = Document(io.BytesIO(_ok(client, f"/scoring/{period.pk}/ranking.docx")))
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "名次",
        "单位",
        "季度平均分（百分制）",
        "折算分（占专项目标 35 分中的 10 分）",
        "奖励加分",
        "总分",
    ]
    assert [c.text for c in table.rows[1].cells] == [
        "1",
        "区发展和改革委员会",
        "97.00",
        "9.70",
        "+2",
        "99.00",
    ]
    sheet = load_workbook(io.BytesIO(_ok(client, f"/scoring/{period.pk}/sheet.xlsx?unit={world.dept.pk}")))
    line = "年度考核：季度平均分 97.00（百分制）；折算分 9.70（占专项目标 35 分中的 10 分）；奖励加分 +2（另计，不折算，每年最多 5 分）。"
    assert line in _text(sheet.worksheets[0])
    word = Document(io.BytesIO(_ok(client, f"/scoring/{period.pk}/sheet.docx?unit={world.dept.pk}")))
    assert line in "\n".join(p.text for p in word.paragraphs)


def test_year_cli_json_has_the_figures(world, capsys):
    year_period(world)
    call_command("score", "show", "--period", "2024", "--jurisdiction", world.district.code, "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["year"] == {
        "method": "quarter_average",
        "review_points": "10",
        "review_total": "35",
        "review_label": "占专项目标 35 分中的 10 分",
        "bonus_max": "5",
    }
    by_unit = {u["unit"]["id"]: u for u in data["units"]}
    assert by_unit[world.dept.pk]["year"] == {
        "average": "97.00",
        "review": "9.70",
        "bonus": "2.0000",
        "other": "0.0000",
    }
    assert by_unit[world.other_dept.pk]["year"]["review"] == "9.55"
    assert by_unit[world.other_dept.pk]["year"]["bonus"] == "0.0000"


# ---------------------------------------------------------------------------------------------------
# 4. Q4 score sheet


def test_q4_sheet_notes_the_same_quarter_adjustments(world):
    s = scored(world, key="2024Q4")
    sheets = documents.sheet_for(s.period, documents.sheet_scores(s.period, world.dept.pk))
    other = sheets[0].rows[-1]
    assert other.name == "其它情况"
    assert other.weight == "下个季度考评总分扣分、加分（注：第四季度实行当季扣分或加分）"
    q2 = scored(world, key="2024Q2")
    q2_sheets = documents.sheet_for(q2.period, documents.sheet_scores(q2.period, world.dept.pk))
    assert q2_sheets[0].rows[-1].weight == "下个季度考评总分扣分、加分"


# ---------------------------------------------------------------------------------------------------
# 5. citations


def test_a_default_rule_cites_where_it_was_taken_from(world):
    v = version()
    item = {
        "kind": "late_start",
        "basis": "default",
        "source": "DH24 五(四) 未规定分值；默认取 WH19 附件3 第1行 1(1)。",
    }
    assert ps._cite(item) == "默认取 WH19 附件3 第1行 1(1)"
    assert ps._cite({"basis": "default", "source": "DH24 五(四)"}) == "默认值：DH24 五(四)"
    assert ps._cite({"source": "WH19 附件3 第1行 1(1)"}) == "WH19 附件3 第1行 1(1)"
    assert ps._cite({"basis": "default"}) == "默认值"
    assert ps.rule_lines(v, "quarter")[0].source == "WH19 附件3 第1行 1(1)"


# ---------------------------------------------------------------------------------------------------
# 6. one year at a time


def _period(world, v, key: str) -> ScorePeriod:
    p = parse_period(key)
    return ScorePeriod.objects.create(
        jurisdiction=world.district, key=key, kind=p.kind, start=p.start, end=p.end, rule_version=v
    )


def test_the_periods_list_shows_one_year_at_a_time(world, client_for):
    s = scored(world)  # 2024Q2
    older = _period(world, s.version, "2023Q4")
    client = client_for(world.admin)
    text = _ok(client, "/scoring/").decode()
    assert f'id="period-{s.period.pk}"' in text and f'id="period-{older.pk}"' not in text  # the latest year
    assert 'id="period-years"' in text and 'href="?year=2023"' in text and "2024年考核期间" in text
    text = _ok(client, "/scoring/?year=2023").decode()
    assert f'id="period-{older.pk}"' in text and f'id="period-{s.period.pk}"' not in text
    text = _ok(client, "/scoring/?year=2019").decode()
    assert "2019年没有考核期间" in text
    assert _ok(client, "/scoring/?year=abc").decode().count('class="list-group-item period-row"') == 1


def test_a_single_year_needs_no_filter(world, client_for):
    scored(world)
    text = _ok(client_for(world.admin), "/scoring/").decode()
    assert 'id="period-years"' not in text
    listing = ps.periods_for(world.admin)
    assert listing.years == [2024] and listing.year == 2024 and len(listing.rows) == 1
    assert date(2024, 4, 1) == listing.rows[0].period.start
