from django.apps import AppConfig


class LightsConfig(AppConfig):
    name = "tuijin.lights"
    label = "lights"
    verbose_name = "挂图亮灯"

    def ready(self) -> None:
        # access scopes and actions; the [lights] section of rule-set files
        from . import permissions, ruleset_lights  # noqa: F401
