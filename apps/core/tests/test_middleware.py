"""apps/core/middleware.py: sessions, the middleware's lazy user and messages stay on the
browser side (admin); API requests get none of them and still authenticate by JWT."""
import pytest
from django.contrib.messages import get_messages

from conftest import client_for

pytestmark = pytest.mark.django_db


def test_an_api_request_builds_no_session_user_or_messages_and_sets_no_cookie(make_user):
    user = make_user("mona")
    response = client_for(user).get("/api/v1/me/")
    assert response.status_code == 200 and response.json()["username"] == "mona"
    request = response.wsgi_request
    assert not hasattr(request, "session")
    assert not hasattr(request, "_messages")
    assert not hasattr(request, "auser")
    assert request.user == user  # set by DRF's authentication, as before
    assert not response.cookies


def test_an_unknown_api_path_is_a_json_error_without_a_session(make_user):
    from rest_framework.test import APIClient

    response = APIClient().get("/api/v2/nothing/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert not hasattr(response.wsgi_request, "session")
    response = client_for(make_user("mona")).get("/api/v2/nothing/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not hasattr(response.wsgi_request, "session")


def test_the_admin_keeps_its_session_login_and_messages(client):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@example.com", "r00t-Passw0rd!")
    login = client.post("/admin/login/?next=/admin/", {"username": "root", "password": "r00t-Passw0rd!"})
    assert login.status_code == 302 and "sessionid" in login.cookies
    page = client.get("/admin/")
    assert page.status_code == 200
    assert page.wsgi_request.user == admin
    assert hasattr(page.wsgi_request, "session") and hasattr(page.wsgi_request, "_messages")
    assert list(get_messages(page.wsgi_request)) == []
