from django.db import transaction
from django.http import StreamingHttpResponse
from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from apps.accounts.serializers import (
    AccountDeleteInputSerializer,
    AuthResultSerializer,
    LoginInputSerializer,
    LogoutInputSerializer,
    PasswordChangeInputSerializer,
    ProfileSerializer,
    ProfileUpdateInputSerializer,
    RefreshInputSerializer,
    RegisterInputSerializer,
    TokenPairSerializer,
)
from apps.accounts.services import (
    PROFILE_FIELDS,
    tokens_for,
    user_change_password,
    user_delete,
    user_export,
    user_register,
    user_update_profile,
)
from apps.achievements.services import VERSION_KEY as ACHIEVEMENTS_VERSION_KEY
from apps.core.errors import BadRequest
from apps.core.json_stream import json_chunks
from apps.core.response_cache import cached_per_user
from apps.core.schema import error_responses
from apps.core.throttling import LoginAccountThrottle
from apps.shop.selectors import VERSION_KEY as SHOP_VERSION_KEY

from .selectors import dashboard_for_user, my_profile
from .serializers import DashboardSerializer


def _first_boost_expiry(data):
    """A cached profile or dashboard lasts no longer than its first active boost."""
    return min((boost["expires_at"] for boost in data["active_boosts"]), default=None)


class MeView(APIView):
    @swagger_auto_schema(operation_summary="My profile", responses={200: ProfileSerializer})
    @cached_per_user(catalog_keys=(SHOP_VERSION_KEY,), expires=_first_boost_expiry)
    def get(self, request):
        return Response(my_profile(request.user, request))

    @swagger_auto_schema(
        operation_summary="Edit my profile",
        operation_description="Only display_name, bio, timezone, day_start_hour and email are writable; "
        "anything else sent is ignored.",
        request_body=ProfileUpdateInputSerializer,
        responses={200: ProfileSerializer},
    )
    def patch(self, request):
        data = ProfileUpdateInputSerializer(data=request.data, partial=True, context={"request": request})
        data.is_valid(raise_exception=True)
        changes = {k: v for k, v in data.validated_data.items() if k in PROFILE_FIELDS}
        user_update_profile(user=request.user, **changes)
        return Response(my_profile(request.user, request))

    @swagger_auto_schema(
        operation_summary="Delete my account and all its data",
        request_body=AccountDeleteInputSerializer,
        responses={204: "Deleted"},
    )
    def delete(self, request):
        data = AccountDeleteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user_delete(user=request.user, password=data.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordView(APIView):
    @swagger_auto_schema(
        operation_summary="Change my password (logs out every other session)",
        request_body=PasswordChangeInputSerializer,
        responses={204: "Changed"},
    )
    def post(self, request):
        data = PasswordChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user_change_password(user=request.user, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExportView(APIView):
    @swagger_auto_schema(
        operation_summary="Export all my data",
        operation_description="One JSON document, a key per app, streamed as it is read (long histories "
        "are never held in memory).",
        responses={200: openapi.Response("One JSON document, a key per app", openapi.Schema(type=openapi.TYPE_OBJECT))},
    )
    def get(self, request):
        response = StreamingHttpResponse(json_chunks(user_export(user=request.user)), content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="dreamtrack-export.json"'
        return response


class DashboardView(APIView):
    @swagger_auto_schema(operation_summary="The home screen in one call", responses={200: DashboardSerializer})
    @cached_per_user(catalog_keys=(ACHIEVEMENTS_VERSION_KEY, SHOP_VERSION_KEY), expires=_first_boost_expiry)
    def get(self, request):
        return Response(dashboard_for_user(request.user, request))


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_scope = "login"

    @swagger_auto_schema(
        operation_summary="Create an account",
        request_body=RegisterInputSerializer,
        responses={201: AuthResultSerializer},
        security=[],
    )
    def post(self, request):
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The account and the body that announces it commit together: a client
        # that gets an error never has an account it does not know about.
        with transaction.atomic():
            user = user_register(**data.validated_data)
            body = {"user": my_profile(user, request), **tokens_for(user)}
        return Response(body, status=status.HTTP_201_CREATED)


class TokenView(TokenObtainPairView):
    """Log in with a username or an email and a password."""

    throttle_scope = "login"
    serializer_class = LoginInputSerializer

    def get_throttles(self):
        # The per-IP `login` bucket (shared with register), and one per account tried.
        return [*super().get_throttles(), LoginAccountThrottle()]

    @swagger_auto_schema(
        operation_summary="Log in (username or email)",
        responses={
            200: TokenPairSerializer,
            **error_responses((401, "authentication_failed", "Wrong username/email or password, or an inactive account.")),
        },
        security=[],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class RefreshView(TokenRefreshView):
    """Exchange a refresh token for a new pair; the old refresh token is blacklisted."""

    serializer_class = RefreshInputSerializer

    @swagger_auto_schema(
        operation_summary="Refresh tokens (rotates)",
        responses={
            200: TokenPairSerializer,
            **error_responses(
                (401, "token_not_valid", "Not a refresh token, expired, already used, or its account is gone."),
                (401, "authentication_failed", "The account is inactive."),
            ),
        },
        security=[],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class LogoutView(APIView):
    @swagger_auto_schema(
        operation_summary="Log out: the refresh token stops working",
        request_body=LogoutInputSerializer,
        responses={204: "Logged out"},
    )
    def post(self, request):
        data = LogoutInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        raw = data.validated_data["refresh"]
        invalid = BadRequest(errors={"refresh": ["Not a valid refresh token."]})
        try:
            token = RefreshToken(raw, verify=True)
        except TokenError:
            # Already blacklisted or expired: either way it no longer works. But
            # it must still be a refresh token of this account (not an access token).
            try:
                token = RefreshToken(raw, verify=False)
            except TokenError:
                raise invalid from None
            if token.get(api_settings.TOKEN_TYPE_CLAIM) != "refresh":
                raise invalid from None
            if str(token.get(api_settings.USER_ID_CLAIM)) != str(request.user.pk):
                raise invalid
            return Response(status=status.HTTP_204_NO_CONTENT)
        if str(token.get(api_settings.USER_ID_CLAIM)) != str(request.user.pk):
            raise BadRequest(errors={"refresh": ["This refresh token belongs to another account."]})
        token.blacklist()
        return Response(status=status.HTTP_204_NO_CONTENT)
