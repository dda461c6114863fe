"""The holding rule (`holding_refusal`): what a player may hold, for any number of
players and items granted at once (purchases, admin grants and both sides of a trade)."""
import pytest
from django.test import override_settings

from apps.inventory.services import holding_refusal, inventory_grant, inventory_hold
from apps.shop.tests.factories import BoostFactory, FreezeFactory, ItemFactory

pytestmark = pytest.mark.django_db


def test_a_cosmetic_is_owned_once_even_within_one_batch(make_user):
    ann, ben = make_user("ann"), make_user("ben")
    hat, coat = ItemFactory(), ItemFactory()
    inventory_grant(user_id=ann.pk, item_id=hat.pk, quantity=1, reason="test")

    refused = holding_refusal(incoming={ben.pk: [(coat, 1)], ann.pk: [(hat, 1)]})
    assert refused.item == hat and "owns it once" in refused.detail
    assert holding_refusal(incoming={ben.pk: [(hat, 1), (coat, 1)]}) is None
    assert holding_refusal(incoming={ben.pk: [(coat, 1), (coat, 1)]}).item == coat
    assert holding_refusal(incoming={ben.pk: [(coat, 2)]}).item == coat
    assert holding_refusal(incoming={ben.pk: [], ann.pk: []}) is None


@override_settings(DREAMTRACK_MAX_STREAK_FREEZES=3)
def test_freezes_are_capped_over_every_row_escrow_included(make_user):
    ann = make_user("ann")
    old, new = FreezeFactory(), FreezeFactory()
    row = inventory_grant(user_id=ann.pk, item_id=old.pk, quantity=2, reason="test")
    inventory_hold(holds=[(row, 2)])  # escrowed freezes still count: a cancel returns them

    assert holding_refusal(incoming={ann.pk: [(new, 1)]}) is None
    refused = holding_refusal(incoming={ann.pk: [(new, 1), (old, 1)]})
    assert refused.item == old and "at most 3" in refused.detail
    assert holding_refusal(incoming={ann.pk: [(BoostFactory(), 50)]}) is None  # boosts stack freely


def test_one_query_however_many_players_and_items(make_user, django_assert_max_num_queries):
    users = [make_user(f"u{n}") for n in range(5)]
    items = [ItemFactory() for _ in range(10)] + [FreezeFactory()]
    for user in users:
        inventory_grant(user_id=user.pk, item_id=items[-1].pk, quantity=1, reason="test")
    with django_assert_max_num_queries(1):
        assert holding_refusal(incoming={user.pk: [(item, 1) for item in items] for user in users}) is None
