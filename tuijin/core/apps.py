from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tuijin.core"
    label = "core"
    verbose_name = "基础设置"

    def ready(self) -> None:
        # Each part of core registers its scopes, actions, signal handlers and tasks here.
        from . import (  # noqa: F401
            calendar_permissions,
            ledger_permissions,  # the sealed ledger
            ledger_tasks,
            ruleset_permissions,
            task_permissions,
            tasks,
        )
        from .exchange import services as exchange_services  # noqa: F401  (exchange section and actions)
