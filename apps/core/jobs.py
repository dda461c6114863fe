from django.conf import settings

from .models import IdempotencyRecord


def run_daily(*, now) -> str:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=now - settings.IDEMPOTENCY_TTL).delete()
    return f"{deleted} expired idempotency records removed"
