"""Reads of the progression app: the level table and the ledger feed."""
from django.db.models import QuerySet

from apps.wallet.levels import total_xp_for_level
from apps.wallet.models import LedgerEntry


def level_table(*, up_to: int) -> list[dict[str, int]]:
    """Levels 1..up_to with the total XP each one starts at (the curve, no table)."""
    return [{"level": level, "total_xp": total_xp_for_level(level)} for level in range(1, up_to + 1)]


def ledger_entries_for_user(*, user, currency: str | None = None) -> QuerySet[LedgerEntry]:
    """The user's ledger, newest first (the feed's cursor sorts on created_at, id)."""
    qs = LedgerEntry.objects.filter(user=user)
    if currency:
        qs = qs.filter(currency=currency)
    return qs.only("id", "currency", "amount", "balance_after", "reason", "ref", "created_at")
