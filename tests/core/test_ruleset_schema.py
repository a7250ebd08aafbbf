"""The rule-set file schema (issue 5): pure, no database. Each shipped preset validates; each kind of
error is reported in Chinese with the file, the key path and, where it can be found, the line."""

import copy
import re
import tomllib
from collections.abc import Callable

import pytest

from tuijin.core.rules import ruleset_schema as schema
from tuijin.core.rules.ruleset_schema import Key, Table
from tuijin.presets import preset_files

PRESET_SLUGS = ["donghu-2024", "kaifeng-2019", "nanchang-2020", "nanchang-etdz-2019", "wuhan-2019"]


def preset(slug: str) -> dict:
    path = next(p for p in preset_files() if p.stem == slug)
    return schema.parse(path.read_text(encoding="utf-8"), file=path.name).data


def test_the_five_seed_jurisdictions_are_shipped() -> None:
    assert [p.stem for p in preset_files()] == PRESET_SLUGS


@pytest.mark.parametrize("path", preset_files(), ids=lambda p: p.stem)
def test_each_preset_validates(path) -> None:
    parsed = schema.parse(path.read_text(encoding="utf-8"), file=path.name, expected_slug=path.stem)
    assert parsed.problems == []
    assert parsed.data["meta"]["slug"] == path.stem


def _numbers_without_source(value, path="", cited=False):
    """Key paths of numbers in tables that carry no `source` themselves nor in an enclosing table."""
    if isinstance(value, dict):
        cited = cited or "source" in value
        found = []
        for key, item in value.items():
            found += _numbers_without_source(item, f"{path}.{key}" if path else key, cited)
        return found
    if isinstance(value, list):
        found = []
        for number, item in enumerate(value, start=1):
            found += _numbers_without_source(item, f"{path}[{number}]", cited)
        return found
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return [path] if is_number and not cited and path != "meta.year" else []


@pytest.mark.parametrize("slug", PRESET_SLUGS)
def test_every_number_in_a_preset_cites_its_source(slug: str) -> None:
    assert _numbers_without_source(preset(slug)) == []


