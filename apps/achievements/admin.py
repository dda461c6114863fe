import os

from django.contrib import admin
from django.utils.html import format_html

from apps.core.admin_base import ReadOnlyAdmin
from apps.core.images import reencode_image

from .models import Achievement, AchievementRewardItem, UserAchievement

# Saving an Achievement or a reward item drops the cached catalog (signals in apps.py).


class AchievementRewardItemInline(admin.TabularInline):
    model = AchievementRewardItem
    extra = 0
    raw_id_fields = ("item",)


@admin.register(Achievement)
class AchievementAdmin(admin.ModelAdmin):
    inlines = [AchievementRewardItemInline]
    list_display = (
        "icon_thumbnail", "code", "title", "trigger", "threshold",
        "reward_xp", "reward_coins", "reward_crystals", "hidden", "is_active", "sort_order",
    )
    list_display_links = ("code",)
    list_filter = ("trigger", "hidden", "is_active")
    search_fields = ("code", "title", "description")
    ordering = ("sort_order", "trigger", "threshold", "id")
    readonly_fields = ("icon_preview", "created_at")
    fieldsets = (
        (None, {"fields": ("code", "title", "description", ("icon", "icon_preview"))}),
        ("Unlock", {"fields": ("trigger", "threshold", "hidden", "is_active", "sort_order")}),
        ("Rewards", {"fields": ("reward_xp", "reward_coins", "reward_crystals")}),
        (None, {"fields": ("created_at",)}),
    )

    @admin.display(description="icon")
    def icon_thumbnail(self, obj):
        if not obj.icon:
            return "-"
        return format_html('<img src="{}" alt="" style="height:32px;width:32px;object-fit:contain">', obj.icon.url)

    @admin.display(description="preview")
    def icon_preview(self, obj):
        if not obj.icon:
            return "-"
        return format_html('<img src="{}" alt="" style="max-height:128px;max-width:128px">', obj.icon.url)

    def save_model(self, request, obj, form, change):
        if "icon" in form.changed_data and obj.icon:
            # The field validator (validate_image) has accepted the upload; store a
            # metadata-free re-encoding of it under a random name instead.
            clean = reencode_image(obj.icon, "achievements")
            obj.icon.save(os.path.basename(clean.name), clean, save=False)
        super().save_model(request, obj, form, change)


@admin.register(UserAchievement)
class UserAchievementAdmin(ReadOnlyAdmin):
    """Unlocks are made (and rewarded) only by UserProgressService: read-only here."""

    list_display = ("user", "achievement", "unlocked_at", "seen_at")
    list_filter = ("achievement",)
    search_fields = ("user__username", "achievement__code")
    list_select_related = ("user", "achievement")
    date_hierarchy = "unlocked_at"
    ordering = ("-unlocked_at", "-id")
