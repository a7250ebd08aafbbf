"""URLs of problems."""

app_name = "problems"
urlpatterns: list = []
