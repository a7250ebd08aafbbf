from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "tuijin.org"
    label = "org"
    verbose_name = "组织与账号"

    def ready(self) -> None:
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        from . import permissions, signals  # noqa: F401

        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
