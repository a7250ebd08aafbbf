"""Rule-set pages (issue 5): every role reads them; only office admins edit and pick, and only for their
own subtree; an edit with errors shows every Chinese error and creates no version."""

import pytest

from tuijin.core import ruleset_selectors as selectors
from tuijin.core import ruleset_services as services
from tuijin.core.models import RuleSet
from tuijin.org.models import AccessDenial

PERSONAS = ["office_admin", "leader", "unit_head", "unit_reporter", "supervisor", "discipline"]
NOT_ADMINS = [p for p in PERSONAS if p != "office_admin"]


@pytest.fixture
def seeded(world):
    services.ruleset_seed()
    return world


def _wuhan():
    return RuleSet.objects.get(slug="wuhan-2019")


@pytest.mark.parametrize("role", PERSONAS)
def test_index_renders_for_each_role(seeded, client_for, role):
    response = client_for(seeded.personas()[role]).get("/rulesets/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "武汉临空港经开区（东西湖区）重大产业项目推进工作机制" in text
    assert "尚未选择" in text
    assert ('id="pick-form"' in text) == (role == "office_admin")


@pytest.mark.parametrize("role", PERSONAS)
def test_detail_renders_sections_with_sources_for_each_role(seeded, client_for, role):
    response = client_for(seeded.personas()[role]).get("/rulesets/wuhan-2019/")
    assert response.status_code == 200
    text = response.content.decode()
    for expected in [
        "调度机制",
        "填报与报送",
        "逐级协调（问题上报）",
        "考核排名",
        "周五",
        "WH19 三(二)三",
        "v1 当前版本",
    ]:
        assert expected in text, expected
    assert 'id="raw-toml"' in text and "slug = &quot;wuhan-2019&quot;" in text
    assert ("修改（生成新版本）" in text) == (role == "office_admin")


def test_detail_marks_defaults(seeded, client_for):
    text = client_for(seeded.reporter).get("/rulesets/nanchang-etdz-2019/").content.decode()
    assert "默认值" in text and "默认取 WH19 三(三)三" in text


def test_detail_shows_a_version_and_its_diff_from_the_previous(seeded, client_for):
    wuhan = _wuhan()
    text = selectors.ruleset_version_text(wuhan.current).replace("due_day = 25", "due_day = 20")
    services.ruleset_edit_from_toml(actor=seeded.admin, rule_set=wuhan, text=text, note="月报提前")
    page = client_for(seeded.leader).get("/rulesets/wuhan-2019/").content.decode()
    assert "v1 → v2 的修改" in page and "reporting.monthly_report.due_day" in page and "月报提前" in page
    old = client_for(seeded.leader).get("/rulesets/wuhan-2019/?v=1").content.decode()
    assert "v1 历史版本" in old and "v1 为首个版本" in old
    assert client_for(seeded.leader).get("/rulesets/wuhan-2019/?v=9").status_code == 404


def test_unknown_rule_set_is_404(seeded, client_for):
    assert client_for(seeded.admin).get("/rulesets/nowhere-2030/").status_code == 404


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_admins_open_the_editor(seeded, client_for, role):
    response = client_for(seeded.personas()[role]).get("/rulesets/wuhan-2019/edit/")
    assert response.status_code == 403
    assert "无权修改规则集" in response.content.decode()


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_reporter_and_leader_cannot_edit_or_pick(seeded, client_for, role):
    user = seeded.personas()[role]
    client = client_for(user)
    text = selectors.ruleset_version_text(_wuhan().current).replace("due_day = 25", "due_day = 20")
    assert client.post("/rulesets/wuhan-2019/edit/", {"text": text, "note": "试改"}).status_code == 403
    picked = client.post("/rulesets/pick/", {"jurisdiction": seeded.district.pk, "rule_set": _wuhan().pk})
    assert picked.status_code == 403
    assert _wuhan().versions.count() == 1
    seeded.district.refresh_from_db()
    assert seeded.district.rule_set is None
    assert AccessDenial.objects.filter(user=user, action="core.pick_ruleset").exists()


def test_admin_of_another_district_cannot_pick_for_this_one(seeded, client_for):
    response = client_for(seeded.foreign_admin).post(
        "/rulesets/pick/", {"jurisdiction": seeded.district.pk, "rule_set": _wuhan().pk}
    )
    assert response.status_code == 403
    assert "无权为该辖区选择规则集" in response.content.decode()
    seeded.district.refresh_from_db()
    assert seeded.district.rule_set is None


def test_admin_picks_for_own_district_and_sees_it_highlighted(seeded, client_for):
    client = client_for(seeded.admin)
    donghu = RuleSet.objects.get(slug="donghu-2024")
    response = client.post(
        "/rulesets/pick/", {"jurisdiction": seeded.district.pk, "rule_set": donghu.pk}, follow=True
    )
    text = response.content.decode()
    assert "东湖区已采用规则集“东湖区2024年重大重点项目推进工作方案”。" in text
    assert "本辖区现行" in text and "本辖区选定" in text
    seeded.district.refresh_from_db()
    assert seeded.district.rule_set == donghu


def test_a_street_user_sees_the_inherited_rule_set(seeded, client_for):
    services.jurisdiction_pick_ruleset(
        actor=seeded.admin, jurisdiction=seeded.district, rule_set=RuleSet.objects.get(slug="donghu-2024")
    )
    seeded.reporter.jurisdiction = seeded.street
    seeded.reporter.save()
    text = client_for(seeded.reporter).get("/rulesets/").content.decode()
    assert "沿用上级辖区“东湖区”的选择" in text


def test_pick_with_garbage_is_404(seeded, client_for):
    assert client_for(seeded.admin).post("/rulesets/pick/", {"jurisdiction": "x"}).status_code == 404


def test_edit_page_shows_the_current_toml(seeded, client_for):
    text = client_for(seeded.admin).get("/rulesets/wuhan-2019/edit/").content.decode()
    assert "保存后生成第 2 版" in text and "due_day = 25" in text


def test_edit_with_an_error_shows_the_chinese_error_and_creates_no_version(seeded, client_for):
    text = selectors.ruleset_version_text(_wuhan().current)
    text = text.replace("due_weekday = 5", 'due_weekday = "周五"', 1).replace('chair = "区重大项目办"', "", 1)
    response = client_for(seeded.admin).post("/rulesets/wuhan-2019/edit/", {"text": text, "note": "试改"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "规则集有 2 处错误，未保存" in page
    assert (
        "键 reporting.weekly_progress.due_weekday（截止星期）应为 1–7 的整数，实际为 &quot;周五&quot;" in page
    )
    assert "[cadences.monthly_notice] 缺少必填项 &quot;chair&quot;" in page
    assert _wuhan().versions.count() == 1


def test_edit_with_a_syntax_error_names_the_line(seeded, client_for):
    response = client_for(seeded.admin).post(
        "/rulesets/wuhan-2019/edit/", {"text": "[meta]\nslug = wuhan\n", "note": "试改"}
    )
    assert "wuhan-2019.toml: 第 2 行第 8 列：TOML 语法错误" in response.content.decode()
    assert _wuhan().versions.count() == 1


def test_edit_without_a_note_is_refused(seeded, client_for):
    text = selectors.ruleset_version_text(_wuhan().current).replace("due_day = 25", "due_day = 20")
    response = client_for(seeded.admin).post("/rulesets/wuhan-2019/edit/", {"text": text, "note": ""})
    assert "请填写修改说明" in response.content.decode()
    assert _wuhan().versions.count() == 1


def test_edit_succeeds_and_names_the_new_version(seeded, client_for):
    text = selectors.ruleset_version_text(_wuhan().current).replace("due_day = 25", "due_day = 20")
    response = client_for(seeded.admin).post(
        "/rulesets/wuhan-2019/edit/", {"text": text, "note": "月报提前到20日"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/rulesets/wuhan-2019/"
    assert "第 2 版（v2）" in response.content.decode()
    assert _wuhan().current.data["reporting"]["monthly_report"]["due_day"] == 20
