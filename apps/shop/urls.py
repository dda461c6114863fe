from rest_framework.routers import SimpleRouter

from .views import ShopItemViewSet

router = SimpleRouter()
router.register("shop/items", ShopItemViewSet, basename="shop-item")

urlpatterns = router.urls
