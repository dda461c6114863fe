"""Inventories in Django admin: read-only rows; quantities change only through
apps.inventory.services (so every change writes a ledger entry).

- "Add inventory item" grants an item to a user (a new row, or more of a held one).
- Actions on rows: "Grant one more" and "Take one".
- The item ledger is read-only.
"""
from django import forms
from django.contrib import admin, messages
from django.db import transaction

from apps.core.admin_base import ReadOnlyAdmin, admin_ref
from apps.core.errors import DomainError

from .models import InventoryItem, InventoryLedgerEntry
from .services import holding_refusal, inventory_grant, inventory_take


class InventoryGrantForm(forms.ModelForm):
    grant_quantity = forms.IntegerField(min_value=1, max_value=1000, initial=1, label="Quantity to grant")

    class Meta:
        model = InventoryItem
        fields = ("user", "item")

    def _post_clean(self):
        # No model validation: the row may exist already (a grant adds to it),
        # and inventory_grant creates or locks it.
        pass

    def clean(self):
        data = super().clean()
        user, item, quantity = data.get("user"), data.get("item"), data.get("grant_quantity")
        if user and item and quantity:
            refusal = holding_refusal(incoming={user.pk: [(item, quantity)]})
            if refusal:
                raise forms.ValidationError(refusal.detail)
        return data


@admin.register(InventoryItem)
class InventoryItemAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "item", "quantity", "equipped", "slot", "locked_quantity", "acquired_at")
    list_filter = ("equipped", "item__type")
    search_fields = ("user__username", "item__name")
    list_select_related = ("user", "item")
    raw_id_fields = ("user",)
    actions = ("grant_one", "take_one")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = InventoryGrantForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "item", "grant_quantity")
        return ("user", "item", "quantity", "equipped", "slot", "locked_quantity", "acquired_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("user", "item", "quantity", "equipped", "slot", "locked_quantity", "acquired_at")

    def has_change_permission(self, request, obj=None):
        return False  # a view-only page: quantities change through the actions

    def has_delete_permission(self, request, obj=None):
        return False  # rows keep their history; take items away with "Take one"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        row = inventory_grant(
            user_id=data["user"].pk, item_id=data["item"].pk, quantity=data["grant_quantity"], reason="admin_grant", ref=admin_ref(request)
        )
        # The admin goes on with `obj` (log entry, redirect): make it the granted row.
        obj.pk, obj.quantity, obj.acquired_at = row.pk, row.quantity, row.acquired_at
        obj._state.adding = False
        obj._state.db = row._state.db

    @admin.action(description="Grant one more")
    def grant_one(self, request, queryset):
        granted = 0
        for row in queryset.select_related("item"):
            refusal = holding_refusal(incoming={row.user_id: [(row.item, 1)]})
            if refusal:
                self.message_user(request, f"Row {row.pk}: {refusal.detail}", messages.WARNING)
                continue
            inventory_grant(user_id=row.user_id, item_id=row.item_id, quantity=1, reason="admin_grant", ref=admin_ref(request))
            granted += 1
        self.message_user(request, f"Granted one more of {granted} row(s).", messages.SUCCESS)

    @admin.action(description="Take one")
    def take_one(self, request, queryset):
        taken = 0
        for pk in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                with transaction.atomic():
                    row = InventoryItem.objects.select_for_update().get(pk=pk)
                    inventory_take(row=row, quantity=1, reason="admin_take", ref=admin_ref(request))
                    taken += 1
            except DomainError as exc:
                self.message_user(request, f"Row {pk}: {exc.detail}", messages.WARNING)
        self.message_user(request, f"Took one from {taken} row(s).", messages.SUCCESS)


@admin.register(InventoryLedgerEntry)
class InventoryLedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "item", "amount", "quantity_after", "reason", "ref")
    list_filter = ("reason",)
    search_fields = ("user__username", "item__name", "ref")
    list_select_related = ("user", "item")
    date_hierarchy = "created_at"
