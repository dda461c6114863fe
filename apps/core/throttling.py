"""DRF throttles backed by the shared cache; rates come from the environment.

`anon` is per IP, `user` per user; scoped rates (`login`, `spend`, `ai`) are opted into by
a view's `throttle_scope`. `login` keys on the IP for every view with that scope, so token
and register share one bucket; `auth/token/` also counts per account
(`LoginAccountThrottle`), so spreading guesses over many addresses does not help.

**A sliding window, estimated from two counters.** Each window of the rate's duration has
one counter (`INCR`); a request is allowed while
`previous window's count × (share of the previous window still inside the last duration)
+ this window's count` stays within the rate. Counting in fixed windows alone lets a
client send twice the rate across a window boundary; the estimate holds it to the rate
over any span of that duration (exactly when requests in the previous window came evenly,
never more than the rate plus the one request being counted). A refused request counts
too, so hammering keeps a client refused.

**With the cache unreachable**, `login` falls back to the same count in this process's
memory (each process then holds the rate on its own: N processes let through at most N
times the rate, never everything); the other scopes let requests through, so an outage of
Redis does not take the API down with it.

The client's IP is REMOTE_ADDR. DRF's default, with `NUM_PROXIES` unset, is to trust the
whole `X-Forwarded-For` header instead, which any client can set to a new value on every
request and so escape every per-IP limit. Behind N trusted reverse proxies set
REST_FRAMEWORK["NUM_PROXIES"] = N: then the N-th address from the right is used, as DRF does.
"""
import hashlib
import math
import threading

from rest_framework.exceptions import APIException
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, SimpleRateThrottle, UserRateThrottle


class _LocalCounters:
    """Window counters in this process's memory: the fallback while the cache is down."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}  # key -> (count, expires at)

    def incr_and_get(self, key: str, previous_key: str, *, ttl: float, now: float) -> tuple[int, int]:
        with self._lock:
            if len(self._counts) > 10_000:  # drop what has expired
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            count, expires = self._counts.get(key, (0, now + ttl))
            self._counts[key] = (count + 1, expires)
            previous, previous_expires = self._counts.get(previous_key, (0, now))
            return count + 1, previous if previous_expires > now else 0


    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


_local = _LocalCounters()


def local_counters_clear() -> None:
    """Forget the in-process fallback counters (tests, as they clear the cache)."""
    _local.clear()


def window_keys(base: str, *, now: float, duration: int) -> tuple[str, str, float]:
    """(this window's counter key, the previous window's, elapsed share of this window)."""
    position = now / duration
    window = int(position)
    return f"{base}:{window}", f"{base}:{window - 1}", position - window


class SlidingWindowMixin:
    """The two-counter estimate (see the module docstring), one cache round trip."""

    local_fallback = False  # count in process memory while the cache is down (login)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        current_key, previous_key, self.elapsed = window_keys(self.key, now=now, duration=self.duration)
        counted = getattr(request, "throttle_counts", None) or {}
        if current_key in counted:  # counted with the authentication's cache read (apps/core/cache_pipeline.py)
            current, previous = counted.pop(current_key)
        else:
            current, previous = self._count(current_key, previous_key, now=now)
        if current is None:  # the cache is unreachable
            if not self.local_fallback:
                return True
            current, previous = _local.incr_and_get(current_key, previous_key, ttl=2 * self.duration, now=now)
        self.current, self.previous = current, previous or 0
        return self.previous * (1 - self.elapsed) + self.current <= self.num_requests

    def _count(self, current_key: str, previous_key: str, *, now: float) -> tuple[int | None, int | None]:
        try:
            current = self.cache.incr(current_key)
        except ValueError:  # the window's first request
            current = 1 if self.cache.add(current_key, 1, 2 * self.duration) else self.cache.incr(current_key)
        if current is None:
            return None, None
        return current, self.cache.get(previous_key)

    def user_counter(self, view, user_id: int) -> tuple[str, str, int] | None:
        """(this window's counter key, the previous window's, seconds to keep them) that
        `allow_request` would use for the authenticated user `user_id`, for authentication
        to count in its own cache round trip; None if this throttle does not count that user."""
        if not self.prepare_for(view) or self.rate is None:
            return None
        ident = self.user_ident(view, user_id)
        if ident is None:
            return None
        base = self.cache_format % {"scope": self.scope, "ident": ident}
        current_key, previous_key, _ = window_keys(base, now=self.timer(), duration=self.duration)
        return current_key, previous_key, 2 * self.duration

    def prepare_for(self, view) -> bool:
        return True

    def user_ident(self, view, user_id: int):
        return None

    def wait(self):
        """Seconds until one more request fits the rate, if nothing else comes meanwhile."""
        room, current, previous = self.num_requests - 1, self.current, self.previous
        if current <= room and previous:
            share = 1 - (room - current) / previous  # of this window, when the previous one has decayed enough
            seconds = (share - self.elapsed) * self.duration
        else:  # over the rate within this window alone: wait into the next one
            share = 1 - max(room, 0) / current
            seconds = (1 - self.elapsed + share) * self.duration
        return max(1, math.ceil(seconds))


class ClientIPMixin:
    def get_ident(self, request):
        if api_settings.NUM_PROXIES:
            return super().get_ident(request)
        return request.META.get("REMOTE_ADDR")


class AnonBurstThrottle(SlidingWindowMixin, ClientIPMixin, AnonRateThrottle):
    scope = "anon"  # counts only anonymous requests (no user_ident)


class UserBurstThrottle(SlidingWindowMixin, ClientIPMixin, UserRateThrottle):
    scope = "user"

    def user_ident(self, view, user_id: int):
        return user_id  # as UserRateThrottle.get_cache_key for an authenticated user


class ScopedThrottle(SlidingWindowMixin, ClientIPMixin, ScopedRateThrottle):
    """Scoped rate per user (or per IP when anonymous, and always for `login`)."""

    ip_scopes = {"login"}

    def allow_request(self, request, view):
        if not self.prepare_for(view):
            return True
        self.local_fallback = self.scope in self.ip_scopes
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


class LoginAccountThrottle(SlidingWindowMixin, SimpleRateThrottle):
    """The `login` rate per account named in the body (username or email, any case)."""

    scope = "login"
    local_fallback = True

    def get_cache_key(self, request, view):
        try:
            data = request.data
        except APIException:  # an unparsable body: the view answers it, nothing to count
            return None
        return self.key_for(data.get("username") if isinstance(data, dict) else None)

    def key_for(self, name) -> str | None:
        """The counter of the account `name` (None for no name: nothing to count)."""
        if not isinstance(name, str) or not name.strip():
            return None
        ident = hashlib.sha256(name.strip().casefold().encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return self.cache_format % {"scope": "login-account", "ident": ident}
