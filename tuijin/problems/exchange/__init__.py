"""Section `problems` of the exchange format (since 1.3, issue 5 parts 5–6 and 10; docs/exchange.md):
the subtree's problems with their timeline (events) and evidence metadata (files are not exchanged), and
the numbered slips (交办单、转办单、提醒单、督办单) with who issued and who acknowledged them.

A problem is known by "<jurisdiction code>/<year>-<number>", a slip by (jurisdiction, kind, year,
number). Imported numbers are kept; numbering in the importing system continues after them.
"""

from tuijin.core.exchange.registry import register_section

from .export import export_problems
from .load import import_problems
from .schema import ProblemsSection

register_section(
    "problems",
    ProblemsSection,
    export_problems,
    import_problems,
    since_minor=3,
    label="问题与四单：问题（含办理记录、佐证材料说明信息，不含文件）、四单（编号、签发、签收）（1.3 起）",
    kinds={
        "problems": "问题",
        "problem_events": "问题办理记录",
        "problem_attachments": "佐证材料（说明信息）",
        "slips": "四单",
    },
)
