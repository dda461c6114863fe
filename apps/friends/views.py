"""`friends/`, `friends/requests/`, `friends/blocks/` and `users/` (player search, public
profiles, blocks). Each list page loads its players' public profiles in a fixed number of
queries (apps/profiles/selectors.py)."""
from django.contrib.auth import get_user_model
from drf_yasg import openapi
from drf_yasg.utils import no_body, swagger_auto_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.accounts.serializers import PublicProfileSerializer, UserSearchQuerySerializer
from apps.core.errors import NotFound
from apps.core.idempotency import idempotent
from apps.core.schema import error_responses
from apps.profiles.selectors import public_profiles, public_users_queryset

from .exceptions import AlreadyFriends, BlockSelf, FriendRequestToSelf, RequestNotPending, RequestPending, UserBlocked
from .models import Block, FriendRequest, Friendship
from .selectors import blocks_for_user, friend_requests_for_user, friendships_for_user, visible_users
from .serializers import (
    BlockedUserSerializer,
    FriendRequestAcceptedSerializer,
    FriendRequestCreatedSerializer,
    FriendRequestCreateInputSerializer,
    FriendRequestListQuerySerializer,
    FriendRequestSerializer,
    FriendSerializer,
)
from .services import (
    friend_remove,
    friend_request_accept,
    friend_request_cancel,
    friend_request_create,
    friend_request_decline,
    user_block,
    user_unblock,
)

User = get_user_model()
MAX_ID = 2**63 - 1


def path_id(value) -> int:
    """An id from the path (digits only): one no row can have is a 404, not a database overflow."""
    number = int(value)
    if number > MAX_ID:
        raise NotFound()
    return number


def profiles_by_id(user_ids, request) -> dict[int, dict]:
    """{user id: public profile} for these players: 3 queries however many."""
    ids = set(user_ids)
    if not ids:
        return {}
    return {p["id"]: p for p in public_profiles(public_users_queryset(User.objects.filter(pk__in=ids)), request)}


def requests_data(requests, request) -> list[dict]:
    requests = list(requests)
    profiles = profiles_by_id([u for r in requests for u in (r.from_user_id, r.to_user_id)], request)
    return [
        {
            "id": r.pk,
            "from_user": profiles[r.from_user_id],
            "to_user": profiles[r.to_user_id],
            "status": r.status,
            "created_at": r.created_at,
            "responded_at": r.responded_at,
        }
        for r in requests
    ]


def _one_request(friend_request: FriendRequest, request) -> dict:
    return FriendRequestSerializer(requests_data([friend_request], request)[0]).data


class FriendViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """`friends/`: my friends; `DELETE friends/{user_id}/` ends a friendship."""

    serializer_class = FriendSerializer
    filter_backends = []
    lookup_url_kwarg = "user_id"
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Friendship.objects.none()
        return friendships_for_user(user_id=self.request.user.pk)

    @swagger_auto_schema(operation_summary="My friends", operation_description="By username, each with the friend's public profile.")
    def list(self, request, *args, **kwargs):
        page = list(self.paginate_queryset(self.get_queryset()))
        profiles = profiles_by_id([f.friend_id for f in page], request)
        data = [{"user": profiles[f.friend_id], "since": f.created_at} for f in page]
        return self.get_paginated_response(FriendSerializer(data, many=True).data)

    @swagger_auto_schema(
        operation_summary="Unfriend",
        operation_description="Ends the friendship for both players (each one's `friends` statistic goes down). "
        "Not a friend: 404.",
        responses={204: "Removed"},
    )
    def destroy(self, request, *args, **kwargs):
        friend_remove(user=request.user, friend_id=path_id(kwargs["user_id"]))
        return Response(status=status.HTTP_204_NO_CONTENT)


class FriendRequestViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """`friends/requests/`: pending requests, sending one, and answering one. The commands take an
    `Idempotency-Key`: a friendship can pay achievement rewards, and a retry after a lost response
    gets the first answer again rather than a 409."""

    serializer_class = FriendRequestSerializer
    filter_backends = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FriendRequest.objects.none()
        query = FriendRequestListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return friend_requests_for_user(user_id=self.request.user.pk, direction=query.validated_data["direction"])

    @swagger_auto_schema(
        operation_summary="Pending friend requests",
        operation_description="`direction=incoming` (default: sent to me) or `outgoing` (sent by me); newest first.",
        query_serializer=FriendRequestListQuerySerializer,
    )
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(FriendRequestSerializer(requests_data(page, request), many=True).data)

    @swagger_auto_schema(
        operation_summary="Send a friend request",
        operation_description="To the player named by `username` (any case) or `user_id` (exactly one). If that "
        "player already asked you, you become friends at once: both requests are `accepted`. The recipient is "
        "notified (`friend_request`; `friend_accepted` to the other player when requests cross).",
        request_body=FriendRequestCreateInputSerializer,
        responses={
            201: FriendRequestCreatedSerializer,
            **error_responses(NotFound, FriendRequestToSelf, AlreadyFriends, RequestPending, UserBlocked),
        },
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        data = FriendRequestCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        friend_request, summary = friend_request_create(user=request.user, **data.validated_data)
        body = _one_request(friend_request, request)
        if summary is not None:  # the requests crossed: friends now
            body["rewards"] = summary.as_dict()
        return Response(body, status=status.HTTP_201_CREATED)

    def _answer(self, request, pk, service):
        return Response(_one_request(service(user=request.user, request_id=path_id(pk)), request))

    @swagger_auto_schema(
        operation_summary="Accept a friend request (its recipient)",
        operation_description="You become friends; the sender is notified (`friend_accepted`). `rewards`: what "
        "it granted you (a friends achievement reached).",
        request_body=no_body,
        responses={200: FriendRequestAcceptedSerializer, **error_responses(NotFound, RequestNotPending)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def accept(self, request, pk=None):
        friend_request, summary = friend_request_accept(user=request.user, request_id=path_id(pk))
        return Response({**_one_request(friend_request, request), "rewards": summary.as_dict()})

    @swagger_auto_schema(
        operation_summary="Decline a friend request (its recipient)",
        request_body=no_body,
        responses={200: FriendRequestSerializer, **error_responses(NotFound, RequestNotPending)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def decline(self, request, pk=None):
        return self._answer(request, pk, friend_request_decline)

    @swagger_auto_schema(
        operation_summary="Cancel a friend request (its sender)",
        request_body=no_body,
        responses={200: FriendRequestSerializer, **error_responses(NotFound, RequestNotPending)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request, pk=None):
        return self._answer(request, pk, friend_request_cancel)


class BlockViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """`friends/blocks/`: the players I blocked (hidden from me elsewhere, so listed here to unblock)."""

    serializer_class = BlockedUserSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Block.objects.none()
        return blocks_for_user(user_id=self.request.user.pk)

    @swagger_auto_schema(operation_summary="Players I blocked", operation_description="Newest first.")
    def list(self, request, *args, **kwargs):
        page = list(self.paginate_queryset(self.get_queryset()))
        profiles = profiles_by_id([b.blocked_id for b in page], request)
        data = [{"user": profiles[b.blocked_id], "blocked_at": b.created_at} for b in page if b.blocked_id in profiles]
        return self.get_paginated_response(BlockedUserSerializer(data, many=True).data)


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Public profiles. `?search=` matches a username prefix (case-insensitive). Players hidden by
    a block (either way) are neither found nor shown (404)."""

    serializer_class = PublicProfileSerializer
    filter_backends = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        qs = visible_users(viewer_id=self.request.user.pk).order_by("username", "id")
        if self.action == "list":
            query = UserSearchQuerySerializer(data={"search": self.request.query_params.get("search", "")})
            query.is_valid(raise_exception=True)  # too long or a NUL: 400 (else a 500 in the LIKE)
            search = query.validated_data["search"]
            if search:
                # UPPER(username) LIKE UPPER('prefix%'): served by user_username_upper_prefix_idx on PostgreSQL.
                qs = qs.filter(username__istartswith=search)
        return public_users_queryset(qs)

    @swagger_auto_schema(
        operation_summary="Find players",
        operation_description="By username prefix, any case; sorted by username. Includes yourself; never a "
        "player you blocked or who blocked you.",
        manual_parameters=[
            openapi.Parameter(
                "search", openapi.IN_QUERY, type=openapi.TYPE_STRING, max_length=150, description="Username prefix"
            )
        ],
    )
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(public_profiles(page, request))

    @swagger_auto_schema(operation_summary="A player's public profile", responses={200: PublicProfileSerializer})
    def retrieve(self, request, *args, **kwargs):
        return Response(public_profiles([self.get_object()], request)[0])

    @swagger_auto_schema(
        method="post",
        operation_summary="Block a player",
        operation_description="Ends your friendship, cancels the pending friend requests and trades between you, "
        "and hides each of you from the other's search and profile. Blocking again changes nothing. Unknown "
        "player: 404.",
        request_body=no_body,
        responses={204: "Blocked", **error_responses(NotFound, BlockSelf)},
    )
    @swagger_auto_schema(
        method="delete",
        operation_summary="Unblock a player",
        operation_description="Lifts your block (one the other player placed stays). Not blocked: 204 all the same.",
        responses={204: "Unblocked", **error_responses(NotFound)},
    )
    @action(detail=True, methods=["post", "delete"])
    def block(self, request, pk=None):
        if request.method == "POST":
            user_block(user=request.user, user_id=path_id(pk))
        else:
            user_unblock(user=request.user, user_id=path_id(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
