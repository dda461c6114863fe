from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("users", views.UserViewSet, basename="users")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("me/password/", views.PasswordView.as_view(), name="me-password"),
    path("me/export/", views.ExportView.as_view(), name="me-export"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    *router.urls,
]
