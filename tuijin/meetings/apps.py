from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "tuijin.meetings"
    label = "meetings"
    verbose_name = "调度会议"

    def ready(self) -> None:
        # the rule-set section [matters]; access scopes and actions; the minutes' Word template; the to-do
        # sources; the `meetings` section of the exchange format (1.4)
        from . import documents, exchange, matter_permissions, matter_rules, permissions, todo  # noqa: F401
