"""The ledger audit: do the balances and holdings still add up?

Read-only checks over the whole database (or some users), used by the soak run
(bench/soak.py) after its load and by `manage.py ledger_audit`:

- every wallet balance (xp, coins, crystals) equals the sum of its ledger entries and is
  never negative, and each currency's latest entry's `balance_after` is that balance;
- every inventory quantity equals the sum of its inventory ledger entries, is never
  negative, and `locked_quantity <= quantity`; a (user, item) with ledger entries but no
  row sums to 0; a cosmetic is held at most once (one owner, one copy);
- when the trades app is installed: each pending trade holds its offered coins in escrow,
  each trade's coin and item movements add up, and the items locked equal what the pending
  trades offer (`_trade_problems`, which reads the models by name).

Each check is one grouped query, so the audit stays quick on a large ledger.
"""
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Sum

from apps.inventory.models import COSMETIC_TYPES, InventoryItem, InventoryLedgerEntry
from apps.wallet.models import Currency, LedgerEntry, Wallet

CURRENCIES = (Currency.XP, Currency.COINS, Currency.CRYSTALS)
# Enough problems to see the pattern; a broken invariant usually breaks it for many rows.
MAX_LISTED = 50


@dataclass
class AuditResult:
    problems: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def report(self) -> str:
        counts = ", ".join(f"{n} {what}" for what, n in self.checked.items())
        if self.ok:
            return f"ledger audit: ok ({counts})"
        listed = "\n".join(f"  - {p}" for p in self.problems[:MAX_LISTED])
        more = f"\n  ... and {len(self.problems) - MAX_LISTED} more" if len(self.problems) > MAX_LISTED else ""
        return f"ledger audit: {len(self.problems)} problem(s) ({counts})\n{listed}{more}"


def _scoped(queryset, user_ids, field_name="user_id"):
    return queryset if user_ids is None else queryset.filter(**{f"{field_name}__in": list(user_ids)})


def _wallet_problems(result: AuditResult, user_ids) -> None:
    sums = defaultdict(int)
    for row in _scoped(LedgerEntry.objects.all(), user_ids).values("user_id", "currency").annotate(total=Sum("amount")).order_by():
        sums[(row["user_id"], row["currency"])] = row["total"] or 0
    wallets = list(_scoped(Wallet.objects.all(), user_ids).values("user_id", *CURRENCIES))
    wallet_users = set()
    for wallet in wallets:
        wallet_users.add(wallet["user_id"])
        for currency in CURRENCIES:
            balance, total = wallet[currency], sums.get((wallet["user_id"], currency), 0)
            if balance < 0:
                result.problems.append(f"user {wallet['user_id']}: {currency} balance {balance} is negative")
            if balance != total:
                result.problems.append(f"user {wallet['user_id']}: {currency} balance {balance} != ledger sum {total}")
    for (user_id, currency), total in sums.items():
        if user_id not in wallet_users and total:
            result.problems.append(f"user {user_id}: {currency} ledger sums to {total} without a wallet")
    negative = _scoped(LedgerEntry.objects.filter(balance_after__lt=0), user_ids).count()
    if negative:
        result.problems.append(f"{negative} ledger entries have a negative balance_after")
    result.checked["wallets"] = len(wallets)
    result.checked["ledger entries"] = _scoped(LedgerEntry.objects.all(), user_ids).count()


