"""Habit writes: create, edit, delete, check in and undo (build), log (quit).

Rewards (contract, Game rules and Habits): a check-in pays its difficulty's base reward
(`DREAMTRACK_DIFFICULTY_REWARDS`), multiplied by active boosts, up to `target_per_day`
check-ins a local day, today or yesterday; it makes that day active for the daily streak and
moves `habit_check_ins`. Its own reward is stored on the check-in, so an undo (the day it
was made) takes back exactly that through the ledger, as a task's reopen does. A quit log
pays nothing by itself: it makes its day active and moves `quit_logs`; the day pays when
it is settled (apps/habits/settlement.py).

Counters for the achievements: `habit_check_ins`, `habit_streak` (the longest streak any
of the user's build habits reached), `quit_logs` (and the settlement's `quit_clean_days`,
`quit_clean_streak`).

Every write that moves value takes the user's wallet lock, then the habit's row lock (the
global lock order, apps/wallet/locks.py), and checks its rules under both.
"""
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from apps.core.errors import BadRequest, NotFound
from apps.core.localday import day_bounds, local_date
from apps.core.user_version import user_version_bump
from apps.progression.services import ProgressEvent, RewardSummary, UserProgressService
from apps.stats.models import StatCounter

from .exceptions import (
    CheckInUndoWindowClosed,
    HabitAlreadyCheckedIn,
    HabitArchived,
    HabitNotCheckedIn,
    NotABuildHabit,
    NotAQuitHabit,
    QuitDaySettled,
)
from .models import Habit, HabitCheckIn, QuitLog
from .rules import ONE_DAY, Schedule, StreakState, streak_advance, streak_from_history
from .selectors import BUILD_WINDOW_DAYS, check_in_counts
from .settlement import quit_days_settle_locked

HABIT_STREAK_COUNTER = "habit_streak"
SCHEDULE_FIELDS = ("schedule_type", "schedule_days", "schedule_times", "schedule_every")
EDITABLE_FIELDS = (
    "title",
    "description",
    "difficulty",
    *SCHEDULE_FIELDS,
    "target_per_day",
    "unit",
    "baseline_per_day",
    "cost_per_unit",
    "archived",
)
STREAK_FIELDS = ["streak_current", "streak_longest", "streak_period"]


@dataclass
class CheckInResult:
    habit: Habit
    rewards: RewardSummary
    # {day: check-ins} of the habit over the metrics window, as the request left them.
    recent: dict[date, int]


def _check_quit_schedule(*, kind: str, schedule_type: str) -> None:
    if kind == Habit.Kind.QUIT and schedule_type != Habit.ScheduleType.DAILY:
        raise BadRequest(errors={"schedule": ["A habit to quit is tracked every day: its schedule is daily."]})


def habit_create(
    *,
    user,
    title: str,
    kind: str,
    description: str = "",
    difficulty: str = "easy",
    schedule_type: str = Habit.ScheduleType.DAILY,
    schedule_days: list[int] | None = None,
    schedule_times: int | None = None,
    schedule_every: int | None = None,
    target_per_day: int = 1,
    unit: str = "",
    baseline_per_day: int = 0,
    cost_per_unit: Decimal = Decimal(0),
    archived: bool = False,
    now: datetime | None = None,
) -> Habit:
    """Create a habit starting on the user's local today. A quit habit's schedule is daily."""
    _check_quit_schedule(kind=kind, schedule_type=schedule_type)
    now = now or timezone.now()
    today = local_date(user, now)
    habit = Habit.objects.create(
        user=user,
        title=title,
        kind=kind,
        description=description,
        difficulty=difficulty,
        schedule_type=schedule_type,
        schedule_days=schedule_days or [],
        schedule_times=schedule_times,
        schedule_every=schedule_every,
        start_date=today,
        target_per_day=target_per_day,
        unit=unit,
        baseline_per_day=baseline_per_day,
        cost_per_unit=cost_per_unit,
        archived=archived,
        settled_through=today - ONE_DAY,
        next_settle_at=day_bounds(user, today)[1] if kind == Habit.Kind.QUIT else None,
        created_at=now,
    )
    user_version_bump(user.pk)
    return habit


