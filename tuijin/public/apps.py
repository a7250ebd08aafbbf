from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "tuijin.public"
    label = "public"
    verbose_name = "社会公开"
