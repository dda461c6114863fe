"""Friendships, requests and blocks: read-only here, since each change moves the players'
`friends` statistic and must go through apps/friends/services.py (the API)."""
from django.contrib import admin

from apps.core.admin_base import ReadOnlyAdmin

from .models import Block, FriendRequest, Friendship


@admin.register(Friendship)
class FriendshipAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "friend", "created_at")
    list_filter = ("created_at",)
    search_fields = ("user__username", "friend__username")
    list_select_related = ("user", "friend")
    raw_id_fields = ("user", "friend")
    date_hierarchy = "created_at"


@admin.register(FriendRequest)
class FriendRequestAdmin(ReadOnlyAdmin):
    list_display = ("id", "from_user", "to_user", "status", "created_at", "responded_at")
    list_filter = ("status",)
    search_fields = ("from_user__username", "to_user__username")
    list_select_related = ("from_user", "to_user")
    raw_id_fields = ("from_user", "to_user")
    date_hierarchy = "created_at"


@admin.register(Block)
class BlockAdmin(ReadOnlyAdmin):
    list_display = ("id", "blocker", "blocked", "created_at")
    list_filter = ("created_at",)
    search_fields = ("blocker__username", "blocked__username")
    list_select_related = ("blocker", "blocked")
    raw_id_fields = ("blocker", "blocked")
    date_hierarchy = "created_at"
