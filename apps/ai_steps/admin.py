from django.contrib import admin

from apps.core.admin_base import ReadOnlyAdmin

from .models import StepGenerationJob


@admin.register(StepGenerationJob)
class StepGenerationJobAdmin(ReadOnlyAdmin):
    """Jobs are written only by the service and the worker: the admin looks."""

    list_display = ("id", "user", "dream", "status", "error_code", "model", "attempts", "latency_ms", "created_at")
    list_filter = ("status", "error_code")
    search_fields = ("user__username",)
    list_select_related = ("user", "dream")
    date_hierarchy = "created_at"
    fields = (
        "user", "dream", "status", "request", "steps", "error", "error_code", "model", "attempts",
        "latency_ms", "prompt_tokens", "completion_tokens", "created_at", "started_at", "finished_at",
    )
    readonly_fields = fields
