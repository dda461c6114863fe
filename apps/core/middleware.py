"""Django's session, authentication and messages middleware for the browser side only.

The JSON API (`/api/...`) authenticates with JWT access tokens (DRF), sets no cookies and
shows no flash messages, so for its requests these three middleware would only build a
session store, a lazy user and a message storage that nothing reads (and that point back
at the request, leaving more for the garbage collector). Their subclasses below do exactly
what Django's do everywhere else (the admin, Swagger UI, ReDoc, media) and step aside for
API paths. As subclasses they still satisfy the admin's system checks.
"""
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware

API_PREFIX = "/api/"


class _BrowserOnly:
    """Mixin: pass API requests straight on (sync or async, as the chain is)."""

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        return super().__call__(request)


class BrowserSessionMiddleware(_BrowserOnly, SessionMiddleware):
    pass


class BrowserAuthenticationMiddleware(_BrowserOnly, AuthenticationMiddleware):
    pass


class BrowserMessageMiddleware(_BrowserOnly, MessageMiddleware):
    pass
