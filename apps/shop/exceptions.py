"""The shop's business-rule failures (rendered by apps.core.exceptions)."""
from apps.core.errors import Conflict, DomainError


class CurrencyNotAccepted(DomainError):
    status_code = 400
    code = "currency_not_accepted"
    default_detail = "This item is not sold for that currency."


class AlreadyOwned(Conflict):
    code = "already_owned"
    default_detail = "You already own this item."


class LevelTooLow(Conflict):
    code = "level_too_low"
    default_detail = "Your level is too low for this item."


class LimitReached(Conflict):
    code = "limit_reached"
    default_detail = "You hold the most streak freezes allowed."


class NotEquippable(DomainError):
    status_code = 400
    code = "not_equippable"
    default_detail = "Only avatars, icons and backgrounds can be equipped."


class ItemLocked(Conflict):
    code = "item_locked"
    default_detail = "This item is held by a pending trade."


def holding_conflict(refusal) -> Conflict:
    """The 409 for an inventory `holding_refusal`: `already_owned` for a cosmetic,
    `limit_reached` for streak freezes."""
    return (AlreadyOwned if refusal.item.is_cosmetic else LimitReached)(refusal.detail)
