"""`manage.py grant USERNAME [--coins N] [--crystals N] [--xp N] --reason TEXT`

Credits (or, with a negative N, debits) a user through `progress_grant`: one
transaction, the ledger written, XP levelling up and paying level-up coins,
achievements unlocking. A debit larger than the balance changes nothing.
"""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import DomainError
from apps.progression.services import progress_grant
from apps.wallet.models import LedgerEntry, Wallet

REASON_MAX = LedgerEntry._meta.get_field("reason").max_length


class Command(BaseCommand):
    help = "Credit (or with a negative amount debit) a user's XP, coins or crystals through the ledger."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--coins", type=int, default=0)
        parser.add_argument("--crystals", type=int, default=0)
        parser.add_argument("--xp", type=int, default=0)
        parser.add_argument("--reason", required=True, help=f"Shown in the user's ledger (at most {REASON_MAX} characters).")

    def handle(self, *args, username, coins, crystals, xp, reason, **options):
        reason = (reason or "").strip()
        if not reason:
            raise CommandError("--reason must not be blank.")
        if len(reason) > REASON_MAX:
            raise CommandError(f"--reason must be at most {REASON_MAX} characters (got {len(reason)}).")
        if not (coins or crystals or xp):
            raise CommandError("Nothing to grant: give --coins, --crystals and/or --xp (non-zero).")
        user = get_user_model().objects.filter(username__iexact=username).first()
        if user is None:
            raise CommandError(f'User "{username}" does not exist.')
        try:
            summary = progress_grant(user=user, xp=xp, coins=coins, crystals=crystals, reason=reason, ref="grant:cli")
        except ValueError as exc:  # past GRANT_LIMIT
            raise CommandError(str(exc)) from None
        except DomainError as exc:
            wallet = Wallet.objects.filter(user=user).first()
            have = f" {user.get_username()} has {wallet.xp} XP, {wallet.coins} coins, {wallet.crystals} crystals." if wallet else ""
            raise CommandError(f"{exc.detail}{have} Nothing was changed.") from None
        wallet = Wallet.objects.get(user=user)
        parts = [f"{summary.xp:+d} XP", f"{summary.coins:+d} coins", f"{summary.crystals:+d} crystals"]
        self.stdout.write(f"{user.get_username()}: {', '.join(parts)} (achievements and level-up rewards included).")
        if summary.level_after != summary.level_before:
            self.stdout.write(f"Level {summary.level_before} -> {summary.level_after}.")
        for achievement in summary.achievements:
            self.stdout.write(f"Unlocked: {achievement['code']}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Balances now: {wallet.xp} XP (level {wallet.level}), {wallet.coins} coins, {wallet.crystals} crystals."
            )
        )
