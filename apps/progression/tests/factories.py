"""Test helpers: task-like events through the real engine, and ledger checks."""
from django.db import transaction
from django.db.models import Sum

from apps.progression.services import ProgressEvent, UserProgressService
from apps.wallet.models import Currency, LedgerEntry, Wallet


def task_event(*, xp: int = 10, coins: int = 3, ref: str = "task:test", **kwargs) -> ProgressEvent:
    """What completing an `easy` task hands the engine."""
    return ProgressEvent(
        reason="task_complete",
        ref=ref,
        xp=xp,
        coins=coins,
        boostable=True,
        activity="tasks_completed",
        capped_by="task_completions",
        stats={"tasks_completed": 1},
        **kwargs,
    )


def complete_task(user, *, now=None, **kwargs):
    with transaction.atomic():  # a caller's transaction, as every service opens one
        return UserProgressService(user, now=now).apply(task_event(**kwargs))


def reopen_task(user, summary, *, now=None):
    """Take back a completion's own reward, as `tasks/{id}/reopen/` does."""
    event = ProgressEvent(
        reason="task_reopen",
        ref="task:test",
        xp=-summary.own_xp,
        coins=-summary.own_coins,
        reversal=True,
        activity="tasks_completed",
        activity_delta=-1,
        stats={"tasks_completed": -1},
    )
    with transaction.atomic():
        return UserProgressService(user, now=now).apply(event)


def ledger_sums(user_id: int) -> dict[str, int]:
    sums = dict(LedgerEntry.objects.filter(user_id=user_id).values_list("currency").annotate(total=Sum("amount")))
    return {c: sums.get(c, 0) or 0 for c in Currency.values}


def balances(user_id: int) -> dict[str, int]:
    wallet = Wallet.objects.get(user_id=user_id)
    return {c: getattr(wallet, c) for c in Currency.values}


def assert_balances_match_ledger(user_id: int) -> None:
    have = balances(user_id)
    assert have == ledger_sums(user_id), (have, ledger_sums(user_id))
    assert all(v >= 0 for v in have.values()), have
    running = dict.fromkeys(Currency.values, 0)
    for currency, amount, after in (
        LedgerEntry.objects.filter(user_id=user_id).order_by("id").values_list("currency", "amount", "balance_after")
    ):
        running[currency] += amount
        assert running[currency] == after >= 0
