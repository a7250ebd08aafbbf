from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "tuijin.org"
    label = "org"
    verbose_name = "组织与账号"

    def ready(self) -> None:
        from . import permissions, signals  # noqa: F401
