"""The pure rules of pushes (H2): the [notify] section, reminder days, quiet hours and the texts. No
database: a weekend-only calendar (plus one holiday) stands in for the working-day calendar."""

from __future__ import annotations

import copy
import tomllib
from datetime import date, time, timedelta
from pathlib import Path

import pytest

from tuijin.core.rules import ruleset_schema as schema
from tuijin.notify import rules as r

PRESETS = Path(__file__).resolve().parents[2] / "tuijin" / "presets"
HOLIDAY = date(2024, 6, 10)  # 端午节 (a Monday)


class Calendar:
    """Monday–Friday except HOLIDAY."""

    def is_workday(self, d: date) -> bool:
        return d.weekday() < 5 and d != HOLIDAY

    def add_workdays(self, d: date, n: int) -> date:
        step = 1 if n > 0 else -1
        while n:
            d += timedelta(days=step)
            if self.is_workday(d):
                n -= step
        return d

    def workday_on_or_after(self, d: date) -> date:
        while not self.is_workday(d):
            d += timedelta(days=1)
        return d


CAL = Calendar()


def preset(slug: str) -> dict:
    return tomllib.loads((PRESETS / f"{slug}.toml").read_text())


# --- the section ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug,public",
    [
        ("nanchang-2020", True),
        ("donghu-2024", True),
        ("wuhan-2019", False),
        ("nanchang-etdz-2019", False),
        ("kaifeng-2019", False),
    ],
)
def test_every_preset_has_a_valid_notify_section_with_sources(slug, public):
    data = preset(slug)
    assert schema.validate(data, file=f"{slug}.toml") == []
    notify = data["notify"]
    for part in ("digest", "reminders", "quiet_hours", "publicity"):
        assert notify[part]["source"], (slug, part)
        assert notify[part]["reading"], (slug, part)
    rules = r.notify_rules(data)
    assert (rules.digest_weekday, rules.digest_time) == (1, time(8, 0))
    assert rules.monthly_public is public
    if slug != "nanchang-2020":
        assert "NC20 四(二)" in notify["digest"]["source"] and notify["digest"]["basis"] == "default"
    else:
        assert notify["digest"]["source"] == "NC20 四(二)" and notify["digest"]["basis"] == "notice"


@pytest.mark.parametrize(
    "path,value,message",
    [
        (("digest", "weekday"), 8, "notify.digest.weekday（推送日）应为 1–7"),
        (("digest", "time"), "8点", "notify.digest.time（推送时间）"),
        (("digest", "window_days"), 0, "notify.digest.window_days"),
        (("reminders", "workdays_before"), [1, 3], "应从大到小排列且不重复"),
        (("reminders", "workdays_before"), [3, 3], "应从大到小排列且不重复"),
        (("reminders", "on_lapse"), "yes", "notify.reminders.on_lapse（到期当日提醒）应为true 或 false"),
        (("quiet_hours", "end"), "22:00", "免打扰结束时间不能与开始时间相同"),
        (("quiet_hours", "start"), "25:00", "notify.quiet_hours.start"),
        (("publicity", "monthly_public"), 1, "notify.publicity.monthly_public"),
    ],
)
def test_bad_values_are_named_in_chinese(path, value, message):
    data = copy.deepcopy(preset("nanchang-2020"))
    data["notify"][path[0]][path[1]] = value
    problems = [str(p) for p in schema.validate(data, file="x.toml")]
    assert any(message in p for p in problems), problems


def test_a_missing_sub_table_is_an_error_and_an_unknown_key_too():
    data = copy.deepcopy(preset("wuhan-2019"))
    del data["notify"]["publicity"]
    data["notify"]["digest"]["weekdy"] = 1
    text = " / ".join(str(p) for p in schema.validate(data, file="x.toml"))
    assert "publicity" in text and "weekdy" in text


@pytest.mark.parametrize(
    "section,expected",
    [
        (None, r.DEFAULT),
        ({}, r.DEFAULT),
        (
            {
                "digest": {"weekday": 2, "time": "07:45"},
                "reminders": {"workdays_before": [5], "on_lapse": False},
            },
            r.NotifyRules(
                digest_weekday=2,
                digest_time=time(7, 45),
                reminder_workdays=(5,),
                remind_on_lapse=False,
                source="",
            ),
        ),
        (
            {"quiet_hours": {"start": "21:30", "end": "08:00"}, "publicity": {"monthly_public": True}},
            r.NotifyRules(quiet_start=time(21, 30), quiet_end=time(8, 0), monthly_public=True, source=""),
        ),
    ],
)
def test_notify_rules_reads_the_section_with_defaults(section, expected):
    data = None if section is None else {"notify": section}
    assert r.notify_rules(data) == expected


