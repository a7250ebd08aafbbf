"""URLs of the project library's plan pages (included by tuijin/projects/urls.py)."""

urlpatterns: list = []
