"""The inventory's business-rule failures (rendered by apps.core.exceptions)."""
from apps.core.errors import Conflict, DomainError


class NotEquippable(DomainError):
    status_code = 400
    code = "not_equippable"
    default_detail = "Only avatars, icons and backgrounds can be equipped."


class ItemLocked(Conflict):
    code = "item_locked"
    default_detail = "This item is held by a pending trade."
