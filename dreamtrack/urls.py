from importlib import import_module

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_yasg.views import get_schema_view
from rest_framework.permissions import AllowAny

from apps.core import views as core_views
from apps.core.schema import API_INFO

schema_view = get_schema_view(
    API_INFO,
    public=True,
    permission_classes=[AllowAny],
)

# One flat list of the apps' routes (none has an app namespace): an `include()` per app
# would make every request try, fail and unwind the apps listed before its own.
API_V1_URLCONFS = (
    "apps.accounts.urls",
    "apps.profiles.urls",
    "apps.progression.urls",
    "apps.tasks.urls",
    "apps.achievements.urls",
    "apps.stats.urls",
    "apps.streaks.urls",
    "apps.shop.urls",
    "apps.inventory.urls",
    "apps.boosts.urls",
    "apps.donations.urls",
)
api_v1 = [pattern for module in API_V1_URLCONFS for pattern in import_module(module).urlpatterns]

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("api/v1/", include(api_v1)),
    re_path(r"^api/", core_views.api_not_found),
    # format="json": without it content negotiation picks drf-yasg's first spec renderer, YAML.
    re_path(r"^swagger\.json$", schema_view.without_ui(cache_timeout=0), {"format": "json"}, name="schema-json"),
    path("swagger/", schema_view.with_ui("swagger", cache_timeout=0), name="schema-swagger-ui"),
    path("redoc/", schema_view.with_ui("redoc", cache_timeout=0), name="schema-redoc"),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]

handler400 = "apps.core.exceptions.handler400"
handler403 = "apps.core.exceptions.handler403"
handler404 = "apps.core.exceptions.handler404"
handler500 = "apps.core.exceptions.handler500"
