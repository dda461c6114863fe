"""`manage.py run_daily_jobs`: settle what is due. Idempotent; safe every few minutes.

Each app with periodic work provides `apps/<app>/jobs.py` with `run_daily(now)`
returning a short summary string; this command calls them in app order.
"""
from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.core.registry import app_modules


class Command(BaseCommand):
    help = "Settle what is due (expired idempotency keys, streak breaks, ...)."

    def handle(self, *args, **options):
        now = timezone.now()
        for label, module in app_modules("jobs"):
            summary = module.run_daily(now=now)
            self.stdout.write(f"{label}: {summary}")
