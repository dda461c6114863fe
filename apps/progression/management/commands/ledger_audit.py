"""`manage.py ledger_audit [--user ID ...]`

Runs apps.progression.audit.ledger_audit: every balance equals its ledger sum and is never
negative, every inventory quantity equals its item ledger sum with locked <= quantity, and
(with the trades app) escrow equals the pending trades. Prints the findings; exits 1 on any.
"""
from django.core.management.base import BaseCommand, CommandError

from apps.progression.audit import ledger_audit


class Command(BaseCommand):
    help = "Check that balances and holdings equal their ledgers (read-only); exit 1 on any problem."

    def add_arguments(self, parser):
        parser.add_argument("--user", type=int, action="append", dest="user_ids", help="Only this user id (repeatable).")

    def handle(self, *args, user_ids=None, **options):
        result = ledger_audit(user_ids=user_ids)
        if not result.ok:
            raise CommandError(result.report())
        self.stdout.write(result.report())
