"""The habit rules, written once and pure (no database, no clock): schedules, the build
streak and completion rates, a quit day's reward, the health milestones.

Schedules (contract, Habits): `daily`; `weekdays` (days 0-6, Monday 0); `times_per_week`
(any `times` days of a Monday-to-Sunday week); `every_n_days` (counted from the habit's
start day). Nothing before the start day is scheduled.

Build streaks count *periods*: a scheduled day for the day-based schedules, a week for
`times_per_week`. A day is done when its check-ins reach `target_per_day`; a scheduled day
is met when done; a week is met when it has `times` done days (fewer in the habit's first
week when it began late in that week: only the days left can count). A check-in on a day
outside the schedule still counts and pays, but is no period and earns no streak. The open
period (today, or this week) never breaks the streak: it adds to it once met.
"""
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

DAILY = "daily"
WEEKDAYS = "weekdays"
TIMES_PER_WEEK = "times_per_week"
EVERY_N_DAYS = "every_n_days"

ONE_DAY = timedelta(days=1)
ONE_WEEK = timedelta(days=7)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Schedule:
    type: str
    start: date
    days: frozenset = frozenset()  # weekdays, Monday 0 (`weekdays`)
    times: int = 1  # done days a week (`times_per_week`)
    every: int = 1  # every n days from `start` (`every_n_days`)

    @classmethod
    def of(cls, habit) -> "Schedule":
        return cls(
            type=habit.schedule_type,
            start=habit.start_date,
            days=frozenset(habit.schedule_days or ()),
            times=habit.schedule_times or 1,
            every=habit.schedule_every or 1,
        )

    @property
    def weekly(self) -> bool:
        return self.type == TIMES_PER_WEEK

    def is_scheduled(self, day: date) -> bool:
        """Can a check-in on `day` count toward the streak? Every day from the start for
        `daily` and `times_per_week`."""
        if day < self.start:
            return False
        if self.type == WEEKDAYS:
            return day.weekday() in self.days
        if self.type == EVERY_N_DAYS:
            return (day - self.start).days % self.every == 0
        return True

    def period_of(self, day: date) -> date | None:
        """The streak period `day` falls in (the day itself, or its week's Monday); None
        when `day` is not scheduled."""
        if not self.is_scheduled(day):
            return None
        return monday(day) if self.weekly else day

    def required(self, week: date) -> int:
        """Done days the week starting on Monday `week` needs to be met."""
        days_left = 7 - max(0, (self.start - week).days)
        return max(1, min(self.times, days_left))

    def scheduled_before(self, day: date) -> date | None:
        """The latest scheduled day strictly before `day` (None when there is none)."""
        if self.type == EVERY_N_DAYS:
            offset = (day - self.start).days - 1
            if offset < 0:
                return None
            return self.start + timedelta(days=offset - offset % self.every)
        if self.type == WEEKDAYS:
            for back in range(1, 8):
                candidate = day - timedelta(days=back)
                if candidate < self.start:
                    return None
                if candidate.weekday() in self.days:
                    return candidate
            return None
        previous = day - ONE_DAY
        return previous if previous >= self.start else None

    def previous_period(self, period: date) -> date | None:
        """The period before `period` (None before the start)."""
        if self.weekly:
            previous = period - ONE_WEEK
            return previous if previous >= monday(self.start) else None
        return self.scheduled_before(period)

    def last_closed_period(self, today: date) -> date | None:
        """The latest period that is over on `today` (None when none is)."""
        if self.weekly:
            return self.previous_period(monday(today))
        return self.scheduled_before(today)


@dataclass(frozen=True)
class StreakState:
    """What a habit row keeps of its streak: the run ending at the latest met period."""

    current: int = 0
    longest: int = 0
    period: date | None = None


def streak_advance(schedule: Schedule, state: StreakState, period: date) -> StreakState | None:
    """The state once `period` is met. None when `period` lies before the latest met
    period: the run must then be counted again from history (`streak_from_history`)."""
    if state.period is not None and period < state.period:
        return None
    if period == state.period:
        return state
    follows = state.period is not None and schedule.previous_period(period) == state.period
    current = state.current + 1 if follows else 1
    return StreakState(current=current, longest=max(state.longest, current), period=period)


