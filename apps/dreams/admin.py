from django.contrib import admin
from django.db.models import Count

from apps.core.admin_base import ReplacesUserCacheTokenAdmin

from .models import Dream
from .selectors import COMPLETED_STEP


@admin.register(Dream)
class DreamAdmin(ReplacesUserCacheTokenAdmin):
    """Players' dreams. Completion (and its reward) happens only through the API's complete/."""

    list_display = ("title", "user", "status", "progress", "target_date", "completed_at", "reward_paid_at", "created_at")
    list_filter = ("status",)
    search_fields = ("title", "user__username")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    date_hierarchy = "created_at"
    readonly_fields = ("status", "completed_at", "reward_paid_at", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # A dream stays its player's: moved, its completed steps would pay someone else.
        return [*super().get_readonly_fields(request, obj), *(["user"] if obj is not None else [])]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            total_steps=Count("steps"), completed_steps=Count("steps", filter=COMPLETED_STEP)
        )

    @admin.display(description="steps done")
    def progress(self, obj) -> str:
        return f"{obj.completed_steps}/{obj.total_steps}"
