"""Reads of habits, shaped for their callers, in a constant number of queries.

Metrics for any list of habits: one query for the build habits' check-ins of the last 30
local days, one for the quit habits' logs of the last 8; streaks, totals, the quit
tracker's settled figures and the last logged unit come from the habit rows themselves.
"""
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from apps.core.localday import local_date

from .models import Habit, HabitCheckIn, QuitLog
from .rules import Schedule, StreakState, completion_rate, current_streak, health_progress, monday

BUILD_WINDOW_DAYS = 30
QUIT_WINDOW_DAYS = 7


def habit_list_for_user(*, user) -> QuerySet[Habit]:
    """The user's own habits (someone else's habit is therefore a 404)."""
    return Habit.objects.filter(user=user)


def check_in_counts(habit_ids, *, start: date, end: date) -> dict[int, dict[date, int]]:
    """{habit_id: {day: check-ins}} for the days in [start, end] with any."""
    counts: dict[int, dict[date, int]] = defaultdict(dict)
    rows = (
        HabitCheckIn.objects.filter(habit_id__in=habit_ids, date__gte=start, date__lte=end)
        .values("habit_id", "date")
        .annotate(n=Count("id"))
        .values_list("habit_id", "date", "n")
        .order_by()
    )
    for habit_id, day, n in rows:
        counts[habit_id][day] = n
    return counts


def _logged_units(habit_ids, *, start: date, end: date) -> dict[int, dict[date, int]]:
    """{habit_id: {day: units}} of the days with at least one log (a log of 0 included)."""
    units: dict[int, dict[date, int]] = defaultdict(dict)
    rows = (
        QuitLog.objects.filter(habit_id__in=habit_ids, date__gte=start, date__lte=end)
        .values("habit_id", "date")
        .annotate(units=Sum("count"))
        .values_list("habit_id", "date", "units")
        .order_by()
    )
    for habit_id, day, total in rows:
        units[habit_id][day] = total
    return units


def build_metrics(habit: Habit, counts: dict[date, int], *, today: date) -> dict:
    schedule = Schedule.of(habit)
    state = StreakState(current=habit.streak_current, longest=habit.streak_longest, period=habit.streak_period)
    target = habit.target_per_day
    current = current_streak(schedule, state, today=today)
    return {
        "current_streak": current,
        "longest_streak": max(habit.streak_longest, current),
        "completion_rate_7d": completion_rate(schedule, counts, target=target, today=today, days=7),
        "completion_rate_30d": completion_rate(schedule, counts, target=target, today=today, days=30),
        "total_check_ins": habit.total_check_ins,
        "done_today": counts.get(today, 0) >= target,
    }


def quit_metrics(habit: Habit, units: dict[date, int], *, today: date, now: datetime) -> dict:
    """The last 7 local days before today (complete days) with a log give the average."""
    week = [units[day] for day in units if today - timedelta(days=QUIT_WINDOW_DAYS) <= day < today]
    average = round(sum(week) / len(week), 2) if week else None
    baseline = habit.baseline_per_day
    reduction = round(100 * (baseline - average) / baseline, 1) if average is not None and baseline else None
    return {
        "clean_streak": habit.clean_streak,
        "longest_clean_streak": habit.longest_clean_streak,
        "units_today": units.get(today, 0),
        "avg_per_day_7d": average,
        "reduction_pct": reduction,
        "money_saved": habit.money_saved,
        "health": health_progress(
            since=habit.last_unit_at or habit.created_at, now=now, milestones=settings.DREAMTRACK_QUIT_HEALTH_MILESTONES
        ),
    }


def habits_with_metrics(habits, *, user, now: datetime | None = None, recent: dict | None = None) -> list[Habit]:
    """Attach `metrics` to each habit (all the user's), in at most two queries whatever
    their number or history. `recent`: {habit_id: {day: check-ins}} over the window ending
    today, when the caller already has them (a check-in's own answer)."""
    habits = list(habits)
    now = now or timezone.now()
    today = local_date(user, now)
    build = [h.pk for h in habits if h.kind == Habit.Kind.BUILD and (recent is None or h.pk not in recent)]
    quit_ = [h.pk for h in habits if h.kind == Habit.Kind.QUIT]
    counts = check_in_counts(build, start=today - timedelta(days=BUILD_WINDOW_DAYS - 1), end=today) if build else {}
    counts = {**counts, **(recent or {})}
    units = _logged_units(quit_, start=today - timedelta(days=QUIT_WINDOW_DAYS), end=today) if quit_ else {}
    for habit in habits:
        if habit.kind == Habit.Kind.BUILD:
            habit.metrics = build_metrics(habit, counts.get(habit.pk, {}), today=today)
        else:
            habit.metrics = quit_metrics(habit, units.get(habit.pk, {}), today=today, now=now)
    return habits


def habit_history(*, habit: Habit, start: date, end: date) -> list[dict]:
    """`[{date, scheduled, count, done}]` for each local day in [start, end], in one query.
    Build: `count` check-ins, done once they reach the target. Quit: `count` units logged,
    `logged`, `settled`, and done for a clean day (logged, total 0)."""
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    if habit.kind == Habit.Kind.BUILD:
        schedule = Schedule.of(habit)
        counts = check_in_counts([habit.pk], start=start, end=end)[habit.pk]
        return [
            {
                "date": day,
                "scheduled": schedule.is_scheduled(day),
                "count": counts.get(day, 0),
                "done": counts.get(day, 0) >= habit.target_per_day,
            }
            for day in days
        ]
    units = _logged_units([habit.pk], start=start, end=end)[habit.pk]
    return [
        {
            "date": day,
            "scheduled": day >= habit.start_date,
            "count": units.get(day, 0),
            "done": units.get(day) == 0,
            "logged": day in units,
            "settled": habit.start_date <= day <= habit.settled_through,
        }
        for day in days
    ]


def habits_due_today(*, user, today: date) -> int:
    """`dashboard/`'s `habits_due_today`: active build habits whose today (or week) still
    needs check-ins, and active quit habits not logged today. Three queries at most."""
    habits = list(
        Habit.objects.filter(user=user, archived=False).only(
            "id", "kind", "schedule_type", "schedule_days", "schedule_times", "schedule_every", "start_date", "target_per_day"
        )
    )
    build = [h for h in habits if h.kind == Habit.Kind.BUILD]
    quit_ = [h.pk for h in habits if h.kind == Habit.Kind.QUIT]
    due = 0
    if build:
        counts = check_in_counts([h.pk for h in build], start=monday(today), end=today)
        for habit in build:
            schedule = Schedule.of(habit)
            mine = counts.get(habit.pk, {})
            if mine.get(today, 0) >= habit.target_per_day or not schedule.is_scheduled(today):
                continue
            if schedule.weekly:
                week = monday(today)
                if sum(1 for n in mine.values() if n >= habit.target_per_day) >= schedule.required(week):
                    continue
            due += 1
    if quit_:
        logged = set(QuitLog.objects.filter(habit_id__in=quit_, date=today).values_list("habit_id", flat=True))
        due += sum(1 for habit_id in quit_ if habit_id not in logged)
    return due
