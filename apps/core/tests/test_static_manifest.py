"""Production static files (WhiteNoise's manifest storage) when `collectstatic` was not run.

Every response carrying an image URL, /swagger/ and /admin/ used to be a 500
(`Missing staticfiles manifest entry`), register after its user was committed.
Now the URL falls back to the unhashed name, a deploy check and /readyz say what
is wrong, and no response fails.
"""
import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.checks import Error, run_checks
from django.core.management import call_command
from django.test import override_settings

from conftest import client_for

pytestmark = pytest.mark.django_db

MANIFEST_STORAGE = "apps.core.staticfiles.ManifestStaticFilesStorage"
SLOTS = ("avatar", "icon", "background")


def storages(backend: str) -> dict:
    return {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": backend},
    }


@pytest.fixture
def no_manifest(tmp_path):
    """DEBUG off, the production storage, and a STATIC_ROOT that collectstatic never filled."""
    with override_settings(DEBUG=False, STATIC_ROOT=tmp_path, STORAGES=storages(MANIFEST_STORAGE)):
        yield tmp_path


@pytest.fixture
def with_manifest(tmp_path):
    manifest = {"version": "1.1", "hash": "x", "paths": {f"shop/defaults/{slot}.png": f"shop/defaults/{slot}.abc123.png" for slot in SLOTS}}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    with override_settings(DEBUG=False, STATIC_ROOT=tmp_path, STORAGES=storages(MANIFEST_STORAGE)):
        yield tmp_path


def test_production_settings_use_the_storage_that_never_fails_a_response():
    # DEBUG off in a fresh interpreter (the environment wins over .env).
    code = "from dreamtrack import settings as s; print(s.STORAGES['staticfiles']['BACKEND'])"
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "test-only-" + "x" * 50}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == MANIFEST_STORAGE


def test_register_without_a_manifest_is_201_with_image_urls(no_manifest, api_client):
    body = {"username": "newbie", "email": "newbie@example.com", "password": "s3cret-Passw0rd!"}
    r = api_client.post("/api/v1/auth/register/", body, format="json")

    assert r.status_code == 201, r.content
    assert r.json()["user"]["avatar"] == "http://testserver/static/shop/defaults/avatar.png"


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/dashboard/", "/api/v1/shop/items/", "/api/v1/users/"])
def test_image_urls_without_a_manifest_are_unhashed_not_a_500(no_manifest, user, path):
    call_command("seed", stdout=StringIO())
    r = client_for(user).get(path)
    assert r.status_code == 200, r.content[:300]


@pytest.mark.parametrize("path", ["/swagger/", "/admin/login/"])
def test_html_pages_without_a_manifest_render(no_manifest, client, path):
    r = client.get(path)
    assert r.status_code == 200


def test_with_a_manifest_urls_are_hashed(with_manifest, user):
    r = client_for(user).get("/api/v1/me/")
    assert r.json()["avatar"] == "http://testserver/static/shop/defaults/avatar.abc123.png"


def test_a_missing_manifest_is_a_deploy_check_error(no_manifest):
    errors = [m for m in run_checks(include_deployment_checks=True) if m.id == "core.E001"]
    assert len(errors) == 1 and isinstance(errors[0], Error)
    assert "collectstatic" in errors[0].hint


def test_with_a_manifest_the_deploy_check_passes(with_manifest):
    assert not [m for m in run_checks(include_deployment_checks=True) if m.id == "core.E001"]


def test_the_plain_storage_needs_no_manifest():
    assert not [m for m in run_checks(include_deployment_checks=True) if m.id == "core.E001"]


def test_readyz_is_503_without_a_manifest(no_manifest, client):
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["static_files"] is False


def test_readyz_is_200_with_a_manifest(with_manifest, client):
    r = client.get("/readyz")
    assert r.status_code == 200, r.content
    assert r.json()["checks"]["static_files"] is True


def test_register_leaves_no_account_when_its_response_cannot_be_built(api_client, monkeypatch):
    # The account and its response are one transaction: a client that gets an
    # error never has an account it does not know about.
    from apps.profiles import views

    def broken(user, request):
        raise RuntimeError("response building failed")

    monkeypatch.setattr(views, "my_profile", broken)
    api_client.raise_request_exception = False
    body = {"username": "newbie", "email": "newbie@example.com", "password": "s3cret-Passw0rd!"}
    r = api_client.post("/api/v1/auth/register/", body, format="json")

    assert r.status_code == 500
    assert not get_user_model().objects.filter(username="newbie").exists()
