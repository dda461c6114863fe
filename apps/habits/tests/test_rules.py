"""The habit rules, pure: schedules, streaks on the schedule, completion rates, a quit day's reward."""
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.habits.rules import (
    Schedule,
    StreakState,
    completion_rate,
    current_streak,
    health_progress,
    met_periods,
    money_saved,
    quit_day_reward,
    streak_advance,
    streak_from_history,
)

MON = date(2024, 6, 3)  # a Monday
RULES = {
    "logged": {"xp": 5, "coins": 1},
    "clean": {"xp": 20, "coins": 5},
    "coins_per_unit_under_baseline": 2,
    "max_under_baseline_coins": 20,
}


def d(n: int) -> date:
    return MON + timedelta(days=n)


def days(*offsets) -> set[date]:
    return {d(n) for n in offsets}


def streak_on(schedule, done, today):
    state = streak_from_history(schedule, done)
    return current_streak(schedule, state, today=today), state.longest


# --- schedules ------------------------------------------------------------------------


def test_daily_counts_every_day_from_the_start():
    schedule = Schedule(type="daily", start=d(2))
    assert [schedule.is_scheduled(d(n)) for n in range(5)] == [False, False, True, True, True]
    assert schedule.scheduled_before(d(4)) == d(3) and schedule.scheduled_before(d(2)) is None


def test_weekdays_schedule_only_its_days():
    schedule = Schedule(type="weekdays", start=MON, days=frozenset({0, 2, 4}))  # Mon, Wed, Fri
    assert [n for n in range(14) if schedule.is_scheduled(d(n))] == [0, 2, 4, 7, 9, 11]
    assert schedule.scheduled_before(d(7)) == d(4)  # Monday's previous is Friday
    assert schedule.period_of(d(5)) is None  # Saturday: no period, no streak


def test_every_n_days_counts_from_the_start():
    schedule = Schedule(type="every_n_days", start=d(1), every=3)
    assert [n for n in range(12) if schedule.is_scheduled(d(n))] == [1, 4, 7, 10]
    assert schedule.scheduled_before(d(7)) == d(4)
    assert schedule.scheduled_before(d(6)) == d(4)
    assert schedule.scheduled_before(d(1)) is None


def test_times_per_week_periods_are_weeks_and_a_late_first_week_needs_fewer_days():
    schedule = Schedule(type="times_per_week", start=d(5), times=3)  # began on a Saturday
    assert schedule.period_of(d(6)) == MON and schedule.period_of(d(9)) == d(7)
    assert schedule.required(MON) == 2  # only Saturday and Sunday were left
    assert schedule.required(d(7)) == 3
    assert schedule.previous_period(d(7)) == MON and schedule.previous_period(MON) is None


# --- streaks --------------------------------------------------------------------------


def test_a_daily_streak_counts_consecutive_days_and_today_does_not_break_it():
    schedule = Schedule(type="daily", start=MON)
    done = days(0, 1, 2)
    assert streak_on(schedule, done, today=d(2)) == (3, 3)
    assert streak_on(schedule, done, today=d(3)) == (3, 3)  # today not done yet
    assert streak_on(schedule, done, today=d(4)) == (0, 3)  # yesterday missed
    assert streak_on(schedule, done | days(4, 5), today=d(5)) == (2, 3)


def test_a_weekday_streak_is_not_broken_by_the_weekend():
    schedule = Schedule(type="weekdays", start=MON, days=frozenset(range(5)))
    done = days(0, 1, 2, 3, 4)
    for today in (d(5), d(6), d(7)):  # Saturday, Sunday, and Monday before its check-in
        assert streak_on(schedule, done, today=today) == (5, 5)
    assert streak_on(schedule, done | days(7), today=d(7)) == (6, 6)
    assert streak_on(schedule, done, today=d(8)) == (0, 5)  # Monday missed


def test_a_check_in_outside_the_schedule_earns_no_streak():
    schedule = Schedule(type="weekdays", start=MON, days=frozenset({0, 2}))
    assert streak_on(schedule, days(0, 1, 2, 5, 6), today=d(2)) == (2, 2)
    assert met_periods(schedule, days(1, 5, 6)) == set()


