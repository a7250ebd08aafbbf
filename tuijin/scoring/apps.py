from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "tuijin.scoring"
    label = "scoring"
    verbose_name = "考核排名"

    def ready(self) -> None:
        # the rule-set section [scoring] and every rule kind (pure); access scopes and actions; the to-do
        # sources; the sealable kind "scores" is found by the ledger's autodiscovery (scoring/ledger.py)
        from . import kinds, permissions, rules  # noqa: F401
