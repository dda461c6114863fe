"""The project's URLs plus test-only views: `@pytest.mark.urls("apps.core.tests.urls")`."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from dreamtrack import urls as project_urls

from . import views

router = SimpleRouter()
router.register("_test/counters", views.MyCounterViewSet, basename="test-counters")

# Before the project's patterns: its `^api/` catch-all answers every other /api/ path.
urlpatterns = [
    path("api/v1/_test/counter/", views.CounterView.as_view()),
    path("api/v1/_test/admin-only/", views.AdminOnlyView.as_view()),
    path("api/v1/_test/spend/", views.SpendView.as_view()),
    path("api/v1/_test/boom/", views.BoomView.as_view()),
    path("api/v1/_test/echo/", views.EchoView.as_view()),
    path("api/v1/_test/raise/<slug:kind>/", views.RaiseView.as_view()),
    path("api/v1/", include(router.urls)),
    *project_urls.urlpatterns,
]

handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500