def test_a_three_times_a_week_habit_streaks_in_weeks():
    schedule = Schedule(type="times_per_week", start=MON, times=3)
    week1, week2, week3 = days(0, 2, 4), days(7, 8, 13), days(14, 15)
    assert streak_on(schedule, week1, today=d(4)) == (1, 1)
    assert streak_on(schedule, week1, today=d(10)) == (1, 1)  # week 2 still open
    assert streak_on(schedule, week1 | week2, today=d(13)) == (2, 2)
    assert streak_on(schedule, week1 | week2 | week3, today=d(20)) == (2, 2)  # week 3 open, 2 of 3 so far
    assert streak_on(schedule, week1 | week2 | week3, today=d(21)) == (0, 2)  # week 3 ended unmet


def test_every_n_days_streak():
    schedule = Schedule(type="every_n_days", start=MON, every=2)
    assert streak_on(schedule, days(0, 2, 4), today=d(5)) == (3, 3)
    assert streak_on(schedule, days(0, 2, 4), today=d(7)) == (0, 3)  # day 6 missed


def test_advancing_out_of_order_asks_for_a_recount():
    schedule = Schedule(type="daily", start=MON)
    state = streak_advance(schedule, StreakState(), d(2))
    assert state == StreakState(1, 1, d(2))
    assert streak_advance(schedule, state, d(2)) == state
    assert streak_advance(schedule, state, d(3)) == StreakState(2, 2, d(3))
    assert streak_advance(schedule, state, d(1)) is None


# --- completion rates ---------------------------------------------------------------


def test_completion_rate_counts_scheduled_days_and_leaves_out_the_future_and_a_pending_today():
    schedule = Schedule(type="weekdays", start=MON - timedelta(days=30), days=frozenset(range(5)))
    counts = {d(0): 1, d(1): 1, d(3): 1}
    # The 7 days ending Thursday d(3): Fri(-3), Mon, Tue, Wed (missed), Thu (done): 3 of 5 (weekend left out).
    assert completion_rate(schedule, counts, target=1, today=d(3), days=7) == 0.6
    # The 7 days ending Friday d(4), not done yet (pending, not missed): Mon, Tue, Wed, Thu: 3 of 4.
    assert completion_rate(schedule, counts, target=1, today=d(4), days=7) == 0.75
    # Done: 4 of 5.
    assert completion_rate(schedule, {**counts, d(4): 1}, target=1, today=d(4), days=7) == 0.8


def test_completion_rate_starts_at_the_habit_start_and_respects_the_target():
    schedule = Schedule(type="daily", start=d(5))
    assert completion_rate(schedule, {d(5): 2, d(6): 1}, target=2, today=d(7), days=30) == 0.5
    assert completion_rate(schedule, {}, target=1, today=d(5), days=7) == 0.0  # nothing scheduled and over yet


def test_completion_rate_of_a_weekly_habit():
    schedule = Schedule(type="times_per_week", start=MON - timedelta(days=60), times=3)
    counts = {d(0): 1, d(2): 1, d(4): 1}
    assert completion_rate(schedule, counts, target=1, today=d(6), days=7) == 1.0
    assert completion_rate(schedule, {d(0): 1}, target=1, today=d(6), days=7) == round(1 / (3 * 6 / 7), 4)


# --- properties -----------------------------------------------------------------------

schedules = st.one_of(
    st.builds(lambda s: Schedule(type="daily", start=d(s)), st.integers(0, 10)),
    st.builds(
        lambda s, ds: Schedule(type="weekdays", start=d(s), days=frozenset(ds)),
        st.integers(0, 10),
        st.sets(st.integers(0, 6), min_size=1),
    ),
    st.builds(lambda s, t: Schedule(type="times_per_week", start=d(s), times=t), st.integers(0, 10), st.integers(1, 7)),
    st.builds(lambda s, e: Schedule(type="every_n_days", start=d(s), every=e), st.integers(0, 10), st.integers(1, 9)),
)
day_sets = st.sets(st.integers(-5, 70).map(d), max_size=60)


