"""Trades between friends, with escrow.

`trade_create` puts what the requester offers into escrow at once: the coins leave the
wallet (a `trade_escrow` ledger row; the trade's `escrow_coins` holds them) and the items
become `locked_quantity` on the requester's rows, so they cannot be spent, used, equipped
or offered twice. A pending trade then ends exactly once, by one of:

- `trade_accept` (the recipient): the requested side is checked again and everything
  changes hands in one transaction, with ledger rows on both sides;
- `trade_reject` (the recipient), `trade_cancel` (the requester), `trade_expire` (72 h
  after creation: `run_daily_jobs`, and lazily when a party reads or acts on it), a block
  between the two (`trades_cancel_on_block`) or the deletion of either account
  (`trades_cancel_for_user`): the escrow goes back to the requester.

"Exactly once" holds because every one of them locks the trade row and acts only on a
pending trade. Locks follow the global order (apps/wallet/locks.py): both wallets in
ascending user id (`lock_wallets`), then the trade row(s), then inventory rows in
ascending id. Coins that change hands are `transfer` events of the progress service:
in the ledger, but neither earned nor spent, so trading cannot farm statistics or
achievements (only `trades_completed` counts, +1 for each party of an accepted trade).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.errors import BadRequest, InsufficientFunds, NotFound
from apps.core.user_version import user_version_bump
from apps.friends.selectors import are_friends, blocked_between
from apps.inventory.models import InventoryItem
from apps.inventory.services import (
    Move,
    NotEnoughItems,
    holding_refusal,
    inventory_hold,
    inventory_move,
    inventory_release,
)
from apps.notifications.services import notify_many
from apps.progression.services import ProgressEvent, RewardSummary, UserProgressService
from apps.shop.exceptions import ItemLocked, holding_conflict
from apps.wallet.locks import lock_wallets

from .exceptions import (
    ItemEquipped,
    ItemNotOwned,
    NotFriends,
    NotTradeRecipient,
    TradeEmpty,
    TradeNotPending,
    TradeWithSelf,
)
from .models import Trade, TradeItem

User = get_user_model()

Status = Trade.Status
Side = TradeItem.Side


@dataclass(frozen=True)
class LineInput:
    inventory_id: int
    quantity: int


# -- create ----------------------------------------------------------------------
def trade_create(
    *,
    user,
    recipient_id: int,
    offered_coins: int = 0,
    offered_items: Iterable[LineInput] = (),
    requested_coins: int = 0,
    requested_items: Iterable[LineInput] = (),
    message: str = "",
    now=None,
) -> Trade:
    """Offer `offered_*` of the user's for `requested_*` of the recipient's; 201 pending.

    Checked with both wallets and the offered rows locked: the two are friends and
    neither blocked the other (else 409 `not_friends`, also for an unknown user), the
    offered rows are the user's (409 `item_not_owned`), not equipped (409
    `item_equipped`), held in that quantity (409 `insufficient_items`) and not already in
    escrow (409 `item_locked`), the coins are there (409 `insufficient_funds`); the
    requested rows are the recipient's, in that quantity; a cosmetic goes to no one who
    owns it already (409 `already_owned`). Not to oneself (400 `trade_with_self`), both
    sides not empty (400 `trade_empty`)."""
    offered_items, requested_items = list(offered_items), list(requested_items)
    if recipient_id == user.pk:
        raise TradeWithSelf()
    if not (offered_coins or offered_items) or not (requested_coins or requested_items):
        raise TradeEmpty()
    _check_distinct(offered_items, requested_items)
    if offered_coins < 0 or requested_coins < 0:
        raise ValueError("coins must not be negative")
    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if recipient is None:
        raise NotFriends()
    now = now or timezone.now()

    with transaction.atomic():
        wallets = lock_wallets(user_ids=[user.pk, recipient.pk])
        if blocked_between(user.pk, recipient.pk) or not are_friends(user.pk, recipient.pk):
            raise NotFriends()
        offered_rows = _lock_rows([line.inventory_id for line in offered_items], owner_id=user.pk)
        requested_rows = {
            row.pk: row
            for row in InventoryItem.objects.select_related("item").filter(pk__in=[x.inventory_id for x in requested_items])
        }
        for line in offered_items:
            _check_giveable(offered_rows.get(line.inventory_id), owner_id=user.pk, quantity=line.quantity)
        for line in requested_items:
            row = requested_rows.get(line.inventory_id)
            if row is None or row.user_id != recipient.pk or row.quantity == 0:
                raise ItemNotOwned()
            if row.quantity < line.quantity:
                raise NotEnoughItems()
        _check_receivable(
            incoming={
                recipient.pk: [(offered_rows[x.inventory_id], x.quantity) for x in offered_items],
                user.pk: [(requested_rows[x.inventory_id], x.quantity) for x in requested_items],
            }
        )
        if wallets[user.pk].coins < offered_coins:
            raise InsufficientFunds()

        trade = Trade.objects.create(
            requester=user,
            recipient=recipient,
            offered_coins=offered_coins,
            requested_coins=requested_coins,
            escrow_coins=offered_coins,
            message=message,
            created_at=now,
            expires_at=now + settings.DREAMTRACK_TRADE_TTL,
        )
        sides = ((Side.OFFERED, offered_items, offered_rows), (Side.REQUESTED, requested_items, requested_rows))
        TradeItem.objects.bulk_create(
            [
                TradeItem(trade=trade, side=side, inventory_item=rows[x.inventory_id], item=rows[x.inventory_id].item, quantity=x.quantity)
                for side, lines, rows in sides
                for x in lines
            ]
        )
        inventory_hold(holds=[(offered_rows[line.inventory_id], line.quantity) for line in offered_items])
        if offered_coins:
            progress = UserProgressService(user, now=now)
            progress.lock(locked=wallets[user.pk])
            progress.apply(
                ProgressEvent(reason="trade_escrow", ref=trade.ref, coins=-offered_coins, transfer=True)
            )
        user_version_bump(recipient.pk)
        notify_many([(recipient.pk, "trade_received", _payload(trade, other=user))])
    return trade


def _check_distinct(*sides: list[LineInput]) -> None:
    errors = {}
    for name, lines in zip(("offered", "requested"), sides, strict=True):
        ids = [line.inventory_id for line in lines]
        if len(ids) != len(set(ids)):
            errors[name] = ["Each inventory_id may appear once."]
    if errors:
        raise BadRequest(errors=errors)


def _lock_rows(ids: Iterable[int], *, also: Q | None = None, owner_id: int | None = None) -> dict[int, InventoryItem]:
    """Lock these inventory rows (only `owner_id`'s, when given; and those matching `also`)
    in ascending id, the global order for inventory rows; {id: row} with their items."""
    condition = Q(pk__in=list(ids))
    if owner_id is not None:
        condition &= Q(user_id=owner_id)
    if also is not None:
        condition |= also
    rows = InventoryItem.objects.select_for_update(of=("self",)).select_related("item").filter(condition).order_by("pk")
    return {row.pk: row for row in rows}


def _check_giveable(row: InventoryItem | None, *, owner_id: int, quantity: int) -> None:
    """`quantity` of `row` can leave `owner_id`'s inventory now (the row is locked)."""
    if row is None or row.user_id != owner_id or row.quantity == 0:
        raise ItemNotOwned()
    if row.equipped:
        raise ItemEquipped()
    if row.quantity < quantity:
        raise NotEnoughItems()
    if row.quantity - row.locked_quantity < quantity:
        raise ItemLocked()


def _check_receivable(*, incoming: dict[int, list[tuple[InventoryItem, int]]]) -> None:
    """Each receiver can take what comes to them ({user_id: [(row, quantity)]}), by the
    inventory's holding rule, as a purchase: a cosmetic is owned once (409
    `already_owned`), streak freezes up to the held maximum (409 `limit_reached`)."""
    refusal = holding_refusal(
        incoming={user_id: [(row.item, quantity) for row, quantity in lines] for user_id, lines in incoming.items()}
    )
    if refusal:
        raise holding_conflict(refusal)


# -- the parties' commands ---------------------------------------------------------------
def trade_accept(*, user, trade_id: int, now=None) -> tuple[Trade, RewardSummary]:
    """The recipient accepts: the requested side is checked again (owned, not equipped,
    not in escrow, coins there; a cosmetic not already owned by its receiver) and both
    sides change hands in this one transaction, with ledger rows on both sides. Returns
    the trade and what the recipient was granted (coins, and achievements reached).
    Errors: 404 not a party, 403 `permission_denied` the requester, 409
    `trade_not_pending`, `not_friends`, `item_not_owned`, `item_equipped`,
    `insufficient_items`, `item_locked`, `already_owned`, `limit_reached`,
    `insufficient_funds`."""
    now = now or timezone.now()
    with transaction.atomic():
        trade, wallets = _lock_trade(user=user, trade_id=trade_id)
        if trade.recipient_id != user.pk:
            raise NotTradeRecipient()
        _ensure_pending(trade, now=now)
        requester, recipient = trade.requester, trade.recipient
        if blocked_between(requester.pk, recipient.pk) or not are_friends(requester.pk, recipient.pk):
            raise NotFriends()
        lines = list(trade.lines.all())
        offered = [line for line in lines if line.side == Side.OFFERED]
        requested = [line for line in lines if line.side == Side.REQUESTED]
        # The givers' rows and the receivers' rows of the same items, in one ascending pass.
        rows = _lock_rows(
            [line.inventory_item_id for line in lines],
            also=Q(user_id=recipient.pk, item_id__in=[x.item_id for x in offered])
            | Q(user_id=requester.pk, item_id__in=[x.item_id for x in requested]),
        )
        for line in requested:
            _check_giveable(rows.get(line.inventory_item_id), owner_id=recipient.pk, quantity=line.quantity)
        for line in offered:
            row = rows[line.inventory_item_id]
            if row.user_id != requester.pk or row.locked_quantity < line.quantity:
                raise AssertionError(f"trade {trade.pk}: its escrow of row {row.pk} is gone")
        _check_receivable(
            incoming={
                recipient.pk: [(rows[x.inventory_item_id], x.quantity) for x in offered],
                requester.pk: [(rows[x.inventory_item_id], x.quantity) for x in requested],
            }
        )
        if wallets[recipient.pk].coins < trade.requested_coins:
            raise InsufficientFunds()

        inventory_move(
            moves=[Move(rows[x.inventory_item_id], recipient.pk, x.quantity, from_escrow=True) for x in offered]
            + [Move(rows[x.inventory_item_id], requester.pk, x.quantity) for x in requested],
            held=rows.values(), reason="trade", ref=trade.ref,
        )
        # One ledger row per side: the escrow and the requested coins, net.
        summaries = {}
        for party, coins in ((requester, trade.requested_coins), (recipient, trade.escrow_coins - trade.requested_coins)):
            progress = UserProgressService(party, now=now)
            progress.lock(locked=wallets[party.pk])
            summaries[party.pk] = progress.apply(
                ProgressEvent(reason="trade", ref=trade.ref, coins=coins, transfer=True, stats={"trades_completed": 1})
            )
        _resolve(trade, status=Status.ACCEPTED, now=now)
        notify_many([(requester.pk, "trade_accepted", _payload(trade, other=recipient))])
    return trade, summaries[recipient.pk]


def trade_reject(*, user, trade_id: int, now=None) -> Trade:
    """The recipient declines; the escrow goes back to the requester. 404 not a party,
    403 the requester, 409 `trade_not_pending`."""
    return _end_by_party(user=user, trade_id=trade_id, role="recipient", status=Status.REJECTED, kind="trade_rejected", now=now)


def trade_cancel(*, user, trade_id: int, now=None) -> Trade:
    """The requester withdraws; the escrow comes back. 404 not a party, 403 the
    recipient, 409 `trade_not_pending`."""
    return _end_by_party(user=user, trade_id=trade_id, role="requester", status=Status.CANCELLED, kind="trade_cancelled", now=now)


def _end_by_party(*, user, trade_id: int, role: str, status: str, kind: str, now) -> Trade:
    now = now or timezone.now()
    with transaction.atomic():
        trade, wallets = _lock_trade(user=user, trade_id=trade_id)
        if getattr(trade, f"{role}_id") != user.pk:
            raise NotTradeRecipient()
        _ensure_pending(trade, now=now)
        _return_escrow([trade], wallets=wallets, now=now)
        _resolve(trade, status=status, now=now)
        other = trade.requester if role == "recipient" else trade.recipient
        notify_many([(other.pk, kind, _payload(trade, other=user))])
    return trade


def _lock_trade(*, user, trade_id: int) -> tuple[Trade, dict]:
    """Lock both parties' wallets, then the trade row; 404 unless `user` is a party."""
    parties = (
        Trade.objects.filter(Q(requester_id=user.pk) | Q(recipient_id=user.pk), pk=trade_id)
        .values_list("requester_id", "recipient_id")
        .first()
    )
    if parties is None:
        raise NotFound()
    wallets = lock_wallets(user_ids=parties)
    trade = Trade.objects.select_for_update(of=("self",)).select_related("requester", "recipient").filter(pk=trade_id).first()
    if trade is None:
        raise NotFound()  # gone with a party's account while the wallets were awaited
    return trade, wallets


def _ensure_pending(trade: Trade, *, now) -> None:
    # A trade past its expiry is no longer pending even before a job or a read has
    # marked it: the views expire it first (committed), then the command gets 409.
    if trade.status != Status.PENDING or trade.expires_at <= now:
        raise TradeNotPending()


def _return_escrow(trades: list[Trade], *, wallets: dict, now) -> None:
    """Give the requesters back what their pending trades hold (their wallets, the
    trades and nothing else are locked yet): items released in one ascending pass of
    row locks, coins through the progress service."""
    lines = list(TradeItem.objects.filter(trade__in=trades, side=Side.OFFERED).order_by("inventory_item_id"))
    rows = _lock_rows([line.inventory_item_id for line in lines])
    inventory_release(releases=[(rows[line.inventory_item_id], line.quantity) for line in lines])
    for trade in trades:
        if trade.escrow_coins:
            progress = UserProgressService(trade.requester, now=now)
            progress.lock(locked=wallets[trade.requester_id])
            progress.apply(
                ProgressEvent(reason="trade_escrow_returned", ref=trade.ref, coins=trade.escrow_coins, transfer=True)
            )
            trade.escrow_coins = 0


def _resolve(trade: Trade, *, status: str, now) -> None:
    trade.status, trade.escrow_coins, trade.resolved_at = status, 0, now
    trade.save(update_fields=["status", "escrow_coins", "resolved_at"])
    # What each party sees of the trade changed (trades/, the inventory's locked_in_trade).
    user_version_bump(trade.requester_id)
    user_version_bump(trade.recipient_id)


def _payload(trade: Trade, *, other) -> dict:
    """A notification's payload: the trade and the other party."""
    return {"trade_id": trade.pk, "user": {"id": other.pk, "username": other.username}}


# -- expiry ------------------------------------------------------------------------
EXPIRY_BATCH = 500


def trade_expire(*, trade_id: int, now=None) -> bool:
    """Expire one trade if it is pending and due, returning its escrow; whether this call
    did it (a job and a reader racing each other: one of them does, once)."""
    now = now or timezone.now()
    with transaction.atomic():
        parties = Trade.objects.filter(pk=trade_id).values_list("requester_id", "recipient_id").first()
        if parties is None:
            return False
        wallets = lock_wallets(user_ids=parties)
        trade = (
            Trade.objects.select_for_update(of=("self",))
            .select_related("requester", "recipient")
            .filter(pk=trade_id, status=Status.PENDING, expires_at__lte=now)
            .first()
        )
        if trade is None:
            return False
        _return_escrow([trade], wallets=wallets, now=now)
        _resolve(trade, status=Status.EXPIRED, now=now)
        notify_many(
            [
                (trade.requester_id, "trade_expired", _payload(trade, other=trade.recipient)),
                (trade.recipient_id, "trade_expired", _payload(trade, other=trade.requester)),
            ]
        )
    return True


def trades_expire_due(*, now=None, user_id: int | None = None, trade_id: int | None = None) -> int:
    """Expire every pending trade past its `expires_at` (only those of `user_id`, or only
    `trade_id`, when given), each in its own short transaction; how many this call
    expired. Finding none costs one indexed query (the lazy check on every read)."""
    now = now or timezone.now()
    due = Trade.objects.filter(status=Status.PENDING, expires_at__lte=now)
    if user_id is not None:
        due = due.filter(Q(requester_id=user_id) | Q(recipient_id=user_id))
    if trade_id is not None:
        due = due.filter(pk=trade_id)
    expired, after = 0, 0
    while True:
        ids = list(due.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:EXPIRY_BATCH])
        for pk in ids:
            expired += trade_expire(trade_id=pk, now=now)
        if len(ids) < EXPIRY_BATCH:
            return expired
        after = ids[-1]


