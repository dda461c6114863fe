from rest_framework.routers import SimpleRouter

from .views import EventsViewSet

router = SimpleRouter()
router.register("events", EventsViewSet, basename="events")

urlpatterns = router.urls
