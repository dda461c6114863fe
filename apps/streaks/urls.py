from rest_framework.routers import SimpleRouter

from .views import StreakViewSet

router = SimpleRouter()
router.register("streak", StreakViewSet, basename="streak")

urlpatterns = router.urls
