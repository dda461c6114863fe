"""DRF throttles backed by the shared cache; rates come from the environment.

`anon` is per IP, `user` per user; scoped rates (`login`, `spend`, `ai`) are
opted into by a view's `throttle_scope`. `login` keys on the IP for every view
with that scope, so token and register share one bucket.

The client's IP is REMOTE_ADDR. DRF's default, with `NUM_PROXIES` unset, is to
trust the whole `X-Forwarded-For` header instead, which any client can set to a
new value on every request and so escape every per-IP limit (login brute force).
Behind N trusted reverse proxies set REST_FRAMEWORK["NUM_PROXIES"] = N: then
the N-th address from the right of `X-Forwarded-For` is used, as DRF does.
"""
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle


class ClientIPMixin:
    def get_ident(self, request):
        if api_settings.NUM_PROXIES:
            return super().get_ident(request)
        return request.META.get("REMOTE_ADDR")


class AnonBurstThrottle(ClientIPMixin, AnonRateThrottle):
    scope = "anon"


class UserBurstThrottle(ClientIPMixin, UserRateThrottle):
    scope = "user"


class ScopedThrottle(ClientIPMixin, ScopedRateThrottle):
    """Scoped rate per user (or per IP when anonymous, and always for `login`)."""

    ip_scopes = {"login"}

    def get_cache_key(self, request, view):
        if self.scope in self.ip_scopes:
            return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
        return super().get_cache_key(request, view)
