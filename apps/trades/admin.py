"""Trades in Django admin: read-only (value moves only through apps.trades.services);
the one action cancels pending trades through the service, escrow returned."""
from django.contrib import admin, messages

from apps.core.admin_base import ReadOnlyAdmin

from .models import Trade, TradeItem
from .services import trade_admin_cancel


class TradeItemInline(admin.TabularInline):
    model = TradeItem
    fields = ("side", "item", "quantity", "inventory_item")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Trade)
class TradeAdmin(ReadOnlyAdmin):
    list_display = (
        "id", "requester", "recipient", "status", "offered_coins", "requested_coins", "escrow_coins",
        "created_at", "expires_at", "resolved_at",
    )
    list_filter = ("status",)
    search_fields = ("requester__username", "recipient__username")
    list_select_related = ("requester", "recipient")
    date_hierarchy = "created_at"
    inlines = [TradeItemInline]
    actions = ("cancel_pending",)

    @admin.action(description="Cancel (escrow returned to the requester)")
    def cancel_pending(self, request, queryset):
        cancelled = sum(trade_admin_cancel(trade_id=pk) for pk in queryset.order_by("pk").values_list("pk", flat=True))
        self.message_user(request, f"Cancelled {cancelled} pending trade(s); the others were no longer pending.", messages.SUCCESS)


@admin.register(TradeItem)
class TradeItemAdmin(ReadOnlyAdmin):
    list_display = ("id", "trade", "side", "item", "quantity", "inventory_item")
    list_filter = ("side",)
    search_fields = ("trade__requester__username", "trade__recipient__username", "item__name")
    list_select_related = ("trade", "item")
    raw_id_fields = ("trade", "inventory_item")
