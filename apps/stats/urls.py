from rest_framework.routers import SimpleRouter

from .views import StatsViewSet

router = SimpleRouter()
router.register("stats", StatsViewSet, basename="stats")

urlpatterns = router.urls
