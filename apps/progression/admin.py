"""Wallets and the ledger in the admin: balances are read-only; value moves only
through the grant/debit actions, which go through `progress_grant` (ledger, levels,
achievements), never by editing a number."""
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Sum

from apps.core.admin_base import ReadOnlyAdmin, admin_ref
from apps.core.errors import DomainError
from apps.wallet.levels import level_for_xp
from apps.wallet.models import Currency, LedgerEntry, Wallet

from .services import GRANT_LIMIT, progress_grant


class GrantInputForm(forms.Form):
    amount = forms.IntegerField(required=False, min_value=1, max_value=GRANT_LIMIT, label="Amount")
    reason = forms.CharField(required=False, max_length=64, label="Reason")


class WalletActionForm(ActionForm):
    """The changelist's action bar, with the amount and reason the grant/debit actions use.
    Plain text here: the action checks them (GrantInputForm) and says what is wrong, where
    an invalid action bar would only say "No action selected"."""

    amount = forms.CharField(required=False, label="Amount")
    reason = forms.CharField(required=False, label="Reason")


def _move_action(currency: str, sign: int, description: str):
    def action(modeladmin, request, queryset):
        modeladmin.apply_to_wallets(request, queryset, currency=currency, sign=sign)

    action.__name__ = f"{'grant' if sign > 0 else 'debit'}_{currency}"
    return admin.action(description=description, permissions=["grant"])(action)


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    action_form = WalletActionForm
    actions = [
        _move_action(Currency.COINS, +1, "Grant coins (amount, reason)"),
        _move_action(Currency.XP, +1, "Grant XP (amount, reason)"),
        _move_action(Currency.CRYSTALS, +1, "Grant crystals (amount, reason)"),
        _move_action(Currency.COINS, -1, "Debit coins (amount, reason)"),
        _move_action(Currency.XP, -1, "Debit XP (amount, reason)"),
        _move_action(Currency.CRYSTALS, -1, "Debit crystals (amount, reason)"),
    ]
    list_display = ("user", "xp", "level", "coins", "crystals", "max_level_rewarded", "updated_at")
    list_filter = ("user__is_active", "updated_at")
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    ordering = ("user__username",)
    readonly_fields = ("user", "xp", "level", "coins", "crystals", "max_level_rewarded", "updated_at", "ledger_sums")

    def has_grant_permission(self, request) -> bool:
        return request.user.has_perm("wallet.change_wallet")

    @admin.display(description="level")
    def level(self, obj):
        return level_for_xp(obj.xp)

    @admin.display(description="ledger sums (must equal the balances)")
    def ledger_sums(self, obj):
        sums = dict(LedgerEntry.objects.filter(user_id=obj.user_id).values_list("currency").annotate(total=Sum("amount")))
        return ", ".join(f"{c}: {sums.get(c, 0)}" for c in Currency.values)

    def apply_to_wallets(self, request, queryset, *, currency: str, sign: int) -> None:
        form = GrantInputForm(request.POST)
        if not form.is_valid() or not form.cleaned_data.get("amount") or not form.cleaned_data.get("reason", "").strip():
            self.message_user(
                request, f"Give an amount from 1 to {GRANT_LIMIT:,} and a reason (at most 64 characters).", messages.ERROR
            )
            return
        amount = sign * form.cleaned_data["amount"]
        reason = form.cleaned_data["reason"].strip()
        done, failed = [], []
        for wallet in queryset.select_related("user"):
            try:
                summary = progress_grant(
                    user=wallet.user, reason=reason, ref=admin_ref(request), **{currency: amount}
                )
            except DomainError as exc:
                failed.append(f"{wallet.user.get_username()} ({exc.detail})")
                continue
            done.append(wallet.user.get_username())
            if summary.level_after > summary.level_before:
                self.message_user(
                    request, f"{wallet.user.get_username()} reached level {summary.level_after}.", messages.INFO
                )
        verb = "Granted" if sign > 0 else "Debited"
        if done:
            self.message_user(request, f"{verb} {abs(amount)} {currency}: {', '.join(done)}.", messages.SUCCESS)
        if failed:
            self.message_user(request, f"Nothing changed for: {'; '.join(failed)}", messages.ERROR)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    """Append-only: corrections are new entries (the wallet actions), never edits."""

    list_display = ("created_at", "user", "currency", "amount", "balance_after", "reason", "ref")
    list_filter = ("currency", "reason")
    search_fields = ("user__username", "reason", "ref")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    readonly_fields = ("user", "currency", "amount", "balance_after", "reason", "ref", "created_at")
