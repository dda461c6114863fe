from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from apps.boosts.models import ActiveBoost, BoostSlot
from apps.boosts.services import boost_use

from .factories import BoostItemFactory, give

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-0123456789")
    client = Client()
    client.force_login(admin)
    return client


def test_active_boosts_are_listed_filtered_and_searched(admin_client, user, make_user):
    boost_use(user=user, inventory_item_id=give(user, BoostItemFactory()).pk)
    bob = make_user("bob")
    boost_use(user=bob, inventory_item_id=give(bob, BoostItemFactory(boost_type="coins")).pk)

    page = admin_client.get("/admin/boosts/activeboost/", {"type": "coins", "q": "bob"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert admin_client.get("/admin/boosts/activeboost/add/").status_code == 403
    assert admin_client.get("/admin/boosts/boostslot/").status_code == 200
    assert admin_client.get("/admin/boosts/boostslot/add/").status_code == 403


def test_the_end_now_action_ends_a_boost_and_frees_its_slot(admin_client, user):
    row = give(user, BoostItemFactory(), quantity=2)
    boost = boost_use(user=user, inventory_item_id=row.pk)

    response = admin_client.post(
        "/admin/boosts/activeboost/", {"action": "end_now", "_selected_action": [boost.pk]}, follow=True
    )

    assert response.status_code == 200
    boost.refresh_from_db()
    assert boost.expires_at <= timezone.now()
    assert BoostSlot.objects.get(user=user, type="xp").active_until == boost.expires_at
    boost_use(user=user, inventory_item_id=row.pk)  # the slot is free again
    assert ActiveBoost.objects.filter(user=user, expires_at__gt=timezone.now() + timedelta(minutes=1)).count() == 1
