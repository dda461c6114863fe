"""The per-process memo of verified access tokens never outlives a token's validity."""
import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from apps.accounts.services import user_set_active

pytestmark = pytest.mark.django_db


def _client(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_a_memoized_token_still_expires(make_user):
    user = make_user()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        token = str(AccessToken.for_user(user))
        client = _client(token)
        assert client.get("/api/v1/me/").status_code == 200
        assert client.get("/api/v1/me/").status_code == 200  # from the memo
        assert client.get("/api/v1/me/").json()["id"] == user.pk
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        r = client.get("/api/v1/me/")
        assert r.status_code == 401


def test_a_refresh_token_or_a_tampered_one_is_refused_even_after_a_valid_one(make_user):
    user = make_user()
    token = str(AccessToken.for_user(user))
    assert _client(token).get("/api/v1/me/").status_code == 200
    assert _client(str(RefreshToken.for_user(user))).get("/api/v1/me/").status_code == 401
    assert _client(token[:-2] + ("AA" if token[-2:] != "AA" else "BB")).get("/api/v1/me/").status_code == 401


def test_a_deactivated_user_is_refused_with_a_memoized_token(make_user):
    user = make_user()
    client = _client(str(AccessToken.for_user(user)))
    assert client.get("/api/v1/me/").status_code == 200
    user_set_active(user=user, active=False)
    assert client.get("/api/v1/me/").status_code == 401
