import factory

from apps.achievements.models import Achievement


class AchievementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Achievement

    code = factory.Sequence(lambda n: f"ach-{n}")
    title = factory.Sequence(lambda n: f"Achievement {n}")
    description = "Do the thing."
    trigger = "tasks_completed"
    threshold = 1
    reward_xp = 0
    reward_coins = 0
    reward_crystals = 0


def shop_item(name="Test Freeze", type="streak_freeze", **kwargs):
    from apps.shop.models import Item

    return Item.objects.get_or_create(name=name, defaults={"type": type, "price_coins": 50, **kwargs})[0]
