from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.urls import include, path
from django.views.generic import RedirectView

from tuijin.dashboard.todo_views import todo, todo_count
from tuijin.dashboard.views import home
from tuijin.org.views import TuijinLoginView, password_change

admin.site.site_header = "推进 · 后台管理"
admin.site.site_title = "推进后台"
admin.site.index_title = "参考数据维护"

urlpatterns = [
    path("", home, name="home"),
    path("todo/", todo, name="todo"),
    path("todo/count/", todo_count, name="todo_count"),
    path("login/", TuijinLoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("accounts/password/", password_change, name="password_change"),
    path("org/", include("tuijin.org.urls")),
    path("projects/", include("tuijin.projects.urls")),
    path("chains/", include("tuijin.chains.urls")),
    path("lights/", include("tuijin.lights.urls")),
    path("reports/", include("tuijin.reports.urls")),
    path("problems/", include("tuijin.problems.urls")),
    path("meetings/", include("tuijin.meetings.urls")),
    path("supervision/", include("tuijin.supervision.urls")),
    path("scoring/", include("tuijin.scoring.urls")),
    path("calendar/", include("tuijin.core.calendar_urls")),
    path("rulesets/", include("tuijin.core.ruleset_urls")),
    path("tasks/", include("tuijin.core.task_urls")),
    path("ledger/", include("tuijin.core.ledger_urls")),
    path("notify/", include("tuijin.notify.urls")),
    path("public/", include("tuijin.public.urls")),
    path("documents/", include("tuijin.documents.bulletin_urls")),
    # Django admin's own login and password pages would bypass the lock-out and the password rules
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/password_change/", RedirectView.as_view(pattern_name="password_change")),
    path("admin/", admin.site.urls),
]
