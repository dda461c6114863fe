import factory

from apps.roulette.models import RouletteSegment


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RouletteSegment

    label = factory.Sequence(lambda n: f"Prize {n}")
    kind = "coins"
    amount = 10
    weight = 1


def boost_item(name: str = "Test XP Boost"):
    from decimal import Decimal

    from apps.shop.models import Item

    return Item.objects.get_or_create(
        name=name,
        defaults={"type": "boost", "boost_type": "xp", "multiplier": Decimal("1.5"), "duration_minutes": 30, "price_coins": 80},
    )[0]


class Landing:
    """A stand-in for the CSPRNG that lands on one segment: `randrange(total)` returns the
    first point of that segment's share of the wheel (segments in id order)."""

    def __init__(self, segment):
        self.segment = segment
        self.calls = 0

    def randrange(self, total):
        self.calls += 1
        point = 0
        for s in RouletteSegment.objects.filter(is_active=True).order_by("id"):
            if s.pk == self.segment.pk:
                return point
            point += s.weight
        raise AssertionError("segment not active")


def land_on(monkeypatch, segment) -> Landing:
    from apps.roulette import services

    landing = Landing(segment)
    monkeypatch.setattr(services, "_system_random", landing)
    return landing
