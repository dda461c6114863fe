"""The user's local day: IANA zone + day_start_hour, across DST and far from UTC."""
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.core.localday import day_bounds, is_valid_timezone, local_date, local_today


def player(tz="UTC", hour=0):
    return SimpleNamespace(timezone=tz, day_start_hour=hour)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def local(tz, *args, fold=0):
    return datetime(*args, tzinfo=ZoneInfo(tz), fold=fold)


def hours(start, end):
    # In UTC: Python subtracts two datetimes of one zone by wall clock.
    return (end.astimezone(UTC) - start.astimezone(UTC)) / timedelta(hours=1)


# --- local_date ---------------------------------------------------------------


def test_utc_midnight_boundary():
    u = player()
    assert local_date(u, utc(2026, 5, 1, 23, 59, 59)) == date(2026, 5, 1)
    assert local_date(u, utc(2026, 5, 2, 0, 0)) == date(2026, 5, 2)


def test_day_start_hour_4_counts_0130_as_the_previous_day():
    u = player("Europe/Berlin", 4)
    assert local_date(u, local("Europe/Berlin", 2026, 5, 2, 1, 30)) == date(2026, 5, 1)
    assert local_date(u, local("Europe/Berlin", 2026, 5, 2, 3, 59, 59)) == date(2026, 5, 1)
    assert local_date(u, local("Europe/Berlin", 2026, 5, 2, 4, 0)) == date(2026, 5, 2)
    assert local_date(u, local("Europe/Berlin", 2026, 5, 2, 23, 59)) == date(2026, 5, 2)


def test_one_instant_is_three_different_days_far_from_utc():
    at = utc(2026, 1, 1, 10, 30)
    assert local_date(player("Pacific/Kiritimati"), at) == date(2026, 1, 2)  # UTC+14: 00:30 the next day
    assert local_date(player("UTC"), at) == date(2026, 1, 1)
    assert local_date(player("Pacific/Pago_Pago"), at) == date(2025, 12, 31)  # UTC-11: 23:30 the day before


def test_far_zones_with_a_day_start_hour():
    # Kiritimati 04:30 local with a day that starts at 05:00 is still yesterday.
    assert local_date(player("Pacific/Kiritimati", 5), utc(2026, 1, 1, 14, 30)) == date(2026, 1, 1)
    assert local_date(player("Pacific/Kiritimati", 5), utc(2026, 1, 1, 15, 0)) == date(2026, 1, 2)
    # Pago Pago 22:59 with a day that starts at 23:00 belongs to the day before.
    assert local_date(player("Pacific/Pago_Pago", 23), utc(2026, 1, 2, 9, 59)) == date(2025, 12, 31)
    assert local_date(player("Pacific/Pago_Pago", 23), utc(2026, 1, 2, 10, 0)) == date(2026, 1, 1)


def test_new_york_spring_forward_2026_03_08():
    u = player("America/New_York")
    # 01:59:59 EST -> 03:00 EDT: the local day still turns over at local midnight.
    assert local_date(u, utc(2026, 3, 8, 6, 59, 59)) == date(2026, 3, 8)
    assert local_date(u, utc(2026, 3, 8, 7, 0)) == date(2026, 3, 8)
    assert local_date(u, utc(2026, 3, 9, 3, 59)) == date(2026, 3, 8)  # 23:59 EDT
    assert local_date(u, utc(2026, 3, 9, 4, 0)) == date(2026, 3, 9)  # 00:00 EDT
    start, end = day_bounds(u, date(2026, 3, 8))
    assert start == utc(2026, 3, 8, 5, 0) and end == utc(2026, 3, 9, 4, 0)
    assert hours(start, end) == 23


def test_new_york_fall_back_2026_11_01():
    u = player("America/New_York")
    first_0130 = local("America/New_York", 2026, 11, 1, 1, 30, fold=0)  # EDT
    second_0130 = local("America/New_York", 2026, 11, 1, 1, 30, fold=1)  # EST, an hour later
    assert hours(first_0130, second_0130) == 1
    assert local_date(u, first_0130) == local_date(u, second_0130) == date(2026, 11, 1)
    start, end = day_bounds(u, date(2026, 11, 1))
    assert start == utc(2026, 11, 1, 4, 0) and end == utc(2026, 11, 2, 5, 0)
    assert hours(start, end) == 25