@settings(max_examples=300, deadline=None)
@given(schedule=schedules, done=day_sets, today=st.integers(0, 75).map(d))
def test_the_streak_never_counts_an_unscheduled_day(schedule, done, today):
    unscheduled = {day for day in (d(n) for n in range(-5, 71)) if not schedule.is_scheduled(day)}
    current, longest = streak_on(schedule, done, today)
    assert (current, longest) == streak_on(schedule, done | unscheduled, today)
    assert (current, longest) == streak_on(schedule, done - unscheduled, today)
    assert 0 <= current <= longest <= len(met_periods(schedule, done))


@settings(max_examples=300, deadline=None)
@given(schedule=schedules, done=day_sets, today=st.integers(-5, 75).map(d), window=st.sampled_from([1, 7, 30]),
       target=st.integers(1, 3), extra=st.integers(0, 3))
def test_the_completion_rate_stays_between_0_and_1(schedule, done, today, window, target, extra):
    counts = {day: target + extra - 1 for day in done}
    rate = completion_rate(schedule, counts, target=target, today=today, days=window)
    assert 0.0 <= rate <= 1.0


@settings(max_examples=200, deadline=None)
@given(schedule=schedules, done=day_sets)
def test_met_periods_in_any_order_end_where_the_history_count_does(schedule, done):
    """The habit row's incremental state (advance, or recount when out of order) equals a full recount."""
    periods = list(met_periods(schedule, done))
    state = StreakState()
    seen = set()
    for period in periods:  # a set's arbitrary order: often out of order
        seen.add(period)
        state = streak_advance(schedule, state, period) or streak_from_history(schedule, _days_meeting(schedule, seen))
    expected = streak_from_history(schedule, done)
    assert (state.current, state.period) == (expected.current, expected.period)
    assert state.longest <= expected.longest


def _days_meeting(schedule, periods):
    """Done days that meet exactly these periods (a week: its first `required` days from the start)."""
    if not schedule.weekly:
        return set(periods)
    out = set()
    for week in periods:
        first = max(week, schedule.start)
        out |= {first + timedelta(days=n) for n in range(schedule.required(week))}
    return out


# --- quit days ------------------------------------------------------------------------


def test_a_quit_days_reward_adds_up_logged_clean_and_under_baseline():
    assert quit_day_reward(units=0, baseline=10, rules=RULES) == (25, 1 + 5 + 20)
    assert quit_day_reward(units=7, baseline=10, rules=RULES) == (5, 1 + 6)
    assert quit_day_reward(units=12, baseline=10, rules=RULES) == (5, 1)
    assert quit_day_reward(units=0, baseline=0, rules=RULES) == (25, 6)
    assert quit_day_reward(units=2, baseline=30, rules=RULES) == (5, 21)  # under-baseline coins capped at 20


def test_money_saved_is_never_negative():
    assert str(money_saved(units=3, baseline=10, cost_per_unit="0.45")) == "3.15"
    assert money_saved(units=12, baseline=10, cost_per_unit="0.45") == 0


def test_health_progress_names_the_last_milestone_reached_and_the_next():
    from datetime import UTC, datetime

    table = [{"after": 1200, "label": "20 minutes", "text": "a"}, {"after": 8 * 3600, "label": "8 hours", "text": "b"}]
    since = datetime(2024, 6, 3, 8, 0, tzinfo=UTC)
    early = health_progress(since=since, now=since + timedelta(minutes=5), milestones=table)
    assert early["reached"] is None and early["next"]["label"] == "20 minutes"
    assert early["next"]["at"] == since + timedelta(minutes=20)
    later = health_progress(since=since, now=since + timedelta(hours=1), milestones=table)
    assert (later["reached"]["label"], later["next"]["label"]) == ("20 minutes", "8 hours")
    done = health_progress(since=since, now=since + timedelta(days=1), milestones=table)
    assert (done["reached"]["label"], done["next"]) == ("8 hours", None)
