"""UserProgressService: the one door for XP, coins, crystals, stats, streaks and achievements.

Every app that grants or spends value describes what happened as a `ProgressEvent` and
hands it to `UserProgressService(user).apply(event)`, inside its own `transaction.atomic()`
(the caller's block is the unit that commits or rolls back). With the user's wallet
locked, `apply` runs these steps in order and returns the RewardSummary of everything the
request granted:

1. lock the wallet (unless the caller already did, with `lock()`);
2. count the day's activity, and apply the anti-farming cap to task rewards;
3. extend the daily streak (settling missed days with streak freezes);
4. pay the event's own reward or cost, multiplied by active boosts when boostable,
   and grant its items;
5. pay the streak milestone reached in 3 (once in a user's lifetime);
6. pay level-ups (each level once in a lifetime), add to the statistics and unlock the
   achievements they reach, paying their rewards; repeated while an unlock leads to another;
7. write the wallet, the ledger rows and the day's row, and replace the user's cache
   token (and, when XP changed, mark the player on the leaderboards) when the transaction commits;
8. tell the player what it reached (`achievement_unlocked`, `level_up` for a level reached
   for the first time, `streak_milestone`): notifications written once the transaction commits.

A caller that also changes a domain row (a task, a purchase's checks) follows the global
lock order (apps/wallet/locks.py) inside its own `transaction.atomic()`:

    with transaction.atomic():
        progress = UserProgressService(user)
        progress.lock()                                   # 1. the wallet
        task = Task.objects.select_for_update().get(...)  # 2. the domain row
        summary = progress.apply(event)                   # 3.. streak, inventory, boosts
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.achievements.services import achievements_unlock
from apps.boosts.selectors import active_multipliers
from apps.core.errors import InsufficientFunds
from apps.core.localday import local_date
from apps.core.user_version import user_version_bump
from apps.inventory.services import inventory_grant
from apps.notifications.models import Notification
from apps.notifications.services import notify_many
from apps.stats.boards import board_touch
from apps.stats.selectors import daily_activity_get
from apps.stats.sql import counters_add, daily_activity_add
from apps.streaks.services import streak_current_today, streak_register_activity
from apps.wallet.levels import level_for_xp
from apps.wallet.locks import lock_wallet
from apps.wallet.models import Currency, LedgerEntry, Wallet

CURRENCIES = (Currency.XP, Currency.COINS, Currency.CRYSTALS)


@dataclass
class ProgressEvent:
    """What happened, from the point of view of value.

    xp/coins/crystals: the event's own signed amounts (negative = spend or take back).
    boostable: multiply a positive xp/coins reward by the active boosts.
    activity: a DailyActivity field this event adds `activity_delta` to (`tasks_completed`,
        `habit_check_ins`, `quit_logs`); a positive delta makes the day active for the streak.
    capped_by: a DailyActivity field counting toward the daily cap (`task_completions`):
        past the cap the own reward is zero.
    stats: counters to add to (e.g. {"tasks_completed": 1}).
    reversal: negative amounts take back earned value (xp_earned/coins_earned go down)
        rather than spend it (coins_spent goes up).
    transfer: coins that change hands between players (trades and their escrow): the
        ledger records them, but they are neither earned nor spent (no coins_earned,
        coins_spent or daily earnings), so moving coins around cannot farm anything.
    day: the local day the activity counts on (default: the user's today).
    items: [(item, quantity)] granted with the event (`item` has `pk` and `name`).
    """

    reason: str
    ref: str = ""
    xp: int = 0
    coins: int = 0
    crystals: int = 0
    boostable: bool = False
    activity: str | None = None
    activity_delta: int = 1
    capped_by: str | None = None
    stats: dict[str, int] = field(default_factory=dict)
    reversal: bool = False
    transfer: bool = False
    day: date | None = None
    items: list = field(default_factory=list)


@dataclass
class RewardSummary:
    xp: int = 0
    coins: int = 0
    crystals: int = 0
    multipliers: dict = field(default_factory=lambda: {"xp": Decimal(1), "coins": Decimal(1)})
    level_before: int = 1
    level_after: int = 1
    streak_current: int = 0
    streak_extended: bool = False
    streak_milestone: int | None = None
    achievements: list = field(default_factory=list)
    items: list = field(default_factory=list)
    capped: bool = False
    # The event's own amounts after the cap and boosts: what a reversal takes back.
    own_xp: int = 0
    own_coins: int = 0

    def as_dict(self) -> dict:
        """The contract's `rewards` object (RewardSummarySerializer's shape)."""
        return {
            "xp": self.xp,
            "coins": self.coins,
            "crystals": self.crystals,
            "multipliers": {"xp": float(self.multipliers["xp"]), "coins": float(self.multipliers["coins"])},
            "level": {
                "before": self.level_before,
                "after": self.level_after,
                "leveled_up": self.level_after > self.level_before,
            },
            "streak": {
                "current": self.streak_current,
                "extended": self.streak_extended,
                "milestone": self.streak_milestone,
            },
            "achievements": self.achievements,
            "items": self.items,
            "capped": self.capped,
        }


def boosted(amount: int, multiplier: Decimal) -> int:
    """A positive reward times a boost multiplier, rounded down (contract: boosts)."""
    if amount <= 0:
        return amount
    return int((Decimal(amount) * multiplier).to_integral_value(rounding=ROUND_FLOOR))


@dataclass
class _Changes:
    """What one `apply` has decided so far; `_persist` writes it."""

    event: ProgressEvent
    day: date
    balances: dict[str, int]
    summary: RewardSummary
    ledger: list[LedgerEntry] = field(default_factory=list)
    stats: Counter = field(default_factory=Counter)  # counter deltas not yet added
    daily: Counter = field(default_factory=Counter)  # DailyActivity deltas of `day`
    capped: bool = False
    milestone: int | None = None
    new_level: int | None = None  # a level reached for the first time, for the unlock check


class UserProgressService:
    """Apply ProgressEvents for one user. Works nested inside the caller's transaction."""

    def __init__(self, user, *, now: datetime | None = None):
        self.user = user
        self.user_id = user.pk
        self.now = now or timezone.now()
        self.wallet: Wallet | None = None
        # {item_id: InventoryItem} as this service's last grant of that item left it
        self.granted_rows: dict = {}

    def lock(self, *, locked: Wallet | None = None) -> Wallet:
        """Lock the user's wallet (once per service): the first lock of the global order.
        Call it inside the caller's transaction before locking a domain row. `locked`: the
        user's wallet, already locked in this transaction by the caller (a batch of users
        locked with `lock_wallets`, one statement)."""
        if locked is not None and locked.user_id != self.user_id:
            raise ValueError("locked: not this user's wallet")
        if self.wallet is None:
            self.wallet = locked if locked is not None else lock_wallet(user_id=self.user_id)
        return self.wallet

    def apply(self, event: ProgressEvent) -> RewardSummary:
        """Apply `event` (see the module docstring for the steps), inside the caller's
        transaction: an error leaves its block, which rolls back whatever apply wrote."""
        if not transaction.get_connection().in_atomic_block:
            raise transaction.TransactionManagementError("UserProgressService.apply() runs inside the caller's transaction.atomic().")
        wallet = self.lock()
        level_rewarded_before = wallet.max_level_rewarded
        changes = _Changes(
            event=event,
            day=event.day or local_date(self.user, self.now),
            balances={currency: getattr(wallet, currency) for currency in CURRENCIES},
            summary=RewardSummary(level_before=level_for_xp(wallet.xp)),
            stats=Counter(event.stats),
        )
        self._count_day(changes)
        self._extend_streak(changes)
        self._pay_own_reward(changes)
        self._pay_milestone(changes)
        self._pay_levels_and_achievements(changes)
        self._persist(changes)
        changes.summary.level_after = level_for_xp(wallet.xp)
        self._notify(changes.summary, level_rewarded_before)
        return changes.summary

    # -- the steps -----------------------------------------------------------------
    def _count_day(self, changes: _Changes) -> None:
        event = changes.event
        if event.activity:
            changes.daily[event.activity] += event.activity_delta
        if event.capped_by:
            # Read under the wallet lock, which every writer of the day's row holds.
            done = daily_activity_get(user_id=self.user_id, day=changes.day, field=event.capped_by)
            changes.daily[event.capped_by] += 1
            changes.capped = done + 1 > settings.DREAMTRACK_DAILY_COMPLETION_CAP
            changes.summary.capped = changes.capped

    def _extend_streak(self, changes: _Changes) -> None:
        event, summary = changes.event, changes.summary
        if event.activity and event.activity_delta > 0:
            update = streak_register_activity(user_id=self.user_id, day=changes.day)
            summary.streak_current, summary.streak_extended = update.current, update.extended
            changes.stats["longest_streak"] += update.longest_delta
            changes.milestone = update.milestone
        else:
            summary.streak_current = streak_current_today(user_id=self.user_id, today=local_date(self.user, self.now))

    def _pay_own_reward(self, changes: _Changes) -> None:
        event, summary = changes.event, changes.summary
        xp, coins = (0, 0) if changes.capped else (event.xp, event.coins)
        if event.boostable and (xp > 0 or coins > 0):
            summary.multipliers = active_multipliers(user_id=self.user_id, now=self.now)
            xp, coins = boosted(xp, summary.multipliers["xp"]), boosted(coins, summary.multipliers["coins"])
        summary.own_xp, summary.own_coins = xp, coins
        for currency, amount in ((Currency.XP, xp), (Currency.COINS, coins), (Currency.CRYSTALS, event.crystals)):
            self._move(changes, currency, amount, event.reason, event.ref, reversal=event.reversal, transfer=event.transfer)
        for item, quantity in event.items:
            self._grant_item(changes, item.pk, item.name, quantity, event.reason, event.ref)

    def _pay_milestone(self, changes: _Changes) -> None:
        if changes.milestone is None:
            return
        changes.summary.streak_milestone = changes.milestone
        reward = settings.DREAMTRACK_STREAK_MILESTONES[changes.milestone]
        ref = f"streak:{changes.milestone}"
        self._move(changes, Currency.XP, reward["xp"], "streak_milestone", ref)
        self._move(changes, Currency.COINS, reward["coins"], "streak_milestone", ref)
        self._move(changes, Currency.CRYSTALS, reward.get("crystals", 0), "streak_milestone", ref)

    def _pay_levels_and_achievements(self, changes: _Changes) -> None:
        while True:
            self._pay_level_ups(changes)
            deltas = {key: delta for key, delta in changes.stats.items() if delta}
            changes.stats.clear()
            values = counters_add(user_id=self.user_id, deltas=deltas)
            # Only a counter that went up, or a new level, can unlock something.
            reached = {key: values[key] for key, delta in deltas.items() if delta > 0}
            if changes.new_level is not None:
                reached["level"], changes.new_level = changes.new_level, None
            unlocked = achievements_unlock(user_id=self.user_id, values=reached) if reached else []
            if not unlocked:
                return
            for achievement in unlocked:
                self._pay_achievement(changes, achievement)

    def _persist(self, changes: _Changes) -> None:
        wallet = self.wallet
        changed = [currency for currency in CURRENCIES if changes.balances[currency] != getattr(wallet, currency)]
        if changed:  # a level-up (max_level_rewarded) comes only with an XP change
            for currency in changed:
                setattr(wallet, currency, changes.balances[currency])
            wallet.save(update_fields=[*changed, "max_level_rewarded", "updated_at"])
        LedgerEntry.objects.bulk_create(changes.ledger)
        # Taken under the wallet lock: one player's XP changes get increasing times
        # (the leaderboards' "reached first").
        daily_activity_add(user_id=self.user_id, day=changes.day, deltas=changes.daily, at=timezone.now())
        if changes.daily.get("xp_earned"):
            board_touch(user_id=self.user_id, days=[changes.day])
        user_version_bump(self.user_id)

    def _notify(self, summary: RewardSummary, level_rewarded_before: int) -> None:
        kinds = Notification.Kind
        rows = [(self.user_id, kinds.ACHIEVEMENT_UNLOCKED, {"code": a["code"], "title": a["title"]}) for a in summary.achievements]
        # A level regained after a reversal pays nothing again, and is not announced again.
        if self.wallet.max_level_rewarded > level_rewarded_before:
            rows.append((self.user_id, kinds.LEVEL_UP, {"level": self.wallet.max_level_rewarded}))
        if summary.streak_milestone is not None:
            rows.append((self.user_id, kinds.STREAK_MILESTONE, {"days": summary.streak_milestone}))
        notify_many(rows)

    # -- the moves ------------------------------------------------------------------
    def _move(
        self, changes: _Changes, currency: str, amount: int, reason: str, ref: str, *, reversal: bool = False, transfer: bool = False
    ):
        """Move one balance (in memory until _persist) and queue its ledger row."""
        if not amount:
            return
        balance = changes.balances[currency] + amount
        if balance < 0:
            raise InsufficientFunds(f"Not enough {'XP' if currency == Currency.XP else currency}.")
        changes.balances[currency] = balance
        changes.ledger.append(
            LedgerEntry(
                user_id=self.user_id,
                currency=currency,
                amount=amount,
                balance_after=balance,
                reason=reason,
                ref=ref,
                created_at=self.now,
            )
        )
        setattr(changes.summary, currency, getattr(changes.summary, currency) + amount)
        if currency == Currency.CRYSTALS or transfer:
            return
        if amount > 0 or reversal:
            changes.stats[f"{currency}_earned"] += amount
            changes.daily[f"{currency}_earned"] += amount
        elif currency == Currency.COINS:
            changes.stats["coins_spent"] += -amount

    def _grant_item(self, changes: _Changes, item_id: int, name: str, quantity: int, reason: str, ref: str) -> None:
        self.granted_rows[item_id] = inventory_grant(
            user_id=self.user_id, item_id=item_id, quantity=quantity, reason=reason, ref=ref
        )
        changes.summary.items.append({"item_id": item_id, "name": name, "quantity": quantity})

    def _pay_level_ups(self, changes: _Changes) -> None:
        level = level_for_xp(changes.balances[Currency.XP])
        paid = self.wallet.max_level_rewarded
        if level <= paid:
            return
        per_level = settings.DREAMTRACK_LEVEL_UP_COINS_PER_LEVEL
        for new_level in range(paid + 1, level + 1):
            self._move(changes, Currency.COINS, per_level * new_level, "level_up", f"level:{new_level}")
        self.wallet.max_level_rewarded = level
        changes.new_level = level  # level achievements see the highest level ever reached

    def _pay_achievement(self, changes: _Changes, achievement) -> None:
        ref = f"achievement:{achievement.code}"
        self._move(changes, Currency.XP, achievement.reward_xp, "achievement", ref)
        self._move(changes, Currency.COINS, achievement.reward_coins, "achievement", ref)
        self._move(changes, Currency.CRYSTALS, achievement.reward_crystals, "achievement", ref)
        for reward in achievement.reward_items_list:
            self._grant_item(changes, reward.item_id, reward.item.name, reward.quantity, "achievement", ref)
        changes.summary.achievements.append(
            {
                "code": achievement.code,
                "title": achievement.title,
                "reward_xp": achievement.reward_xp,
                "reward_coins": achievement.reward_coins,
                "reward_crystals": achievement.reward_crystals,
            }
        )


# The most one admin grant or `grant` command moves per currency: a typo of many digits is
# refused, not a number the database cannot hold (or one level-up ledger row per level).
GRANT_LIMIT = 1_000_000_000


def progress_grant(*, user, xp: int = 0, coins: int = 0, crystals: int = 0, reason: str, ref: str = "") -> RewardSummary:
    """Credit (or with negative amounts debit) a user: admin grants, the `grant` command.
    ValueError for an amount beyond ±GRANT_LIMIT."""
    if max(abs(xp), abs(coins), abs(crystals)) > GRANT_LIMIT:
        raise ValueError(f"At most {GRANT_LIMIT:,} of each per grant (a negative amount too).")
    with transaction.atomic():
        return UserProgressService(user).apply(ProgressEvent(reason=reason, ref=ref, xp=xp, coins=coins, crystals=crystals))
