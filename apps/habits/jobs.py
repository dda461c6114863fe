"""`run_daily_jobs`: settle every quit-habit day that is over (apps/habits/settlement.py).

Idempotent and safe every few minutes: a settled day is behind its habit's
`settled_through` and is never looked at again.
"""
from .settlement import quit_days_settle_due


def run_daily(*, now) -> str:
    totals = quit_days_settle_due(now=now)
    return f"{totals.days} quit days settled and paid to {totals.users} users ({totals.habits} habits closed up to yesterday)"
