"""The API documents: a valid Swagger 2.0 document listing every /api/v1/ route, and the UIs."""
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV2SpecValidator

pytestmark = pytest.mark.django_db

API_PREFIX = "api/v1/"
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def swagger(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        r = Client().get("/swagger.json")
    assert r.status_code == 200, r.content[:500]
    assert r["Content-Type"].startswith("application/json")
    return r.json()


def _walk(patterns, prefix=""):
    """(route, URLPattern) for every leaf pattern, with the prefixes of its resolvers."""
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route, p


def _swagger_path(route: str) -> str:
    """`users/(?P<pk>[^/.]+)/$` or `users/<int:pk>/` -> `/users/{id}/` (drf-yasg names a pk `id`)."""
    route = route.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\.", ".")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    return "/" + route[len(API_PREFIX):].replace("{pk}", "{id}")


def _methods(pattern: URLPattern) -> set[str]:
    """The methods the view really answers (a method left out of `http_method_names` is a 405)."""
    callback = pattern.callback
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view is None:
        return set()
    allowed = HTTP_METHODS & set(view.http_method_names)
    actions = getattr(callback, "actions", None)
    if actions:  # a ViewSet route: {"get": "list", "post": "create"}
        return allowed & set(actions)
    return {m for m in allowed if hasattr(view, m)}


def api_routes() -> dict[str, set[str]]:
    routes: dict[str, set[str]] = {}
    for route, pattern in _walk(get_resolver().url_patterns):
        normalized = route.replace("^", "")
        if not normalized.startswith(API_PREFIX):
            continue
        # Format-suffix variants (`.json`) are not part of the contract.
        if "format" in pattern.pattern.regex.groupindex:
            continue
        routes.setdefault(_swagger_path(route), set()).update(_methods(pattern))
    return routes


def test_swagger_json_is_a_valid_swagger_2_document(swagger):
    assert swagger["swagger"] == "2.0"
    validate(swagger, cls=OpenAPIV2SpecValidator)
    assert swagger["basePath"] == "/api/v1"
    assert "Bearer" in swagger["securityDefinitions"]


def test_the_platform_routes_are_where_the_contract_says():
    routes = api_routes()
    expected = {
        "/auth/register/": {"post"},
        "/auth/token/": {"post"},
        "/auth/token/refresh/": {"post"},
        "/auth/logout/": {"post"},
        "/me/": {"get", "patch", "delete"},
        "/me/password/": {"post"},
        "/me/export/": {"get"},
        "/users/": {"get"},
        "/users/{id}/": {"get"},
    }
    for path, methods in expected.items():
        assert path in routes, sorted(routes)
        assert routes[path] == methods, (path, routes[path])


def test_every_api_route_and_method_is_documented(swagger):
    routes = api_routes()
    assert routes, "no /api/v1/ routes found"
    missing_paths = sorted(set(routes) - set(swagger["paths"]))
    assert not missing_paths, f"routes missing from /swagger.json: {missing_paths}"
    missing_ops = sorted(
        f"{method.upper()} {path}"
        for path, methods in routes.items()
        for method in methods
        if method not in swagger["paths"][path]
    )
    assert not missing_ops, f"operations missing from /swagger.json: {missing_ops}"
    # And nothing documented that the resolver does not serve.
    assert not sorted(set(swagger["paths"]) - set(routes))


def test_operations_document_their_errors(swagger):
    for path, item in swagger["paths"].items():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            assert op.get("operationId"), (method, path)
            codes = set(op["responses"])
            assert any(c.startswith("2") for c in codes), (method, path, codes)
            assert "429" in codes, (method, path)
            if op.get("security") != []:
                assert "401" in codes, (method, path)
            if method in {"post", "put", "patch"}:
                assert "400" in codes, (method, path)


def test_operation_ids_are_unique(swagger):
    ids = [op["operationId"] for item in swagger["paths"].values() for m, op in item.items() if m in HTTP_METHODS]
    assert len(ids) == len(set(ids))


def test_public_endpoints_need_no_token_in_the_document(swagger):
    for path in ("/auth/register/", "/auth/token/", "/auth/token/refresh/"):
        assert swagger["paths"][path]["post"].get("security") == [], path
    assert swagger["paths"]["/me/"]["get"].get("security") != []


@pytest.mark.parametrize("path", ["/swagger/", "/redoc/"])
def test_the_documentation_uis_are_html(client, path):
    r = client.get(path)
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/html")
    assert b"<html" in r.content.lower()


@pytest.mark.parametrize("path", ["/swagger/?format=openapi", "/redoc/?format=openapi"])
def test_the_uis_load_the_same_document(client, swagger, path):
    r = client.get(path)
    assert r.status_code == 200
    assert r.json()["paths"].keys() == swagger["paths"].keys()


def test_swagger_json_needs_no_authentication_and_no_debug(client, settings):
    settings.DEBUG = False
    r = client.get("/swagger.json")
    assert r.status_code == 200 and r.json()["swagger"] == "2.0"
