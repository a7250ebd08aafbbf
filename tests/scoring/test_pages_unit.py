"""A unit's score page (issue 7 part 5, "Done when": a person goes from a unit's rank to the node that cost
it four points): each category (base, Σ, score, weight, weighted), then every entry with its date, sentence,
points, weighted points, evidence links (project, the chain node anchored on the chain page, the matter,
the exemption) and the rule's citation; exempted, corrected and floor entries explained."""

import re
from datetime import date
from decimal import Decimal

from tests.scoring.page_factories import _entry, scored
from tuijin.scoring.models import ScoreEntry


def _page(client, s, unit_id):
    response = client.get(f"/scoring/{s.period.pk}/units/{unit_id}/")
    assert response.status_code == 200
    return response.content.decode()


def _entry_html(text: str, pk: int) -> str:
    match = re.search(
        rf'<div class="list-group-item score-entry" id="entry-{pk}".*?\n    </div>\n', text, re.S
    )
    assert match, f"entry {pk} not on the page"
    return match.group(0)


def _category_cells(text: str, key: str) -> list[str]:
    row = re.search(rf'<tr class="category-row" data-category="{key}">(.*?)</tr>', text, re.S).group(1)
    return re.findall(r'<td class="n[^"]*">([^<]*)</td>', row)


def test_categories_sum_to_the_total(world, client_for):
    s = scored(world)
    text = _page(client_for(world.admin), s, world.dept.pk)
    # 指标权重, 扣分/加分, 得分, 分类权重, 计入总分
    assert _category_cells(text, "new_starts") == ["100", "-4", "96.00", "40%", "38.40"]
    assert _category_cells(text, "construction") == ["100", "0", "100.00", "30%", "30.00"]
    assert _category_cells(text, "matters") == ["100", "-8", "92.00", "30%", "27.60"]
    assert _category_cells(text, "adjustment") == ["/", "-2", "—", "计入总分", "-2"]
    assert 'id="unit-total-cell">94.00<' in text  # 38.4 + 30 + 27.6 − 2
    assert "第 2 名" in text and "末位席" in text and "须提交整改报告" in text
    assert f'href="/scoring/{s.period.pk}/" id="back-to-ranking"' in text


def test_the_four_points_lead_to_the_chain_node(world, client_for):
    s = scored(world)
    entry = _entry_html(_page(client_for(world.admin), s, world.dept.pk), s.late.pk)
    assert '<div class="entry-points minus">-4</div>' in entry
    assert "延期开工扣 4 分" in entry and "2024-06-01" in entry and "计入总分 -1.6" in entry
    assert f'href="/chains/project/{s.project.pk}/#node-{s.node.pk}"' in entry
    assert f"推进链条节点“{s.node.name}”" in entry
    assert f'href="/projects/{s.project.pk}/"' in entry and "项目《东湖区数字经济产业园》" in entry
    assert "依据：延期开工：WH19 附件3 第1行 1(1)" in entry
    assert "责任人 林志远" in entry


def test_the_chain_page_has_the_node_anchor(world, client_for):
    s = scored(world)
    chain = client_for(world.admin).get(f"/chains/project/{s.project.pk}/").content.decode()
    assert f'id="node-{s.node.pk}"' in chain


def test_matter_entry_links_to_the_matter(world, client_for):
    s = scored(world)
    text = _page(client_for(world.admin), s, world.dept.pk)
    matter = ScoreEntry.objects.get(kind="matter_band")
    entry = _entry_html(text, matter.pk)
    assert f'href="/meetings/matters/{s.matter.pk}/"' in entry
    assert "议定事项“协调东湖数字产业园用地报批”" in entry
    assert "依据：议定事项超时限：WH19 附件3 第3行 1" in entry


def test_exempted_entry_shows_who_signed(world, client_for):
    s = scored(world)
    entry = _entry_html(_page(client_for(world.admin), s, world.other_dept.pk), s.exempted.pk)
    assert '<div class="entry-points zero">0</div>' in entry
    assert "已免扣分：原应扣 4 分" in entry
    # the world's 林志远 is both the project's leader and the unit's leader in charge: one name, both dates
    assert "挂点领导兼分管领导 林志远（2024-06-05、2024-06-06 签字）" in entry
    assert f'href="/scoring/exemptions/{s.exemption.pk}/"' in entry


