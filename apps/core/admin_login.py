"""The admin's login form, held to the API's `login` rate: per client IP (the bucket
`auth/token/` and `auth/register/` share) and per account named in the form, so
guessing a staff password is as slow there as through the API."""
from types import SimpleNamespace

from django.contrib import admin
from django.http import HttpResponse

from .throttling import LoginAccountThrottle, ScopedThrottle

_LOGIN_SCOPE = SimpleNamespace(throttle_scope="login")  # what a DRF view would declare


class _FormAccountThrottle(LoginAccountThrottle):
    """The per-account count, with the username from the admin's form."""

    def get_cache_key(self, request, view):
        return self.key_for(request.POST.get("username"))


def admin_login(request, extra_context=None):
    """Django admin's login view; a sign-in attempt over the rate is a 429 (Retry-After)."""
    if request.method == "POST":
        for throttle in (ScopedThrottle(), _FormAccountThrottle()):
            if not throttle.allow_request(request, _LOGIN_SCOPE):
                response = HttpResponse(
                    "Too many sign-in attempts. Try again later.\n", status=429, content_type="text/plain; charset=utf-8"
                )
                response["Retry-After"] = str(throttle.wait())
                return response
    return admin.site.login(request, extra_context)
