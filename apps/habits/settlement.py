"""Quit days settled: each local day of a quit habit closes once it is over, and a day with
a log pays then (contract, Game rules: quit habit), exactly once per habit and day.

Two paths settle, the same way: `run_daily_jobs` (every few minutes, in batches of users
whose local day has ended: `Habit.next_settle_at` passed) and the user's next habits request (`quit_days_settle_for_user`,
and `POST habits/{id}/logs/`). Either holds the users' wallets, then their quit habits (the
global lock order, apps/wallet/locks.py), and for each habit settles the days after its
`settled_through` up to the user's local yesterday, in date order:

- a day with a log pays `quit_day_reward` and gets one QuitDaySettlement row; the unique
  (habit, date) means a day can never be inserted, so paid, twice: a second insert fails and
  rolls back its whole transaction, rewards included;
- a clean day (logged, total 0) extends the clean streak, a day logged above 0 breaks it,
  a day without a log earns nothing and leaves it as it is;
- `settled_through` moves to yesterday: every day up to it is closed to new logs.

Each user is then paid once per transaction through the progress service: the sum of their
settled days, `quit_clean_days`, and `quit_clean_streak` (the longest clean streak of any of
their quit habits: the 7- and 30-day achievements).

Set-based: a batch reads its candidates, locks the habits, sums the logs, inserts the settled
days, updates the habits (apps/habits/sql.py) and reads the streak counters in one statement
each, whatever the number of days; then one `apply` per user who earned something.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.core.localday import day_bounds, local_date
from apps.progression.services import ProgressEvent, RewardSummary, UserProgressService
from apps.stats.models import StatCounter
from apps.wallet.locks import lock_wallets

from .models import Habit, QuitDaySettlement, QuitLog
from .rules import money_saved, quit_day_reward
from .sql import habits_settled_update

BATCH_USERS = 100  # users per transaction: their wallets stay locked until it commits
CLEAN_STREAK_COUNTER = "quit_clean_streak"
ONE_DAY = timedelta(days=1)


@dataclass
class SettleTotals:
    users: int = 0  # users paid
    days: int = 0  # logged days settled (and paid)
    habits: int = 0  # habits whose days were closed


@dataclass
class _Earned:
    """What one user's settled days add up to in one transaction."""

    xp: int = 0
    coins: int = 0
    clean_days: int = 0
    longest_clean: int = 0
    days: list = field(default_factory=list)


def local_yesterday(user, now: datetime) -> date:
    return local_date(user, now) - ONE_DAY


def next_settle_at(user, settled_through: date) -> datetime:
    """When the day after `settled_through` is over, in the user's time zone as it is now."""
    return day_bounds(user, settled_through + ONE_DAY)[1]


def quit_days_due(*, user, now: datetime) -> bool:
    """Has the user a quit habit with a day that is over and not settled yet? One query."""
    return Habit.objects.filter(
        user_id=user.pk, kind=Habit.Kind.QUIT, settled_through__lt=local_yesterday(user, now)
    ).exists()


def quit_days_settle_for_user(*, user, now: datetime | None = None) -> RewardSummary | None:
    """The lazy path (the user's next habits request): settle the user's due quit days.
    What it paid, or None when nothing was due or nothing earned."""
    now = now or timezone.now()
    if not quit_days_due(user=user, now=now):
        return None
    with transaction.atomic():
        progress = UserProgressService(user, now=now)
        progress.lock()
        summaries, _totals = quit_days_settle_locked(progress_by_user={user.pk: progress}, now=now)
    return summaries.get(user.pk)