def habit_update(*, user, habit_id: int, **changes) -> Habit:
    """Edit a habit's own fields (not its kind, start or history). A new schedule or target
    counts the build streak again from the check-ins; what they paid stays."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        habit = _lock_habit(user_id=user.pk, habit_id=habit_id)
        if not changes:
            return habit
        _check_quit_schedule(kind=habit.kind, schedule_type=changes.get("schedule_type", habit.schedule_type))
        for name, value in changes.items():
            setattr(habit, name, value)
        fields = [*changes, "updated_at"]
        if habit.kind == Habit.Kind.BUILD and {"target_per_day", *SCHEDULE_FIELDS} & set(changes):
            _set_streak(habit, _streak_recounted(habit))
            fields += STREAK_FIELDS
        habit.save(update_fields=fields)
    user_version_bump(user.pk)
    return habit


def habit_delete(*, habit: Habit) -> None:
    """Delete a habit and its history. What it earned stays (the ledger keeps it)."""
    habit.delete()
    user_version_bump(habit.user_id)  # after the delete: a read in between caches the old list


# --- build habits ------------------------------------------------------------------------


def habit_check_in(*, user, habit_id: int, day: date | None = None, now: datetime | None = None) -> CheckInResult:
    """Check in a build habit for the local `day` (today or yesterday; default today) and pay
    its reward. 409 `already_checked_in` past `target_per_day` that day."""
    now = now or timezone.now()
    today = local_date(user, now)
    day = day or today
    if day not in (today, today - ONE_DAY):
        raise BadRequest(errors={"date": ["Only today or yesterday (your local day) can be checked in."]})
    with transaction.atomic():
        progress = UserProgressService(user, now=now)
        progress.lock()
        habit = _lock_habit(user_id=user.pk, habit_id=habit_id, with_best_streak=True)
        _check_can_change(habit, kind=Habit.Kind.BUILD)
        recent = _recent_check_ins(habit, today=today)
        done = recent.get(day, 0)
        if done >= habit.target_per_day:
            raise HabitAlreadyCheckedIn()
        recent[day] = done + 1
        state = _streak_after_check_in(habit, day=day, recent=recent)
        stats = {"habit_check_ins": 1}
        if state.longest > habit.streak_longest:
            stats[HABIT_STREAK_COUNTER] = max(0, state.longest - (habit.best_streak or 0))
        reward = settings.DREAMTRACK_DIFFICULTY_REWARDS[habit.difficulty]
        summary = progress.apply(
            ProgressEvent(
                reason="habit_check_in",
                ref=f"habit:{habit.pk}:{day.isoformat()}",
                xp=reward["xp"],
                coins=reward["coins"],
                boostable=True,
                activity="habit_check_ins",
                stats=stats,
                day=day,
            )
        )
        # The unique (habit, date, seq) backs the count read under the lock.
        HabitCheckIn.objects.create(
            habit=habit, date=day, seq=done + 1, made_on=today,
            reward_xp=summary.own_xp, reward_coins=summary.own_coins, created_at=now,
        )
        habit.total_check_ins += 1
        _set_streak(habit, state)
        habit.save(update_fields=["total_check_ins", *STREAK_FIELDS, "updated_at"])
    return CheckInResult(habit=habit, rewards=summary, recent=recent)


def habit_check_in_undo(*, user, habit_id: int, day: date | None = None, now: datetime | None = None) -> CheckInResult:
    """Undo the latest check-in for the local `day` (default today), on the local day it was
    made: its own reward is taken back through the ledger (409 `insufficient_funds` if the
    coins are spent); level-up, milestone and achievement rewards, and the daily streak, stay."""
    now = now or timezone.now()
    today = local_date(user, now)
    day = day or today
    with transaction.atomic():
        progress = UserProgressService(user, now=now)
        progress.lock()
        habit = _lock_habit(user_id=user.pk, habit_id=habit_id)
        _check_can_change(habit, kind=Habit.Kind.BUILD)
        last = HabitCheckIn.objects.filter(habit=habit, date=day).order_by("-seq").first()
        if last is None:
            raise HabitNotCheckedIn()
        if last.made_on != today:
            raise CheckInUndoWindowClosed()
        summary = progress.apply(
            ProgressEvent(
                reason="habit_check_in_undone",
                ref=f"habit:{habit.pk}:{day.isoformat()}",
                xp=-last.reward_xp,
                coins=-last.reward_coins,
                reversal=True,
                activity="habit_check_ins",
                activity_delta=-1,
                stats={"habit_check_ins": -1},
                day=day,
            )
        )
        last.delete()
        habit.total_check_ins -= 1
        fields = ["total_check_ins", "updated_at"]
        if last.seq == habit.target_per_day:  # the day was done and no longer is
            _set_streak(habit, _streak_recounted(habit))
            fields += STREAK_FIELDS
        habit.save(update_fields=fields)
        recent = _recent_check_ins(habit, today=today)
    return CheckInResult(habit=habit, rewards=summary, recent=recent)


def _recent_check_ins(habit: Habit, *, today: date) -> dict[date, int]:
    """{day: check-ins} over the metrics window ending today (yesterday and its week included)."""
    start = today - timedelta(days=BUILD_WINDOW_DAYS - 1)
    return check_in_counts([habit.pk], start=start, end=today)[habit.pk]


def _streak_after_check_in(habit: Habit, *, day: date, recent: dict[date, int]) -> StreakState:
    """The habit's streak once `day` has its new check-in (counted in `recent`)."""
    state = _streak_of(habit)
    if recent[day] != habit.target_per_day:  # the day is not done yet, or was done already
        return state
    schedule = Schedule.of(habit)
    period = schedule.period_of(day)
    if period is None:
        return state  # a day outside the schedule counts and pays, but earns no streak
    if schedule.weekly:
        week = [period + timedelta(days=n) for n in range(7)]
        if sum(1 for d in week if recent.get(d, 0) >= habit.target_per_day) != schedule.required(period):
            return state  # the week is not met yet, or was met already
    advanced = streak_advance(schedule, state, period)
    if advanced is not None:
        return advanced
    return _streak_recounted(habit, extra_day=day)  # an earlier period met after a later one


