from rest_framework.routers import SimpleRouter

from .views import RouletteHistoryViewSet, RouletteViewSet

router = SimpleRouter()
router.register("roulette/history", RouletteHistoryViewSet, basename="roulette-history")
router.register("roulette", RouletteViewSet, basename="roulette")

urlpatterns = router.urls
