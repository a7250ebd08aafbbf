from django.apps import AppConfig


class ChainsConfig(AppConfig):
    name = "tuijin.chains"
    label = "chains"
    verbose_name = "推进链条"

    def ready(self) -> None:
        # access scopes and actions; the [approval_clock] section of rule-set files (KF19 四(一)); the
        # exchange format's chains section
        from . import exchange, permissions, ruleset_clock  # noqa: F401