def test_new_york_dst_with_day_start_hour_4():
    u = player("America/New_York", 4)
    # Both passes through 01:30 on the fall-back night belong to October 31.
    assert local_date(u, local("America/New_York", 2026, 11, 1, 1, 30, fold=0)) == date(2026, 10, 31)
    assert local_date(u, local("America/New_York", 2026, 11, 1, 1, 30, fold=1)) == date(2026, 10, 31)
    assert local_date(u, local("America/New_York", 2026, 11, 1, 4, 0)) == date(2026, 11, 1)
    start, end = day_bounds(u, date(2026, 10, 31))
    assert start == local("America/New_York", 2026, 10, 31, 4, 0) and end == local("America/New_York", 2026, 11, 1, 4, 0)
    assert hours(start, end) == 25
    # Spring forward: 02:30 does not exist; 01:30 EST is still March 7, 03:30 EDT too (before 04:00).
    assert local_date(u, utc(2026, 3, 8, 6, 30)) == date(2026, 3, 7)
    assert local_date(u, utc(2026, 3, 8, 7, 30)) == date(2026, 3, 7)
    assert local_date(u, utc(2026, 3, 8, 8, 0)) == date(2026, 3, 8)  # 04:00 EDT
    start, end = day_bounds(u, date(2026, 3, 7))
    assert hours(start, end) == 23


def test_day_start_hour_inside_the_skipped_hour():
    # New York skips 02:00-03:00 on 2026-03-08; a day that starts at 02:00 then starts at 03:00 EDT.
    u = player("America/New_York", 2)
    start, end = day_bounds(u, date(2026, 3, 8))
    assert start == utc(2026, 3, 8, 7, 0)  # = 03:00 EDT, the first instant of the day
    assert local_date(u, start) == date(2026, 3, 8)
    assert local_date(u, start - timedelta(microseconds=1)) == date(2026, 3, 7)
    assert day_bounds(u, date(2026, 3, 7))[1] == start


def test_berlin_dst_2026():
    u = player("Europe/Berlin")
    spring = day_bounds(u, date(2026, 3, 29))
    autumn = day_bounds(u, date(2026, 10, 25))
    assert spring == (utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 22, 0))
    assert autumn == (utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 23, 0))
    assert hours(*spring) == 23 and hours(*autumn) == 25
    # 02:30 happens twice on 2026-10-25 and both are that day.
    assert local_date(u, utc(2026, 10, 25, 0, 30)) == local_date(u, utc(2026, 10, 25, 1, 30)) == date(2026, 10, 25)


def test_bounds_are_utc_and_half_open():
    u = player("Asia/Kolkata", 6)
    start, end = day_bounds(u, date(2026, 7, 1))
    assert start.utcoffset() == end.utcoffset() == timedelta(0)
    assert start == utc(2026, 7, 1, 0, 30)  # 06:00 IST
    assert local_date(u, start) == date(2026, 7, 1)
    assert local_date(u, end - timedelta(microseconds=1)) == date(2026, 7, 1)
    assert local_date(u, end) == date(2026, 7, 2)
    assert hours(start, end) == 24


def test_local_today_follows_the_clock():
    u = player("Pacific/Kiritimati")
    with time_machine.travel(utc(2026, 12, 31, 10, 0), tick=False):
        assert local_today(u) == date(2027, 1, 1)
    with time_machine.travel(utc(2026, 12, 31, 9, 59), tick=False):
        assert local_today(u) == date(2026, 12, 31)


def test_an_unknown_zone_in_the_database_falls_back_to_utc():
    for bad in ("Mars/Olympus", "Europe", "", None):
        u = player(bad)
        assert local_date(u, utc(2026, 1, 1, 23, 30)) == date(2026, 1, 1)
        assert day_bounds(u, date(2026, 1, 1)) == (utc(2026, 1, 1), utc(2026, 1, 2))


@pytest.mark.parametrize(
    "name, ok",
    [
        ("UTC", True), ("Europe/Berlin", True), ("America/New_York", True), ("Pacific/Kiritimati", True),
        ("Pacific/Pago_Pago", True), ("America/Argentina/Buenos_Aires", True),
        ("Europe", False), ("America", False), ("europe/berlin", False), ("Europe/Berlin ", False), ("", False),
        ("../../etc/passwd", False), ("/etc/localtime", False), ("localtime", False), ("UTC\x00", False), ("x" * 300, False), ("+05:00", False),
    ],
)
def test_is_valid_timezone(name, ok):
    assert is_valid_timezone(name) is ok


# --- property: day_bounds and local_date agree everywhere -------------------------

ZONES = [
    "UTC", "America/New_York", "Europe/Berlin", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Australia/Lord_Howe",
    "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham", "America/Santiago", "Africa/Casablanca", "Pacific/Apia",
]


@settings(max_examples=300, deadline=None)
@given(
    tz=st.sampled_from(ZONES),
    hour=st.integers(min_value=0, max_value=23),
    at=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)),
)
def test_every_instant_lies_inside_the_bounds_of_its_local_day(tz, hour, at):
    u = player(tz, hour)
    day = local_date(u, at)
    start, end = day_bounds(u, day)
    assert start <= at < end
    assert 22 <= hours(start, end) <= 26
    # The neighbouring days share their bounds: no instant is lost or counted twice.
    assert day_bounds(u, day - timedelta(days=1))[1] == start
    assert day_bounds(u, day + timedelta(days=1))[0] == end
