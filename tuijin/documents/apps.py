from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "tuijin.documents"
    label = "documents"
    verbose_name = "文书模板"

    def ready(self) -> None:
        # briefings and notices: their three Word documents (registered for 文书模板), access scopes and
        # actions, to-do sources and the task after publication
        from . import bulletin_docx, bulletin_permissions, bulletin_tasks, bulletin_todo  # noqa: F401
