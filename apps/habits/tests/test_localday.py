"""Habit days are the user's local days: across DST changes and far from UTC, with a day starting at 04:00."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from conftest import client_for

from .factories import make_habit

pytestmark = pytest.mark.django_db


def local(tz, *args):
    return datetime(*args, tzinfo=ZoneInfo(tz))


def check_in_at(user, habit, when):
    with time_machine.travel(when, tick=False):
        response = client_for(user).post(f"/api/v1/habits/{habit.pk}/check-in/")
    return response


def metrics_at(user, habit, when):
    with time_machine.travel(when, tick=False):
        return client_for(user).get(f"/api/v1/habits/{habit.pk}/").json()["metrics"]


def test_a_daily_streak_across_the_spring_dst_change_with_a_4_oclock_day(make_user):
    berlin = "Europe/Berlin"  # 2024-03-31: 02:00 CET -> 03:00 CEST, a 23-hour day
    user = make_user("night-owl", timezone=berlin, day_start_hour=4)
    habit = make_habit(user, now=local(berlin, 2024, 3, 29, 12))
    moments = [
        local(berlin, 2024, 3, 29, 23, 30),  # March 29th
        local(berlin, 2024, 3, 31, 3, 30),  # before 04:00 (and after the jump): still March 30th
        local(berlin, 2024, 3, 31, 23, 30),  # March 31st
        local(berlin, 2024, 4, 1, 4, 0),  # April 1st, from its first minute
    ]
    for n, when in enumerate(moments, start=1):
        response = check_in_at(user, habit, when)
        assert response.status_code == 201, response.content
        assert response.json()["rewards"]["streak"]["current"] == n
    assert check_in_at(user, habit, local(berlin, 2024, 4, 2, 3, 59)).json()["code"] == "already_checked_in"
    assert metrics_at(user, habit, local(berlin, 2024, 4, 2, 3, 59))["current_streak"] == 4
    assert metrics_at(user, habit, local(berlin, 2024, 4, 2, 20))["current_streak"] == 4  # April 2nd still open
    assert metrics_at(user, habit, local(berlin, 2024, 4, 3, 4, 0))["current_streak"] == 0  # April 2nd missed


def test_a_weekday_streak_across_the_autumn_dst_change(make_user):
    berlin = "Europe/Berlin"  # 2024-10-27 (a Sunday): 03:00 CEST -> 02:00 CET, a 25-hour day
    user = make_user("commuter", timezone=berlin, day_start_hour=4)
    habit = make_habit(user, schedule_type="weekdays", schedule_days=[0, 1, 2, 3, 4], now=local(berlin, 2024, 10, 24, 8))
    for when in (local(berlin, 2024, 10, 24, 8), local(berlin, 2024, 10, 25, 8), local(berlin, 2024, 10, 28, 3, 30)):
        assert check_in_at(user, habit, when).status_code == 201
    # 03:30 on Monday the 28th is still Sunday the 27th: a day outside the schedule, no streak.
    assert metrics_at(user, habit, local(berlin, 2024, 10, 28, 5))["current_streak"] == 2
    monday = check_in_at(user, habit, local(berlin, 2024, 10, 28, 5)).json()
    assert monday["habit"]["metrics"]["current_streak"] == 3  # Thursday, Friday, Monday
    assert monday["rewards"]["streak"]["current"] == 2  # the daily streak: Sunday (the 03:30 one) and Monday


def test_streaks_far_from_utc_follow_the_local_day(make_user):
    kiritimati = make_user("east", timezone="Pacific/Kiritimati", day_start_hour=4)  # UTC+14
    pago = make_user("west", timezone="Pacific/Pago_Pago", day_start_hour=4)  # UTC-11
    start = datetime(2024, 6, 3, 1, 0, tzinfo=UTC)  # June 3rd 15:00 in Kiritimati, June 2nd 14:00 in Pago Pago
    east, west = make_habit(kiritimati, now=start), make_habit(pago, now=start)
    assert (east.start_date, west.start_date) == (date(2024, 6, 3), date(2024, 6, 2))
    # Local days are UTC + 10 h in Kiritimati and UTC - 15 h in Pago Pago with 04:00 starts: 12:00 UTC
    # on June 3rd, 4th, 5th is June 3rd, 4th, 5th in one and June 2nd, 3rd, 4th in the other.
    for n, utc_day in enumerate((3, 4, 5), start=1):
        when = datetime(2024, 6, utc_day, 12, 0, tzinfo=UTC)
        assert check_in_at(kiritimati, east, when).json()["rewards"]["streak"]["current"] == n
        assert check_in_at(pago, west, when).json()["rewards"]["streak"]["current"] == n
    # Kiritimati's June 5th ends at 14:00 UTC that day.
    assert metrics_at(kiritimati, east, datetime(2024, 6, 5, 13, 59, tzinfo=UTC))["done_today"] is True
    assert metrics_at(kiritimati, east, datetime(2024, 6, 5, 14, 0, tzinfo=UTC))["done_today"] is False
    assert metrics_at(kiritimati, east, datetime(2024, 6, 6, 13, 59, tzinfo=UTC))["current_streak"] == 3
    assert metrics_at(kiritimati, east, datetime(2024, 6, 6, 14, 0, tzinfo=UTC))["current_streak"] == 0
    # Pago Pago's June 5th (the day after its last check-in) ends at June 6th 15:00 UTC.
    assert metrics_at(pago, west, datetime(2024, 6, 6, 14, 59, tzinfo=UTC))["current_streak"] == 3
    assert metrics_at(pago, west, datetime(2024, 6, 6, 15, 0, tzinfo=UTC))["current_streak"] == 0
