"""Fixtures shared by every app's tests."""
import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.core import cache_pipeline, catalog_versions, throttling


@pytest.fixture(autouse=True)
def _clean_cache():
    # Throttle counters and cached catalogs must not leak between tests.
    cache.clear()
    catalog_versions.forget()
    throttling.local_counters_clear()
    cache_pipeline.tokens_owed_forget()
    yield
    cache.clear()
    catalog_versions.forget()
    throttling.local_counters_clear()
    cache_pipeline.tokens_owed_forget()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def make_user(db):
    from apps.accounts.services import user_register

    counter = {"n": 0}

    def make(username=None, password="s3cret-Passw0rd!", **kwargs):
        counter["n"] += 1
        username = username or f"player{counter['n']}"
        return user_register(username=username, email=kwargs.pop("email", f"{username}@example.com"), password=password, **kwargs)

    return make


@pytest.fixture
def user(make_user):
    return make_user("alice")


@pytest.fixture
def auth_client(user):
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def client_for(user) -> APIClient:
    from apps.accounts.services import tokens_for

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user)['access']}")
    return client


def exported(user) -> dict:
    """`GET me/export/` as the user's app receives it (a streamed body), parsed."""
    import json

    response = client_for(user).get("/api/v1/me/export/")
    assert response.status_code == 200, response
    return json.loads(b"".join(response.streaming_content))
