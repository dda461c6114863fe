"""DRF throttles backed by the shared cache; rates come from the environment.

`anon` is per IP, `user` per user; scoped rates (`login`, `spend`, `ai`) are
opted into by a view's `throttle_scope`. `login` keys on the IP for every view
with that scope, so token and register share one bucket.
"""
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle


class AnonBurstThrottle(AnonRateThrottle):
    scope = "anon"


class UserBurstThrottle(UserRateThrottle):
    scope = "user"


class ScopedThrottle(ScopedRateThrottle):
    """Scoped rate per user (or per IP when anonymous, and always for `login`)."""

    ip_scopes = {"login"}

    def get_cache_key(self, request, view):
        if self.scope in self.ip_scopes:
            return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
        return super().get_cache_key(request, view)
