import io

import pytest

from apps.inventory.models import ItemType
from apps.shop import seed
from apps.shop.models import Item, Rarity

pytestmark = pytest.mark.django_db


def test_seed_covers_the_contract_and_is_idempotent():
    seed.run(io.StringIO())
    items = list(Item.objects.all())
    assert len(items) == len(seed.CATALOG)
    assert {i.type for i in items} == set(ItemType.values)
    assert {i.rarity for i in items} == set(Rarity.values)
    level1_coins = [i for i in items if i.min_level == 1 and i.price_coins is not None]
    assert {i.type for i in level1_coins} == set(ItemType.values)  # every type, level 1, for coins
    boosts = {(i.boost_type, i.multiplier, i.duration_minutes) for i in level1_coins if i.type == "boost"}
    assert {b[0] for b in boosts} == {"xp", "coins"}
    assert any(i.price_coins is None and i.price_crystals for i in items)  # crystals only
    assert any(i.price_coins and i.price_crystals for i in items)  # both
    assert any(i.min_level > 1 for i in items)
    for type_ in ("avatar", "icon", "background", "boost"):
        assert sum(i.type == type_ for i in items) >= 3

    before = list(Item.objects.order_by("id").values())
    out = io.StringIO()
    seed.run(out)
    assert list(Item.objects.order_by("id").values()) == before
    assert "0 item(s) created" in out.getvalue()


def test_seed_leaves_an_admins_changes_alone():
    seed.run(io.StringIO())
    Item.objects.filter(name="Sprout").update(price_coins=999)
    seed.run(io.StringIO())
    assert Item.objects.get(name="Sprout").price_coins == 999
