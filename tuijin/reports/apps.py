from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tuijin.reports"
    label = "reports"
    verbose_name = "填报与报送"
