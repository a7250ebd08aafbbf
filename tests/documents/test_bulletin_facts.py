"""Facts and Word files of briefings and notices: what each kind gathers, in a fixed number of queries,
and what the Word file says when opened back with python-docx."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.documents.bulletin_factories import docx_text, june
from tests.projects.factories import entry, invest, plan
from tuijin.documents import bulletin_docx as docx
from tuijin.documents import bulletin_rules as rules
from tuijin.documents.bulletin_facts import bulletin_facts

TODAY = date(2024, 7, 3)


def test_period_keys_mean_dates():
    week = rules.period_parse(rules.WEEKLY, "2024-W23")
    assert (week.start, week.end) == (date(2024, 6, 3), date(2024, 6, 9))
    assert rules.period_parse(rules.MONTHLY, "2024-02").end == date(2024, 2, 29)
    assert rules.period_parse(rules.QUARTERLY, "2024Q4").end == date(2024, 12, 31)
    assert rules.period_for(rules.MONTHLY, TODAY) == "2024-06"
    assert rules.period_for(rules.QUARTERLY, date(2024, 1, 5)) == "2023Q4"
    assert rules.period_for(rules.WEEKLY, date(2024, 6, 10)) == "2024-W23"
    with pytest.raises(ValueError, match="2024-06"):
        rules.period_parse(rules.MONTHLY, "2024-13")


def test_number_is_word_year_and_sequence():
    assert rules.number_text(rules.MONTHLY, 2024, 6) == "通报〔2024〕6号"
    assert rules.number_text(rules.WEEKLY, 2024, None) == ""


def test_monthly_notice_facts_in_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    made = june(world)
    year = plan(world, 2024)
    entry(year, made["start"], plan_type="new_start", planned_investment=Decimal("8000"))
    invest(made["start"], 2024, 3, Decimal("1200"))
    invest(made["start"], 2024, 6, Decimal("800"))
    invest(made["start"], 2024, 7, Decimal("5000"))  # after the month: not counted
    invest(made["start"], 2023, 12, Decimal("5000"))  # another year
    period = rules.period_parse(rules.MONTHLY, "2024-06")
    with django_assert_max_num_queries(8):
        content = bulletin_facts(world.district, period, today=TODAY)
    assert content["progress"] == {
        "projects": 2,
        "started": 1,
        "completed": 0,
        "red": 1,
        "yellow": 1,
        "green": 0,
    }
    assert [(r["unit"], r["rank"], r["total"], r["place"]) for r in content["ranking"]["rows"]] == [
        ("区发展和改革委员会", 1, "96.50", "first"),
        ("区住房和城乡建设局", 2, "81.25", "last"),
    ]
    assert [c["number"] for c in content["cards"]] == ["红牌〔2024〕第1号"]
    assert content["flagged"][0]["project"] == "东湖数字经济产业园"  # red first
    public = content["public"]
    # the projects of the year's plan only (东湖智造基地 is not in it), figures but no free text
    assert public["projects"] == [
        {
            "name": "东湖数字经济产业园",
            "unit": "区发展和改革委员会",
            "stage": "开工",
            "light": "红灯",
            "planned_investment": "8000.00",
            "completed_investment": "2000.00",
            "investment_rate": 25.0,
        }
    ]
    assert "林志远" not in str(public) and "主体结构施工" not in str(public)


def test_monthly_notice_lists_red_projects_and_counts_yellow_ones_per_unit(world):
    """A city has a couple of thousand yellow lights: the notice lists the red projects with their
    reasons and says how many yellow ones each unit has (names on the lights board)."""
    june(world)
    content = bulletin_facts(world.district, rules.period_parse(rules.MONTHLY, "2024-06"), today=TODAY)
    assert [(f["project"], f["light"]) for f in content["flagged"]] == [("东湖数字经济产业园", "red")]
    context = docx.bulletin_context(rules.MONTHLY, content)
    assert context["yellow_total"] == "1"
    assert context["yellow_units"] == [{"no": "1", "unit": "区住房和城乡建设局", "count": "1"}]
    text = docx_text(docx.bulletin_docx_from_content(rules.MONTHLY, content, number="通报〔2024〕1号"))
    assert "东湖数字经济产业园 | 区发展和改革委员会 | 红灯 | 施工许可证超期" in text
    assert "黄灯项目共 1 个，分布在 1 个责任单位：区住房和城乡建设局 1 个。黄灯项目名单详见亮灯看板。" in text
    assert "东湖智造基地 | 区住房和城乡建设局 | 黄灯" not in text and "用地规划许可证临期" not in text


def test_an_older_monthly_content_with_yellow_rows_still_lists_only_the_red(world):
    june(world)
    period = rules.period_parse(rules.MONTHLY, "2024-06")
    content = bulletin_facts(world.district, period, today=TODAY)
    content["flagged"] = bulletin_facts(
        world.district, rules.period_parse(rules.WEEKLY, "2024-W26"), today=TODAY
    )["flagged"]  # red and yellow, as drafts before this change kept them
    assert {f["light"] for f in content["flagged"]} == {"red", "yellow"}
    context = docx.bulletin_context(rules.MONTHLY, content)
    assert [(f["no"], f["project"]) for f in context["flagged"]] == [("1", "东湖数字经济产业园")]


def test_the_weekly_briefing_still_lists_red_and_yellow(world):
    june(world)
    content = bulletin_facts(world.district, rules.period_parse(rules.WEEKLY, "2024-W26"), today=TODAY)
    assert [f["light"] for f in content["flagged"]] == ["red", "yellow"]


def test_without_a_plan_the_public_projects_are_those_under_construction(world):
    made = june(world)
    invest(made["start"], 2024, 5, Decimal("300"))
    content = bulletin_facts(world.district, rules.period_parse(rules.MONTHLY, "2024-06"), today=TODAY)
    assert content["public"]["projects"] == [
        {
            "name": "东湖数字经济产业园",
            "unit": "区发展和改革委员会",
            "stage": "开工",
            "light": "红灯",
            "planned_investment": "",
            "completed_investment": "300.00",
            "investment_rate": None,
        }
    ]
    assert content["progress"]["projects"] == 2  # the notice itself still counts every project


def test_monthly_notice_without_a_computed_ranking_says_so(world):
    period = rules.period_parse(rules.MONTHLY, "2024-05")
    content = bulletin_facts(world.district, period, today=TODAY)
    assert content["ranking"] == {
        "computed": False,
        "closed": False,
        "note": "2024年5月的考核排名尚未计算。",
        "rows": [],
    }
    text = docx_text(docx.bulletin_docx_from_content(rules.MONTHLY, content))
    assert "2024年5月的考核排名尚未计算。" in text


def test_quarterly_report_counts_signings_registrations_starts_and_handovers(
    world, django_assert_max_num_queries
):
    june(world)
    period = rules.period_parse(rules.QUARTERLY, "2024Q2")
    with django_assert_max_num_queries(8):
        content = bulletin_facts(world.district, period, today=TODAY)
    assert [m["project"] for m in content["signed"]] == ["东湖智造基地"]
    assert [m["project"] for m in content["registered"]] == ["东湖智造基地"]
    assert [m["project"] for m in content["starts"]] == ["东湖数字经济产业园"]
    assert [h["kind"] for h in content["handovers"]["done"]] == ["招商部门移交项目办"]
    assert content["lights"]["red"] == 1
    text = docx_text(docx.bulletin_docx_from_content(rules.QUARTERLY, content, number="汇报〔2024〕1号"))
    assert "新签约项目 1 个，新注册 1 个，新开工 1 个" in text
    assert "招商部门移交项目办 | 东湖智造基地 | 区发展和改革委员会 | 区重点公共建设项目管理中心" in text


def test_weekly_briefing_lists_the_weeks_starts_and_red_projects(world, django_assert_max_num_queries):
    june(world)
    period = rules.period_parse(rules.WEEKLY, "2024-W23")
    with django_assert_max_num_queries(8):
        content = bulletin_facts(world.district, period, today=date(2024, 6, 10))
    text = docx_text(docx.bulletin_docx_from_content(rules.WEEKLY, content))
    assert "东湖数字经济产业园 | 区发展和改革委员会 | 10,000 | 6月5日" in text
    assert "红灯 | 施工许可证超期 6 个工作日" in text
    assert "（没有逾期未办结的问题）" in text
    assert "（未编号）" in text and "送审稿" in text


def test_monthly_word_file_has_the_number_ranking_and_cards(world):
    june(world)
    content = bulletin_facts(world.district, rules.period_parse(rules.MONTHLY, "2024-06"), today=TODAY)
    data = docx.bulletin_docx_from_content(
        rules.MONTHLY, content, number="通报〔2024〕3号", signer="林志远", on=date(2024, 7, 5)
    )
    text = docx_text(data)
    assert "东湖区重大重点项目推进工作领导小组办公室" in text
    assert "通报〔2024〕3号　　签发人：林志远" in text
    assert "东湖区重大重点项目推进情况通报（2024年6月）" in text
    assert "区直单位 | 1 | 区发展和改革委员会 | 96.50 | 首位" in text
    assert "红牌 | 区住房和城乡建设局 | 红牌〔2024〕第1号 | 一年内累计黄牌 3 张 | 6月15日" in text
    assert "2024年7月5日" in text
    assert "送审稿" not in text


def test_a_template_field_the_document_lacks_is_refused_naming_it():
    source = docx.DEFAULTS[rules.MONTHLY].read_bytes()
    context = docx.bulletin_context(rules.MONTHLY, docx.sample_content(rules.MONTHLY))
    del context["ranking_note"]
    with pytest.raises(ValidationError, match="ranking_note"):
        docx.render_strict(source, context)
    context = docx.bulletin_context(rules.MONTHLY, docx.sample_content(rules.MONTHLY))
    context["cards"] = [{"no": "1"}]
    with pytest.raises(ValidationError, match="字段“color”"):
        docx.render_strict(source, context)


def test_default_templates_pass_the_upload_check():
    from tuijin.documents.services import check_template

    for kind, key in docx.KEYS.items():
        assert check_template(key, docx.DEFAULTS[kind].read_bytes()) == ""