# -- blocks and account deletion -------------------------------------------------
def trades_cancel_between(*, user_id: int, other_id: int, now=None) -> int:
    """Cancel the pending trades between the two (either way), escrow returned, both told;
    how many. Runs inside the caller's transaction (a block's)."""
    return _cancel_pending(
        Q(requester_id=user_id, recipient_id=other_id) | Q(requester_id=other_id, recipient_id=user_id),
        party_ids=[user_id, other_id],
        now=now,
    )


def trades_cancel_for_user(*, user_id: int, now=None) -> int:
    """Cancel every pending trade of the user (an account being deleted), escrow returned
    to the requesters; only the other parties are told. How many."""
    condition = Q(requester_id=user_id) | Q(recipient_id=user_id)
    cancelled = 0
    # The parties are read before their wallets are locked: a trade with someone new
    # committed in between is left by this pass and taken by the next.
    for _attempt in range(5):
        parties = Trade.objects.filter(condition, status=Status.PENDING).values_list("requester_id", "recipient_id")
        others = {pk for pair in parties for pk in pair} - {user_id}
        if not others:
            break
        cancelled += _cancel_pending(condition, party_ids=[user_id, *others], now=now, silent_ids={user_id})
    return cancelled


def trade_admin_cancel(*, trade_id: int, now=None) -> bool:
    """Cancel one pending trade from the admin, escrow returned, both parties told;
    whether it was pending."""
    parties = Trade.objects.filter(pk=trade_id).values_list("requester_id", "recipient_id").first()
    if parties is None:
        return False
    return _cancel_pending(Q(pk=trade_id), party_ids=parties, now=now) == 1


