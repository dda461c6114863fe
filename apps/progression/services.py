"""UserProgressService: the one door for XP, coins, crystals, stats, streaks and achievements.

Every app that grants or spends value describes what happened as a
`ProgressEvent` and hands it to `UserProgressService(user).apply(event)`.
In one transaction, with the user's wallet row locked, it:

1. counts the day's activity (and applies the anti-farming cap to task rewards),
2. extends the daily streak (settling missed days with streak freezes),
3. applies the event's own reward or cost (with active boosts for boostable
   rewards) and its items, then the streak milestone (once in a lifetime),
4. pays level-ups (each level once in a lifetime),
5. increments statistics, unlocks the achievements they reach and pays their
   rewards, repeating 4-5 while an unlock leads to another,
6. writes the wallet, the ledger rows, the day's earnings and the counters in one
   batch (one statement on PostgreSQL, with the caller's own write if it passes
   `batch`): the counters and unlocks the check in 5 needs are read ahead by the
   first statement after the lock (`_KnownCounters`),
and returns the RewardSummary of everything that request granted.

Lock order (the one global order; take only what you need, in this order):
    1. the wallet row of each user involved, ascending user id (`lock_wallets`)
    2. the domain row being changed (task, habit, ...) -- locked with the wallet
       in one statement (`apply(lock_also=...)`), or by `apply(before=...)`
       right after it; or the caller holds no other lock
    3. that user's streak row (only when a day is counted)
    4. inventory rows; 5. boost slots
A streak row is only ever locked by a transaction that already holds its
user's wallet, so its place after the domain row cannot deadlock.
Stats and daily-activity rows are upserts, serialized by the wallet lock; what
relies on that is read by a statement that starts after the lock is held.
Slow or external work (notifications, cache) runs in `transaction.on_commit`.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.achievements.services import (
    achievements_unlock_for_stats,
    catalog_by_trigger,
    unlocked_read,
    unlocked_reads_supported,
)
from apps.boosts.selectors import active_multipliers, multiplier_reads, multipliers_from
from apps.core.errors import InsufficientFunds
from apps.core.fastsql import Batch, fetch_one, fetch_reads, lock_pair
from apps.core.localday import local_date
from apps.core.user_version import user_version_bump
from apps.inventory.services import inventory_grant_and_read
from apps.stats.services import (
    daily_activity_increment_later,
    daily_activity_read,
    stats_increment_and_read,
    stats_increment_later,
    stats_reads,
)
from apps.streaks.services import (
    streak_counted_already,
    streak_current_today,
    streak_from_reads,
    streak_reads,
    streak_register_activity,
)

from .levels import level_for_xp
from .models import Currency, LedgerEntry, Wallet

CURRENCIES = (Currency.XP, Currency.COINS, Currency.CRYSTALS)
# Counters apply() adds to besides an event's own `stats` (`_move` and the streak).
DERIVED_STATS = ("xp_earned", "coins_earned", "coins_spent", "longest_streak")


@dataclass
class ProgressEvent:
    """What happened, from the point of view of value.

    xp/coins/crystals: the event's own signed amounts (negative = spend or take back).
    boostable: multiply a positive xp/coins reward by active boosts.
    activity: a DailyActivity field this event increments (`tasks_completed`,
        `habit_check_ins`, `quit_logs`); a positive one makes the day active for
        the streak. `-1`-style reversals pass `activity_delta=-1`.
    capped_by: a DailyActivity field counting toward the daily cap
        (`task_completions`); past the cap the own reward is zero.
    stats: counters to add to (e.g. {"tasks_completed": 1}).
    reversal: negative amounts take back earned value (xp_earned/coins_earned
        go down) rather than spend it (coins_spent goes up).
    day: the local day the activity counts on (default: the user's today).
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
    day: object = None
    items: list = field(default_factory=list)  # [(item, quantity)] granted with the event


@dataclass
class RewardSummary:
    xp: int = 0
    coins: int = 0
    crystals: int = 0
    multipliers: dict = field(default_factory=lambda: {"xp": 1.0, "coins": 1.0})
    level_before: int = 1
    level_after: int = 1
    streak_current: int = 0
    streak_extended: bool = False
    streak_milestone: int | None = None
    achievements: list = field(default_factory=list)
    items: list = field(default_factory=list)
    capped: bool = False
    # The event's own amounts after cap and boosts (what a reversal takes back).
    own_xp: int = 0
    own_coins: int = 0

    def as_dict(self) -> dict:
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


class _KnownCounters:
    """The counters an event can change that trigger achievements, and which of their (and
    the level's) achievements the user has, as read under the wallet lock at the start of
    apply(): the unlock check then runs on values known here, and the counters' upsert
    waits for the closing batch instead of reading them back."""

    def __init__(self, watched: list[str], triggers, *, level: bool, have_read: bool):
        self.watched = watched
        self.triggers = triggers  # every trigger of the catalog: a key outside it unlocks nothing
        self.level = level  # the level's unlocks are read too
        self.have_read = have_read
        self.values: dict[str, int] = {}
        self.have: set[int] = set()

    def load(self, values) -> None:
        """The answers of the reads `_known_counters_reads` made, in order."""
        n = len(self.watched)
        self.values = {key: value or 0 for key, value in zip(self.watched, values[:n], strict=True)}
        if self.have_read:
            self.have = set(values[n])

    def covers(self, keys) -> bool:
        """Whether the unlock check of these changed keys ("level" for a new level) can run here."""
        return all(
            key in self.values or (key == "level" and self.level) or key not in self.triggers for key in keys
        )

    def add(self, deltas) -> dict[str, int]:
        """Add `deltas`; the new values of the watched keys among them."""
        changed = {}
        for key, delta in deltas.items():
            if key in self.values:
                changed[key] = self.values[key] = self.values[key] + delta
        return changed


def lock_wallet(*, user_id: int) -> Wallet:
    """Lock (creating if needed) one user's wallet row."""
    wallet = fetch_one(Wallet, for_update=True, user_id=user_id)
    if wallet is not None:
        return wallet
    try:
        with transaction.atomic():
            Wallet.objects.create(user_id=user_id)
    except IntegrityError:
        pass
    return Wallet.objects.select_for_update().get(user_id=user_id)


def lock_wallets(*, user_ids) -> dict[int, Wallet]:
    """Lock several users' wallets in ascending user id: the global lock order."""
    return {uid: lock_wallet(user_id=uid) for uid in sorted(set(user_ids))}


def _floor_mul(amount: int, multiplier: Decimal) -> int:
    return int((Decimal(amount) * multiplier).to_integral_value(rounding=ROUND_FLOOR))


class UserProgressService:
    """Apply ProgressEvents for one user. Works nested inside an outer transaction."""

    def __init__(self, user, *, now: datetime | None = None):
        self.user = user
        self.user_id = user.pk
        self.now = now or timezone.now()
        # {item_id: InventoryItem} as the last grant of this service left it (locked, saved)
        self.granted_rows: dict = {}

    # -- the one entry point ----------------------------------------------------
    def apply(
        self,
        event: ProgressEvent,
        *,
        before=None,
        savepoint: bool = True,
        batch: Batch | None = None,
        lock_also: tuple | None = None,
    ) -> RewardSummary:
        """Apply `event`. `before(wallet)` runs right after the wallet is locked
        (to lock and check the domain row in the global lock order); the event is
        read only after it returns, so `before` may fill in amounts, stats and day.

        `savepoint=False` saves two round trips when apply runs inside the caller's
        own `transaction.atomic()` and any exception it raises always leaves that
        block too (never caught inside it): then the caller's block rolls back.

        The closing writes (wallet, ledger, the day's earnings) go in one round
        trip (apps.core.fastsql.Batch). With `batch`, the caller's own: apply only
        adds them, and the caller adds its domain row's write and runs it, in the
        same transaction, before reading any of those rows again.

        `lock_also=(Model, pk)`: the domain row `before` needs (one of the user's own,
        by its `user` column), locked with the wallet in the same statement, in the
        global order, and left in `self.locked_row` (None if there is no such row
        of this user)."""
        with transaction.atomic(savepoint=savepoint):
            # The closing writes, sent together at the end (the caller's batch, if given).
            own_batch = batch is None
            self.batch = Batch() if own_batch else batch
            self.locked_row = None
            if lock_also is not None:
                model, pk = lock_also
                self.wallet, self.locked_row = lock_pair(Wallet, pk=self.user_id, other=model, other_pk=pk, other_owner="user")
                if self.wallet is None:  # no wallet yet, or no such row of this user: one at a time
                    self.wallet = lock_wallet(user_id=self.user_id)
                    self.locked_row = fetch_one(model, for_update=True, pk=pk, user_id=self.user_id)
            else:
                self.wallet = lock_wallet(user_id=self.user_id)
            if before is not None:
                before(self.wallet)
            self.balances = {c: getattr(self.wallet, c) for c in CURRENCIES}
            self.ledger: list[dict] = []  # LedgerEntry rows as values (fastsql.Batch.insert_rows)
            self.stat_deltas: Counter = Counter(event.stats)
            self.later_stats: Counter = Counter()  # counter deltas for the closing batch
            self.known: _KnownCounters | None = None
            self.earned_today = Counter()
            self.reached_level = None
            day = event.day or local_date(self.user, self.now)
            summary = RewardSummary(level_before=level_for_xp(self.wallet.xp))

            # 1. activity and the daily cap
            daily_deltas = {}
            if event.activity:
                daily_deltas[event.activity] = event.activity_delta
            if event.capped_by:
                daily_deltas[event.capped_by] = 1
            xp, coins, crystals = event.xp, event.coins, event.crystals
            counts_for_streak = bool(event.activity and event.activity_delta > 0)
            streak_values = boost_values = None
            self.daily_deltas = daily_deltas  # written by the closing batch (_persist)
            if daily_deltas:
                # One statement reads the day's completions (for the cap), the streak and
                # the boosts; it starts after the wallet lock is held, so it sees them as
                # the last holder left them (every writer of these rows holds that lock).
                # The counters and unlocks the achievement check needs ride on it too.
                cap_reads = (daily_activity_read(user_id=self.user_id, day=day, field=event.capped_by),) if event.capped_by else ()
                boost_reads = multiplier_reads(user_id=self.user_id, now=self.now) if event.boostable else ()
                self.known, unlock_reads = self._known_counters_reads(event)
                values = fetch_reads(cap_reads + streak_reads(user_id=self.user_id) + boost_reads + unlock_reads)
                if cap_reads:
                    done_today = values.pop(0) or 0
                    if done_today + daily_deltas[event.capped_by] > settings.DREAMTRACK_DAILY_COMPLETION_CAP:
                        summary.capped = True
                        xp = coins = 0
                streak_values, boost_values = values[:3], values[3 : 3 + len(boost_reads)]
                if self.known is not None:
                    self.known.load(values[3 + len(boost_reads) :])

            # The daily streak, locked here, before any inventory row (item grants
            # below, freezes inside): the global order wallet -> streak -> inventory.
            streak_update = None
            if counts_for_streak:
                streak_update = streak_counted_already(streak_values, day=day)
                if not streak_update:
                    streak_update = streak_register_activity(user_id=self.user_id, day=day)
                summary.streak_current, summary.streak_extended = streak_update.current, streak_update.extended
                if streak_update.longest_delta:
                    self.stat_deltas["longest_streak"] += streak_update.longest_delta
            elif streak_values is not None:
                self._show_streak(summary, streak_values)
            # No daily row touched: the streak (and where it can, what the unlock check
            # needs) is read by the first statement that follows: an item grant's, else
            # the first statistics statement.
            streak_unread = streak_values is None
            grant_reads = ()
            if streak_unread and event.items and unlocked_reads_supported():
                self.known, unlock_reads = self._known_counters_reads(event)
                grant_reads = streak_reads(user_id=self.user_id) + unlock_reads

            # 2. the event's own reward or cost
            if event.boostable and (xp > 0 or coins > 0):
                if boost_values is not None:
                    multipliers = multipliers_from(boost_values)
                else:
                    multipliers = active_multipliers(user_id=self.user_id, now=self.now)
                summary.multipliers = multipliers
                xp = _floor_mul(xp, multipliers["xp"]) if xp > 0 else xp
                coins = _floor_mul(coins, multipliers["coins"]) if coins > 0 else coins
            summary.own_xp, summary.own_coins = xp, coins
            for currency, amount in ((Currency.XP, xp), (Currency.COINS, coins), (Currency.CRYSTALS, crystals)):
                self._move(currency, amount, event.reason, event.ref, summary, reversal=event.reversal)
            for item, quantity in event.items:
                values = self._grant_item(item, quantity, event.reason, event.ref, summary, reads=grant_reads)
                if grant_reads:
                    self._show_streak(summary, values[:3])
                    self.known.load(values[3:])
                    grant_reads, streak_unread = (), False

            # 3. pay the streak milestone reached above (after the own reward: ledger order)
            if streak_update is not None and streak_update.milestone:
                summary.streak_milestone = streak_update.milestone
                reward = settings.DREAMTRACK_STREAK_MILESTONES[streak_update.milestone]
                ref = f"streak:{streak_update.milestone}"
                self._move(Currency.XP, reward["xp"], "streak_milestone", ref, summary)
                self._move(Currency.COINS, reward["coins"], "streak_milestone", ref, summary)
                self._move(Currency.CRYSTALS, reward.get("crystals", 0), "streak_milestone", ref, summary)

            # 4-5. level-ups, statistics and achievements, until nothing more unlocks
            while True:
                self._pay_level_ups(summary)
                deltas = {key: delta for key, delta in self.stat_deltas.items() if delta}
                self.stat_deltas.clear()
                known = self.known
                if known is not None and not known.covers([*deltas, "level"] if self.reached_level else deltas):
                    # A counter that was not read ahead: read them all back from here on.
                    for key, delta in deltas.items():
                        self.later_stats[key] += delta
                    deltas = {key: delta for key, delta in self.later_stats.items() if delta}
                    self.later_stats.clear()
                    self.known = known = None
                if known is not None:
                    changed, have = known.add(deltas), known.have
                    self.later_stats.update(deltas)
                else:
                    # The unlock check's read rides on the stats upsert (one round trip).
                    triggers = list(deltas)
                    if self.reached_level:
                        triggers.append("level")
                    have_read = unlocked_read(user_id=self.user_id, triggers=triggers) if triggers else None
                    changed, reads = stats_increment_and_read(
                        user_id=self.user_id,
                        deltas=deltas,
                        reads=(streak_reads(user_id=self.user_id) if streak_unread else ())
                        + ((have_read,) if have_read else ()),
                    )
                    if streak_unread:
                        self._show_streak(summary, reads[:3])
                        reads, streak_unread = reads[3:], False
                    have = set(reads[0]) if have_read else None
                if self.reached_level:
                    changed["level"], self.reached_level = self.reached_level, None
                unlocked = (
                    achievements_unlock_for_stats(user_id=self.user_id, changed=changed, have=have) if changed else []
                )
                if not unlocked:
                    break
                if known is not None:
                    known.have.update(a.id for a in unlocked)
                for a in unlocked:
                    ref = f"achievement:{a.code}"
                    self._move(Currency.XP, a.reward_xp, "achievement", ref, summary)
                    self._move(Currency.COINS, a.reward_coins, "achievement", ref, summary)
                    self._move(Currency.CRYSTALS, a.reward_crystals, "achievement", ref, summary)
                    for item_id, _name, quantity in a.items:
                        self._grant_item(item_id, quantity, "achievement", ref, summary)
                    summary.achievements.append(
                        {
                            "code": a.code,
                            "title": a.title,
                            "reward_xp": a.reward_xp,
                            "reward_coins": a.reward_coins,
                            "reward_crystals": a.reward_crystals,
                        }
                    )

            # 6. write the wallet once, the ledger in one insert
            self._persist(day)
            if own_batch:
                self.batch.run()
            summary.level_after = level_for_xp(self.wallet.xp)
            return summary

    # -- internals ----------------------------------------------------------------
    def _show_streak(self, summary: RewardSummary, values):
        """The streak as the player sees it today, for an event that does not extend it."""
        streak = streak_from_reads(user_id=self.user_id, values=values)
        summary.streak_current = streak_current_today(
            user_id=self.user_id, today=local_date(self.user, self.now), streak=streak
        )

    def _known_counters_reads(self, event: ProgressEvent) -> tuple[_KnownCounters | None, tuple]:
        """(the counters to know ahead, the reads that fill them in) where the database can
        answer them in one statement (PostgreSQL), else (None, ())."""
        if not unlocked_reads_supported():
            return None, ()
        catalog = catalog_by_trigger()
        watched = sorted({*event.stats, *DERIVED_STATS} & catalog.keys())
        # An event that earns XP may level up; any other rarely does (then: the fallback).
        level = event.xp > 0
        have_read = unlocked_read(user_id=self.user_id, triggers=[*watched, "level"] if level else watched)
        known = _KnownCounters(watched, catalog.keys(), level=level, have_read=have_read is not None)
        reads = stats_reads(user_id=self.user_id, keys=watched) + ((have_read,) if have_read else ())
        return known, reads

    def _move(self, currency: str, amount: int, reason: str, ref: str, summary: RewardSummary, *, reversal=False):
        if not amount:
            return
        new_balance = self.balances[currency] + amount
        if new_balance < 0:
            name = {"xp": "XP", "coins": "coins", "crystals": "crystals"}[currency]
            raise InsufficientFunds(f"Not enough {name}.")
        self.balances[currency] = new_balance
        self.ledger.append(
            {
                "user_id": self.user_id,
                "currency": currency,
                "amount": amount,
                "balance_after": new_balance,
                "reason": reason,
                "ref": ref,
                "created_at": self.now,
            }
        )
        setattr(summary, currency, getattr(summary, currency) + amount)
        if currency == Currency.CRYSTALS:
            return
        if amount > 0 or reversal:
            self.stat_deltas[f"{currency}_earned"] += amount
            self.earned_today[currency] += amount
        elif currency == Currency.COINS:
            self.stat_deltas["coins_spent"] += -amount

    def _grant_item(self, item, quantity: int, reason: str, ref: str, summary: RewardSummary, *, reads=()) -> list:
        """Grant the item; the values of `reads`, evaluated by the grant's statement."""
        from apps.shop.models import Item

        if not isinstance(item, Item):
            item = Item.objects.get(pk=item)
        self.granted_rows[item.pk], values = inventory_grant_and_read(
            user=self.user, item=item, quantity=quantity, reason=reason, ref=ref, batch=self.batch, reads=reads
        )
        summary.items.append({"item_id": item.pk, "name": item.name, "quantity": quantity})
        return values

    def _pay_level_ups(self, summary: RewardSummary):
        level = level_for_xp(self.balances[Currency.XP])
        paid = self.wallet.max_level_rewarded
        if level <= paid:
            return
        per_level = settings.DREAMTRACK_LEVEL_UP_COINS_PER_LEVEL
        for new_level in range(paid + 1, level + 1):
            self._move(Currency.COINS, per_level * new_level, "level_up", f"level:{new_level}", summary)
        self.wallet.max_level_rewarded = level
        # Achievements triggered by `level` see the highest level ever reached.
        self.reached_level = level

    def _persist(self, day):
        batch = self.batch
        fields = ["max_level_rewarded", "updated_at"]
        for currency in CURRENCIES:
            if self.balances[currency] != getattr(self.wallet, currency):
                setattr(self.wallet, currency, self.balances[currency])
                fields.append(currency)
        # wallet.save(update_fields=...) without its signals: the one receiver replaces the
        # user's cache token (apps/profiles/apps.py), done here once for all of apply's writes.
        batch.update_fields(self.wallet, fields, send_signals=False)
        user_version_bump(self.user_id)
        batch.insert_rows(LedgerEntry, self.ledger)  # bulk_create
        daily = Counter(self.daily_deltas)
        daily.update({f"{c}_earned": v for c, v in self.earned_today.items()})
        daily_activity_increment_later(user_id=self.user_id, day=day, deltas=daily, batch=batch)
        stats_increment_later(user_id=self.user_id, deltas=self.later_stats, batch=batch)


def progress_grant(*, user, xp: int = 0, coins: int = 0, crystals: int = 0, reason: str, ref: str = "") -> RewardSummary:
    """Credit (or with negative amounts debit) a user: admin grants, the `grant` command."""
    return UserProgressService(user).apply(ProgressEvent(reason=reason, ref=ref, xp=xp, coins=coins, crystals=crystals))
