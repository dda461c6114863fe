"""Habits in the admin. Habits are the users' own: an admin may rename, reword or archive
one, never touch what its history earned (streaks, totals, settled days: read-only).
Check-ins, quit logs and settled days carry value, so they are read-only records."""
from django.contrib import admin

from apps.core.admin_base import ReadOnlyAdmin, ReplacesUserCacheTokenAdmin

from .models import Habit, HabitCheckIn, QuitDaySettlement, QuitLog


@admin.register(Habit)
class HabitAdmin(ReplacesUserCacheTokenAdmin):
    list_display = (
        "title", "user", "kind", "difficulty", "schedule_type", "target_per_day", "archived",
        "total_check_ins", "streak_longest", "clean_streak", "money_saved", "settled_through", "created_at",
    )
    list_filter = ("kind", "archived", "schedule_type", "difficulty")
    search_fields = ("title", "description", "user__username")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    readonly_fields = (
        "user", "kind", "schedule_type", "schedule_days", "schedule_times", "schedule_every", "start_date",
        "target_per_day", "baseline_per_day", "cost_per_unit", "created_at", "updated_at",
        "total_check_ins", "streak_current", "streak_longest", "streak_period",
        "settled_through", "clean_streak", "longest_clean_streak", "money_saved", "last_unit_at",
        "next_settle_at",
    )

    def has_add_permission(self, request):
        return False  # created by their users, on their local day (POST habits/)


class HabitRecordAdmin(ReadOnlyAdmin):
    """A read-only record of one habit, listed with the habit's owner."""

    search_fields = ("habit__title", "habit__user__username")
    list_select_related = ("habit__user",)

    @admin.display(ordering="habit__user__username")
    def owner(self, obj):
        return obj.habit.user


@admin.register(HabitCheckIn)
class HabitCheckInAdmin(HabitRecordAdmin):
    """Each check-in paid its own reward (an undo takes exactly that back): never edited here."""

    list_display = ("habit", "owner", "date", "seq", "made_on", "reward_xp", "reward_coins", "created_at")
    list_filter = ("date", "habit__difficulty")
    date_hierarchy = "date"
    ordering = ("-date", "-id")


@admin.register(QuitLog)
class QuitLogAdmin(HabitRecordAdmin):
    list_display = ("habit", "owner", "date", "count", "occurred_at", "created_at")
    list_filter = ("date",)
    date_hierarchy = "occurred_at"
    ordering = ("-occurred_at", "-id")


@admin.register(QuitDaySettlement)
class QuitDaySettlementAdmin(HabitRecordAdmin):
    """A settled day is the proof it paid once: never edited."""

    list_display = ("habit", "owner", "date", "units", "clean", "xp", "coins", "money_saved", "clean_streak", "settled_at")
    list_filter = ("clean",)
    date_hierarchy = "date"
    ordering = ("-date", "-id")
