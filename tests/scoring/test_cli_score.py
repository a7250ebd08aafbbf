"""`tuijin score run|close|show` (issue 7 part 6): a scenario loaded with `tuijin exchange import` is scored
without the UI, `--json` gives per unit the category scores, total, rank and every entry with its rule and
evidence; errors are Chinese on stderr with exit code 1 and nothing written.

The scenario (tests/scoring/scenarios/donghu-2024q2.json, an export of a small factory world) is 东湖区
using wuhan-2019 with its 2024 plan:
- 区发改委: 东湖数字经济产业园, new start planned 2024年5月, not started → −4 on 2024-06-01;
- 区住建局: 临空港智能制造基地 planned 2024-06-15, started 2024-05-10 (a month early) → +2;
  东湖生物医药产业园 planned 2024年4月, started 2024-05-20 (late, within a month) → −4 and +3.2;
- 公园街道办事处: 公园片区城市更新, to complete in 2024年5月, still under construction → 在建 −5.
WH19 附件3: total = 新开工 × 40% + 在建 × 30% + 议定事项 × 30%.
"""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.scoring.score_factories import heads_log  # noqa: F401
from tuijin.core.ruleset_services import ruleset_seed
from tuijin.org.models import Jurisdiction
from tuijin.scoring.models import ScoreEntry, ScorePeriod

SCENARIO = Path(__file__).parent / "scenarios" / "donghu-2024q2.json"


@pytest.fixture
def scenario(db, heads_log):  # noqa: F811
    ruleset_seed()
    call_command("exchange", "import", str(SCENARIO))
    return Jurisdiction.objects.get(code="360102")


