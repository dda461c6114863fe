from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_yasg.views import get_schema_view
from rest_framework.permissions import AllowAny

from apps.core import views as core_views
from apps.core.admin_login import admin_login
from apps.core.schema import API_INFO

schema_view = get_schema_view(
    API_INFO,
    public=True,
    permission_classes=[AllowAny],
)

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("api/v1/", include("apps.profiles.urls")),
    path("api/v1/", include("apps.progression.urls")),
    path("api/v1/", include("apps.tasks.urls")),
    path("api/v1/", include("apps.achievements.urls")),
    path("api/v1/", include("apps.stats.urls")),
    path("api/v1/", include("apps.streaks.urls")),
    path("api/v1/", include("apps.shop.urls")),
    path("api/v1/", include("apps.boosts.urls")),
    path("api/v1/", include("apps.donations.urls")),
    path("api/v1/", include("apps.dreams.urls")),
    path("api/v1/", include("apps.ai_steps.urls")),
    path("api/v1/", include("apps.roulette.urls")),
    path("api/v1/", include("apps.habits.urls")),
    path("api/v1/", include("apps.leaderboards.urls")),
    path("api/v1/", include("apps.friends.urls")),
    path("api/v1/", include("apps.notifications.urls")),
    path("api/v1/", include("apps.trades.urls")),
    path("api/v1/", include("apps.events.urls")),
    re_path(r"^api/", core_views.api_not_found),
    # format="json": without it content negotiation picks drf-yasg's first spec renderer, YAML.
    re_path(r"^swagger\.json$", schema_view.without_ui(cache_timeout=0), {"format": "json"}, name="schema-json"),
    path("swagger/", schema_view.with_ui("swagger", cache_timeout=0), name="schema-swagger-ui"),
    path("redoc/", schema_view.with_ui("redoc", cache_timeout=0), name="schema-redoc"),
    # Before the admin's own URLs, so that its login form is throttled (apps/core/admin_login.py).
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]

handler400 = "apps.core.exceptions.handler400"
handler403 = "apps.core.exceptions.handler403"
handler404 = "apps.core.exceptions.handler404"
handler500 = "apps.core.exceptions.handler500"
