from rest_framework.routers import SimpleRouter

from .views import DreamViewSet

router = SimpleRouter()
router.register("dreams", DreamViewSet, basename="dream")

urlpatterns = router.urls
