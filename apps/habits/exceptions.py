"""The habits app's business-rule failures (rendered by apps.core.exceptions)."""
from apps.core.errors import Conflict, DomainError


class NotABuildHabit(DomainError):
    status_code = 400
    code = "not_a_build_habit"
    default_detail = "Check-ins are for habits to build; log a quit habit with logs/."


class NotAQuitHabit(DomainError):
    status_code = 400
    code = "not_a_quit_habit"
    default_detail = "Logs are for habits to quit; check in a build habit with check-in/."


class HabitArchived(Conflict):
    code = "habit_archived"
    default_detail = "This habit is archived: unarchive it first."


class HabitAlreadyCheckedIn(Conflict):
    code = "already_checked_in"
    default_detail = "This habit's check-ins for that day already reached its target."


class HabitNotCheckedIn(Conflict):
    code = "not_checked_in"
    default_detail = "This habit has no check-in on that day."


class CheckInUndoWindowClosed(Conflict):
    code = "undo_window_closed"
    default_detail = "A check-in can only be undone on the local day it was made."


class QuitDaySettled(Conflict):
    code = "day_settled"
    default_detail = "That day is already settled and closed: logs can only be added to days that are still open."
