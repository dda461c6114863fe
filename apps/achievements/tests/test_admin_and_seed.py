import io
import os
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from PIL import Image

from apps.achievements import seed
from apps.achievements.models import Achievement
from apps.progression.tests.factories import complete_task
from apps.shop.tests.factories import BoostFactory

from .factories import shop_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db):
    staff = get_user_model().objects.create_superuser("root", "root@example.com", "s3cret-Passw0rd!")
    client = Client()
    client.force_login(staff)
    return client


def jpeg_with_exif():
    out = io.BytesIO()
    image = Image.new("RGB", (16, 16), "blue")
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription
    image.save(out, format="JPEG", exif=exif)
    assert Image.open(io.BytesIO(out.getvalue())).getexif()
    return SimpleUploadedFile("holiday.jpg", out.getvalue(), content_type="image/jpeg")


def form(**overrides):
    data = {
        "code": "admin-made", "title": "Admin made", "description": "", "trigger": "tasks_completed", "threshold": 2,
        "reward_xp": 5, "reward_coins": 7, "reward_crystals": 0, "is_active": "on", "sort_order": 0,
        "reward_items-TOTAL_FORMS": 0, "reward_items-INITIAL_FORMS": 0,
        "reward_items-MIN_NUM_FORMS": 0, "reward_items-MAX_NUM_FORMS": 1000,
    }
    data.update(overrides)
    return data


def test_admin_creates_an_achievement_with_a_reencoded_icon_and_reward_items(admin_client, user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    complete_task(user)  # the catalog is cached before the admin change
    item = BoostFactory()
    r = admin_client.post(
        "/admin/achievements/achievement/add/",
        form(icon=jpeg_with_exif(), **{"reward_items-TOTAL_FORMS": 1, "reward_items-0-item": item.pk, "reward_items-0-quantity": 3}),
    )
    assert r.status_code == 302, r.content[:2000]
    achievement = Achievement.objects.get(code="admin-made")
    name = achievement.icon.name
    assert name.startswith("achievements/") and "holiday" not in name and name.count("/") == 1
    with Image.open(os.path.join(tmp_path, name)) as stored:
        assert not stored.getexif()  # metadata dropped
    assert list(achievement.reward_items.values_list("item_id", "quantity")) == [(item.pk, 3)]
    summary = complete_task(user)  # the new achievement applies at once (cache invalidated by the save)
    assert summary.achievements[0]["code"] == "admin-made" and summary.items[0]["quantity"] == 3
    page = admin_client.get("/admin/achievements/achievement/")
    assert page.status_code == 200 and b"<img" in page.content


def test_admin_rejects_a_file_that_is_not_an_image(admin_client):
    bad = SimpleUploadedFile("evil.png", b"<?php echo 1; ?>", content_type="image/png")
    r = admin_client.post("/admin/achievements/achievement/add/", form(icon=bad))
    assert r.status_code == 200 and not Achievement.objects.filter(code="admin-made").exists()


def test_admin_list_filters(admin_client):
    for query in ("trigger__exact=level", "hidden__exact=1", "is_active__exact=0"):
        assert admin_client.get(f"/admin/achievements/achievement/?{query}").status_code == 200


def test_seed_is_idempotent_and_has_the_contract_set(db):
    out = StringIO()
    seed.run(stdout=out)
    assert "28 created" in out.getvalue()
    rows = {a.code: a for a in Achievement.objects.all()}
    assert {(a.trigger, a.threshold) for a in rows.values() if a.trigger == "tasks_completed"} == {
        ("tasks_completed", n) for n in (1, 10, 50, 100, 500)
    }
    assert sorted(a.threshold for a in rows.values() if a.trigger == "longest_streak") == [3, 7, 30, 100, 365]
    assert sorted(a.threshold for a in rows.values() if a.trigger == "level") == [5, 10, 25]
    assert sorted(a.threshold for a in rows.values() if a.trigger == "dreams_completed") == [1, 5]
    quit_set = {a.title: (a.trigger, a.threshold, a.reward_xp, a.reward_coins) for a in rows.values() if a.trigger.startswith("quit")}
    assert quit_set == {
        "First Log": ("quit_logs", 1, 10, 10),
        "First Smoke-Free Day": ("quit_clean_days", 1, 50, 50),
        "7-Day Smoke-Free Streak": ("quit_clean_streak", 7, 300, 300),
        "30-Day Smoke-Free Streak": ("quit_clean_streak", 30, 1000, 1000),
    }
    assert sorted(a.threshold for a in rows.values() if a.trigger == "habit_check_ins") == [1, 10, 100]
    assert sorted(a.threshold for a in rows.values() if a.trigger == "habit_streak") == [7, 30]
    assert sorted(a.threshold for a in rows.values() if a.trigger == "friends") == [1, 10]
    assert sorted(a.threshold for a in rows.values() if a.trigger == "trades_completed") == [1, 10]
    out = StringIO()
    seed.run(stdout=out)
    assert "0 created, 0 updated, 28 unchanged" in out.getvalue()
    assert Achievement.objects.count() == 28


def test_seed_command_runs_twice(db):
    call_command("seed", stdout=StringIO())
    count = Achievement.objects.count()
    call_command("seed", stdout=StringIO())
    assert Achievement.objects.count() == count >= 17


@pytest.mark.parametrize("item_type", ["streak_freeze", "avatar"])
def test_a_reward_item_that_is_not_a_boost_is_refused(admin_client, item_type):
    # A freeze or a cosmetic paid to a player who holds it already would break the cap or
    # the "owned once" rule; boosts stack, as roulette prizes do.
    item = shop_item(name=f"Test {item_type}", type=item_type)
    r = admin_client.post(
        "/admin/achievements/achievement/add/",
        form(**{"reward_items-TOTAL_FORMS": 1, "reward_items-0-item": item.pk, "reward_items-0-quantity": 1}),
    )
    assert r.status_code == 200 and b"Reward items must be boosts" in r.content
    assert not Achievement.objects.filter(code="admin-made").exists()

