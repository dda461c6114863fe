from rest_framework.routers import SimpleRouter

from .views import ActiveBoostViewSet

router = SimpleRouter()
router.register("boosts/active", ActiveBoostViewSet, basename="boost-active")

urlpatterns = router.urls