def _tables(value, path=""):
    if isinstance(value, dict):
        yield path, value
        for key, item in value.items():
            yield from _tables(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for number, item in enumerate(value, start=1):
            yield from _tables(item, f"{path}[{number}]")


@pytest.mark.parametrize("slug", PRESET_SLUGS)
def test_every_default_says_where_it_comes_from(slug: str) -> None:
    defaults = [(path, t) for path, t in _tables(preset(slug)) if t.get("basis") == "default"]
    for path, table in defaults:
        explanation = table["source"] + table.get("reading", "")
        assert "默认" in explanation or "未规定" in explanation, path


@pytest.mark.parametrize(
    ("slug", "path", "expected"),
    [
        ("wuhan-2019", "reporting.weekly_progress.due_weekday", 5),  # WH19 三(三)三: 每周五之前
        ("wuhan-2019", "reporting.weekly_new_starts.due_weekday", 5),  # WH19 三(二)四
        ("wuhan-2019", "reporting.monthly_report.due_day", 25),  # WH19 三(二)三: 每月 25 日前
        ("wuhan-2019", "cadences.special_coordination.frequency", "biweekly"),  # WH19 四(一)
        ("wuhan-2019", "ranking.consequences[3].count", 2),  # WH19 四(三): 最后 2 个单位整改
        ("nanchang-2020", "cadences.quarterly_standing.frequency", "quarterly"),  # NC20 三(二)1
        ("nanchang-2020", "cadences.daily_units.frequency", "daily"),  # NC20 三(二)4
        ("nanchang-2020", "ranking.consequences[1].count", 3),  # NC20 三(五)2: 前三
        ("nanchang-2020", "ranking.consequences[2].count", 3),  # NC20 三(五)2: 后三
        ("nanchang-2020", "reporting.monday_push.due_weekday", 1),  # NC20 四(二): 每周一推送
        ("nanchang-etdz-2019", "cadences.topic_meeting.frequency", "monthly"),  # ETDZ19 四(四)
        ("donghu-2024", "cadences.levels", 6),  # DH24 五(三): 六级调度
        ("donghu-2024", "cadences.ten_day_consultation.frequency", "ten_days"),  # DH24 五(三): 旬会商
        ("donghu-2024", "ranking.groups[1].name", "区直单位"),  # DH24 五(四)
        ("donghu-2024", "ranking.groups[2].name", "镇街"),
        ("kaifeng-2019", "cadences.bimonthly_review.frequency", "bimonthly"),  # KF19 一(一)
        ("kaifeng-2019", "cadences.half_year_visit.frequency", "half_year"),
        ("kaifeng-2019", "ranking.consequences[3].count", 1),  # KF19 六(二): 末位
    ],
)
def test_presets_carry_the_numbers_the_notices_state(slug: str, path: str, expected) -> None:
    assert schema.flatten(preset(slug))[path] == expected


@pytest.mark.parametrize(
    ("slug", "ladder"),
    [
        (
            "nanchang-etdz-2019",
            [
                "unit",
                "competent_department",
                "leader",
                "project_office",
                "director_office_meeting",
                "working_committee",
                "city",
            ],
        ),
        (
            "wuhan-2019",
            ["unit", "coordination_office", "leader_in_charge", "project_office", "main_leader", "city"],
        ),
    ],
)
def test_escalation_ladders_follow_etdz19_and_wh19(slug: str, ladder: list[str]) -> None:
    levels = preset(slug)["escalation"]["levels"]
    assert [level["key"] for level in levels] == ladder
    assert levels[-1]["external"] is True


# --- each kind of error --------------------------------------------------------------------------

Mutation = Callable[[dict], None]


def _set(path: str, value) -> Mutation:
    def mutate(data: dict) -> None:
        *parents, last = path.split(".")
        target = data
        for part in parents:
            target = target[part]
        target[last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(data: dict) -> None:
        *parents, last = path.split(".")
        target = data
        for part in parents:
            target = target[part]
        del target[last]

    return mutate


def _levels(mutate_levels: Callable[[list], None]) -> Mutation:
    return lambda data: mutate_levels(data["escalation"]["levels"])


def _groups(mutate_groups: Callable[[list], None]) -> Mutation:
    return lambda data: mutate_groups(data["ranking"]["groups"])


ERROR_CASES = [
    pytest.param(
        _delete("cadences.weekly_coordination.chair"),
        'wuhan-2019.toml: [cadences.weekly_coordination] 缺少必填项 "chair"（主持/牵头）',
        id="missing-key",
    ),
    pytest.param(
        _set("reporting.weekly_progress.due_weekday", "周五"),
        'wuhan-2019.toml: 键 reporting.weekly_progress.due_weekday（截止星期）应为 1–7 的整数，实际为 "周五"',
        id="wrong-type",
    ),
    pytest.param(
        _set("reporting.monthly_report.due_day", 32),
        "键 reporting.monthly_report.due_day（截止日（每月））应为 1–31 的整数，实际为 32",
        id="out-of-range",
    ),
    pytest.param(
        _set("cadences.weekly_coordination.times", True),
        "键 cadences.weekly_coordination.times（每期次数）应为 1–31 的整数，实际为 true",
        id="bool-is-not-an-integer",
    ),
    pytest.param(
        _set("cadences.weekly_coordination.frequency", "fortnightly"),
        '键 cadences.weekly_coordination.frequency（频次）应为以下之一："daily"（每日）、"weekly"（每周）',
        id="not-a-choice",
    ),
    pytest.param(
        _set("cadences.weekly_coordination.chiar", "某人"),
        '[cadences.weekly_coordination] 有未知的键 "chiar"；可用的键：name、kind、chair',
        id="unknown-key",
    ),
    pytest.param(
        _set("cadences.weekly", "每周一次"),
        '[cadences] 有未知的键 "weekly"；可用的键：summary、levels、source、basis、reading；调度层级应写成表 [cadences.weekly]',
        id="entry-not-a-table",
    ),
    pytest.param(
        _set("beacons", {"yellow_days": 2}),
        "有未知的节 [beacons]；已登记的节：meta、cadences",
        id="unknown-section",
    ),
    pytest.param(_delete("ranking"), "缺少必填的节 [ranking]（考核排名）", id="missing-section"),
    pytest.param(_set("meta", "武汉"), '[meta]（基本信息）应为表，实际为 "武汉"', id="section-not-a-table"),
    pytest.param(
        _set("meta.published", "2019-02-30"),
        '键 meta.published（印发日期）应为日期（如 2019-03-11），实际为 "2019-02-30"',
        id="bad-date",
    ),
    pytest.param(
        _set("meta.slug", "Wuhan 2019"), '键 meta.slug（标识）应为文字，实际为 "Wuhan 2019"', id="bad-slug"
    ),
    pytest.param(_set("meta.name", "  "), '键 meta.name（名称）应为文字，实际为 "  "', id="blank-text"),
    pytest.param(
        _groups(lambda groups: groups[0].update(unit_kinds=["bureau"])),
        '键 ranking.groups[1].unit_kinds 第 1 项（单位类别）应为以下之一："office"（项目办/重点办）',
        id="bad-array-item",
    ),
    pytest.param(
        _set("ranking.periods", "quarterly"),
        '键 ranking.periods（排名周期）应为文字数组（如 ["甲", "乙"]），实际为 "quarterly"',
        id="array-expected",
    ),
    pytest.param(
        _levels(lambda levels: levels.__delitem__(slice(1, None))),
        "[[escalation.levels]]（逐级上报层级）至少应有 2 项，实际为 1 项",
        id="too-few-levels",
    ),
    pytest.param(
        _levels(lambda levels: levels[2].update(cadence="nope")),
        '键 escalation.levels[3].cadence 引用的调度层级 "nope" 在 [cadences] 中不存在',
        id="dangling-cadence",
    ),
    pytest.param(
        _levels(lambda levels: levels[1].update(key="unit")),
        '键 escalation.levels[2].key 层级标识 "unit" 重复',
        id="duplicate-level",
    ),
    pytest.param(
        _delete("reporting.weekly_progress.due_weekday"),
        "键 reporting.weekly_progress.due_weekday 每周填报须写明截止星期 due_weekday（1–7，5 为周五）",
        id="weekly-report-without-weekday",
    ),
    pytest.param(
        _set("reporting.monthly_report.due_weekday", 5),
        "键 reporting.monthly_report.due_weekday 只有每周或每两周的报送可写 due_weekday",
        id="weekday-on-a-monthly-report",
    ),
    pytest.param(
        _groups(lambda groups: groups.append({**groups[0], "key": "again", "name": "再一组"})),
        '键 ranking.groups[2].unit_kinds 单位类别 "department" 已归入分组 "项目责任单位"，不能重复',
        id="unit-kind-in-two-groups",
    ),
    pytest.param(
        _set("ranking.periods", ["yearly"]),
        '键 ranking.consequences[1].period "quarterly" 不在排名周期 periods 中',
        id="consequence-period-not-ranked",
    ),
    pytest.param(
        _set("calendar.ten_day_starts", [11, 1, 21]),
        "键 calendar.ten_day_starts 旬的起始日应从 1 开始且逐个增大",
        id="ten-day-starts",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), ERROR_CASES)
def test_each_kind_of_error_names_file_and_key_path(mutate: Mutation, expected: str) -> None:
    data = copy.deepcopy(preset("wuhan-2019"))
    mutate(data)
    problems = [str(p) for p in schema.validate(data, file="wuhan-2019.toml")]
    assert problems, "expected a problem"
    assert all(p.startswith("wuhan-2019.toml: ") for p in problems)
    assert any(expected in p for p in problems), problems


def test_a_problem_carries_its_key_path() -> None:
    problems = schema.validate(
        {**preset("wuhan-2019"), "calendar": {"workdays": "lunar", "source": "x"}}, file="f.toml"
    )
    assert [p.path for p in problems] == ["calendar.workdays"]


def test_syntax_error_names_file_line_and_column() -> None:
    text = '[meta]\nslug = "wuhan-2019"\nname = 武汉\n'
    parsed = schema.parse(text, file="wuhan-2019.toml")
    assert parsed.data is None
    assert parsed.problems[0].startswith("wuhan-2019.toml: 第 3 行第 8 列：TOML 语法错误：值无效")


def test_syntax_error_at_end_of_document() -> None:
    parsed = schema.parse('[meta]\nslug = "a', file="a.toml")
    assert parsed.problems[0].startswith("a.toml: 文件末尾：TOML 语法错误：字符串缺少结束的引号")


def test_schema_problem_says_which_line() -> None:
    path = next(p for p in preset_files() if p.stem == "wuhan-2019")
    text = path.read_text(encoding="utf-8").replace("due_weekday = 5", 'due_weekday = "周五"', 1)
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if '"周五"' in row)
    parsed = schema.parse(text, file="wuhan-2019.toml")
    assert parsed.problems == [
        f'wuhan-2019.toml: 键 reporting.weekly_progress.due_weekday（截止星期）应为 1–7 的整数，实际为 "周五"（第 {line} 行）'
    ]


def test_problem_in_an_array_of_tables_points_at_its_item() -> None:
    path = next(p for p in preset_files() if p.stem == "wuhan-2019")
    text = path.read_text(encoding="utf-8").replace('key = "leader_in_charge"', 'key = "Leader"')
    parsed = schema.parse(text, file="wuhan-2019.toml")
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if '"Leader"' in row)
    assert parsed.problems == [
        f'wuhan-2019.toml: 键 escalation.levels[3].key（标识）应为文字，实际为 "Leader"（第 {line} 行）'
    ]


