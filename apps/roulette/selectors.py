"""Reads of the roulette: the published odds, the player's state, the history."""
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from apps.core.localday import day_bounds, local_date
from apps.shop.images import item_image_url

from .models import RouletteSegment, RouletteSpin


def active_segments() -> list[RouletteSegment]:
    """The wheel as it stands: active segments in a fixed order, with their items."""
    return list(RouletteSegment.objects.filter(is_active=True).select_related("item").order_by("id"))


def probability(weight: int, total: int) -> float:
    """A segment's published probability: its weight over the total of active weights."""
    return round(weight / total, 6) if total else 0.0


def segment_public(segment: RouletteSegment, *, total: int, request=None) -> dict:
    """`{id, label, kind, amount, item, probability}`; `item` is null except for item prizes."""
    item = segment.item
    return {
        "id": segment.pk,
        "label": segment.label,
        "kind": segment.kind,
        "amount": segment.amount,
        "item": None
        if item is None
        else {
            "id": item.pk,
            "name": item.name,
            "type": item.type,
            "rarity": item.rarity,
            "image": item_image_url(item, request),
        },
        "probability": probability(segment.weight, total),
    }


def next_spin_at(*, user, now: datetime | None = None) -> datetime:
    """The start of the user's next local day (their timezone and day_start_hour)."""
    return day_bounds(user, local_date(user, now or timezone.now()))[1]


def roulette_state_for_user(*, user, request=None, now: datetime | None = None) -> dict:
    """`{available, next_spin_at, segments}` for `GET roulette/`."""
    now = now or timezone.now()
    segments = active_segments()
    total = sum(s.weight for s in segments)
    spun = RouletteSpin.objects.filter(user=user, local_date=local_date(user, now)).exists()
    return {
        "available": bool(segments) and not spun,
        "next_spin_at": next_spin_at(user=user, now=now),
        "segments": [segment_public(s, total=total, request=request) for s in segments],
    }


def spin_history_for_user(*, user) -> QuerySet[RouletteSpin]:
    """The user's spins, newest first (each one what it was when it was won)."""
    return RouletteSpin.objects.filter(user=user)
