from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tuijin.reports"
    label = "reports"
    verbose_name = "填报与报送"

    def ready(self) -> None:
        # access scopes and actions; the to-do sources (dashboard.todo); the sealable kinds (core.ledger);
        # section `reports` of the exchange format (1.3). The lights refresh after reports change through
        # their own listener (tuijin/lights/apps.py registers `lights_on_reports`): the lights depend on
        # reports, not the other way round.
        from . import exchange, ledger, permissions, todo  # noqa: F401
