from django.urls import path

from . import calendar_views as views

app_name = "calendar"
urlpatterns = [
    path("", views.index, name="index"),
    path("calculate/", views.calculate, name="calculate"),
    path("template.xlsx", views.template_xlsx, name="template"),
    path("day/", views.day_set, name="day_set"),
    path("day/clear/", views.day_clear, name="day_clear"),
    path("import/", views.import_xlsx, name="import"),
    path("enter/", views.enter_text, name="enter"),
    path("seed/", views.seed, name="seed"),
]
