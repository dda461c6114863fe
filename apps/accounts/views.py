from drf_yasg.utils import swagger_auto_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from apps.core.errors import BadRequest
from apps.core.schema import ErrorSerializer

from .serializers import (
    AuthResultSerializer,
    LoginInputSerializer,
    LogoutInputSerializer,
    RefreshInputSerializer,
    RegisterInputSerializer,
    TokenPairSerializer,
)
from .services import tokens_for, user_register


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_scope = "login"

    @swagger_auto_schema(
        operation_summary="Create an account",
        request_body=RegisterInputSerializer,
        responses={201: AuthResultSerializer, 400: ErrorSerializer},
        security=[],
    )
    def post(self, request):
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_register(**data.validated_data)
        from apps.profiles.selectors import my_profile

        return Response({"user": my_profile(user, request), **tokens_for(user)}, status=status.HTTP_201_CREATED)


class TokenView(TokenObtainPairView):
    """Log in with a username or an email and a password."""

    throttle_scope = "login"
    serializer_class = LoginInputSerializer

    @swagger_auto_schema(
        operation_summary="Log in (username or email)",
        responses={200: TokenPairSerializer, 401: ErrorSerializer},
        security=[],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class RefreshView(TokenRefreshView):
    """Exchange a refresh token for a new pair; the old refresh token is blacklisted."""

    serializer_class = RefreshInputSerializer

    @swagger_auto_schema(
        operation_summary="Refresh tokens (rotates)",
        responses={200: TokenPairSerializer, 401: ErrorSerializer},
        security=[],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class LogoutView(APIView):
    @swagger_auto_schema(
        operation_summary="Log out: the refresh token stops working",
        request_body=LogoutInputSerializer,
        responses={204: "Logged out", 400: ErrorSerializer},
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
