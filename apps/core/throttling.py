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
import math

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle


class FixedWindowMixin:
    """Count requests per fixed window with one atomic increment in the cache.

    DRF's throttles keep a list of every request time per client and write the
    whole list back on each request (a 1000-entry list for `1000/min`); a counter
    per window costs one round trip. A client may burst up to twice the rate
    across a window boundary, which these limits tolerate. With the cache down
    the increment yields nothing and the request is let through.
    """

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        self.window_end = (window + 1) * self.duration
        key = f"{self.key}:{window}"
        # Counted already, with the authentication's cache read (apps/core/cache_pipeline.py)?
        counted = getattr(request, "throttle_counts", None)
        if counted and key in counted:
            count = counted.pop(key)
        else:
            try:
                count = self.cache.incr(key)
            except ValueError:  # first request of this window
                count = 1 if self.cache.add(key, 1, self.duration + 1) else self.cache.incr(key)
        if count is None or count <= self.num_requests:
            return True
        return False

    def user_counter(self, view, user_id: int) -> tuple[str, int] | None:
        """(the window counter `allow_request` would increment for the authenticated user
        `user_id`, its time to live), for authentication to count in its own cache round
        trip; None if this throttle does not count that user."""
        if not self.prepare_for(view) or self.rate is None:
            return None
        ident = self.user_ident(view, user_id)
        if ident is None:
            return None
        window = int(self.timer() // self.duration)
        return f"{self.cache_format % {'scope': self.scope, 'ident': ident}}:{window}", self.duration + 1

    def prepare_for(self, view) -> bool:
        return True

    def user_ident(self, view, user_id: int):
        return None

    def wait(self):
        return max(1, math.ceil(self.window_end - self.timer()))


class ClientIPMixin:
    def get_ident(self, request):
        if api_settings.NUM_PROXIES:
            return super().get_ident(request)
        return request.META.get("REMOTE_ADDR")


class AnonBurstThrottle(FixedWindowMixin, ClientIPMixin, AnonRateThrottle):
    scope = "anon"  # counts only anonymous requests (no user_ident)


class UserBurstThrottle(FixedWindowMixin, ClientIPMixin, UserRateThrottle):
    scope = "user"

    def user_ident(self, view, user_id: int):
        return user_id  # as UserRateThrottle.get_cache_key for an authenticated user


class ScopedThrottle(FixedWindowMixin, ClientIPMixin, ScopedRateThrottle):
    """Scoped rate per user (or per IP when anonymous, and always for `login`)."""

    ip_scopes = {"login"}

    def allow_request(self, request, view):
        if not self.prepare_for(view):
            return True
        return super().allow_request(request, view)

    def prepare_for(self, view) -> bool:
        # As DRF's ScopedRateThrottle: the scope (and so the rate) comes from the view.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return False
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return True

    def user_ident(self, view, user_id: int):
        return None if self.scope in self.ip_scopes else user_id

    def get_cache_key(self, request, view):
        if self.scope in self.ip_scopes:
            return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
        return super().get_cache_key(request, view)
