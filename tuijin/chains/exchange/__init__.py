"""Section `chains` of the exchange format (since 1.2, issue 4 part 5; docs/exchange.md): a jurisdiction's
own node templates, and its projects' promotion chains with their nodes (deadline beside baseline, unit
and person, actual date, exemption, note, confirmations) and re-plans.

Presets (templates with no jurisdiction, which every installation has) are referred to by name and never
carried. A chain is known by its project (the library's project key), a template by (jurisdiction,
name); what the file lists for a chain, a node or a template is its whole set. Lights are not carried:
the importing installation computes them (`lights_recompute`) once the chains are in.
"""

from tuijin.core.exchange.registry import register_section

from .export import export_chains
from .load import import_chains
from .schema import ChainsSection

register_section(
    "chains",
    ChainsSection,
    export_chains,
    import_chains,
    since_minor=2,
    label="推进链条：本辖区的链条模板、项目的推进链条（含节点、确认、时限调整）（1.2 起）",
    kinds={
        "chain_templates": "链条模板",
        "template_nodes": "模板节点",
        "chains": "推进链条",
        "chain_nodes": "链条节点",
        "node_replans": "时限调整",
    },
)
