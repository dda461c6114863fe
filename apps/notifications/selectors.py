from .models import Notification


def notifications_for_user(*, user_id: int, unread: bool | None = None):
    """The user's notifications (newest first through the feed's pagination); `unread`:
    True only unread ones, False only read ones, None all."""
    qs = Notification.objects.filter(user_id=user_id)
    if unread is not None:
        qs = qs.filter(read_at__isnull=unread)
    return qs


def unread_count(*, user_id: int) -> int:
    """One COUNT over the partial index of unread notifications."""
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()
