from rest_framework.routers import SimpleRouter

from .views import LedgerViewSet, LevelViewSet

router = SimpleRouter()
router.register("levels", LevelViewSet, basename="levels")
# `me/` itself belongs to the profiles app, which routes only `me/`, `me/password/`, `me/export/`.
router.register("me/ledger", LedgerViewSet, basename="ledger")

urlpatterns = router.urls