# --- when -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "today,now,due",
    [
        (date(2024, 6, 3), time(8, 0), True),  # Monday 08:00
        (date(2024, 6, 3), time(15, 0), True),  # later the same day (catch-up)
        (date(2024, 6, 3), time(7, 59), False),
        (date(2024, 6, 4), time(8, 0), False),  # Tuesday
    ],
)
def test_digest_due(today, now, due):
    assert r.digest_due(r.DEFAULT, today, now) is due


@pytest.mark.parametrize(
    "moment,start,end,quiet",
    [
        (time(23, 0), time(22, 0), time(7, 30), True),
        (time(7, 29), time(22, 0), time(7, 30), True),
        (time(7, 30), time(22, 0), time(7, 30), False),
        (time(12, 0), time(22, 0), time(7, 30), False),
        (time(13, 0), time(12, 0), time(14, 0), True),
        (time(14, 0), time(12, 0), time(14, 0), False),
        (time(13, 0), None, None, False),
    ],
)
def test_in_quiet_hours(moment, start, end, quiet):
    assert r.in_quiet_hours(moment, start, end) is quiet


@pytest.mark.parametrize(
    "deadline,today,offset",
    [
        # deadline Thursday 2024-06-06: 3 working days before = Monday 06-03, 1 before = Wednesday 06-05
        (date(2024, 6, 6), date(2024, 6, 3), 3),
        (date(2024, 6, 6), date(2024, 6, 4), None),
        (date(2024, 6, 6), date(2024, 6, 5), 1),
        (date(2024, 6, 6), date(2024, 6, 6), 0),  # the lapse day
        (date(2024, 6, 6), date(2024, 6, 7), None),
        # a Saturday deadline lapses on the next working day: Tuesday 06-11 (Monday 06-10 is a holiday)
        (date(2024, 6, 8), date(2024, 6, 11), 0),
        (date(2024, 6, 8), date(2024, 6, 7), 1),
        (date(2024, 6, 8), date(2024, 6, 5), 3),
        (date(2024, 6, 10), date(2024, 6, 7), 1),  # the holiday itself: lapses 06-11 too
        (date(2024, 6, 11), date(2024, 6, 7), 1),
        # nothing on a day off
        (date(2024, 6, 8), date(2024, 6, 8), None),
        (date(2024, 6, 12), date(2024, 6, 9), None),
    ],
)
def test_reminder_offset_on_the_working_day_calendar(deadline, today, offset):
    assert r.reminder_offset(deadline, today, r.DEFAULT, CAL) == offset


def test_reminder_windows_cover_each_deadline_once():
    today = date(2024, 6, 5)  # Wednesday
    windows = r.reminder_windows(today, r.DEFAULT, CAL)
    assert [(w.offset, w.first, w.last) for w in windows] == [
        (3, date(2024, 6, 8), date(2024, 6, 11)),  # Sat, Sun, the Monday holiday and Tuesday lapse on 06-11
        (1, date(2024, 6, 6), date(2024, 6, 6)),
        (0, date(2024, 6, 5), date(2024, 6, 5)),
    ]
    no_lapse = r.NotifyRules(remind_on_lapse=False)
    assert [w.offset for w in r.reminder_windows(today, no_lapse, CAL)] == [3, 1]


def test_reminder_key_carries_the_deadline_and_the_day():
    item = r.ReminderItem("node", 17, "甲—施工许可", 3, "区发改委", date(2024, 6, 6), 3, ref="node:17")
    assert r.reminder_key(item) == "reminder:node:17:2024-06-06:d3"
    lapse = r.ReminderItem("matter", 5, "事项", 3, "区发改委", date(2024, 6, 6), 0)
    assert r.reminder_key(lapse) == "reminder:matter:5:2024-06-06:due"


# --- texts ----------------------------------------------------------------------------------------

