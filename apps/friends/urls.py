from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("friends/requests", views.FriendRequestViewSet, basename="friend-request")
router.register("friends/blocks", views.BlockViewSet, basename="friend-block")
router.register("friends", views.FriendViewSet, basename="friend")
router.register("users", views.UserViewSet, basename="users")

urlpatterns = router.urls