def test_correction_shows_its_reason_and_what_it_corrects(world, client_for):
    s = scored(world, status="closed")
    reversal = _entry(
        s.period,
        world.dept,
        kind="late_start",
        rule_index=1,
        category="new_starts",
        points=Decimal("4"),
        weighted=Decimal("1.6"),
        on=date(2024, 7, 5),
        key=f"late_start:p{s.project.pk}",
        sentence="关账后补录：项目实际于 2024-05-28 开工，撤销延期开工扣分",
        origin="correction",
        corrects=s.late,
        reason="关账后补录：项目《东湖区数字经济产业园》实际开工日期 2024-05-28（2024-07-05 录入）",
    )
    entry = _entry_html(_page(client_for(world.admin), s, world.dept.pk), reversal.pk)
    assert "关账后更正" in entry and '<div class="entry-points plus">+4</div>' in entry
    assert "实际开工日期 2024-05-28（2024-07-05 录入）" in entry
    assert "更正 2024-06-01 的记录“项目《东湖区数字经济产业园》计划 2024-05-31 开工" in entry


def test_floor_entry_explains_down_to_zero(world, client_for):
    s = scored(world)
    for i in range(7):
        _entry(
            s.period,
            world.street_unit,
            kind="matter_band",
            rule_index=3,
            category="matters",
            points=Decimal("-15"),
            weighted=Decimal("-4.5"),
            key=f"matter_band:m{100 + i}",
            sentence=f"议定事项第{i + 1}项超过时限 20 个工作日仍未解决，扣 15 分",
        )
    floor = _entry(
        s.period,
        world.street_unit,
        kind="floor",
        category="matters",
        points=Decimal("5"),
        weighted=Decimal("1.5"),
        on=date(2024, 6, 30),
        key="floor:matters",
        sentence="会议议定事项限期办结扣分合计 105 分，超过指标权重 100 分，扣完为止，补回 5 分",
    )
    s.period.scores.filter(unit=world.street_unit).update(
        categories={"matters": "0.0000"}, total=Decimal("70")
    )
    text = _page(client_for(world.admin), s, world.street_unit.pk)
    assert _category_cells(text, "matters") == ["100", "-100", "0.00", "30%", "0.00"]  # −105 + 5
    entry = _entry_html(text, floor.pk)
    assert "扣完为止：本类扣分已超过指标权重" in entry and "补回 5 分" in entry


def test_unit_without_a_score_is_not_found(world, client_for):
    s = scored(world)
    from tests.factories import unit

    other = unit(world.district, "区城管局")
    assert client_for(world.admin).get(f"/scoring/{s.period.pk}/units/{other.pk}/").status_code == 404


def test_place_and_quarter_entries_link_to_the_period_they_rest_on(world, client_for):
    q1 = scored(world, key="2024Q1")
    s = scored(world, key="2024Q2")
    place = _entry(
        s.period,
        world.dept,
        kind="place",
        rule_index=4,
        category="adjustment",
        points=Decimal("-2"),
        weighted=Decimal("-2"),
        on=date(2024, 4, 1),
        key="place:2024Q1:last",
        sentence="本单位在2024年第1季度考评中排“末位席”（区直单位第 2 名），下个季度考评扣 2 分",
    )
    share = _entry(
        s.period,
        world.dept,
        kind="quarter_average",
        rule_index=4,
        category="new_starts",
        points=Decimal("23.5"),
        weighted=Decimal("9.4"),
        key="quarter_average:2024Q1",
        sentence="2024年第1季度考评总分 94.00 分，权重 1/4，计入年度 23.5 分",
    )
    text = _page(client_for(world.admin), s, world.dept.pk)
    assert f'href="/scoring/{q1.period.pk}/" class="evidence-link" data-kind="period"' in _entry_html(
        text, place.pk
    )
    assert "2024年第1季度排名" in _entry_html(text, place.pk)
    share_html = _entry_html(text, share.pk)
    assert (
        f'href="/scoring/{q1.period.pk}/units/{world.dept.pk}/"' in share_html
        and "2024年第1季度得分" in share_html
    )