def test_file_name_must_match_slug() -> None:
    path = next(p for p in preset_files() if p.stem == "wuhan-2019")
    parsed = schema.parse(path.read_text(encoding="utf-8"), file="wuhan.toml", expected_slug="wuhan")
    assert parsed.problems == [
        'wuhan.toml: 键 meta.slug 应与文件名一致，为 "wuhan"，实际为 "wuhan-2019"（第 6 行）'
    ]


def test_all_problems_are_reported_at_once() -> None:
    data = copy.deepcopy(preset("wuhan-2019"))
    data["reporting"]["weekly_progress"]["due_weekday"] = 8
    del data["cadences"]["weekly_coordination"]["chair"]
    data["extra"] = {}
    assert len(schema.validate(data, file="f.toml")) == 3


# --- data round trips, labels, diffs, extension -----------------------------------------------------


@pytest.mark.parametrize("slug", PRESET_SLUGS)
def test_dump_then_parse_gives_the_same_data(slug: str) -> None:
    data = preset(slug)
    text = schema.dump(data)
    assert schema.parse(text, file=f"{slug}.toml", expected_slug=slug).data == data
    assert "published = " not in text or re.search(r"^published = \d{4}-\d{2}-\d{2}$", text, re.M)


def test_stored_data_is_json_ready() -> None:
    data = preset("wuhan-2019")
    assert data["meta"]["published"] == "2019-03-11"
    assert schema.validate(data) == []


