"""Prune read notifications older than DREAMTRACK_NOTIFICATION_RETENTION_DAYS (unread ones stay)."""
from datetime import timedelta

from django.conf import settings

from .services import notifications_prune


def run_daily(*, now) -> str:
    deleted = notifications_prune(before=now - timedelta(days=settings.DREAMTRACK_NOTIFICATION_RETENTION_DAYS))
    return f"{deleted} read notifications pruned"
