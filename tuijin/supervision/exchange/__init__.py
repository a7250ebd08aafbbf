"""Section `supervision` of the exchange format (since 1.4, issue 6 part 6; docs/exchange.md): the
subtree's supervision acts (projects, units, findings, photo metadata, required actions with their 督办单),
monthly card reviews, yellow and red cards (the 督办单 or the yellow cards each rests on, appeals) and
referrals to the discipline commission.

An act is known by "<jurisdiction code>/<date>/<kind>" (#2 … for a second one that day), a card by (unit,
colour, period, seq), a referral by (unit, seq). Cards and lights are not recomputed from the file: the
cards travel as they were issued; lights are recomputed after findings change.
"""

from tuijin.core.exchange.registry import register_section

from .export import export_supervision
from .load import import_supervision
from .schema import SupervisionSection

register_section(
    "supervision",
    SupervisionSection,
    export_supervision,
    import_supervision,
    since_minor=4,
    label="督查与黄牌红牌：督查记录（项目、单位、发现、照片说明信息、整改要求及督办单）、黄牌月度审定、黄牌红牌（依据、申诉）、问责移送（1.4 起）",
    kinds={
        "acts": "督查记录",
        "findings": "督查发现",
        "act_photos": "督查照片（说明信息）",
        "required_actions": "整改要求",
        "card_reviews": "黄牌月度审定",
        "cards": "黄牌红牌",
        "card_appeals": "黄牌红牌申诉",
        "referrals": "问责移送",
    },
)