def quit_days_settle_locked(
    *, progress_by_user: dict[int, UserProgressService], now: datetime
) -> tuple[dict[int, RewardSummary], SettleTotals]:
    """Settle every due day of these users' quit habits, inside the caller's transaction,
    with each user's wallet already locked (`progress.lock()`, ascending user id). Returns
    what each paid user received, and the totals."""
    users = {user_id: progress.user for user_id, progress in progress_by_user.items()}
    yesterday = {user_id: local_yesterday(user, now) for user_id, user in users.items()}
    locked = list(Habit.objects.select_for_update().filter(user_id__in=list(users), kind=Habit.Kind.QUIT).order_by("pk"))
    habits = [habit for habit in locked if habit.settled_through < yesterday[habit.user_id]]
    # Not due, yet found by the job: the user changed time zone since; put the time right.
    stale = [
        habit
        for habit in locked
        if habit.settled_through >= yesterday[habit.user_id]
        and habit.next_settle_at != next_settle_at(users[habit.user_id], habit.settled_through)
    ]
    for habit in stale:
        habit.next_settle_at = next_settle_at(users[habit.user_id], habit.settled_through)
    totals = SettleTotals(habits=len(habits))
    if not habits:
        habits_settled_update(stale)
        return {}, totals

    units = defaultdict(dict)  # {habit_id: {day: units}}
    for habit_id, day, total in (
        QuitLog.objects.filter(
            habit_id__in=[h.pk for h in habits],
            date__gt=min(h.settled_through for h in habits),
            date__lte=max(yesterday[h.user_id] for h in habits),
        )
        .values("habit_id", "date")
        .annotate(total=Sum("count"))
        .values_list("habit_id", "date", "total")
        .order_by()
    ):
        units[habit_id][day] = total

    rules = settings.DREAMTRACK_QUIT_DAY_REWARDS
    earned: dict[int, _Earned] = defaultdict(_Earned)
    rows = []
    for habit in habits:
        end = yesterday[habit.user_id]
        for day in sorted(d for d in units[habit.pk] if habit.settled_through < d <= end):
            total = units[habit.pk][day]
            xp, coins = quit_day_reward(units=total, baseline=habit.baseline_per_day, rules=rules)
            saved = money_saved(units=total, baseline=habit.baseline_per_day, cost_per_unit=habit.cost_per_unit)
            clean = total == 0
            habit.clean_streak = habit.clean_streak + 1 if clean else 0
            habit.longest_clean_streak = max(habit.longest_clean_streak, habit.clean_streak)
            habit.money_saved += saved
            rows.append(
                QuitDaySettlement(
                    habit_id=habit.pk, date=day, units=total, clean=clean, xp=xp, coins=coins,
                    money_saved=saved, clean_streak=habit.clean_streak, settled_at=now,
                )
            )
            mine = earned[habit.user_id]
            mine.xp += xp
            mine.coins += coins
            mine.clean_days += clean
            mine.days.append(day)
        earned_by_owner = earned.get(habit.user_id)
        if earned_by_owner is not None:
            earned_by_owner.longest_clean = max(earned_by_owner.longest_clean, habit.longest_clean_streak)
        habit.settled_through = end
        habit.next_settle_at = next_settle_at(users[habit.user_id], end)
        habit.updated_at = now

    # The "once": a day already settled makes this insert fail and the transaction roll back.
    QuitDaySettlement.objects.bulk_create(rows, batch_size=1000)
    habits_settled_update(habits + stale)
    counters = dict(
        StatCounter.objects.filter(user_id__in=list(earned), key=CLEAN_STREAK_COUNTER).values_list("user_id", "value")
    )
    summaries = {}
    for user_id in sorted(earned):
        mine = earned[user_id]
        first, last = min(mine.days), max(mine.days)
        summaries[user_id] = progress_by_user[user_id].apply(
            ProgressEvent(
                reason="quit_day_settled",
                ref=f"quit:{first.isoformat()}" if first == last else f"quit:{first.isoformat()}..{last.isoformat()}",
                xp=mine.xp,
                coins=mine.coins,
                stats={
                    "quit_clean_days": mine.clean_days,
                    CLEAN_STREAK_COUNTER: max(0, mine.longest_clean - counters.get(user_id, 0)),
                },
                day=last,
            )
        )
        totals.days += len(mine.days)
    totals.users = len(summaries)
    return summaries, totals


def quit_days_settle_due(*, now: datetime, batch_users: int = BATCH_USERS) -> SettleTotals:
    """`run_daily_jobs`: settle the due quit days of every user whose local day has ended
    (`next_settle_at` passed), one transaction per batch of users."""
    User = get_user_model()
    totals = SettleTotals()
    after = 0
    while True:
        user_ids = list(
            Habit.objects.filter(kind=Habit.Kind.QUIT, next_settle_at__lte=now, user_id__gt=after)
            .order_by("user_id")
            .values_list("user_id", flat=True)
            .distinct()[:batch_users]
        )
        if not user_ids:
            break
        after = user_ids[-1]
        users = list(User.objects.filter(pk__in=user_ids).only("id", "timezone", "day_start_hour").order_by("pk"))
        with transaction.atomic():
            wallets = lock_wallets(user_ids=[user.pk for user in users])  # ascending user id: the global lock order
            progress_by_user = {}
            for user in users:
                progress = UserProgressService(user, now=now)
                progress.lock(locked=wallets[user.pk])
                progress_by_user[user.pk] = progress
            _summaries, batch = quit_days_settle_locked(progress_by_user=progress_by_user, now=now)
        totals.users += batch.users
        totals.days += batch.days
        totals.habits += batch.habits
        if len(user_ids) < batch_users:
            break
    return totals
