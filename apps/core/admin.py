from django.contrib import admin

from .admin_base import ReadOnlyAdmin
from .models import IdempotencyRecord


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    """Read-only: records are written by the idempotency layer alone (see apps/core/idempotency.py)."""

    list_display = ("id", "user", "key", "state", "status_code", "created_at")
    list_filter = ("state", "status_code", "created_at")
    search_fields = ("key", "user__username", "user__email")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    readonly_fields = ("user", "key", "fingerprint", "state", "status_code", "response_body", "created_at")
