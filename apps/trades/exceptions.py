"""The trades' business-rule failures (rendered by apps.core.exceptions)."""
from apps.core.errors import Conflict, DomainError


class TradeNotPending(Conflict):
    code = "trade_not_pending"
    default_detail = "This trade is no longer pending."


class NotFriends(Conflict):
    # Also for a block either way and for an unknown user: the answer reveals nothing.
    code = "not_friends"
    default_detail = "You can only trade with your friends."


class TradeWithSelf(DomainError):
    code = "trade_with_self"
    default_detail = "You cannot trade with yourself."


class TradeEmpty(DomainError):
    code = "trade_empty"
    default_detail = "Both sides of a trade must offer something: coins or items."


class CrystalsNotTradable(DomainError):
    code = "crystals_not_tradable"
    default_detail = "Crystals cannot be traded."


class ItemNotOwned(Conflict):
    code = "item_not_owned"
    default_detail = "That inventory item is not held by the player who would give it."


class ItemEquipped(Conflict):
    code = "item_equipped"
    default_detail = "An equipped item cannot be traded; unequip it first."


class NotTradeRecipient(DomainError):
    status_code = 403
    code = "permission_denied"
    default_detail = "Only the trade's recipient can accept or reject it, and only its requester can cancel it."
