from rest_framework.routers import SimpleRouter

from .views import LeaderboardViewSet

router = SimpleRouter()
router.register("leaderboard", LeaderboardViewSet, basename="leaderboard")

urlpatterns = router.urls
