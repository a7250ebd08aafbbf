"""Section `library` of the exchange format (since 1.1, issue 3 part 7; docs/exchange.md): level tags,
projects with their funding sources, stage transitions, hand-overs and monthly investment entries, and
annual plans with their entries and changes.

Records refer to the organisation as section `organisation` does (unit keys, person keys, jurisdiction
codes) and to accounts by username. A project is known by its *project key* "<jurisdiction code>/<name>"
("#2", "#3" … for namesakes in one jurisdiction, by entry order), like a person; plans by (jurisdiction,
year). A project's funding sources, transitions, hand-overs and investment entries travel inside it, and a
plan's entries and changes inside the plan: what the file lists for a project or a plan is its whole set.
"""

from tuijin.core.exchange.registry import register_section

from .export import export_library
from .load import import_library
from .schema import LibrarySection

register_section(
    "library",
    LibrarySection,
    export_library,
    import_library,
    since_minor=1,
    label="项目库：项目级别、项目（含资金来源、阶段变更、移交、月度完成投资）、年度计划及调整（1.1 起）",
    kinds={
        "tags": "项目级别",
        "projects": "项目",
        "funding_sources": "资金来源",
        "stage_transitions": "阶段变更",
        "handovers": "项目移交",
        "investment_entries": "月度完成投资",
        "annual_plans": "年度计划",
        "plan_entries": "年度计划项目",
        "plan_changes": "计划调整",
    },
)
