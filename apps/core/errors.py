"""Expected business-rule failures. Services raise them; one handler renders them.

400 = can never succeed as sent; 409 = valid, but the current state forbids it;
404 = not there or not yours.
"""


class DomainError(Exception):
    """An expected business-rule failure, shown to the client. Bugs never use it."""

    status_code = 400
    code = "domain_error"
    default_detail = "The request could not be completed."

    def __init__(self, detail: str | None = None, *, errors: dict | None = None):
        self.detail = detail or self.default_detail
        self.errors = errors
        super().__init__(self.detail)


class BadRequest(DomainError):
    status_code = 400
    code = "validation_error"
    default_detail = "Invalid input."


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    default_detail = "Not found."


class Conflict(DomainError):
    """A valid request that the current state forbids."""

    status_code = 409
    code = "conflict"
    default_detail = "The request conflicts with the current state."


class InsufficientFunds(Conflict):
    code = "insufficient_funds"
    default_detail = "Not enough coins."


class RequestInProgress(Conflict):
    code = "request_in_progress"
    default_detail = "A request with this Idempotency-Key is still being processed."


class IdempotencyKeyReused(DomainError):
    status_code = 422
    code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was already used with a different request."


class ServiceUnavailable(DomainError):
    status_code = 503
    code = "service_unavailable"
    default_detail = "The service is temporarily unavailable."
