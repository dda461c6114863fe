from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows written only by services (ledgers, balances, counters, unlocks):
    the admin looks, it does not add, edit or delete. Changes go through admin
    actions that call the owning service."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
