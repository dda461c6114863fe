"""Rebuild the Redis leaderboards from the daily rows (after a flush, a restore, an outage)."""
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.stats.boards import ALL, MONTH, PERIODS, WEEK, board_for, board_rebuild, redis_client


class Command(BaseCommand):
    help = (
        "Rebuild the leaderboards in Redis from the daily activity rows: the boards of the "
        "weeks and months players are in now (every time zone) and the all-time board."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", choices=PERIODS, action="append", help="Only these periods (repeatable).")

    def handle(self, *args, period=None, **options):
        client = redis_client()
        if client is None:
            self.stdout.write("No Redis (REDIS_URL unset): the leaderboards are read from the database.")
            return
        periods = period or list(PERIODS)
        # Somewhere on Earth it is already tomorrow or still yesterday (UTC-12..UTC+14).
        today = timezone.now().date()
        days = [today - timedelta(days=1), today, today + timedelta(days=1)]
        boards = []
        for name in (WEEK, MONTH, ALL):
            if name in periods:
                boards += sorted({board_for(name, day) for day in days}, key=lambda b: b.key)
        for board in boards:
            if not board_rebuild(board, client=client):
                raise CommandError(f"{board.key}: being rebuilt by another process; try again.")
            self.stdout.write(f"rebuilt {board.key}")
