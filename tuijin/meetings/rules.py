"""Pure rules of scheduling meetings and decided matters (REQ E; WH19 四(一), 附件3 第3行; ETDZ19 三(二);
KF19 二; NC20 三(一); DH24 五(三)). Standard library only: no Django, no database.

The constants below are the vocabulary the models, pages and exchange share. The functions (the cadence
calendar, matter lateness bands, repeat-raise counting and the `[matters]` rule-set section) follow.
"""

from __future__ import annotations

# Meeting kinds of the rule set's [cadences] entries that are meetings (the others are supervision,
# assessment: see docs/rulesets.md). A series the office defines itself picks one of these too.
SERIES_KINDS = {
    "meeting": "调度会议",
    "coordination": "协调会",
    "consultation": "会商会",
    "notice": "通报会",
    "review": "点评会",
    "visit": "观摩/现场办公",
}

FREQUENCIES = {
    "daily": "每日",
    "weekly": "每周",
    "ten_days": "每旬",
    "biweekly": "每两周",
    "monthly": "每月",
    "bimonthly": "每两月",
    "quarterly": "每季度",
    "half_year": "每半年",
    "yearly": "每年",
    "as_needed": "适时（按需）",
}

MEETING_STATUSES = {
    "planned": "计划",
    "preparing": "筹备中",
    "held": "已召开",
    "issued": "纪要已印发",
    "cancelled": "已取消",
}

AGENDA_KINDS = {
    "problem": "上报问题",
    "red_project": "红灯项目",
    "overdue_matter": "逾期议定事项",
    "carried_matter": "未办结议定事项",
    "card_unit": "拟黄牌/红牌单位",
    "other": "其他议题",
}

ATTENDANCE = {
    "present": "出席",
    "substitute": "委托参会",
    "leave": "请假",
    "absent": "缺席",
}

MATTER_STATUSES = {
    "open": "办理中",
    "replied": "已报办结",
    "closed": "已销号",
    "carried": "已转下次会议",
    "escalated": "已提请上级",
    "cancelled": "已撤销",
}

# Lateness bands of a decided matter with a deadline (WH19 附件3 第3行): the thresholds are working days
# and come from the rule set's [matters] section; these are the keys and labels.
BANDS = {
    "early": "提前完成",
    "on_time": "按期完成",
    "late": "超期",  # late by at most the first threshold
    "late_1": "超期超过第一档",  # e.g. > 5 working days
    "late_2": "超期超过第二档",  # e.g. > 10
    "late_3": "超期超过第三档",  # e.g. > 20
}

MATTER_EVENTS = {
    "decided": "会议议定",
    "progress": "办理进展",
    "reply": "报办结",
    "close": "销号",
    "return": "退回",
    "remind": "提醒",
    "supervise": "督办",
    "carry": "转下次会议",
    "escalate": "提请上级",
    "raised_again": "再次上会",
    "cancel": "撤销",
}
