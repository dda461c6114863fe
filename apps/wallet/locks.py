"""Wallet locks, and the one global lock order.

Every transaction that changes value takes its row locks in this order, taking only
what it needs, and keeps the locked section short (no I/O: cache invalidation,
notifications and Celery calls run in `transaction.on_commit`):

0. the request's idempotency record (`FOR UPDATE NOWAIT`: it never waits, so it cannot deadlock);
1. wallet rows, ascending user id when several users are involved (`lock_wallets`);
2. the domain row being changed (task, habit, trade, dream...), locked by its service with
   `select_for_update()` right after the wallet;
3. that user's streak row (only when a day is counted);
4. inventory rows, ascending id;
5. boost slots.

Statistics, daily-activity and achievement rows of a user are written only by
transactions that hold that user's wallet lock, so the lock serializes them too.
"""
from django.db import IntegrityError, transaction

from .models import Wallet


def lock_wallet(*, user_id: int) -> Wallet:
    """Lock one user's wallet row (creating it if the user has none yet)."""
    try:
        return Wallet.objects.select_for_update().get(user_id=user_id)
    except Wallet.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            Wallet.objects.create(user_id=user_id)
    except IntegrityError:
        pass  # created meanwhile by a concurrent first transaction of this user
    return Wallet.objects.select_for_update().get(user_id=user_id)


def lock_wallets(*, user_ids) -> dict[int, Wallet]:
    """Lock several users' wallets in ascending user id (the global lock order), in one
    statement whatever their number; missing wallets are created first, so that every
    lock is taken in that one ascending pass."""
    ids = sorted(set(user_ids))
    existing = set(Wallet.objects.filter(user_id__in=ids).values_list("user_id", flat=True))
    if len(existing) < len(ids):
        Wallet.objects.bulk_create([Wallet(user_id=i) for i in ids if i not in existing], ignore_conflicts=True)
    return {wallet.user_id: wallet for wallet in Wallet.objects.select_for_update().filter(user_id__in=ids).order_by("user_id")}
