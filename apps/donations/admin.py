from django.contrib import admin

from apps.core.admin_base import ReadOnlyAdmin

from .models import Donation


@admin.register(Donation)
class DonationAdmin(ReadOnlyAdmin):
    """Processed webhooks, read-only: a correction is a new grant (`manage.py grant`), not an edit."""

    list_display = ["payment_id", "user", "crystals", "created_at"]
    search_fields = ["payment_id", "user__username"]
    list_filter = ["created_at"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    readonly_fields = ["payment_id", "user", "crystals", "payload", "response_body", "created_at"]
    fields = readonly_fields
