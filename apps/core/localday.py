"""The user's local day: their IANA `timezone`, shifted by `day_start_hour`.

Every "once a day", streak and "today" rule goes through these helpers. A day
that starts at 04:00 counts 01:30 as the previous day. Arithmetic is done on
wall-clock time, so DST changes move the UTC bounds, never the day boundaries.
"""
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.utils import timezone as dj_timezone


def is_valid_timezone(name: str) -> bool:
    """An IANA zone name as the tz database spells it (`Europe/Berlin`, `UTC`).

    The name is looked up in the list of known zones before anything touches
    the file system: ZoneInfo() on a folder (`Europe`) or an over-long name
    raises OSError, not ZoneInfoNotFoundError.
    """
    if not isinstance(name, str) or not name or name not in _names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


_TZ_NAMES: set[str] | None = None


def _names() -> set[str]:
    global _TZ_NAMES
    if _TZ_NAMES is None:
        # `localtime` is the host's /etc/localtime, listed where the system's zoneinfo is read:
        # not an IANA name, and a day that would move with the server's setting.
        _TZ_NAMES = (available_timezones() - {"localtime"}) | {"UTC"}
    return _TZ_NAMES


def _zone(user) -> ZoneInfo:
    try:
        return ZoneInfo(user.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ZoneInfo("UTC")


def local_date(user, at: datetime | None = None) -> date:
    """The user's local calendar day at `at` (default now)."""
    at = at or dj_timezone.now()
    wall = at.astimezone(_zone(user)).replace(tzinfo=None)
    return (wall - timedelta(hours=user.day_start_hour or 0)).date()


def day_bounds(user, day: date) -> tuple[datetime, datetime]:
    """[start, end) of the user's local day `day`, as aware datetimes in UTC.

    UTC on purpose: Python compares and subtracts two datetimes of the same
    zone by wall clock (a 23-hour DST day would look 24 hours long), and an
    inter-zone `==` is always False for a wall time that falls in a DST gap.
    A start hour inside a gap starts the day at the first instant after it;
    one inside a repeated hour starts it at the first pass.
    """
    zone = _zone(user)
    hour = time(user.day_start_hour or 0)
    start = datetime.combine(day, hour, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), hour, tzinfo=zone).astimezone(UTC)
    return start, end


def local_today(user) -> date:
    return local_date(user)
