from django.contrib import admin

from .models import DailyActivity, StatCounter


class ReadOnlyAdmin(admin.ModelAdmin):
    """Counters move only through UserProgressService: the admin looks, it does not edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StatCounter)
class StatCounterAdmin(ReadOnlyAdmin):
    list_display = ("user", "key", "value")
    list_filter = ("key",)
    search_fields = ("user__username", "key")
    list_select_related = ("user",)
    ordering = ("user__username", "key")


@admin.register(DailyActivity)
class DailyActivityAdmin(ReadOnlyAdmin):
    list_display = (
        "user", "date", "tasks_completed", "task_completions", "habit_check_ins", "quit_logs", "xp_earned", "coins_earned",
    )
    search_fields = ("user__username",)
    list_select_related = ("user",)
    date_hierarchy = "date"
    ordering = ("-date", "user__username")
