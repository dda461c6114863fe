"""The progression part of `me/export/`: the wallet and the whole ledger (streamed)."""
from apps.wallet.levels import level_progress
from apps.wallet.models import LedgerEntry, Wallet


def export(user) -> dict:
    wallet = Wallet.objects.filter(user=user).first()
    xp = wallet.xp if wallet else 0
    return {
        "wallet": {
            "xp": xp,
            "level": level_progress(xp)["level"],
            "coins": wallet.coins if wallet else 0,
            "crystals": wallet.crystals if wallet else 0,
            "max_level_rewarded": wallet.max_level_rewarded if wallet else 1,
        },
        "ledger": LedgerEntry.objects.filter(user=user)
        .order_by("created_at", "id")
        .values("id", "currency", "amount", "balance_after", "reason", "ref", "created_at")
        .iterator(chunk_size=500),
    }
