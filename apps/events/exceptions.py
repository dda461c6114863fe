from rest_framework import exceptions

from apps.core.errors import ServiceUnavailable


class TicketNotValid(exceptions.AuthenticationFailed):
    """401 `token_not_valid`: an unknown, expired or already used stream ticket."""

    default_detail = "The ticket is not valid: unknown, expired or already used."
    default_code = "token_not_valid"


class EventsUnavailable(ServiceUnavailable):
    code = "events_unavailable"
    default_detail = "Live events are briefly unavailable. Please retry."
