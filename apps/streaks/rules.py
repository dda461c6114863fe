"""The daily streak rule, written once (contract, Game rules).

A local day with at least one completed task, habit check-in or quit-habit log is
active; consecutive active days form the streak. Each missed day consumes one held
streak freeze (the frozen day keeps the streak alive but does not add to it); a missed
day with no freeze left breaks it, and it restarts at the next active day.
`Streak.frozen_through` remembers the days already paid for with freezes.
"""
from datetime import date


def paid_through(streak) -> date:
    """The last day the running streak covers: its last active day, or a later frozen one."""
    return max(streak.last_active_date, streak.frozen_through or streak.last_active_date)


def days_missed(streak, *, today: date) -> int:
    """Days after the streak's last paid day and before `today` that nothing paid for
    yet: 0 when there is no running streak."""
    if streak is None or streak.last_active_date is None or streak.current == 0:
        return 0
    return max(0, (today - paid_through(streak)).days - 1)


def streak_on(streak, *, today: date, freezes_held: int) -> int:
    """The streak as it stands on `today`, before any job settles the missed days."""
    if streak is None:
        return 0
    return streak.current if days_missed(streak, today=today) <= freezes_held else 0
