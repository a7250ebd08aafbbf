from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "tuijin.notify"
    label = "notify"
    verbose_name = "消息推送"

    def ready(self) -> None:
        # the rule-set section [notify] (pure), access scopes and actions, the periodic jobs and tasks
        from . import permissions, push_tasks, rules, tasks  # noqa: F401
