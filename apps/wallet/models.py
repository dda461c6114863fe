"""Balances and their ledger: the lowest money layer.

Rows change only through `apps.progression.services.UserProgressService` (and the trade
escrow, which goes through it too), with the wallet locked (`apps.wallet.locks`), and
every change appends a LedgerEntry, so each balance equals its ledger sum.
The tables keep the names they had when these models lived in `progression`.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q

from .levels import level_for_xp


class Currency(models.TextChoices):
    XP = "xp"
    COINS = "coins"
    CRYSTALS = "crystals"


class Wallet(models.Model):
    """A user's balances. The level is derived from `xp` (apps.wallet.levels);
    `max_level_rewarded` remembers which level-up rewards were paid, so each level pays once."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="wallet")
    xp = models.BigIntegerField(default=0)
    coins = models.BigIntegerField(default=0)
    crystals = models.BigIntegerField(default=0)
    max_level_rewarded = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "progression_wallet"
        constraints = [
            models.CheckConstraint(condition=Q(xp__gte=0), name="wallet_xp_non_negative"),
            models.CheckConstraint(condition=Q(coins__gte=0), name="wallet_coins_non_negative"),
            models.CheckConstraint(condition=Q(crystals__gte=0), name="wallet_crystals_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.xp} XP, {self.coins} coins, {self.crystals} crystals"

    @property
    def level(self) -> int:
        return level_for_xp(self.xp)


class LedgerEntry(models.Model):
    """Append-only: corrections are new rows, never edits."""

    # No index of its own: an index or unique constraint in Meta leads with user_id.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ledger", db_index=False)
    currency = models.CharField(max_length=8, choices=Currency.choices)
    amount = models.BigIntegerField()
    balance_after = models.BigIntegerField()
    reason = models.CharField(max_length=64)
    ref = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "progression_ledgerentry"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-id"], name="ledger_user_feed_idx")]
        constraints = [models.CheckConstraint(condition=Q(balance_after__gte=0), name="ledger_balance_non_negative")]
        verbose_name_plural = "ledger entries"

    def __str__(self) -> str:
        return f"{self.user_id} {self.currency} {self.amount:+d} ({self.reason})"
