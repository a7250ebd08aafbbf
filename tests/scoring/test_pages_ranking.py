"""The ranking page of a period (issue 7 part 4–5): per group, 名次 with 并列, each category's score, 加减分,
总分, 首位席/末位席, the 整改报告 flag linking to the report, the tie-break rule and the rule-set version
under the table; who may read it; a fixed number of queries whatever the number of units."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import unit
from tests.scoring.page_factories import _score, scored
from tuijin.scoring.models import Rectification


def _row(text: str, unit_id: int) -> str:
    match = re.search(rf'<tr class="rank-row" data-unit="{unit_id}">(.*?)</tr>', text, re.S)
    assert match, f"no ranking row for unit {unit_id}"
    return match.group(1)


def test_office_reads_the_ranking_per_group(world, client_for):
    s = scored(world)
    response = client_for(world.admin).get(f"/scoring/{s.period.pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "2024年第2季度考评排名" in text
    assert text.index('data-group="district_units"') < text.index('data-group="towns"')
    assert "区直单位" in text and "镇街" in text
    dept = _row(text, world.dept.pk)
    # 名次 2, the three category scores, 红牌 −2, total 94.00 = 96×40% + 100×30% + 92×30% − 2
    assert "<strong>2</strong>" in dept
    cells = re.findall(r'<td class="n[^"]*">(?:<strong>)?([^<]*)', dept)
    assert cells == ["96.00", "100.00", "92.00", "-2", "94.00"]
    assert 'data-place="last">末位席' in dept
    rectification = Rectification.objects.get(unit=world.dept)
    assert f'href="/scoring/rectifications/{rectification.pk}/"' in dept
    assert f'href="/scoring/{s.period.pk}/units/{world.dept.pk}/"' in dept
    first = _row(text, world.other_dept.pk)
    assert 'data-place="first">首位席' in first and "rectify" not in first
    # under the table: the tie-break rule and the rule-set version; the period's notes above
    assert "总分相同时，依次比较“新开工项目情况”、“在建项目推进情况”、“会议议定事项限期办结”的得分" in text
    assert "《武汉临空港 2019（页面测试）》第 1 版（wuhan-pages@1）" in text
    assert "上一期间 2024Q1 尚未计算，首末位加减分未计入" in text


def test_tied_units_are_marked(world, client_for):
    s = scored(world)
    s.period.scores.filter(unit=world.street_unit).update(tied=True)
    second = unit(world.district, "公园街道二办", kind="street", rank_group="镇街")
    _score(s.period, second, "towns", "镇街", "100.00", rank=1, tied=True)
    text = client_for(world.admin).get(f"/scoring/{s.period.pk}/").content.decode()
    assert "并列" in _row(text, world.street_unit.pk) and "并列" in _row(text, second.pk)
    assert "并列" not in _row(text, world.dept.pk)


def test_ranking_reads_a_fixed_number_of_queries(world, client_for):
    s = scored(world)
    client = client_for(world.admin)
    url = f"/scoring/{s.period.pk}/"
    client.get(url)  # warm the session, the rule-set cache
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(40):
        u = unit(world.district, f"测试单位{i}", rank_group="区直单位")
        _score(s.period, u, "district_units", "区直单位", f"{90 + i % 10}.00", rank=3 + i)
    with CaptureQueriesContext(connection) as many:
        text = client.get(url).content.decode()
    assert text.count('class="rank-row"') == 43
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_unit_reporter_reads_the_ranking_and_opens_only_their_unit(world, client_for):
    s = scored(world)
    client = client_for(world.reporter)  # 区发改委
    text = client.get(f"/scoring/{s.period.pk}/").content.decode()
    assert f'href="/scoring/{s.period.pk}/units/{world.dept.pk}/"' in text
    assert f'href="/scoring/{s.period.pk}/units/{world.other_dept.pk}/"' not in text
    assert "区住房和城乡建设局" in _row(text, world.other_dept.pk)  # the ranking itself is announced
    assert 'id="recompute"' not in text and 'id="close-period"' not in text
    assert client.get(f"/scoring/{s.period.pk}/units/{world.dept.pk}/").status_code == 200
    refused = client.get(f"/scoring/{s.period.pk}/units/{world.other_dept.pk}/")
    assert refused.status_code == 403 and "无权" in refused.content.decode()


def test_anonymous_is_sent_to_login(world, client):
    s = scored(world)
    for url in ("/scoring/", f"/scoring/{s.period.pk}/", f"/scoring/{s.period.pk}/units/{world.dept.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_discipline_viewer_and_other_district_do_not_read_it(world, client_for):
    s = scored(world)
    assert client_for(world.discipline).get(f"/scoring/{s.period.pk}/").status_code == 403
    assert client_for(world.foreign_admin).get(f"/scoring/{s.period.pk}/").status_code == 404


def test_unit_outside_every_group_is_listed_unranked(world, client_for):
    s = scored(world)
    loose = unit(world.district, "区城管局")
    _score(s.period, loose, "", "", "100.00")
    text = client_for(world.admin).get(f"/scoring/{s.period.pk}/").content.decode()
    assert "未分组（不参加排名）" in text
    assert '<td class="rank text-secondary">—</td>' in _row(text, loose.pk)
    assert text.index('data-group="towns"') < text.index('data-group="_none"')
