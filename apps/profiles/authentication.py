import time

from django.core.signals import setting_changed
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.utils import aware_utcnow

from apps.core.response_cache import response_cache_key

from .cache import user_snapshot

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


def _throttle_counters(request, user_id: int) -> list[tuple[str, str, int]]:
    """The window counters the view's throttles will count for this user."""
    view = (getattr(request, "parser_context", None) or {}).get("view")
    if view is None:
        return []
    counters = []
    for throttle in view.get_throttles():
        counter = throttle.user_counter(view, user_id) if hasattr(throttle, "user_counter") else None
        if counter is not None:
            counters.append(counter)
    return counters


class CachedJWTAuthentication(JWTAuthentication):
    """SimpleJWT's access-token check, with the user read from its snapshot in the shared
    cache (apps/profiles/cache.py): one cache round trip instead of a query on every
    request. A deleted or deactivated user replaces the snapshot's token, so its access
    tokens stop working at once."""

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

    def authenticate(self, request):
        # SimpleJWT's, with the view's per-user rate-limit counters counted in the same
        # cache round trip as the user's snapshot (the throttles then find them counted).
        header = self.get_header(request)
        if header is None:
            return None
        raw_token = self.get_raw_token(header)
        if raw_token is None:
            return None
        validated_token = self.get_validated_token(raw_token)
        return self.get_user(validated_token, request=request), validated_token

    def get_user(self, validated_token, request=None):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError:
            raise InvalidToken(_("Token contained no recognizable user identification")) from None
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            raise InvalidToken(_("Token contained no recognizable user identification")) from None
        counters = _throttle_counters(request, user_id) if request is not None else []
        # A GET's cached response (apps/core/response_cache.py) is read in the same round trip.
        extra = [response_cache_key(user_id, request)] if request is not None and request.method == "GET" else []
        snapshot = user_snapshot(user_id, counters=counters, extra_keys=extra)
        if snapshot is not None and snapshot["counts"]:
            request.throttle_counts = snapshot["counts"]
        if snapshot is not None and extra:
            request.response_cache_prefetch = snapshot["extra"]
        if snapshot is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        user = snapshot["user"]
        if not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        user.cache_version = snapshot["v"]  # the token the response cache compares
        return user