def tuijin(capsys, *args) -> tuple[int, str, str]:
    """Run `tuijin <args>` in-process: (exit code, stdout, stderr). A CommandError is what the console
    script prints as "CommandError: <message>" on stderr with its exit code (1); call_command keeps the
    test's database connection open (the console script closes it when it ends)."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        code = exc.returncode
        err.write(f"CommandError: {exc}")
    except SystemExit as exc:
        code = exc.code or 0
    return code, out.getvalue(), err.getvalue()


def test_a_scenario_file_is_scored_from_the_command_line(scenario, capsys):
    code, out, err = tuijin(capsys, "score", "run", "--period", "2024Q2", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["period"]["key"] == "2024Q2" and data["period"]["rule_set"] == "wuhan-2019"
    assert data["jurisdiction"] == {"code": "360102", "name": "东湖区"}
    assert data["run"] == {"created": 5, "corrections": 0, "replaced": 0}
    table = [
        (u["unit"]["name"], u["rank"], u["total"], u["place"], u["rectify"], u["categories"])
        for u in data["units"]
    ]
    assert table == [
        # 100 + 2 − 4 + 3.2 = 101.2 → 101.2 × 0.4 + 30 + 30 = 100.48
        (
            "区住建局",
            1,
            "100.48",
            "first",
            False,
            {"new_starts": "101.2000", "construction": "100.0000", "matters": "100.0000"},
        ),
        # 在建 100 − 5 = 95 → 40 + 95 × 0.3 + 30 = 98.50
        (
            "公园街道办事处",
            2,
            "98.50",
            "",
            True,
            {"new_starts": "100.0000", "construction": "95.0000", "matters": "100.0000"},
        ),
        # 100 − 4 = 96 → 96 × 0.4 + 60 = 98.40
        (
            "区发改委",
            3,
            "98.40",
            "last",
            True,
            {"new_starts": "96.0000", "construction": "100.0000", "matters": "100.0000"},
        ),
    ]
    late = data["units"][2]["entries"][0]
    assert list(late) == [
        "id",
        "key",
        "kind",
        "rule",
        "citation",
        "category",
        "points",
        "weighted",
        "exempted_points",
        "on",
        "sentence",
        "evidence",
        "person",
        "origin",
        "origin_label",
        "corrects",
        "reason",
        "approved_by",
    ]
    assert (late["kind"], late["rule"], late["citation"]) == (
        "late_start",
        "延期开工",
        "WH19 附件3 第1行 1(1); 四(三)",
    )
    assert (late["points"], late["weighted"], late["on"], late["origin"]) == (
        "-4.0000",
        "-1.6000",
        "2024-06-01",
        "computed",
    )
    assert late["sentence"].startswith(
        "项目《东湖数字经济产业园》计划 2024年5月 开工，截至 2024-06-01 未开工"
    )
    assert set(late["evidence"]) == {"project"}
    housing = [(e["kind"], e["points"], e["weighted"]) for e in data["units"][0]["entries"]]
    assert housing == [
        ("late_start", "-4.0000", "-1.6000"),
        ("early_start", "2.0000", "0.8000"),
        ("late_start_recovered", "3.2000", "1.2800"),
    ]


def test_the_plain_output_is_the_ranking(scenario, capsys):
    code, out, _ = tuijin(capsys, "score", "run", "--period", "2024Q2")
    assert code == 0
    assert "东湖区 2024Q2：计算 3 个单位，写入计分记录 5 条（替换原有 0 条）" in out
    assert (
        "2024年第2季度（计算中（未关账），武汉临空港经开区（东西湖区）重大产业项目推进工作机制 第 1 版）"
        in out
    )
    assert "【项目责任单位】" in out
    assert "    1  区住建局  100.48 分（首位）" in out
    assert "    3  区发改委  98.40 分（末位，须提交整改报告）" in out


def test_show_prints_what_run_stored(scenario, capsys):
    tuijin(capsys, "score", "run", "--period", "2024Q2", "--json")
    code, out, _ = tuijin(capsys, "score", "show", "--period", "2024Q2", "--json")
    assert code == 0 and [u["total"] for u in json.loads(out)["units"]] == ["100.48", "98.50", "98.40"]


def test_close_seals_and_a_second_run_writes_nothing(scenario, capsys):
    tuijin(capsys, "score", "run", "--period", "2024Q2")
    code, out, _ = tuijin(capsys, "score", "close", "--period", "2024Q2", "--jurisdiction", "360102")
    assert code == 0 and "东湖区 2024Q2 已关账：封存 5 条计分记录和 3 个单位得分" in out
    code, out, _ = tuijin(capsys, "score", "run", "--period", "2024Q2")
    assert code == 0 and "已关账，无变化，未写入任何记录" in out
    code, out, _ = tuijin(capsys, "ledger", "verify", "--kind", "scores")
    assert code == 0 and "全部 8 个封存记录校验通过" in out
    ScoreEntry.objects.filter(kind="early_start").update(points="20")
    code, out, err = tuijin(capsys, "ledger", "verify", "--kind", "scores")
    assert code == 1 and "区住建局的计分记录" in out and "在封存后被修改" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("run", "--period", "2024-06"),
            "《武汉临空港经开区（东西湖区）重大产业项目推进工作机制》不计算月度考评（计算：季度、年度）",
        ),
        (("run", "--period", "2024Q9"), "期间“2024Q9”无效：季度应为 Q1–Q4"),
        (("run", "--period", "2024Q2", "--rule-set", "wuhan-2019@7"), "没有第 7 版（现有 1）"),
        (("run", "--period", "2024Q2", "--jurisdiction", "999"), "没有行政区划代码为“999”的辖区"),
        (("show", "--period", "2024Q2"), "东湖区 2024Q2 尚未计算（先运行 tuijin score run --period 2024Q2）"),
        (("close", "--period", "2024Q2"), "东湖区 2024Q2 尚未计算"),
    ],
)
def test_errors_are_chinese_on_stderr_with_exit_code_1(scenario, capsys, args, message):
    code, out, err = tuijin(capsys, "score", *args)
    assert code == 1 and message in err and out == ""
    assert not ScorePeriod.objects.exists() and not ScoreEntry.objects.exists()


def test_several_jurisdictions_scoring_must_be_named(scenario, capsys):
    other = Jurisdiction.objects.create(
        code="360111", name="青山湖区", level="district", parent=scenario.parent
    )
    other.rule_set = scenario.rule_set
    other.save()
    code, _, err = tuijin(capsys, "score", "run", "--period", "2024Q2")
    assert code == 1
    assert (
        "有多个辖区选用了含计分规则的规则集：360102（东湖区）、360111（青山湖区）；请用 --jurisdiction 指定"
        in err
    )
    code, _, _ = tuijin(capsys, "score", "run", "--period", "2024Q2", "--jurisdiction", "360102")
    assert code == 0


def test_without_any_scoring_jurisdiction_the_command_says_how_to_choose(db, capsys):
    code, _, err = tuijin(capsys, "score", "run", "--period", "2024Q2")
    assert code == 1 and "没有辖区选用了含计分规则 [scoring] 的规则集，请用 --jurisdiction 指定辖区" in err


def test_the_console_script_prints_the_error_in_chinese_and_exits_1(scenario, capsys):
    from django.db import connection

    from tuijin.cli import main

    if connection.vendor != "sqlite":
        pytest.skip(
            "the console script closes the database connection when it ends (the test's own on PostgreSQL)"
        )
    with pytest.raises(SystemExit) as caught:
        main(["score", "run", "--period", "2024-06"])
    assert caught.value.code == 1
    out, err = capsys.readouterr()
    assert out == "" and "不计算月度考评（计算：季度、年度）" in err
