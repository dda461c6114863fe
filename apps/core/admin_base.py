from django.contrib import admin

from .user_version import user_version_bump


def admin_ref(request) -> str:
    """The ledger `ref` of a change an admin made: by id, which always fits the column
    (a username may be longer than a ref may be)."""
    return f"admin:{request.user.pk}"


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


class ReplacesUserCacheTokenAdmin(admin.ModelAdmin):
    """For rows a user's cached pages show that admins may edit directly (users, tasks):
    an admin change replaces that user's cache token, as every service does
    (apps/core/user_version.py). `user_row`: the rows are users themselves."""

    user_row = False

    def _bump(self, obj) -> None:
        user_version_bump(obj.pk if self.user_row else obj.user_id, user_row=self.user_row)

    def save_model(self, request, obj, form, change):
        if change:
            # Only the edited columns, as the services save: a player's request may change the
            # others meanwhile (a completion's status and reward), which a full-row save undoes.
            names = {field.name for field in obj._meta.concrete_fields}
            edited = [name for name in form.changed_data if name in names]
            if edited:
                auto = [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]
                obj.save(update_fields=[*edited, *auto])
        else:
            super().save_model(request, obj, form, change)
        self._bump(obj)

    def delete_model(self, request, obj):
        self._bump(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._bump(obj)
        super().delete_queryset(request, queryset)
