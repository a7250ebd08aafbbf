"""Pure rules of supervision and the yellow/red card ladder (REQ H; NC20 三(四); WH19 四(二), 五, 附件3
第4行; KF19 五). Standard library only: no Django, no database.

The constants below are the vocabulary the models, pages and exchange share. The functions (the card
ladder and the `[cards]` rule-set section) follow.
"""

from __future__ import annotations

# H1 methods (NC20 三(四)) and KF19 五's monthly circuit supervision
ACT_KINDS = {
    "window": "窗口催办",
    "onsite": "实地督办",
    "chain": "链条跟办",
    "evaluation": "进度评办",
    "circuit": "巡回督导",
}

ACT_STATUSES = {
    "draft": "记录中",
    "recorded": "已记录",
    "closed": "已办结",
}

FINDING_KINDS = {
    "issue": "发现问题",
    "discrepancy": "填报与现场不符",
    "ceremony": "举行开工仪式无实质进展",
    "minutes": "会议纪要落实不到位",
    "node_plan": "节点计划执行滞后",
    "should_start": "应开未开",
    "should_finish": "应竣未竣",
    "good": "进展良好",
}

ACTION_STATUSES = {
    "open": "整改中",
    "replied": "已报整改",
    "done": "已整改",
    "overdue": "逾期未整改",
}

CARD_COLORS = {"yellow": "黄牌", "red": "红牌"}

CARD_STATUSES = {
    "proposed": "拟发",
    "issued": "已发",
    "revoked": "已撤销",
}

APPEAL_STATUSES = {
    "pending": "待处理",
    "upheld": "维持",
    "revoked": "撤销",
}

REFERRAL_ORIGINS = {
    "cards": "红牌警告两次",
    "circuit": "巡回督导问责建议",
}

REFERRAL_STATUSES = {
    "proposed": "待领导同意",
    "consented": "已同意，待移送",
    "declined": "领导不同意",
    "sent": "已移送纪委监委",
    "concluded": "已有处理结果",
}

# the numbering series of issued cards (problems.Counter, per jurisdiction and year)
CARD_SERIES = {"yellow": "card_yellow", "red": "card_red"}


def card_number_text(year: int | None, number: int | None) -> str:
    """〔2024〕第3号 (the slips' style); "" for a card not issued."""
    if year is None or number is None:
        return ""
    return f"〔{year}〕第{number}号"


def card_numbers_text(title: str, numbers: list[tuple[int | None, int | None]]) -> str:
    """ "黄牌〔2024〕第3号、第4号" (one year), "黄牌〔2023〕第9号、〔2024〕第1号" (several years)."""
    numbers = sorted((y, n) for y, n in numbers if y is not None and n is not None)
    if not numbers:
        return ""
    parts, last_year = [], None
    for year, number in numbers:
        parts.append(f"第{number}号" if year == last_year else f"〔{year}〕第{number}号")
        last_year = year
    return title + "、".join(parts)