DIGEST = r.LeaderDigest(
    person_id=7,
    name="林志远",
    post="副区长",
    projects=3,
    lights=(
        r.LightItem(2, "滨江智造基地", "区发改委", "yellow", "用地预审节点超期 3 个工作日"),
        r.LightItem(1, "东湖数字产业园", "区住建局", "red", "施工许可节点超期 12 个工作日"),
    ),
    nodes=(r.NodeItem(9, "滨江智造基地", "施工许可", "区发改委", date(2024, 6, 5)),),
    problems=(
        r.OverdueItem("problem", 4, "用地红线未确定", "区住建局", date(2024, 5, 31), "东湖数字产业园"),
    ),
    matters=(r.OverdueItem("matter", 5, "协调用地报批", "区发改委", date(2024, 5, 20)),),
    meetings=(r.MeetingItem(6, "6月调度会", date(2024, 6, 6), time(9, 30), "区政府 3 楼"),),
)


def test_digest_text_summary_and_details():
    text = r.digest_text(DIGEST, today=date(2024, 6, 3), url="/lights/projects/?leader=7")
    assert text.subject == "项目推进周报推送（6月3日）：红灯1个、黄灯1个"
    assert text.summary == (
        "林志远同志：您挂点和分管的3个项目，红灯1个、黄灯1个，近期到期节点1个，逾期问题1个，"
        "逾期议定事项1项，近期会议1场。"
    )
    assert len(text.summary) <= r.SMS_LIMIT
    body = text.body
    # red before yellow, with reasons
    assert body.index("【红灯】东湖数字产业园（区住建局）：施工许可节点超期 12 个工作日") < body.index(
        "【黄灯】滨江智造基地"
    )
    assert "滨江智造基地—施工许可（区发改委），6月5日周三到期" in body
    assert "用地红线未确定（区住建局，东湖数字产业园），逾期 3 天" in body
    assert "协调用地报批（区发改委），逾期 14 天" in body
    assert "6月6日周四 09:30 6月调度会（区政府 3 楼）" in body
    assert "/lights/projects/" not in body  # the channel adds the link once (tuijin.notify.channels)


def test_a_quiet_week_says_so_and_long_lists_are_cut():
    quiet = r.LeaderDigest(person_id=1, name="王强", projects=2)
    text = r.digest_text(quiet, today=date(2024, 6, 3))
    assert "红灯0个、黄灯0个" in text.summary
    assert "本周没有红黄灯项目" in text.body
    many = r.LeaderDigest(
        person_id=1,
        name="王强",
        projects=30,
        lights=tuple(r.LightItem(i, f"项目{i:02d}", "区发改委", "red", "超期") for i in range(25)),
    )
    body = r.digest_text(many, today=date(2024, 6, 3)).body
    assert "一、红黄灯项目（25）" in body and "……另有 15 项" in body
    assert "项目09" in body and "项目10" not in body


def test_todos_and_reminder_texts():
    todos = r.UnitTodos(
        unit_id=3,
        unit="区发改委",
        groups=(
            r.TodoGroupFacts(
                "待填报的周报",
                (
                    r.TodoLine("2024年第23周周报", date(2024, 6, 7)),
                    r.TodoLine("2024年第22周周报", date(2024, 5, 31), True),
                ),
            ),
        ),
    )
    text = r.todos_text(todos, today=date(2024, 6, 3), url="/todo/")
    assert text.subject == "本周待办（6月3日）：区发改委 2 项"
    assert text.summary == "区发改委：本周共有待办 2 项，其中已逾期 1 项。"
    assert "2. 2024年第22周周报，已逾期，期限 5月31日" in text.body
    item = r.ReminderItem(
        "node", 17, "东湖数字产业园—施工许可", 3, "区发改委", date(2024, 6, 8), 3, lapse=date(2024, 6, 11)
    )
    reminder = r.reminder_text(item, url="/chains/node/17/")
    assert reminder.subject == "到期提醒：东湖数字产业园—施工许可"
    assert reminder.summary == (
        "区发改委：链条节点“东湖数字产业园—施工许可”将于 6月11日周二到期（还有 3 个工作日）"
        "（时限 6月8日 为休息日，顺延至 6月11日）。"
    )
    today = r.reminder_text(r.ReminderItem("matter", 5, "协调用地", 3, "区发改委", date(2024, 6, 6), 0))
    assert today.subject == "今日到期：协调用地" and "今天到期" in today.summary
