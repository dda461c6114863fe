from rest_framework.routers import SimpleRouter

from .views import TradeViewSet

router = SimpleRouter()
router.register("trades", TradeViewSet, basename="trade")

urlpatterns = router.urls