def trades_cancel_on_block(sender=None, *, blocker_id: int, blocked_id: int, **kwargs) -> None:
    """Receiver of apps.friends.signals.user_blocked (sent inside the block's transaction)."""
    trades_cancel_between(user_id=blocker_id, other_id=blocked_id)


def trades_cancel_on_user_delete(sender=None, *, instance, **kwargs) -> None:
    """Receiver of `pre_delete` for users: nothing pending may cascade away with escrow held."""
    trades_cancel_for_user(user_id=instance.pk)


def _cancel_pending(condition: Q, *, party_ids, now=None, silent_ids=frozenset()) -> int:
    now = now or timezone.now()
    with transaction.atomic():
        # Wallets first (ascending), and only then the pending trades, read under those
        # locks: a trade created meanwhile has committed (or waits, and then sees the
        # block or the missing user).
        wallets = lock_wallets(user_ids=party_ids)
        trades = list(
            Trade.objects.select_for_update(of=("self",))
            .select_related("requester", "recipient")
            .filter(condition, status=Status.PENDING)
            .order_by("pk")
        )
        trades = [trade for trade in trades if trade.requester_id in wallets and trade.recipient_id in wallets]
        if not trades:
            return 0
        _return_escrow(trades, wallets=wallets, now=now)
        notices = []
        for trade in trades:
            _resolve(trade, status=Status.CANCELLED, now=now)
            for party, other in ((trade.requester, trade.recipient), (trade.recipient, trade.requester)):
                if party.pk not in silent_ids:
                    notices.append((party.pk, "trade_cancelled", _payload(trade, other=other)))
        notify_many(notices)
    return len(trades)

