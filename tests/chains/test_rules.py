"""Pure chain rules (REQ C): dependencies from steps and `after`, template checks, 倒排工期 on the real
working-day calendar (2024's 清明 and 劳动节, a provisional 2027), deadline order, actual dates and the
KF19 四(一) approval clock. No database: the calendar is built directly."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tuijin.chains import rules
from tuijin.chains.presets import PRESETS
from tuijin.chains.rules import ClockLimits, ClockNode, NodeSpec, Scheduled, UnitShare
from tuijin.core.rules.holidays import schedules_for
from tuijin.core.rules.workdays import WorkCalendar

# Official 2020–2026 (from chinesecalendar), provisional 2027–2030.
CAL = WorkCalendar.from_schedules(
    schedules_for(range(2020, 2031)), first=date(2020, 1, 1), last=date(2030, 12, 31)
)
D = date.fromisoformat


def node(key: str, name: str, step: int, after: tuple[str, ...] = (), duration: int = 0, **kw) -> NodeSpec:
    return NodeSpec(key, name, step, after, duration, **kw)


# ---------------------------------------------------------------------------------------------------
# Dependencies


@pytest.mark.parametrize(
    ("nodes", "expected"),
    [
        pytest.param(
            [node("a", "甲", 1), node("b", "乙", 1), node("c", "丙", 2), node("d", "丁", 3)],
            {"a": (), "b": (), "c": ("a", "b"), "d": ("c",)},
            id="one-step-runs-in-parallel-and-the-next-follows-all-of-it",
        ),
        pytest.param(
            [node("a", "甲", 1), node("b", "乙", 5)],
            {"a": (), "b": ("a",)},
            id="a-gap-in-steps-follows-the-nearest-earlier-step",
        ),
        pytest.param(
            [node("a", "甲", 1), node("b", "乙", 1), node("c", "丙", 2, ("b",)), node("d", "丁", 3)],
            {"a": (), "b": (), "c": ("b",), "d": ("c",)},
            id="explicit-after-replaces-the-step-rule",
        ),
        pytest.param(
            [node("a", "甲", 2), node("b", "乙", 1, ("a",))],
            {"a": ("b",), "b": ("a",)},
            id="after-may-name-a-later-step-(a-cycle-here)",
        ),
    ],
)
def test_predecessors(nodes, expected) -> None:
    assert rules.predecessors(nodes) == expected


def test_successors_invert_predecessors_and_ignore_unknown_keys() -> None:
    nodes = [node("a", "甲", 1), node("b", "乙", 2), node("c", "丙", 2, ("a", "gone"))]
    assert rules.successors(nodes) == {"a": ("b", "c"), "b": (), "c": ()}


GOOD = [
    node("a", "甲", 1, duration=5),
    node("b", "乙", 2, duration=5),
    node("s", "开工", 3, anchor="start", stage="started"),
]


@pytest.mark.parametrize(
    ("nodes", "errors"),
    [
        pytest.param(GOOD, [], id="fine"),
        pytest.param([*GOOD, node("a", "甲二", 4)], ["节点代码“a”重复"], id="duplicate-key"),
        pytest.param(
            [*GOOD, node("x", "戊", 4, ("zz",))], ["节点“戊”的前置节点“zz”不存在"], id="unknown-after"
        ),
        pytest.param([*GOOD, node("x", "戊", 4, ("x",))], ["节点“戊”不能以自身为前置节点"], id="self"),
        pytest.param(
            [node("a", "甲", 1, ("c",)), node("b", "乙", 2, ("a",)), node("c", "丙", 3, ("b",))],
            ["前置关系形成循环：甲 → 乙 → 丙 → 甲"],
            id="cycle-named-in-working-order",
        ),
        pytest.param(
            [node("a", "甲", 1, ("b",)), node("b", "乙", 2)],
            ["前置关系形成循环：甲 → 乙 → 甲"],
            id="cycle-through-the-step-rule",
        ),
        pytest.param(
            [*GOOD, node("s2", "开工二", 4, stage="started")],
            ["对应“开工”阶段的节点只能有一个"],
            id="two-nodes-for-one-stage",
        ),
        pytest.param([node("a", "甲", 1, duration=-1)], ["节点“甲”的工期不能为负数"], id="negative-duration"),
        pytest.param([node("a", "甲", 1, anchor="moon")], ["节点“甲”的倒排锚点“moon”无效"], id="bad-anchor"),
        pytest.param([node("a", "甲", 1, stage="moon")], ["节点“甲”的对应阶段“moon”无效"], id="bad-stage"),
        pytest.param(
            [node("a", "甲", 1, ("a", "zz")), node("a", "甲", 2)],
            ["节点“甲”不能以自身为前置节点", "节点“甲”的前置节点“zz”不存在", "节点代码“a”重复"],
            id="every-problem-at-once",
        ),
    ],
)
def test_check_template(nodes, errors) -> None:
    assert rules.check_template(nodes) == errors


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_the_preset_templates_are_valid(preset) -> None:
    assert rules.check_template(preset.nodes) == []
    assert set(preset.departments) <= {n.key for n in preset.nodes}
    assert preset.clock_start in {"", *(n.key for n in preset.nodes)}


@pytest.mark.parametrize(
    ("nodes", "order"),
    [
        ([node("c", "丙", 2), node("a", "甲", 1), node("b", "乙", 1)], ["a", "b", "c"]),
        ([node("a", "甲", 1, ("b",)), node("b", "乙", 1)], ["b", "a"]),
        (
            [
                node("x", "戊", 1),
                node("y", "己", 1),
                node("z", "庚", 2, ("y",)),
                node("w", "辛", 3, ("x", "z")),
            ],
            ["x", "y", "z", "w"],
        ),
    ],
)
def test_topological_order_puts_predecessors_first_ties_by_step_then_given_order(nodes, order) -> None:
    assert rules.topological_order(nodes) == order


# ---------------------------------------------------------------------------------------------------
# Scheduling backward from the target (倒排工期)

# 甲 then two parallel branches 乙 (5 days) and 丙 (10 days), then 开工 on the planned start.
BRANCHES = [
    node("a", "甲", 1, duration=5),
    node("b", "乙", 2, ("a",), 5),
    node("c", "丙", 2, ("a",), 10),
    node("s", "开工", 3, anchor="start", stage="started"),
]


@pytest.mark.parametrize(
    ("planned", "due"),
    [
        ("2024-04-06", "2024-04-03"),  # 清明 Thu 4 – Sat 6 off
        ("2024-05-01", "2024-04-30"),  # 劳动节 1–5 off
        ("2024-05-05", "2024-04-30"),
        ("2024-05-11", "2024-05-11"),  # a Saturday worked (补班)
        ("2024-05-10", "2024-05-10"),
    ],
)
def test_an_anchored_node_on_a_day_off_moves_to_the_working_day_before(planned, due) -> None:
    result = rules.schedule(BRANCHES, {"start": D(planned)}, CAL)
    assert result["s"] == Scheduled(D(due), False, "锚定")


def test_backward_through_parallel_branches_takes_the_earliest_start() -> None:
    result = rules.schedule(BRANCHES, {"start": D("2024-05-10")}, CAL)
    assert result["b"] == Scheduled(D("2024-05-10"), False, "倒排")  # 开工 takes 0 days
    assert result["c"] == Scheduled(D("2024-05-10"), False, "倒排")
    # 乙 must begin 5 working days before (2024-04-30, over 劳动节), 丙 10 (2024-04-24, 4-28 worked)
    assert result["a"] == Scheduled(D("2024-04-24"), False, "倒排")
    assert CAL.workdays_between(result["a"].deadline, D("2024-05-10")) == 10


CONSTRUCTION = [
    node("a", "施工许可证", 1, duration=5),
    node("s", "开工", 2, anchor="start", stage="started"),
    node("m", "主体完工", 3, duration=20),
    node("f", "竣工", 4, duration=10, anchor="completion", stage="completed"),
]


def test_forward_fallback_when_an_anchor_has_no_date() -> None:
    result = rules.schedule(CONSTRUCTION, {"start": D("2024-05-10"), "completion": None}, CAL)
    # 5-11 (a Saturday) is worked; 端午 2024-06-10 is off
    assert result["m"] == Scheduled(D("2024-06-06"), False, "顺排")
    assert result["f"] == Scheduled(D("2024-06-21"), False, "顺排")
    assert result["a"] == Scheduled(D("2024-05-10"), False, "倒排")


def test_a_dated_later_anchor_pulls_the_nodes_before_it_backward() -> None:
    result = rules.schedule(CONSTRUCTION, {"start": D("2024-05-10"), "completion": D("2024-12-31")}, CAL)
    assert result["f"] == Scheduled(D("2024-12-31"), False, "锚定")
    assert result["m"] == Scheduled(CAL.add_workdays(D("2024-12-31"), -10), False, "倒排")


def test_nothing_dated_leaves_every_deadline_empty() -> None:
    result = rules.schedule(CONSTRUCTION, {}, CAL)
    assert result == dict.fromkeys("asmf", Scheduled(None))


def test_a_node_with_no_reachable_anchor_and_no_predecessors_stays_without_a_deadline() -> None:
    nodes = [
        node("a", "甲", 1, duration=5),
        node("z", "征收拆迁", 1, duration=40),  # nothing follows it, nothing before it
        node("s", "开工", 2, ("a",), anchor="start"),
        node("w", "七通一平", 3, ("z",), 20),  # follows only the undated node
    ]
    result = rules.schedule(nodes, {"start": D("2024-05-10")}, CAL)
    assert result["z"] == Scheduled(None)
    assert result["w"] == Scheduled(None)
    assert result["a"].deadline == D("2024-05-10")


@pytest.mark.parametrize(
    ("anchors", "provisional"),
    [
        pytest.param({"start": D("2027-03-15")}, dict.fromkeys("asmf", True), id="start-in-2027"),
        # 施工许可证 lands on 2026-12-31 but is counted back from a 2027 date: still provisional
        pytest.param({"start": D("2027-01-04")}, dict.fromkeys("asmf", True), id="counted-across-new-year"),
        pytest.param(
            {"start": D("2026-12-15")},
            {"a": False, "s": False, "m": True, "f": True},
            id="forward-into-2027",
        ),
        pytest.param({"start": D("2026-06-01")}, dict.fromkeys("asmf", False), id="all-official"),
    ],
)
def test_provisional_when_a_date_falls_in_2027(anchors, provisional) -> None:
    result = rules.schedule(CONSTRUCTION, anchors, CAL)
    assert {key: s.provisional for key, s in result.items()} == provisional


def test_a_2027_anchor_is_kept_on_the_provisional_calendar() -> None:
    result = rules.schedule(CONSTRUCTION, {"start": D("2027-01-04")}, CAL)
    assert result["a"].deadline == D("2027-01-04")
    assert result["s"].deadline == D("2027-01-04")  # a Monday; 2027-01-01 is 元旦 on the provisional calendar


# ---------------------------------------------------------------------------------------------------
# Deadlines in order, actual dates


@pytest.mark.parametrize(
    ("deadlines", "problems"),
    [
        ({"a": D("2024-05-10"), "b": D("2024-05-10"), "c": D("2024-05-20")}, []),
        ({"a": D("2024-05-10"), "b": None, "c": D("2024-05-01")}, []),
        ({"a": D("2024-05-10"), "c": D("2024-05-01")}, []),
        (
            {"a": D("2024-05-10"), "b": D("2024-05-09"), "c": D("2024-05-20")},
            [("b", "“乙”的完成时限 2024-05-09 早于前置节点“甲”的 2024-05-10")],
        ),
        (
            {"a": D("2024-05-10"), "x": D("2024-05-20"), "b": D("2024-05-12"), "c": D("2024-05-11")},
            [
                ("b", "“乙”的完成时限 2024-05-12 早于前置节点“戊”的 2024-05-20"),
                ("c", "“丙”的完成时限 2024-05-11 早于前置节点“乙”的 2024-05-12"),
            ],
        ),
    ],
)
def test_check_deadlines(deadlines, problems) -> None:
    nodes = [node("a", "甲", 1), node("x", "戊", 1), node("b", "乙", 2), node("c", "丙", 3)]
    assert rules.check_deadlines(nodes, deadlines) == problems


@pytest.mark.parametrize(
    ("actual", "message"),
    [
        (None, ""),
        (D("2024-05-09"), ""),
        (D("2024-05-10"), ""),
        (D("2024-05-11"), "“环评”的实际完成日期 2024-05-11 晚于今天（2024-05-10），不能填写未来的日期"),
    ],
)
def test_check_actual_refuses_a_future_date(actual, message) -> None:
    assert rules.check_actual(actual, today=D("2024-05-10"), name="环评") == message


# ---------------------------------------------------------------------------------------------------
# The approval clock (KF19 四(一))

DELISTED = D("2024-03-01")
CLOCK_NODES = [
    ClockNode("规划设计方案审核", "自然资源局", None, D("2024-03-15")),  # from delisting: 10 days
    ClockNode("环评", "生态环境局", D("2024-02-20"), D("2024-03-08")),  # ready before delisting: 5 days
    ClockNode("施工许可证", "住建局", D("2024-03-15"), None),  # still open
    ClockNode("用地规划许可证", "自然资源局", D("2024-03-15"), D("2024-03-22")),  # 5 days
    ClockNode("消防审查", "消防救援大队", None, None, exempt=True),
    ClockNode("核准备案", "发改委", None, D("2024-02-28")),  # done before the clock started
]


def clock(**kw) -> rules.Clock:
    args = {
        "delisted": DELISTED,
        "started": None,
        "clock_class": "general",
        "limits": ClockLimits(),
        "nodes": CLOCK_NODES,
        "today": D("2024-04-08"),
        "calendar": CAL,
    }
    return rules.approval_clock(**(args | kw))


def test_a_running_clock_counts_to_today_and_shares_each_units_days() -> None:
    result = clock()
    # (2024-03-01, 2024-04-08]: 20 in March after the 1st, 4-1..4-3, the 4-7 补班 and 4-8; 清明 off
    assert (result.used, result.left, result.overrun, result.saved) == (25, 55, 0, 0)
    assert result.running and not result.provisional
    assert result.shares == (
        UnitShare("住建局", 15, ("施工许可证",)),
        UnitShare("自然资源局", 15, ("规划设计方案审核", "用地规划许可证")),
        UnitShare("生态环境局", 5, ("环评",)),
    )
    assert result.summary == "已用 25 个工作日，剩余 55 个工作日（时限 80）"


def test_a_stopped_clock_clips_every_share_to_the_start() -> None:
    result = clock(started=D("2024-03-20"))
    assert (result.used, result.left, result.overrun, result.saved, result.running) == (13, 67, 0, 67, False)
    assert result.shares[0] == UnitShare("自然资源局", 13, ("规划设计方案审核", "用地规划许可证"))
    assert UnitShare("住建局", 3, ("施工许可证",)) in result.shares
    assert result.summary == "摘牌至开工用时 13 个工作日，时限 80 个工作日，提前 67 个工作日"


@pytest.mark.parametrize(
    ("clock_class", "limits", "limit"),
    [
        ("general", ClockLimits(), 80),
        ("ftz", ClockLimits(), 50),
        ("commitment", ClockLimits(), 30),
        ("unknown", ClockLimits(), 80),
        ("ftz", ClockLimits(general=60, ftz=40, commitment=20), 40),
    ],
)
def test_the_limit_is_the_projects_class(clock_class, limits, limit) -> None:
    assert clock(clock_class=clock_class, limits=limits).limit == limit


def test_an_overrun_clock_running_and_stopped() -> None:
    running = clock(clock_class="commitment", today=D("2024-05-20"))
    assert (running.used, running.left, running.overrun) == (54, 0, 24)
    assert running.summary == "已用 54 个工作日，超过时限（30 个工作日）24 个工作日"
    stopped = clock(clock_class="commitment", started=D("2024-05-20"), today=D("2024-06-01"))
    assert (stopped.overrun, stopped.saved) == (24, 0)
    assert stopped.summary == "摘牌至开工用时 54 个工作日，时限 30 个工作日，超时 24 个工作日"


def test_a_clock_stopped_exactly_on_the_limit() -> None:
    started = CAL.add_workdays(DELISTED, 30)
    result = clock(clock_class="commitment", started=started)
    assert (result.used, result.overrun, result.saved) == (30, 0, 0)
    assert result.summary.endswith("恰好用满时限")


def test_no_delisting_no_clock() -> None:
    result = clock(delisted=None)
    assert (result.started, result.used, result.shares, result.limit) == (None, 0, (), 80)
    assert result.summary == "尚未土地摘牌，审批计时未开始"


def test_a_start_before_delisting_uses_no_days() -> None:
    assert clock(started=D("2024-02-01")).used == 0


def test_a_clock_in_2027_is_provisional() -> None:
    result = clock(delisted=D("2026-12-01"), today=D("2027-01-15"), nodes=[])
    assert result.provisional
    assert result.summary.endswith("（含暂定日历）")
    assert not clock(delisted=D("2026-03-02"), today=D("2026-06-01"), nodes=[]).provisional


def test_a_clock_spanning_a_provisional_year_between_official_ones_is_provisional() -> None:
    calendar = WorkCalendar(
        days_off={},
        make_up_days={},
        provisional_years=[2025],
        first=date(2024, 1, 1),
        last=date(2026, 12, 31),
    )
    result = clock(delisted=D("2024-12-02"), today=D("2026-01-05"), nodes=[], calendar=calendar)
    assert result.provisional


# ---------------------------------------------------------------------------------------------------
# Property: a schedule from consistent anchors never puts a node before its predecessor


@st.composite
def dags(draw):
    """A template whose edges all run from earlier to later nodes (so no cycle): steps never decrease,
    and an explicit `after` names only earlier nodes. Up to three nodes get the three anchors."""
    size = draw(st.integers(1, 12))
    nodes: list[NodeSpec] = []
    step = 1
    for index in range(size):
        step += draw(st.integers(0, 1)) if index else 0
        after: tuple[str, ...] = ()
        if index and draw(st.booleans()):
            picks = draw(st.sets(st.integers(0, index - 1), min_size=1, max_size=3))
            after = tuple(f"n{i}" for i in sorted(picks))
        nodes.append(NodeSpec(f"n{index}", f"节点{index}", step, after, draw(st.integers(0, 25))))
    anchored = draw(st.lists(st.integers(0, size - 1), unique=True, max_size=3))
    for anchor, index in zip(rules.ANCHORS, anchored, strict=False):
        nodes[index] = NodeSpec(**{**nodes[index].__dict__, "anchor": anchor})
    return nodes


@settings(max_examples=300, deadline=None)
@given(
    nodes=dags(),
    base=st.dates(date(2024, 1, 1), date(2026, 6, 30)),
    slack=st.integers(0, 200),
    undated=st.sets(st.sampled_from(list(rules.ANCHORS))),
)
def test_scheduled_deadlines_never_precede_a_predecessors(nodes, base, slack, undated) -> None:
    assert rules.check_template(nodes) == []
    before = rules.predecessors(nodes)
    # Consistent anchors: each anchored node at its earliest finish from `base` plus one common slack,
    # in working days (earliest finish: the latest of its predecessors' plus its own duration).
    earliest: dict[str, int] = {}
    for spec in nodes:
        earliest[spec.key] = max((earliest[k] for k in before[spec.key]), default=0) + spec.duration
    start = CAL.workday_on_or_before(base)
    anchors = {
        spec.anchor: CAL.add_workdays(start, earliest[spec.key] + slack)
        for spec in nodes
        if spec.anchor and spec.anchor not in undated
    }
    result = rules.schedule(nodes, anchors, CAL)
    assert set(result) == {spec.key for spec in nodes}
    deadlines = {key: s.deadline for key, s in result.items()}
    assert rules.check_deadlines(nodes, deadlines) == []
    for value in result.values():
        assert (value.deadline is None) == (value.how == "")
    if anchors:
        assert any(s.deadline is not None for s in result.values())
    else:
        assert all(s.deadline is None for s in result.values())


@settings(max_examples=200, deadline=None)
@given(nodes=dags())
def test_topological_order_lists_every_node_after_its_predecessors(nodes) -> None:
    order = rules.topological_order(nodes)
    assert sorted(order) == sorted(spec.key for spec in nodes)
    position = {key: i for i, key in enumerate(order)}
    for key, before in rules.predecessors(nodes).items():
        assert all(position[k] < position[key] for k in before)


@settings(max_examples=200, deadline=None)
@given(nodes=dags().filter(lambda ns: len(ns) >= 2), data=st.data())
def test_a_back_edge_is_reported_as_a_cycle_of_real_edges_in_working_order(nodes, data) -> None:
    before = rules.predecessors(nodes)
    # a node with a predecessor, made to follow one of its own descendants (or itself via the edge back)
    late = data.draw(st.sampled_from([k for k, v in before.items() if v] or ["none"]))
    if late == "none":
        return
    early = before[late][0]
    index = next(i for i, spec in enumerate(nodes) if spec.key == early)
    nodes = list(nodes)
    nodes[index] = NodeSpec(**{**nodes[index].__dict__, "after": (*nodes[index].after, late)})
    errors = rules.check_template(nodes)
    assert len(errors) == 1 and errors[0].startswith("前置关系形成循环：")
    names = errors[0].removeprefix("前置关系形成循环：").split(" → ")
    key_of = {spec.name: spec.key for spec in nodes}
    after = rules.predecessors(nodes)
    assert names[0] == names[-1]
    for first, then in zip(names, names[1:], strict=False):
        assert key_of[first] in after[key_of[then]]  # each named node comes before the next


def test_a_units_parallel_nodes_count_once_in_its_share() -> None:
    """Two nodes of one unit over overlapping spans: the share is the union, never more than used."""
    from tuijin.chains import rules as chain_rules

    cal = _calendar_for_overlap()
    d = date(2024, 6, 3)  # Monday
    nodes = [
        chain_rules.ClockNode("用地规划许可证", "自然资源", d, date(2024, 6, 7)),
        chain_rules.ClockNode("工程规划许可证", "自然资源", date(2024, 6, 5), date(2024, 6, 12)),
        chain_rules.ClockNode("环评", "生态环境", d, date(2024, 6, 6)),
    ]
    clock = chain_rules.approval_clock(
        delisted=d,
        started=date(2024, 6, 14),
        clock_class="general",
        limits=chain_rules.ClockLimits(),
        nodes=nodes,
        today=date(2024, 6, 20),
        calendar=cal,
    )
    shares = {share.unit: share.days for share in clock.shares}
    assert shares["自然资源"] == cal.workdays_between(d, date(2024, 6, 12))  # union 6-03..6-12
    assert shares["生态环境"] == 3
    assert all(share.days <= clock.used for share in clock.shares)


def _calendar_for_overlap():
    from tuijin.core.rules.workdays import WorkCalendar

    return WorkCalendar(days_off={date(2024, 6, 10): "端午节"}, make_up_days={})


def test_anchors_too_close_together_never_put_a_node_before_its_predecessor() -> None:
    """竣工 five working days after 开工 with 主体完工 taking 120: 主体完工 moves to 开工's date (顺延)."""
    from tuijin.chains import rules as chain_rules
    from tuijin.chains.presets import INDUSTRY

    cal = _calendar_for_overlap()
    anchors = {"start": date(2024, 6, 14), "completion": date(2024, 6, 21), "production": None}
    scheduled = chain_rules.schedule(INDUSTRY.nodes, anchors, cal)
    deadlines = {key: s.deadline for key, s in scheduled.items()}
    assert chain_rules.check_deadlines(INDUSTRY.nodes, deadlines) == []
    assert scheduled["structure"].deadline == date(2024, 6, 14)
    assert scheduled["structure"].how == "顺延"
