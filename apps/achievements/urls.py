from rest_framework.routers import SimpleRouter

from .views import AchievementViewSet

router = SimpleRouter()
router.register("achievements", AchievementViewSet, basename="achievements")

urlpatterns = router.urls
