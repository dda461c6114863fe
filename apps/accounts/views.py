from drf_yasg.utils import swagger_auto_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from apps.core.errors import BadRequest
from apps.core.schema import ErrorSerializer

from .serializers import AuthResultSerializer, LogoutInputSerializer, RegisterInputSerializer, TokenPairSerializer
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

    @swagger_auto_schema(
        operation_summary="Log in (username or email)",
        responses={200: TokenPairSerializer, 401: ErrorSerializer},
        security=[],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class RefreshView(TokenRefreshView):
    """Exchange a refresh token for a new pair; the old refresh token is blacklisted."""

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
        try:
            token = RefreshToken(data.validated_data["refresh"], verify=True)
        except TokenError:
            # Already blacklisted or expired: either way it no longer works.
            try:
                token = RefreshToken(data.validated_data["refresh"], verify=False)
            except TokenError:
                raise BadRequest(errors={"refresh": ["Not a valid refresh token."]}) from None
            if str(token.get("user_id")) != str(request.user.pk):
                raise BadRequest(errors={"refresh": ["Not a valid refresh token."]})
            return Response(status=status.HTTP_204_NO_CONTENT)
        if str(token.get("user_id")) != str(request.user.pk):
            raise BadRequest(errors={"refresh": ["This refresh token belongs to another account."]})
        token.blacklist()
        return Response(status=status.HTTP_204_NO_CONTENT)
