"""Using a boost from the inventory, and ending one early (admin).

One active boost per (user, type) -- how the database guarantees it
--------------------------------------------------------------------
Every activation locks the user's `BoostSlot` row for that type
(`SELECT ... FOR UPDATE`) and compares its `active_until` with now, then
moves it forward in the same transaction. The row is created on first use by
an INSERT guarded by the (user, type) unique constraint, so two first-time
activations cannot both create one: the loser's INSERT waits for the winner's
transaction, fails with IntegrityError, and then locks the winner's row and
sees its `active_until`. Whatever the interleaving, the second request reads
the first one's committed slot and gets 409 `boost_already_active`.

Why a slot row rather than a PostgreSQL exclusion constraint
(`EXCLUDE USING gist (user_id WITH =, type WITH =, tstzrange(started_at, expires_at) WITH &&)`):
- it needs no `btree_gist` extension (CREATE EXTENSION wants elevated rights on
  managed databases) and keeps the SQLite development database working;
- a refusal is an ordinary check that raises the domain error before anything
  is consumed, instead of a constraint violation to translate after the fact;
- the slot also serializes the inventory take, so "exactly one consumed" and
  "exactly one active" are the same decision.
The price is that writes must go through `boost_use`/`boost_end` (the admin
only ends boosts through `boost_end`, which moves the slot too).

Lock order (the global one, apps/wallet/locks.py): wallet ->
inventory row -> boost slot. The wallet lock already serializes one user's
value-changing requests; the slot lock is what makes the rule hold on its own.
"""
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import Conflict, DomainError, NotFound
from apps.core.user_version import user_version_bump
from apps.inventory.models import InventoryItem, ItemType
from apps.inventory.services import NotEnoughItems, inventory_take
from apps.wallet.locks import lock_wallet

from .models import ActiveBoost, BoostSlot

BIGINT_MAX = 2**63 - 1


class BoostAlreadyActive(Conflict):
    code = "boost_already_active"
    default_detail = "A boost of this type is already active."


class ItemNotUsable(DomainError):
    status_code = 400
    code = "not_usable"
    default_detail = "This item cannot be used."


def _lock_slot(*, user_id: int, boost_type: str) -> BoostSlot:
    """Lock (creating if needed) the user's slot for `boost_type`."""
    slot = BoostSlot.objects.select_for_update().filter(user_id=user_id, type=boost_type).first()
    if slot is not None:
        return slot
    try:
        with transaction.atomic():  # a savepoint: the IntegrityError must not poison the caller's transaction
            return BoostSlot.objects.create(user_id=user_id, type=boost_type)
    except IntegrityError:
        # A concurrent first use created it (and has committed): lock theirs.
        return BoostSlot.objects.select_for_update().get(user_id=user_id, type=boost_type)


def boost_use(*, user, inventory_item_id: int, now: datetime | None = None) -> ActiveBoost:
    """Activate one boost from the user's inventory row `inventory_item_id`.

    Preconditions, checked with the rows locked: the row is the user's (else
    404 `not_found`), holds a boost (else 400 `not_usable`), has one not held in
    trade escrow (else 409 `insufficient_items`), and no boost of the same type
    is active (else 409 `boost_already_active`). A refusal consumes nothing.
    Effects: quantity -1 (inventory ledger row `boost_used`), a new
    ActiveBoost from now for the item's duration, the slot moved to its end.
    """
    if not 0 < inventory_item_id <= BIGINT_MAX:  # out of the id column's range: no such row, not a database error
        raise NotFound()
    now = now or timezone.now()
    with transaction.atomic():
        lock_wallet(user_id=user.pk)
        row = (
            InventoryItem.objects.select_for_update(of=("self",))
            .select_related("item")
            .filter(pk=inventory_item_id, user_id=user.pk)
            .first()
        )
        if row is None:
            raise NotFound()
        item = row.item
        if item.type != ItemType.BOOST:
            raise ItemNotUsable("Only boosts can be used.")
        if row.quantity - row.locked_quantity < 1:
            raise NotEnoughItems()

        slot = _lock_slot(user_id=user.pk, boost_type=item.boost_type)
        if slot.active_until is not None and slot.active_until > now:
            raise BoostAlreadyActive()

        boost = ActiveBoost.objects.create(
            user_id=user.pk,
            type=item.boost_type,
            multiplier=item.multiplier,
            started_at=now,
            expires_at=now + timedelta(minutes=item.duration_minutes),
            item=item,
        )
        inventory_take(row=row, quantity=1, reason="boost_used", ref=f"boost:{boost.pk}")
        slot.active_until = boost.expires_at
        slot.save(update_fields=["active_until"])
        user_version_bump(user.pk)  # profiles show active boosts
        return boost


def boost_end(*, boost: ActiveBoost, now: datetime | None = None) -> ActiveBoost:
    """End a boost now (admin). Frees its slot so that another one can be used."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_wallet(user_id=boost.user_id)
        slot = _lock_slot(user_id=boost.user_id, boost_type=boost.type)
        boost.refresh_from_db(fields=["expires_at"])  # the slot lock serializes writes to the user's boosts
        if boost.expires_at <= now:
            return boost
        # The check constraint wants expires_at > started_at: a boost that has
        # not started yet cannot exist (boost_use starts them now), but be safe.
        boost.expires_at = max(now, boost.started_at + timedelta(microseconds=1))
        boost.save(update_fields=["expires_at"])
        latest = (
            ActiveBoost.objects.filter(user_id=boost.user_id, type=boost.type)
            .order_by("-expires_at")
            .values_list("expires_at", flat=True)
            .first()
        )
        slot.active_until = latest
        slot.save(update_fields=["active_until"])
        user_version_bump(boost.user_id)  # profiles show active boosts
        return boost
