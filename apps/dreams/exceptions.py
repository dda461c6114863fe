from apps.core.errors import Conflict


class StepsIncomplete(Conflict):
    code = "steps_incomplete"
    default_detail = "A dream is completed once it has at least one step and every step is completed."


class DreamAlreadyCompleted(Conflict):
    code = "already_completed"
    default_detail = "This dream is already completed."
