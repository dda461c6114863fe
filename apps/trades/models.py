from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Trade(models.Model):
    """An offer of coins and items from `requester` to `recipient`, for coins and items
    of the recipient's. While pending, what is offered is held in escrow: the coins have
    left the requester's wallet (`escrow_coins`, a ledger row `trade_escrow`) and the
    items are `locked_quantity` on the requester's inventory rows. Every change of state
    goes through apps.trades.services."""

    class Status(models.TextChoices):
        PENDING = "pending"
        ACCEPTED = "accepted"
        REJECTED = "rejected"
        CANCELLED = "cancelled"
        EXPIRED = "expired"

    # No index of their own: the indexes in Meta lead with them.
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    offered_coins = models.PositiveIntegerField(default=0)
    requested_coins = models.PositiveIntegerField(default=0)
    # The coins held now: offered_coins while pending, 0 once paid out or returned.
    escrow_coins = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(requester=F("recipient")), name="trade_not_self"),
            models.CheckConstraint(condition=Q(escrow_coins__lte=F("offered_coins")), name="trade_escrow_le_offered"),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(escrow_coins=0), name="trade_escrow_only_while_pending"
            ),
        ]
        indexes = [
            models.Index(fields=["requester", "status", "-created_at"], name="trade_requester_idx"),
            models.Index(fields=["recipient", "status", "-created_at"], name="trade_recipient_idx"),
            models.Index(fields=["expires_at"], condition=Q(status="pending"), name="trade_pending_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"trade {self.pk}: {self.requester_id} -> {self.recipient_id} ({self.status})"

    @property
    def ref(self) -> str:
        """The ledger `ref` of every coin and item movement of this trade."""
        return f"trade:{self.pk}"


class TradeItem(models.Model):
    """One line of a trade: `quantity` of the giver's inventory row. Offered lines are the
    requester's rows (held in escrow while pending); requested lines the recipient's."""

    class Side(models.TextChoices):
        OFFERED = "offered"
        REQUESTED = "requested"

    trade = models.ForeignKey(Trade, on_delete=models.CASCADE, related_name="lines")
    side = models.CharField(max_length=10, choices=Side.choices)
    inventory_item = models.ForeignKey("inventory.InventoryItem", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey("shop.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["trade", "inventory_item"], name="trade_item_once_per_trade"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="trade_item_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"trade {self.trade_id} {self.side}: {self.item_id} x{self.quantity}"
