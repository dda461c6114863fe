"""`run_daily_jobs`: expire the pending trades past their `expires_at`, returning their
escrow (apps/trades/services.py `trades_expire_due`: each in its own short transaction).
Idempotent: an expired trade is no longer pending. Reads do the same lazily."""
from .services import trades_expire_due


def run_daily(*, now) -> str:
    return f"{trades_expire_due(now=now)} trades expired"
