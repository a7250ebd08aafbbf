from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "tuijin.meetings"
    label = "meetings"
    verbose_name = "调度会议"

    def ready(self) -> None:
        # the rule-set sections ([matters]); access scopes and actions; the minutes' Word template;
        # the to-do sources; the `meetings` section of the exchange format (1.4)
        import importlib

        from . import rules  # noqa: F401

        for name in ("matter_rules", "permissions", "matter_permissions", "documents", "todo", "exchange"):
            try:
                importlib.import_module(f"{self.name}.{name}")
            except ModuleNotFoundError as error:  # modules land one by one while the app is built
                if error.name != f"{self.name}.{name}":
                    raise
