"""URLs of the project library's sheet pages (included by tuijin/projects/urls.py)."""

urlpatterns: list = []
