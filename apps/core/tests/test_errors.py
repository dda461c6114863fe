"""Every 4xx/5xx is JSON in one shape: {"code", "detail", "errors"?}."""
import pytest
from rest_framework.test import APIClient

from apps.accounts.services import tokens_for
from apps.stats.models import StatCounter
from conftest import client_for

pytestmark = pytest.mark.django_db


def assert_error(response, status, code, *, errors=False):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    if errors:
        assert isinstance(body["errors"], dict) and body["errors"], body
        for field, messages in body["errors"].items():
            assert isinstance(field, str)
            assert isinstance(messages, list) and all(isinstance(m, str) for m in messages), body
    else:
        assert "errors" not in body, body
    assert set(body) <= {"code", "detail", "errors"}, body
    return body


def test_validation_error_lists_each_field(api_client):
    r = api_client.post("/api/v1/auth/register/", {"username": "x", "email": "not-an-email"}, format="json")
    body = assert_error(r, 400, "validation_error", errors=True)
    assert set(body["errors"]) == {"username", "email", "password"}


def test_body_that_is_not_json_is_parse_error(api_client):
    r = api_client.post("/api/v1/auth/register/", data='{"username": "bob",', content_type="application/json")
    assert_error(r, 400, "parse_error")


def test_form_encoded_body_is_unsupported_media_type(api_client):
    r = api_client.post("/api/v1/auth/register/", data={"username": "bob"}, format="multipart")
    assert_error(r, 415, "unsupported_media_type")


def test_no_token_is_not_authenticated(api_client):
    r = api_client.get("/api/v1/me/")
    assert_error(r, 401, "not_authenticated")
    assert r["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-jwt", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.c2lnbmF0dXJl", "Bearer a b", "Bearer"],
)
def test_bad_token_is_token_not_valid(api_client, user, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)
    assert_error(api_client.get("/api/v1/me/"), 401, "token_not_valid")


def test_other_auth_scheme_is_not_authenticated(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION="Basic YWxpY2U6cGFzcw==")
    assert_error(api_client.get("/api/v1/me/"), 401, "not_authenticated")


def test_refresh_token_used_as_access_token_is_token_not_valid(api_client, user):
    from apps.accounts.services import tokens_for

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user)['refresh']}")
    assert_error(api_client.get("/api/v1/me/"), 401, "token_not_valid")


def test_token_of_a_deleted_user_is_401(make_user):
    gone = make_user("gone")
    client = client_for(gone)
    gone.delete()
    r = client.get("/api/v1/me/")
    assert r.status_code == 401
    assert r.json()["code"] in {"token_not_valid", "authentication_failed"}


@pytest.mark.urls("apps.core.tests.urls")
def test_non_staff_on_an_admin_only_view_is_permission_denied(user):
    assert_error(client_for(user).get("/api/v1/_test/admin-only/"), 403, "permission_denied")


@pytest.mark.urls("apps.core.tests.urls")
def test_staff_passes_the_admin_only_view(make_user):
    staff = make_user("staffer")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    assert client_for(staff).get("/api/v1/_test/admin-only/").status_code == 200


def test_missing_object_is_json_404(auth_client):
    assert_error(auth_client.get("/api/v1/users/987654321/"), 404, "not_found")
    assert_error(auth_client.get("/api/v1/users/not-a-number/"), 404, "not_found")


@pytest.mark.urls("apps.core.tests.urls")
def test_someone_elses_object_is_404_like_a_missing_one(make_user):
    owner, other = make_user("owner"), make_user("other")
    row = StatCounter.objects.create(user=owner, key="secret", value=7)
    assert client_for(owner).get(f"/api/v1/_test/counters/{row.pk}/").json()["value"] == 7
    mine = assert_error(client_for(other).get(f"/api/v1/_test/counters/{row.pk}/"), 404, "not_found")
    missing = assert_error(client_for(other).get(f"/api/v1/_test/counters/{row.pk + 1000}/"), 404, "not_found")
    assert mine == missing


UNKNOWN_API_PATHS = ["/api/v1/nope/", "/api/v1/nope", "/api/v2/me/", "/api/", "/api/v1/me/nope/", "/api/v1/users/1/x/",
                     "/api/v1/tasks/-1/complete/", "/api/v1/tasks/abc/"]
