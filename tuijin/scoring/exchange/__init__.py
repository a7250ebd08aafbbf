"""Section `scoring` of the exchange format (since 1.5, issue 7; docs/exchange.md): DH24's objective-cause
exemptions and WH19's bonus points — the inputs of scoring that are people's decisions, not facts of other
sections. Scores, ranks and rectification reports are not exchanged: `tuijin score run` computes them after
an import, so a scenario file plus one command reproduces a period's ledger."""

from tuijin.core.exchange.registry import register_section

from .export import export_scoring
from .load import import_scoring
from .schema import ScoringSection

register_section(
    "scoring",
    ScoringSection,
    export_scoring,
    import_scoring,
    since_minor=5,
    label="考核：辖区选用的规则集、客观原因免扣分申请（含两位领导签字）、奖励加分（含审批人）（1.5 起）；计分和排名不交换，导入后用 tuijin score run 计算",
    kinds={"rule_sets": "辖区选用的规则集", "exemptions": "免扣分申请", "bonuses": "奖励加分"},
)