def met_periods(schedule: Schedule, done_days: Iterable[date]) -> set[date]:
    """The periods met by these done days (days whose check-ins reached the target)."""
    if schedule.weekly:
        per_week = Counter(monday(day) for day in set(done_days) if day >= schedule.start)
        return {week for week, done in per_week.items() if done >= schedule.required(week)}
    return {day for day in done_days if schedule.is_scheduled(day)}


def streak_from_history(schedule: Schedule, done_days: Iterable[date]) -> StreakState:
    """The streak state counted from every done day of the habit."""
    state = StreakState()
    for period in sorted(met_periods(schedule, done_days)):
        state = streak_advance(schedule, state, period)
    return state


def current_streak(schedule: Schedule, state: StreakState, *, today: date) -> int:
    """The streak as seen on `today`: the stored run while its last period is the latest
    closed one or the open one; 0 once a scheduled period passed unmet."""
    if state.period is None:
        return 0
    last_closed = schedule.last_closed_period(today)
    return state.current if last_closed is None or state.period >= last_closed else 0


def completion_rate(schedule: Schedule, counts: Mapping[date, int], *, target: int, today: date, days: int) -> float:
    """Scheduled days done / scheduled days over the `days` local days ending `today`, in [0, 1].

    Days before the start and after `today` are left out; today counts once it is done
    (until then it is neither done nor missed). `times_per_week` expects `times` done days
    per 7 eligible days. Nothing scheduled yet: 0.0.
    """
    first = max(schedule.start, today - timedelta(days=days - 1))
    if first > today:
        return 0.0
    done_today = counts.get(today, 0) >= target
    if schedule.weekly:
        eligible = (today - first).days + (1 if done_today else 0)
        done = sum(1 for day, count in counts.items() if first <= day <= today and count >= target)
        expected = schedule.times * eligible / 7
        return round(min(1.0, done / expected), 4) if expected else 0.0
    scheduled = done = 0
    day = first
    while day <= today:
        if schedule.is_scheduled(day):
            hit = counts.get(day, 0) >= target
            if day < today or hit:
                scheduled += 1
                done += hit
        day += ONE_DAY
    return round(done / scheduled, 4) if scheduled else 0.0


# --- quit habits ---------------------------------------------------------------------


def quit_day_reward(*, units: int, baseline: int, rules: Mapping) -> tuple[int, int]:
    """(xp, coins) of a settled local day with a log, `units` logged in all (contract:
    logged 5 XP 1 coin; clean +20 XP 5 coins; +2 coins per unit under the baseline, at most 20)."""
    xp, coins = rules["logged"]["xp"], rules["logged"]["coins"]
    if units == 0:
        xp += rules["clean"]["xp"]
        coins += rules["clean"]["coins"]
    under = max(0, baseline - units)
    coins += min(rules["max_under_baseline_coins"], rules["coins_per_unit_under_baseline"] * under)
    return xp, coins


def money_saved(*, units: int, baseline: int, cost_per_unit: Decimal) -> Decimal:
    """What a logged day saved: (baseline - units) x cost, never negative."""
    return max(0, baseline - units) * Decimal(cost_per_unit)


def health_progress(*, since: datetime, now: datetime, milestones) -> dict:
    """Where `now` stands in the health milestone table (`[{"after": seconds, "label",
    "text"}]`, sorted) counted from `since`: the last milestone reached and the next one."""
    elapsed = (now - since).total_seconds()
    reached = upcoming = None
    for milestone in milestones:
        shown = {
            "label": milestone["label"],
            "text": milestone["text"],
            "after_seconds": milestone["after"],
            "at": since + timedelta(seconds=milestone["after"]),
        }
        if elapsed >= milestone["after"]:
            reached = shown
        else:
            upcoming = shown
            break
    return {"since": since, "reached": reached, "next": upcoming}
