from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tuijin.reports"
    label = "reports"
    verbose_name = "填报与报送"

    def ready(self) -> None:
        # access scopes and actions; the to-do sources (dashboard.todo); the sealable kinds (core.ledger);
        # the lights' staleness and investment refresh after every workflow change
        # and section `reports` of the exchange format (1.3)
        from . import exchange, ledger, permissions, todo  # noqa: F401
        from .services import register_report_listener

        register_report_listener(_refresh_lights)


def _refresh_lights(*, reports, event, today) -> None:
    """Tell the lights which projects' reports changed, per kind and due date (lights ignore a weekly
    period not yet due, so the Friday rush costs nothing there)."""
    try:
        from tuijin.lights.services import lights_on_reports_changed
    except ImportError:  # the lights' hook is not there yet
        return
    groups: dict[tuple[str, object], list[int]] = {}
    for report in reports:
        groups.setdefault((report.kind, report.due_on), []).append(report.project_id)
    for (kind, due_on), project_ids in groups.items():
        lights_on_reports_changed(project_ids=project_ids, kind=kind, due_on=due_on, today=today)
