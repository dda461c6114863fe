from django.contrib import admin

from apps.core.admin_base import ReadOnlyAdmin

from .models import DailyActivity, StatCounter


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
    list_filter = ("date",)
    list_select_related = ("user",)
    date_hierarchy = "date"
    ordering = ("-date", "user__username")
