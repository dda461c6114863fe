"""Admin: the idempotency records are read-only; every registered changelist loads."""
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db

RECORDS = "/admin/core/idempotencyrecord/"


@pytest.fixture
def boss_client(client, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    now = timezone.now()
    IdempotencyRecord.objects.create(
        user=alice, key="complete-42", fingerprint="f" * 64, state="done", status_code=200,
        response_body='{"task": {"id": 42}}', created_at=now,
    )
    IdempotencyRecord.objects.create(user=bob, key="spin-7", fingerprint="e" * 64, created_at=now - timedelta(hours=2))
    boss = get_user_model().objects.create_superuser("boss", "boss@example.com", "b0ss-Passw0rd!")
    client.force_login(boss)
    return client


def test_record_changelist_search_and_filters(boss_client):
    r = boss_client.get(RECORDS)
    assert r.status_code == 200
    html = r.content.decode()
    assert "complete-42" in html and "spin-7" in html
    for query, present, absent in [
        ("?q=complete", "complete-42", "spin-7"),
        ("?q=bob", "spin-7", "complete-42"),
        ("?state__exact=pending", "spin-7", "complete-42"),
        ("?status_code__exact=200", "complete-42", "spin-7"),
    ]:
        html = boss_client.get(RECORDS + query).content.decode()
        assert present in html and absent not in html, query


def test_records_are_read_only(boss_client):
    record = IdempotencyRecord.objects.get(key="complete-42")
    assert boss_client.get(f"{RECORDS}add/").status_code == 403
    view = boss_client.get(f"{RECORDS}{record.pk}/change/")
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    assert boss_client.post(f"{RECORDS}{record.pk}/change/", {"key": "hacked"}).status_code == 403
    assert boss_client.post(f"{RECORDS}{record.pk}/delete/", {"post": "yes"}).status_code == 403
    record.refresh_from_db()
    assert record.key == "complete-42"


def test_every_registered_admin_changelist_and_add_page_loads(boss_client):
    """Every model any app registers: the list (with a search), and the add form where adding is allowed."""
    from django.test import RequestFactory

    boss = get_user_model().objects.get(username="boss")
    failures = []
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        base = f"/admin/{meta.app_label}/{meta.model_name}/"
        urls = [base]
        if model_admin.search_fields:
            urls.append(base + "?q=a")
        request = RequestFactory().get(base)
        request.user = boss
        if model_admin.has_add_permission(request):
            urls.append(base + "add/")
        for url in urls:
            status = boss_client.get(url).status_code
            if status != 200:
                failures.append((url, status))
    assert not failures, failures


def test_every_project_model_is_registered_with_columns_search_and_filters():
    from django.apps import apps as django_apps

    inline_only = {"achievementrewarditem"}  # edited inside its achievement's page
    missing, bare = [], []
    for model in django_apps.get_models():
        if not model.__module__.startswith("apps.") or model._meta.model_name in inline_only:
            continue
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            missing.append(model._meta.label)
        elif not (model_admin.list_filter and model_admin.search_fields and model_admin.list_display != ("__str__",)):
            bare.append(model._meta.label)
    assert not missing and not bare, (missing, bare)
