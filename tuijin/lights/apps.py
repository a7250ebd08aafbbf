from django.apps import AppConfig


class LightsConfig(AppConfig):
    name = "tuijin.lights"
    label = "lights"
    verbose_name = "挂图亮灯"

    def ready(self) -> None:
        # access scopes and actions; the [lights] section of rule-set files; the daily job and the
        # calendar hook (tasks); a project's stage or planned dates changing refreshes its lights
        from tuijin.projects.services import register_project_listener

        from . import permissions, ruleset_lights, services, tasks  # noqa: F401

        register_project_listener(services.lights_on_project_changed)
        # a late weekly report or a monthly investment figure refreshes its project's lights
        from tuijin.reports.services import register_report_listener

        register_report_listener(services.lights_on_reports)
        # an on-site check's finding (填报与现场不符, 开工仪式无实质进展) recorded or resolved (issue 6)
        from tuijin.supervision.listeners import register_finding_listener

        register_finding_listener(services.lights_on_findings)
