"""The tasks app's business-rule failures (rendered by apps.core.exceptions)."""
from apps.core.errors import Conflict


class TaskAlreadyCompleted(Conflict):
    code = "already_completed"
    default_detail = "This task is already completed."


class TaskNotCompleted(Conflict):
    code = "not_completed"
    default_detail = "This task is not completed."


class TaskReopenWindowClosed(Conflict):
    code = "reopen_window_closed"
    default_detail = "A task can only be reopened on the local day it was completed."
