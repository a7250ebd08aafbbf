from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "tuijin.supervision"
    label = "supervision"
    verbose_name = "督查问责"

    def ready(self) -> None:
        # the rule-set section [cards]; access scopes and actions (card_permissions also registers the slip
        # listener and the daily card task); the findings' listeners; the to-do sources; the `supervision`
        # section of the exchange format (1.4)
        from . import card_permissions, card_rules, card_todo, exchange, listeners, permissions, todo  # noqa: F401
