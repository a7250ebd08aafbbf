from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tuijin.core"
    label = "core"
    verbose_name = "基础设置"

    def ready(self) -> None:
        # Each part of core registers its scopes, actions, signal handlers and tasks here.
        from . import calendar_permissions, ruleset_permissions, task_permissions, tasks  # noqa: F401
        from .exchange import services as exchange_services  # noqa: F401  (exchange section and actions)