WRITE_METHODS = ("post", "put", "patch", "delete")


@pytest.mark.parametrize("path", UNKNOWN_API_PATHS)
def test_unknown_api_routes_are_json_404_never_html(path, user):
    # enforce_csrf_checks: a real client sends no CSRF cookie. The catch-all was
    # not CSRF-exempt, so every write to it got Django's HTML 403 CSRF page.
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user)['access']}")
    for method in ("get", "head", "options", *WRITE_METHODS):
        r = getattr(client, method)(path)
        assert r.status_code == 404, (method, r.status_code, r.content[:100])
        if method != "head":
            assert_error(r, 404, "not_found")
            assert b"<html" not in r.content.lower()


@pytest.mark.parametrize("path", UNKNOWN_API_PATHS)
def test_unknown_api_routes_without_a_token_are_json_401(path):
    # As every route behind it would answer: authentication comes before the route's 404.
    client = APIClient(enforce_csrf_checks=True)
    for method in ("get", *WRITE_METHODS):
        r = getattr(client, method)(path)
        assert_error(r, 401, "not_authenticated")
        assert r["WWW-Authenticate"].startswith("Bearer")
    bad_token = APIClient(enforce_csrf_checks=True, HTTP_AUTHORIZATION="Bearer not-a-token")
    assert_error(bad_token.post(path), 401, "token_not_valid")


def test_unknown_routes_outside_the_api_are_json_404(user):
    for client in (APIClient(enforce_csrf_checks=True), client_for(user)):
        for method in ("get", "delete"):
            assert_error(getattr(client, method)("/nope/"), 404, "not_found")


def test_the_api_catch_all_is_not_in_the_schema(client):
    assert not [p for p in client.get("/swagger.json").json()["paths"] if not p.startswith("/") or p == "/"]


def test_wrong_method_is_405(auth_client):
    r = auth_client.put("/api/v1/me/", {"display_name": "x"}, format="json")
    body = assert_error(r, 405, "method_not_allowed")
    assert "PUT" in body["detail"]
    assert "PATCH" in r["Allow"]
    assert_error(auth_client.get("/api/v1/auth/logout/"), 405, "method_not_allowed")


@pytest.mark.urls("apps.core.tests.urls")
def test_a_bug_is_a_json_500_without_internals(user):
    client = client_for(user)
    client.raise_request_exception = False
    r = client.get("/api/v1/_test/boom/")
    body = assert_error(r, 500, "server_error")
    assert "a bug" not in r.content.decode()
    assert "Traceback" not in body["detail"]


@pytest.mark.urls("apps.core.tests.urls")
@pytest.mark.parametrize(
    "kind, status, code, errors",
    [
        ("django-validation", 400, "validation_error", {"title": ["Too long."], "deadline": ["Bad date."]}),
        ("django-validation-plain", 400, "validation_error", {"non_field_errors": ["Something is off."]}),
        ("http404", 404, "not_found", None),
        ("django-permission", 403, "permission_denied", None),
        ("insufficient-funds", 409, "insufficient_funds", None),
        ("domain-with-errors", 400, "validation_error", {"currency": ["Not accepted."]}),
        ("service-unavailable", 503, "service_unavailable", None),
        (
            "drf-nested-validation",
            400,
            "validation_error",
            {"offered.items.0.quantity": ["Must be positive."], "message": ["Too long."]},
        ),
    ],
)
def test_every_kind_of_exception_renders_in_the_one_shape(user, kind, status, code, errors):
    body = assert_error(client_for(user).get(f"/api/v1/_test/raise/{kind}/"), status, code, errors=bool(errors))
    if errors:
        assert body["errors"] == errors
    if kind == "http404":
        assert "No such thing" not in body["detail"]


@pytest.mark.parametrize("accept", ["text/html", "application/xml"])
def test_a_client_that_does_not_accept_json_still_gets_a_json_error(auth_client, accept):
    r = auth_client.get("/api/v1/me/", HTTP_ACCEPT=accept)
    assert_error(r, 406, "not_acceptable")


def test_a_request_for_an_unknown_host_is_a_json_400(client):
    r = client.get("/api/v1/me/", HTTP_HOST="evil.example.com")
    assert r.status_code == 400
    assert r["Content-Type"].startswith("application/json")
    assert set(r.json()) == {"code", "detail"}
