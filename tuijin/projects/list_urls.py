"""URLs of the project library's list pages (included by tuijin/projects/urls.py)."""

urlpatterns: list = []
