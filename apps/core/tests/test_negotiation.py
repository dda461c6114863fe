"""Content negotiation's short path (apps/core/negotiation.py) answers as DRF's does."""
import pytest
from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from apps.core.negotiation import ContentNegotiation
from conftest import client_for

ACCEPTS = [
    None,
    "",
    "*/*",
    "application/json",
    "application/json; indent=4",
    "application/*",
    "*/*;q=0.8",
    "text/html",
    "text/html, application/json;q=0.9",
    "application/xml",
]
RENDERER_SETS = [(JSONRenderer,), (JSONRenderer, BrowsableAPIRenderer), (BrowsableAPIRenderer, JSONRenderer)]


def _choice(negotiation, accept, renderers, query, format_suffix):
    extra = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get("/x/" + query, **extra))
    try:
        renderer, media_type = negotiation.select_renderer(request, [r() for r in renderers], format_suffix)
    except NotAcceptable:
        return "406"
    except Http404:  # a ?format= no renderer has
        return "404"
    return type(renderer), media_type


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("renderers", RENDERER_SETS)
@pytest.mark.parametrize(("query", "format_suffix"), [("", None), ("?format=json", None), ("?format=api", None), ("", "json")])
def test_the_choice_is_drf_s(accept, renderers, query, format_suffix):
    ours = _choice(ContentNegotiation(), accept, renderers, query, format_suffix)
    assert ours == _choice(DefaultContentNegotiation(), accept, renderers, query, format_suffix)


def test_the_usual_headers_take_the_short_path(monkeypatch):
    def slow(*args, **kwargs):
        raise AssertionError("DRF's negotiation ran")

    monkeypatch.setattr(DefaultContentNegotiation, "select_renderer", slow)
    for accept in (None, "*/*", "application/json"):
        assert _choice(ContentNegotiation(), accept, (JSONRenderer,), "", None) == (JSONRenderer, "application/json")


@pytest.mark.django_db
@pytest.mark.parametrize(("accept", "status"), [("application/json", 200), ("*/*", 200), ("text/html", 406)])
def test_the_api_uses_it(user, accept, status):
    r = client_for(user).get("/api/v1/me/", HTTP_ACCEPT=accept)
    assert r.status_code == status
    assert r["Content-Type"].startswith("application/json")
