"""The default catalog (`manage.py seed`). Idempotent on the item name: an item
that exists is left as it is (an admin may have changed it)."""
from decimal import Decimal

from .models import Item

AV, IC, BG = "avatar", "icon", "background"

# name, type, rarity, price_coins, price_crystals, min_level, description, boost (type, multiplier, minutes)
CATALOG = [
    ("Sprout", AV, "common", 50, None, 1, "A small green start.", None),
    ("Night Owl", AV, "rare", 150, 5, 1, "For those who get things done after dark.", None),
    ("Dream Weaver", AV, "epic", 400, None, 5, "Reach level 5 to wear it.", None),
    ("Phoenix", AV, "legendary", None, 25, 1, "Rises from every broken streak.", None),
    ("Star", IC, "common", 30, None, 1, "A plain bright star.", None),
    ("Lightning", IC, "rare", 120, 4, 1, "Fast and focused.", None),
    ("Crown", IC, "epic", 350, None, 3, "For rulers of their to-do list (level 3).", None),
    ("Comet", IC, "legendary", None, 20, 1, "Rare, bright and brief.", None),
    ("Meadow", BG, "common", 40, None, 1, "Calm green fields.", None),
    ("Ocean Dusk", BG, "rare", 160, 6, 1, "The sea at sunset.", None),
    ("Aurora", BG, "epic", 450, None, 4, "Northern lights (level 4).", None),
    ("Galaxy", BG, "legendary", None, 30, 1, "The whole sky behind you.", None),
    ("XP Boost", "boost", "common", 80, None, 1, "1.5x XP from tasks and habits for 30 minutes.", ("xp", "1.5", 30)),
    ("Coin Boost", "boost", "common", 80, None, 1, "2x coins from tasks and habits for 60 minutes.", ("coins", "2", 60)),
    ("Double XP", "boost", "rare", 200, 8, 1, "2x XP for 60 minutes.", ("xp", "2", 60)),
    ("Coin Rush", "boost", "rare", 150, 6, 1, "1.5x coins for 30 minutes.", ("coins", "1.5", 30)),
    ("XP Surge", "boost", "epic", None, 15, 5, "3x XP for 30 minutes (level 5).", ("xp", "3", 30)),
    ("Golden Hour", "boost", "legendary", None, 25, 10, "3x coins for 60 minutes (level 10).", ("coins", "3", 60)),
    ("Streak Freeze", "streak_freeze", "common", 100, 3, 1, "Keeps your streak alive through one missed day. Hold up to 2.", None),
]


def run(stdout) -> None:
    created = 0
    for name, type_, rarity, coins, crystals, min_level, description, boost in CATALOG:
        defaults = {
            "type": type_,
            "rarity": rarity,
            "price_coins": coins,
            "price_crystals": crystals,
            "min_level": min_level,
            "description": description,
        }
        if boost:
            boost_type, multiplier, minutes = boost
            defaults.update(boost_type=boost_type, multiplier=Decimal(multiplier), duration_minutes=minutes)
        _, was_created = Item.objects.get_or_create(name=name, defaults=defaults)
        created += was_created
    stdout.write(f"shop: {created} item(s) created, {len(CATALOG) - created} already there.")
