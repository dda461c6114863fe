from django.contrib import admin

from apps.core.admin_base import ReadOnlyAdmin

from .models import Streak, StreakMilestoneClaim


@admin.register(Streak)
class StreakAdmin(ReadOnlyAdmin):
    list_display = ("user", "current", "longest", "last_active_date", "frozen_through", "freezes_used", "updated_at")
    list_filter = ("last_active_date",)
    search_fields = ("user__username",)
    list_select_related = ("user",)
    ordering = ("-current", "user__username")


@admin.register(StreakMilestoneClaim)
class StreakMilestoneClaimAdmin(ReadOnlyAdmin):
    """Each milestone pays once in a user's lifetime: a claim is the proof, never edited."""

    list_display = ("user", "days", "claimed_at")
    list_filter = ("days",)
    search_fields = ("user__username",)
    list_select_related = ("user",)
    date_hierarchy = "claimed_at"
    ordering = ("-claimed_at", "-id")
