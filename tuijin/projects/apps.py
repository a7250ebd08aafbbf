from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "tuijin.projects"
    label = "projects"
    verbose_name = "项目库"

    def ready(self) -> None:
        # access scopes and actions; the [routing] section of rule-set files (WH19 二 三层五线); the
        # exchange format's library section
        from . import exchange, permissions, ruleset_routing  # noqa: F401
