"""The catalog in Django admin.

Images: an upload is checked by apps.core.images (real PNG/JPEG/WebP, at most
2 MB and 2048 px a side; a bad one is a form error) and, on save, re-encoded
without its metadata under a random name. Every change (including the
bulk actions here) invalidates the cached catalog.
"""
from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html

from apps.core.images import ImageUploadField, reencode_image
from apps.inventory.models import InventoryItem

from .models import Item
from .signals import catalog_changed


class ItemAdminForm(forms.ModelForm):
    image = ImageUploadField(
        required=False,
        help_text="PNG, JPEG or WebP, at most 2 MB and 2048 px a side. Metadata is removed on save.",
    )

    class Meta:
        model = Item
        fields = (
            "name",
            "description",
            "type",
            "rarity",
            "is_active",
            "image",
            "price_coins",
            "price_crystals",
            "min_level",
            "boost_type",
            "multiplier",
            "duration_minutes",
        )

    def clean_type(self):
        new = self.cleaned_data["type"]
        if self.instance.pk and new != self.instance.type and InventoryItem.objects.filter(item=self.instance).exists():
            # A boost held 3 times turned cosmetic would be "owned" 3 times; a cosmetic turned
            # boost would be usable. Make a new item instead.
            raise forms.ValidationError("Players hold this item: its type cannot change.")
        return new


def _thumbnail(item: Item, size: int):
    if not item.image:
        return "-"
    return format_html(
        '<img src="{}" alt="" style="max-height:{}px;max-width:{}px;object-fit:contain">', item.image.url, size, size
    )


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    form = ItemAdminForm
    list_display = (
        "name",
        "thumbnail",
        "type",
        "rarity",
        "price_coins",
        "price_crystals",
        "min_level",
        "is_active",
    )
    list_filter = ("type", "rarity", "is_active")
    search_fields = ("name",)
    readonly_fields = ("image_preview", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "description", "type", "rarity", "is_active")}),
        ("Image", {"fields": ("image", "image_preview")}),
        ("Price", {"fields": ("price_coins", "price_crystals", "min_level")}),
        ("Boost", {"fields": ("boost_type", "multiplier", "duration_minutes"), "classes": ("collapse",)}),
        ("History", {"fields": ("created_at", "updated_at")}),
    )
    actions = ("activate", "deactivate")

    @admin.display(description="image")
    def thumbnail(self, item):
        return _thumbnail(item, 40)

    @admin.display(description="preview")
    def image_preview(self, item):
        return _thumbnail(item, 160)

    def save_model(self, request, obj, form, change):
        if "image" in form.changed_data and form.cleaned_data.get("image"):
            clean = reencode_image(form.cleaned_data["image"])
            obj.image.save(clean.name, clean, save=False)
        super().save_model(request, obj, form, change)

    @admin.action(description="Activate the selected items")
    def activate(self, request, queryset):
        count = queryset.update(is_active=True)
        catalog_changed()  # update() sends no post_save
        self.message_user(request, f"{count} item(s) activated.", messages.SUCCESS)

    @admin.action(description="Deactivate the selected items (hidden from the shop)")
    def deactivate(self, request, queryset):
        count = queryset.update(is_active=False)
        catalog_changed()
        self.message_user(request, f"{count} item(s) deactivated.", messages.SUCCESS)

