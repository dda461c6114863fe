"""The daily roulette spin.

Odds: each active segment wins with probability weight / total of active weights. The
draw uses the operating system's CSPRNG (`secrets.SystemRandom`), behind a seam
(`segment_draw(rng=...)`) so tests can swap in a seeded generator.

Once a day: a `RouletteSpin` row per (user, local day) under a unique constraint; a
second spin that day fails to insert it (409 `already_spun`), so concurrent spins pay
once. The prize goes through the progress service (items into the inventory) in the
same transaction as the spin row; `roulette_spins` counts each spin.
"""
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.localday import local_date
from apps.progression.services import ProgressEvent, RewardSummary, UserProgressService

from .exceptions import AlreadySpun, RouletteUnavailable
from .models import RouletteSegment, RouletteSpin, SegmentKind
from .selectors import active_segments, next_spin_at

_system_random = secrets.SystemRandom()


def segment_draw(segments: Sequence[RouletteSegment], *, rng: random.Random | None = None) -> RouletteSegment:
    """One of `segments`, each with probability weight / total weight. Integer weights and
    `randrange` keep the odds exact (no floating-point rounding). `rng`: the source of
    randomness; the CSPRNG unless a test passes a seeded `random.Random`."""
    total = sum(segment.weight for segment in segments)
    if total <= 0:
        raise RouletteUnavailable()
    point = (rng or _system_random).randrange(total)
    for segment in segments:
        if point < segment.weight:
            return segment
        point -= segment.weight
    raise AssertionError("unreachable: point < total")  # pragma: no cover


@dataclass
class SpinResult:
    spin: RouletteSpin
    segment: RouletteSegment
    total_weight: int
    rewards: RewardSummary
    next_spin_at: datetime


def _prize_event(segment: RouletteSegment, spin: RouletteSpin) -> ProgressEvent:
    amounts = {"xp": 0, "coins": 0, "crystals": 0}
    items = []
    if segment.kind == SegmentKind.ITEM:
        items = [(segment.item, segment.amount)]
    else:
        amounts[segment.kind] = segment.amount
    return ProgressEvent(
        reason="roulette_spin", ref=f"roulette:{spin.pk}", items=items, stats={"roulette_spins": 1}, **amounts
    )


def roulette_spin(*, user, now: datetime | None = None, rng: random.Random | None = None) -> SpinResult:
    """Spin once for today's local day and pay the prize. 409 `already_spun` on a second
    spin that day; 503 `roulette_unavailable` when no segment is active."""
    now = now or timezone.now()
    today = local_date(user, now)
    segments = active_segments()
    total = sum(s.weight for s in segments)
    segment = segment_draw(segments, rng=rng)  # no prizes: 503 before anything is written
    with transaction.atomic():
        progress = UserProgressService(user, now=now)
        progress.lock()  # 1. the wallet, then 2. the spin row (the global lock order)
        try:
            spin = RouletteSpin.objects.create(
                user=user,
                local_date=today,
                segment=segment,
                label=segment.label,
                kind=segment.kind,
                amount=segment.amount,
                item=segment.item,
                item_name=segment.item.name if segment.item else "",
                weight=segment.weight,
                total_weight=total,
                created_at=now,
            )
        except IntegrityError:
            # The unique (user, local_date): today's spin exists. Leaving the block rolls it back.
            raise AlreadySpun() from None
        rewards = progress.apply(_prize_event(segment, spin))
    return SpinResult(spin=spin, segment=segment, total_weight=total, rewards=rewards, next_spin_at=next_spin_at(user=user, now=now))
