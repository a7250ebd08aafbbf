from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "tuijin.problems"
    label = "problems"
    verbose_name = "问题闭环"