def _inventory_problems(result: AuditResult, user_ids) -> None:
    sums = {
        (row["user_id"], row["item_id"]): row["total"] or 0
        for row in _scoped(InventoryLedgerEntry.objects.all(), user_ids)
        .values("user_id", "item_id")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    rows = list(_scoped(InventoryItem.objects.all(), user_ids).values("id", "user_id", "item_id", "item__type", "quantity", "locked_quantity"))
    seen = set()
    for row in rows:
        key = (row["user_id"], row["item_id"])
        seen.add(key)
        where = f"inventory {row['id']} (user {row['user_id']}, item {row['item_id']})"
        if row["quantity"] < 0 or row["locked_quantity"] < 0:
            result.problems.append(f"{where}: negative quantity {row['quantity']} / locked {row['locked_quantity']}")
        if row["locked_quantity"] > row["quantity"]:
            result.problems.append(f"{where}: locked {row['locked_quantity']} > quantity {row['quantity']}")
        if row["quantity"] != sums.get(key, 0):
            result.problems.append(f"{where}: quantity {row['quantity']} != inventory ledger sum {sums.get(key, 0)}")
        if row["item__type"] in COSMETIC_TYPES and row["quantity"] > 1:
            result.problems.append(f"{where}: a cosmetic held {row['quantity']} times")
    for key, total in sums.items():
        if key not in seen and total:
            result.problems.append(f"user {key[0]}, item {key[1]}: inventory ledger sums to {total} without a row")
    result.checked["inventory rows"] = len(rows)


def _trade_problems(result: AuditResult, user_ids) -> None:
    """Escrow equals the pending trades, and trades create or destroy nothing:

    - a pending trade holds exactly its offered coins (`escrow_coins`), any other none;
    - the coins of each trade's ledger rows (ref `trade:<id>`, both parties) sum to minus
      what it holds: escrow left the requester's wallet, an accepted trade moved coins
      from one wallet to the other, a cancelled, rejected or expired one gave them back;
    - each trade's item ledger rows sum to 0 (items move between users, never appear);
    - every inventory row's `locked_quantity` equals what pending trades offer of it.

    The trades app's models are read by name (apps.get_model): progression must not
    depend on it, and the audit runs whether or not it is installed.
    """
    if not apps.is_installed("apps.trades"):
        return
    Trade = apps.get_model("trades", "Trade")
    TradeItem = apps.get_model("trades", "TradeItem")
    trades = Trade.objects.all() if user_ids is None else Trade.objects.filter(requester_id__in=list(user_ids))
    held = {}
    for trade in trades.values("id", "status", "offered_coins", "escrow_coins"):
        held[f"trade:{trade['id']}"] = trade["escrow_coins"]
        expected = trade["offered_coins"] if trade["status"] == "pending" else 0
        if trade["escrow_coins"] != expected:
            result.problems.append(f"trade {trade['id']} ({trade['status']}): holds {trade['escrow_coins']} coins, not {expected}")
    result.checked["trades"] = len(held)

    coins = {
        row["ref"]: row["total"] or 0
        for row in LedgerEntry.objects.filter(ref__startswith="trade:", currency=Currency.COINS)
        .values("ref").annotate(total=Sum("amount")).order_by()
    }
    for ref, escrow in held.items():
        if coins.get(ref, 0) != -escrow:
            result.problems.append(f"{ref}: its coin ledger rows sum to {coins.get(ref, 0)}, escrow holds {escrow}")
    for row in (
        InventoryLedgerEntry.objects.filter(ref__startswith="trade:").values("ref").annotate(total=Sum("amount")).order_by()
    ):
        if row["ref"] in held and row["total"]:
            result.problems.append(f"{row['ref']}: its item ledger rows sum to {row['total']}, not 0")

    offered = {
        row["inventory_item_id"]: row["total"] or 0
        for row in TradeItem.objects.filter(trade__status="pending", side="offered")
        .values("inventory_item_id").annotate(total=Sum("quantity")).order_by()
    }
    for row in _scoped(InventoryItem.objects.all(), user_ids).values("id", "locked_quantity"):
        if row["locked_quantity"] != offered.get(row["id"], 0):
            result.problems.append(f"inventory {row['id']}: locked {row['locked_quantity']} != pending trades' {offered.get(row['id'], 0)}")


def ledger_audit(*, user_ids=None) -> AuditResult:
    """Check every invariant above; `user_ids` limits it to those users (None: everyone)."""
    result = AuditResult()
    _wallet_problems(result, user_ids)
    _inventory_problems(result, user_ids)
    _trade_problems(result, user_ids)
    return result
