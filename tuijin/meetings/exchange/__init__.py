"""Section `meetings` of the exchange format (since 1.4, issue 6 part 6; docs/exchange.md): the subtree's
meeting series (with member units), meetings (agenda, attendance, minutes number and issue state) and
decided matters (units, first-raise links, timeline, evidence metadata, kept lateness and band).

A meeting is known by "<jurisdiction code>/<series key>/<date>" (#2 … for a second sitting that day), a
matter by (meeting key, number). Imported minutes numbers are kept; numbering continues after them.
"""

from tuijin.core.exchange.registry import register_section

from .export import export_meetings
from .load import import_meetings
from .schema import MeetingsSection

register_section(
    "meetings",
    MeetingsSection,
    export_meetings,
    import_meetings,
    since_minor=4,
    label="调度会议与议定事项：会议系列（含成员单位）、会议（议程、参会、纪要、期号）、议定事项（办理记录、佐证材料说明信息）（1.4 起）",
    kinds={
        "meeting_series": "会议系列",
        "meetings": "调度会议",
        "agenda_items": "会议议题",
        "attendance": "参会情况",
        "matters": "议定事项",
        "matter_events": "议定事项办理记录",
        "matter_attachments": "议定事项佐证材料（说明信息）",
    },
)
