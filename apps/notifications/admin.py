from django.contrib import admin

from apps.core.admin_base import ReadOnlyAdmin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Written only by services, after the change they report has committed."""

    list_display = ("id", "user", "kind", "created_at", "read_at")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("user__username",)
    raw_id_fields = ("user",)
    list_select_related = ("user",)
    date_hierarchy = "created_at"
