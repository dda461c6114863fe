from django.contrib import admin

from apps.core.admin_base import ReplacesUserCacheTokenAdmin

from .models import Task


@admin.register(Task)
class TaskAdmin(ReplacesUserCacheTokenAdmin):
    """Tasks are the users' own; status and rewards change only through complete/reopen."""

    list_display = ("title", "user", "difficulty", "status", "deadline", "completed_at", "reward_xp", "reward_coins")
    list_filter = ("status", "difficulty")
    search_fields = ("title", "user__username")
    list_select_related = ("user",)
    raw_id_fields = ("user", "dream")
    date_hierarchy = "created_at"
    readonly_fields = (
        "status",
        "completed_at",
        "completed_local_date",
        "completed_on_time",
        "reward_xp",
        "reward_coins",
        "created_at",
        "updated_at",
    )
