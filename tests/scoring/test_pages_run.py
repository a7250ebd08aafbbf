"""The pages over a real computation (services.score_run with the wuhan-2019 rule set): the office
computes 2024Q2 on the periods page, the ranking shows 区发改委 with the late start, its page shows the −4
entry linked to the chain node it rests on, and closing seals the period."""

from datetime import date

from tests.scoring.page_factories import late_with_chain
from tests.scoring.score_factories import use_wuhan
from tuijin.scoring.models import ScoreEntry, ScorePeriod


def test_compute_on_the_page_then_follow_the_four_points(world, client_for):
    use_wuhan(world)
    chain = late_with_chain(world, planned_start=date(2024, 5, 15))
    client = client_for(world.admin)
    response = client.post("/scoring/compute/", {"period": "2024Q2", "reason": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    period = ScorePeriod.objects.get(jurisdiction=world.district, key="2024Q2")
    assert response["Location"] == f"/scoring/{period.pk}/"
    ranking = client.get(response["Location"]).content.decode()
    assert "已计算2024年第2季度：写入" in ranking
    assert f'data-unit="{world.dept.pk}"' in ranking
    late = ScoreEntry.objects.get(period=period, unit=world.dept, kind="late_start")
    assert late.points == -4 and late.project_id == chain.project.pk
    page = client.get(f"/scoring/{period.pk}/units/{world.dept.pk}/").content.decode()
    assert f'id="entry-{late.pk}"' in page and '<div class="entry-points minus">-4</div>' in page
    assert late.node_id is not None
    assert f'href="/chains/project/{chain.project.pk}/#node-{late.node_id}"' in page
    assert "WH19 附件3 第1行 1(1)" in page
    chain_page = client.get(f"/chains/project/{chain.project.pk}/").content.decode()
    assert f'id="node-{late.node_id}"' in chain_page


def test_close_on_the_page_seals_the_period(world, client_for, settings, tmp_path):
    settings.LEDGER_KEY = "test-ledger-key"
    settings.LEDGER_HEADS_LOG = str(tmp_path / "heads.log")
    use_wuhan(world)
    late_with_chain(world, planned_start=date(2024, 5, 15))
    client = client_for(world.admin)
    client.post("/scoring/compute/", {"period": "2024Q2"})
    period = ScorePeriod.objects.get(jurisdiction=world.district, key="2024Q2")
    response = client.post(f"/scoring/{period.pk}/close/")
    assert response.status_code == 302
    period.refresh_from_db()
    assert period.status == "closed" and period.seal_id is not None
    text = client.get("/scoring/").content.decode()
    assert "已关账" in text
    again = client.post(f"/scoring/{period.pk}/close/")
    assert again.status_code == 400 and "不能重复关账" in again.content.decode()
    recomputed = client.post(f"/scoring/{period.pk}/compute/", {"reason": ""})
    assert "与关账时一致，没有变化" in client.get(recomputed["Location"]).content.decode()
