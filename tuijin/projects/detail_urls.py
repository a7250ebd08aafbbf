"""URLs of the project library's detail pages (included by tuijin/projects/urls.py)."""

urlpatterns: list = []