def test_labels_are_chinese_along_the_path() -> None:
    assert (
        schema.label_for("cadences.weekly_coordination.chair") == "调度机制 › weekly_coordination › 主持/牵头"
    )
    assert (
        schema.label_for("escalation.levels[2].name") == "逐级协调（问题上报） › 逐级上报层级 第 2 项 › 层级"
    )


def test_describe_shows_sources_and_defaults_beside_numbers() -> None:
    sections = {s.name: s for s in schema.describe(preset("nanchang-etdz-2019"))}
    reports = sections["reporting"].grids[0]
    weekly = next(row for row in reports.rows if row.cells[0] == "weekly_progress")
    assert "周五" in weekly.cells
    assert weekly.note.default and "WH19 三(三)三" in weekly.note.source
    ladder = sections["escalation"].grids[0]
    assert [row.cells[:2] for row in ladder.rows][:2] == [["1", "项目承办单位"], ["2", "项目主管部门"]]
    assert ("标识", "unit") in ladder.rows[0].details


def test_diff_lists_each_changed_key_with_its_label() -> None:
    old = preset("wuhan-2019")
    new = copy.deepcopy(old)
    new["reporting"]["monthly_report"]["due_day"] = 20
    new["cadences"]["weekly_coordination"]["participants"].append("项目所在街道")
    del new["calendar"]
    changes = {c.path: c for c in schema.diff(old, new)}
    assert changes["reporting.monthly_report.due_day"].kind == "changed"
    assert (
        changes["reporting.monthly_report.due_day"].old,
        changes["reporting.monthly_report.due_day"].new,
    ) == (
        "25",
        "20",
    )
    assert changes["cadences.weekly_coordination.participants"].new.endswith("、项目所在街道")
    assert changes["calendar.workdays"].kind == "removed"
    assert schema.diff(old, old) == []
    assert all(c.kind == "added" for c in schema.diff(None, old))


