"""The `Idempotency-Key` mechanism, opted into by a view with `@idempotent`.

Contract: the same user + key within 24 h returns the first response again
(same status and body) with `Idempotent-Replayed: true` and does nothing a
second time; the same key with a different body (compared as parsed JSON, and
the same method and path) is 422 `idempotency_key_reused`; while the first is
still running, 409 `request_in_progress`.

How it holds under concurrency (and crashes):
1. Claim: insert (user, key, fingerprint, pending) in its own committed
   transaction. The unique constraint means only one row ever exists.
2. Run: in one transaction, lock that row `FOR UPDATE NOWAIT`; a lock already
   held means another request is running it -> 409. Holding the lock, a `done`
   row is replayed; a `pending` one runs the view and stores the response in
   the same transaction as the effect, so effect and record commit together.
3. A view that fails (4xx or exception) rolls back its effect and releases the
   claim, so the client may retry with the same key. A process that dies
   mid-way leaves an unlocked pending row, which the next retry takes over.
"""
import functools
import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder as DRFJSONEncoder

from .errors import BadRequest, IdempotencyKeyReused, RequestInProgress
from .models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
REPLAYED_HEADER = "Idempotent-Replayed"


def _fingerprint(request) -> str:
    # An unparsable body raises ParseError here, before anything is claimed, so
    # the client gets the contract's 400 `parse_error` (DRF would hand the view
    # an empty body on a second read of `request.data`).
    body = request.data
    canonical = json.dumps(
        {
            "method": request.method,
            "path": request.path,
            "query": sorted(request.query_params.lists()),
            "body": body,
        },
        sort_keys=True,
        cls=DjangoJSONEncoder,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored_body(data) -> str:
    """The response body as the client saw it: DRF's JSON encoder, so that a
    replay renders identically (datetimes keep their microseconds, Decimals
    stay numbers; Django's encoder would change both)."""
    return json.dumps(data, cls=DRFJSONEncoder, ensure_ascii=False)


def _replay(record: IdempotencyRecord) -> Response:
    body = json.loads(record.response_body) if record.response_body is not None else None
    response = Response(body, status=record.status_code)
    response[REPLAYED_HEADER] = "true"
    return response


def _claim(user, key: str, fingerprint: str) -> None:
    now = timezone.now()
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(user=user, key=key, fingerprint=fingerprint, created_at=now)
    except IntegrityError:
        # Already claimed; an expired record (older than the TTL) is reused.
        cutoff = now - getattr(settings, "IDEMPOTENCY_TTL", timedelta(hours=24))
        IdempotencyRecord.objects.filter(user=user, key=key, created_at__lt=cutoff).update(
            fingerprint=fingerprint,
            state=IdempotencyRecord.State.PENDING,
            status_code=None,
            response_body=None,
            created_at=now,
        )


def run_idempotent(request, view_func):
    """Run `view_func()` at most once per (user, Idempotency-Key)."""
    key = request.META.get(HEADER)
    if key is None or not request.user or not request.user.is_authenticated:
        return view_func()
    if not 1 <= len(key) <= 255:
        raise BadRequest(errors={"Idempotency-Key": ["Must be 1 to 255 characters."]})
    user = request.user
    fingerprint = _fingerprint(request)
    for _attempt in range(3):
        _claim(user, key, fingerprint)
        try:
            return _run_claimed(user, key, fingerprint, view_func)
        except IdempotencyRecord.DoesNotExist:
            continue  # the previous owner failed and released the claim between our steps
    raise RequestInProgress()


def _run_claimed(user, key: str, fingerprint: str, view_func):
    ran = completed = False
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():  # a savepoint: a lock error must not poison the outer one
                    record = IdempotencyRecord.objects.select_for_update(nowait=True).get(user=user, key=key)
            except DatabaseError:
                # Locked: another request with this key is running. Tell the
                # client whether it is the same request before saying "wait".
                peek = list(IdempotencyRecord.objects.filter(user=user, key=key).values_list("fingerprint", flat=True))
                if peek and peek[0] != fingerprint:
                    raise IdempotencyKeyReused() from None
                raise RequestInProgress() from None
            if record.fingerprint != fingerprint:
                raise IdempotencyKeyReused()
            if record.state == IdempotencyRecord.State.DONE:
                return _replay(record)
            ran = True
            response = view_func()
            if 200 <= response.status_code < 300:
                record.state = IdempotencyRecord.State.DONE
                record.status_code = response.status_code
                record.response_body = _stored_body(response.data)
                record.save(update_fields=["state", "status_code", "response_body"])
                completed = True
                return response
            # A refused request must not leave its effects behind.
            transaction.set_rollback(True)
            return response
    finally:
        if ran and not completed:
            # Release the claim so that the client may retry with the same key.
            IdempotencyRecord.objects.filter(
                user=user, key=key, fingerprint=fingerprint, state=IdempotencyRecord.State.PENDING
            ).delete()


def idempotent(view_method):
    """Decorator for a DRF view method (`def complete(self, request, pk=None)`)."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        return run_idempotent(request, lambda: view_method(self, request, *args, **kwargs))

    wrapper.idempotent = True
    return wrapper
