from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "tuijin.scoring"
    label = "scoring"
    verbose_name = "考核排名"

    def ready(self) -> None:
        # the rule-set section [scoring] and every rule kind (pure); access scopes and actions; the to-do
        # sources; the `scoring` section of the exchange format (1.5); the sealable kind "scores" is found
        # by the ledger's autodiscovery (scoring/ledger.py)
        from . import documents, exchange, kinds, permissions, rules, todo  # noqa: F401
