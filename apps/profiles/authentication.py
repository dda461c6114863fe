import time

from django.core.signals import setting_changed
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.utils import aware_utcnow

from .cache import attach_snapshot, user_snapshot

# Access tokens this process has verified: {raw token: (payload, exp)}. Checking a
# token again (HMAC, JSON, claims) gives the same answer until it expires: its
# signature, type and id cannot change, and "not before"/"issued at" stay passed.
# A hit is used only while the token has more than a second left (the last second
# goes through the full check, which owns the exact expiry rule). Bounded; cleared
# when settings change (a new signing key).
_verified: dict[bytes, tuple[dict, float]] = {}
_VERIFIED_MAX = 4096


def _forget_verified(**kwargs) -> None:
    _verified.clear()


setting_changed.connect(_forget_verified, dispatch_uid="profiles-verified-tokens")


class CachedJWTAuthentication(JWTAuthentication):
    """SimpleJWT's access-token check, with the user (wallet and streak loaded)
    read from the per-user snapshot in the shared cache (apps/profiles/cache.py):
    one cache round trip instead of a query on every request. A deleted or
    deactivated user invalidates the snapshot, so its tokens stop working at once."""

    def get_validated_token(self, raw_token):
        hit = _verified.get(raw_token)
        if hit is not None and hit[1] > time.time() + 1:
            token = AccessToken.__new__(AccessToken)
            token.token, token.payload, token.current_time = raw_token, dict(hit[0]), aware_utcnow()
            return token
        token = super().get_validated_token(raw_token)
        exp = token.payload.get("exp")
        if type(token) is AccessToken and isinstance(exp, int | float) and not isinstance(exp, bool):
            if len(_verified) >= _VERIFIED_MAX:
                _verified.clear()
            _verified[raw_token] = (dict(token.payload), float(exp))
        return token

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
