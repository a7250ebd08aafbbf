from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tuijin.core"
    label = "core"
    verbose_name = "基础设置"

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the retry signal handler)