def _streak_recounted(habit: Habit, *, extra_day: date | None = None) -> StreakState:
    """The streak counted again from every done day; the longest never goes down."""
    done_days = _done_days(habit)
    if extra_day is not None:
        done_days.add(extra_day)
    counted = streak_from_history(Schedule.of(habit), done_days)
    return replace(counted, longest=max(counted.longest, habit.streak_longest))


def _done_days(habit: Habit) -> set[date]:
    """Every day whose check-ins reach the habit's target."""
    return set(
        HabitCheckIn.objects.filter(habit=habit)
        .values("date")
        .annotate(n=Count("id"))
        .filter(n__gte=habit.target_per_day)
        .values_list("date", flat=True)
        .order_by()
    )


def _streak_of(habit: Habit) -> StreakState:
    return StreakState(current=habit.streak_current, longest=habit.streak_longest, period=habit.streak_period)


def _set_streak(habit: Habit, state: StreakState) -> None:
    habit.streak_current, habit.streak_longest, habit.streak_period = state.current, state.longest, state.period


# --- quit habits -------------------------------------------------------------------------


def quit_log_create(
    *, user, habit_id: int, count: int, occurred_at: datetime | None = None, now: datetime | None = None
) -> tuple[QuitLog, Habit, RewardSummary]:
    """Log `count` units (0: a clean report) of a quit habit at `occurred_at` (default now;
    at most DREAMTRACK_QUIT_LOG_MAX_AGE ago, never in the future). Its local day must still be
    open: 409 `day_settled` once settled. The same request then settles the user's days that
    are over (this one's too, for a backdated log), so `rewards` may include their pay."""
    now = now or timezone.now()
    occurred_at = occurred_at or now
    if occurred_at > now:
        raise BadRequest(errors={"occurred_at": ["Cannot be in the future."]})
    if occurred_at < now - settings.DREAMTRACK_QUIT_LOG_MAX_AGE:
        hours = int(settings.DREAMTRACK_QUIT_LOG_MAX_AGE.total_seconds() // 3600)
        raise BadRequest(errors={"occurred_at": [f"At most {hours} hours in the past."]})
    day = local_date(user, occurred_at)
    with transaction.atomic():
        progress = UserProgressService(user, now=now)
        progress.lock()
        habit = _lock_habit(user_id=user.pk, habit_id=habit_id)
        _check_can_change(habit, kind=Habit.Kind.QUIT)
        if day < habit.start_date:
            raise BadRequest(errors={"occurred_at": [f"Before this habit began ({habit.start_date.isoformat()})."]})
        if day <= habit.settled_through:
            raise QuitDaySettled(
                f"{day.isoformat()} is already settled: that day is closed, so logs can only go to days still open."
            )
        log = QuitLog.objects.create(habit=habit, date=day, occurred_at=occurred_at, count=count, created_at=now)
        if count > 0 and (habit.last_unit_at is None or occurred_at > habit.last_unit_at):
            habit.last_unit_at = occurred_at
            habit.save(update_fields=["last_unit_at", "updated_at"])
        summary = progress.apply(
            ProgressEvent(
                reason="quit_log", ref=f"habit:{habit.pk}", activity="quit_logs", stats={"quit_logs": 1}, day=day
            )
        )
        settled, totals = quit_days_settle_locked(progress_by_user={user.pk: progress}, now=now)
        if user.pk in settled:
            summary = rewards_added(summary, settled[user.pk])
        if totals.habits:
            habit.refresh_from_db()
    return log, habit, summary


# --- helpers -----------------------------------------------------------------------------


def _lock_habit(*, user_id: int, habit_id: int, with_best_streak: bool = False) -> Habit:
    """Lock the user's habit row (after their wallet, when value moves); 404 if not theirs.

    `with_best_streak`: also read the user's `habit_streak` counter (as `best_streak`) in the
    same statement. It starts after the wallet lock is held and every writer of counters
    holds that lock, so the value is current even if the statement waits for the habit."""
    habits = Habit.objects.select_for_update(of=("self",))
    if with_best_streak:
        counter = StatCounter.objects.filter(user_id=OuterRef("user_id"), key=HABIT_STREAK_COUNTER).values("value")[:1]
        habits = habits.annotate(best_streak=Subquery(counter))
    try:
        return habits.get(pk=habit_id, user_id=user_id)
    except Habit.DoesNotExist:
        raise NotFound() from None


def _check_can_change(habit: Habit, *, kind: str) -> None:
    if habit.kind != kind:
        raise NotABuildHabit() if kind == Habit.Kind.BUILD else NotAQuitHabit()
    if habit.archived:
        raise HabitArchived()


def rewards_added(first: RewardSummary, then: RewardSummary) -> RewardSummary:
    """One request's rewards when it applied two events in turn (a log, then the days it settled)."""
    return RewardSummary(
        xp=first.xp + then.xp,
        coins=first.coins + then.coins,
        crystals=first.crystals + then.crystals,
        multipliers=first.multipliers,
        level_before=first.level_before,
        level_after=then.level_after,
        streak_current=then.streak_current,
        streak_extended=first.streak_extended or then.streak_extended,
        streak_milestone=first.streak_milestone or then.streak_milestone,
        achievements=[*first.achievements, *then.achievements],
        items=[*first.items, *then.items],
        capped=first.capped or then.capped,
        own_xp=first.own_xp + then.own_xp,
        own_coins=first.own_coins + then.own_coins,
    )
