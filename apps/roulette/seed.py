"""The default wheel (`manage.py seed`): segments of every kind. Idempotent on the label:
a segment that exists is left as it is (an admin may have changed its odds)."""
from apps.shop.models import Item

from .models import RouletteSegment

# label, kind, amount, item name (item prizes), weight
WHEEL = [
    ("10 coins", "coins", 10, None, 30),
    ("25 coins", "coins", 25, None, 20),
    ("100 coins", "coins", 100, None, 4),
    ("20 XP", "xp", 20, None, 25),
    ("50 XP", "xp", 50, None, 10),
    ("1 crystal", "crystals", 1, None, 6),
    ("5 crystals", "crystals", 5, None, 1),
    ("XP Boost", "item", 1, "XP Boost", 2),
    ("Coin Boost", "item", 1, "Coin Boost", 2),
]


def run(stdout) -> None:
    created = skipped = 0
    for label, kind, amount, item_name, weight in WHEEL:
        item = None
        if item_name is not None:
            item = Item.objects.filter(name=item_name, type="boost").first()
            if item is None:  # the shop seed runs first; an admin may have renamed it
                skipped += 1
                continue
        _, was_created = RouletteSegment.objects.get_or_create(
            label=label, defaults={"kind": kind, "amount": amount, "item": item, "weight": weight}
        )
        created += was_created
    stdout.write(f"roulette: {created} segment(s) created, {len(WHEEL) - created - skipped} already there.")
