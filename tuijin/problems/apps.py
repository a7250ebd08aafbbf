from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "tuijin.problems"
    label = "problems"
    verbose_name = "问题闭环"

    def ready(self) -> None:
        # access scopes and actions (and the project link); the slips' Word templates; the to-do sources;
        # the `problems` section of the exchange format (1.3)
        from . import documents, exchange, permissions, todo  # noqa: F401