def test_a_later_capability_registers_its_own_section(monkeypatch) -> None:
    monkeypatch.setattr(schema, "_SECTIONS", dict(schema._SECTIONS))
    data = {**preset("wuhan-2019"), "beacons": {"yellow_days": 2, "source": "银川 2025"}}
    assert [p.message for p in schema.validate(data)][0].startswith("有未知的节 [beacons]")
    schema.register_section(
        "beacons",
        Table(
            "亮灯", keys={"yellow_days": Key("黄灯天数", "int", required=True, lo=0), "source": Key("依据")}
        ),
    )
    assert schema.validate(data) == []
    assert schema.describe(data)[-1].label == "亮灯"
    assert "[beacons]" in schema.dump(data)
    data["beacons"]["yellow_days"] = -1
    assert (
        str(schema.validate(data, file="f.toml")[0])
        == "f.toml: 键 beacons.yellow_days（黄灯天数）应为不小于 0 的整数，实际为 -1"
    )


def test_the_syntax_error_table_covers_tomllib_messages() -> None:
    for text in [
        "a = b",
        "a b",
        "[a\nx=1",
        "a = 1 2",
        "a=1\na=2",
        "[a]\n[a]",
        "a = [1,2",
        "a = {x=1",
        "中 = 1",
    ]:
        with pytest.raises(tomllib.TOMLDecodeError) as exc:
            tomllib.loads(text)
        assert "语法错误：语法错误" not in schema.toml_error_message(exc.value, file="f.toml"), text


def test_a_wide_grid_keeps_its_common_keys_and_moves_rare_ones_to_details() -> None:
    import tuijin.scoring.kinds  # noqa: F401  (registers [scoring] and the rule kinds)

    sections = {s.name: s for s in schema.describe(preset("wuhan-2019"))}
    rules_grid = next(g for g in sections["scoring"].grids if g.label == "计分规则")
    # each rule kind has its own keys: as columns they would leave most cells empty
    assert rules_grid.columns == ["序号", "规则类型", "计入类别", "分值"]
    early = next(row for row in rules_grid.rows if row.cells[1] == "提前开工")
    assert ("提前月数", "1") in early.details
