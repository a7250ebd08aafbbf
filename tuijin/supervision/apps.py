from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "tuijin.supervision"
    label = "supervision"
    verbose_name = "督查问责"

    def ready(self) -> None:
        # the rule-set section ([cards]); access scopes and actions; Word templates; the to-do sources;
        # the `supervision` section of the exchange format (1.4)
        import importlib

        from . import rules  # noqa: F401

        for name in ("card_rules", "permissions", "card_permissions", "listeners", "documents", "todo", "card_todo", "exchange"):
            try:
                importlib.import_module(f"{self.name}.{name}")
            except ModuleNotFoundError as error:  # modules land one by one while the app is built
                if error.name != f"{self.name}.{name}":
                    raise
