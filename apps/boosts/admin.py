from django.contrib import admin, messages
from django.utils import timezone

from apps.core.admin_base import ReadOnlyAdmin

from .models import ActiveBoost, BoostSlot
from .services import boost_end


@admin.register(ActiveBoost)
class ActiveBoostAdmin(ReadOnlyAdmin):
    """Boosts are created by using one from the inventory; the admin may only end one early
    (through `boost_end`, which frees the slot too: editing `expires_at` by hand would not)."""

    list_display = ["id", "user", "type", "multiplier", "started_at", "expires_at", "is_active"]
    list_filter = ["type"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    date_hierarchy = "started_at"
    actions = ["end_now"]

    @admin.display(boolean=True, description="active")
    def is_active(self, obj):
        now = timezone.now()
        return obj.started_at <= now < obj.expires_at

    @admin.action(description="End the selected boosts now", permissions=["end"])
    def end_now(self, request, queryset):
        now = timezone.now()
        ended = 0
        for boost in queryset.filter(expires_at__gt=now):
            boost_end(boost=boost, now=now)
            ended += 1
        self.message_user(request, f"Ended {ended} boost(s).", messages.SUCCESS)

    def has_end_permission(self, request):
        return request.user.has_perm("boosts.change_activeboost")


@admin.register(BoostSlot)
class BoostSlotAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "type", "active_until"]
    list_filter = ["type"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
