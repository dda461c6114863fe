from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from .cache import attach_snapshot, user_snapshot


class CachedJWTAuthentication(JWTAuthentication):
    """SimpleJWT's access-token check, with the user (wallet and streak loaded)
    read from the per-user snapshot in the shared cache (apps/profiles/cache.py):
    one cache round trip instead of a query on every request. A deleted or
    deactivated user invalidates the snapshot, so its tokens stop working at once."""

    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError:
            raise InvalidToken(_("Token contained no recognizable user identification")) from None
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            raise InvalidToken(_("Token contained no recognizable user identification")) from None
        snapshot = user_snapshot(user_id)
        if snapshot is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        user = snapshot["user"]
        if not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        attach_snapshot(user, snapshot)
        return user
