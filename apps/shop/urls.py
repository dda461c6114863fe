from rest_framework.routers import SimpleRouter

from .views import InventoryViewSet, ShopItemViewSet

router = SimpleRouter()
router.register("shop/items", ShopItemViewSet, basename="shop-item")
router.register("inventory", InventoryViewSet, basename="inventory")

urlpatterns = router.urls
