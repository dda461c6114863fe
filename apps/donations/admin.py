from django.contrib import admin

from .models import Donation


@admin.register(Donation)
class DonationAdmin(admin.ModelAdmin):
    """Processed webhooks, read-only: a correction is a new grant (`manage.py grant`), not an edit."""

    list_display = ["payment_id", "user", "crystals", "created_at"]
    search_fields = ["payment_id", "user__username"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    readonly_fields = ["payment_id", "user", "crystals", "payload", "response_body", "created_at"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
