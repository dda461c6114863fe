from django.db.models import Sum

from apps.stats.models import StatCounter
from apps.wallet.models import LedgerEntry, Wallet


def balances(user) -> dict[str, int]:
    wallet = Wallet.objects.get(user=user)
    return {"xp": wallet.xp, "coins": wallet.coins, "crystals": wallet.crystals}


def ledger_sums(user) -> dict[str, int]:
    sums = dict.fromkeys(("xp", "coins", "crystals"), 0)
    for row in LedgerEntry.objects.filter(user=user).values("currency").annotate(total=Sum("amount")):
        sums[row["currency"]] = row["total"]
    return sums


def stat(user, key: str) -> int:
    row = StatCounter.objects.filter(user=user, key=key).first()
    return row.value if row else 0
