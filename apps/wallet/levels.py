"""The level curve, derived from XP (no table to keep in step).

From level L to L+1 takes STEP x (L+1) XP (STEP = 50), so the total XP for
level L is STEP/2 x (L-1) x (L+2): level 2 at 100, 3 at 250, 5 at 700, 10 at 2700.
"""
from math import isqrt

STEP = 50


def total_xp_for_level(level: int) -> int:
    return STEP * (level - 1) * (level + 2) // 2


def xp_to_next_level(level: int) -> int:
    """XP the whole of `level` spans (from its start to the next level)."""
    return STEP * (level + 1)


def level_for_xp(xp: int) -> int:
    if xp <= 0:
        return 1
    # (L-1)(L+2) <= 2xp/STEP  <=>  L^2 + L <= k, with k = floor(2xp/STEP) + 2
    k = (2 * xp) // STEP + 2
    level = max(1, (isqrt(1 + 4 * k) - 1) // 2)
    while total_xp_for_level(level + 1) <= xp:
        level += 1
    while level > 1 and total_xp_for_level(level) > xp:
        level -= 1
    return level


def level_progress(xp: int) -> dict[str, int]:
    level = level_for_xp(xp)
    return {
        "level": level,
        "xp_into_level": xp - total_xp_for_level(level),
        "xp_for_next_level": xp_to_next_level(level),
    }
