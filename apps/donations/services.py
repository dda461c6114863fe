"""Crediting donations reported by the payment provider's webhook.

Exactly once per `payment_id` is a database fact: the Donation row (unique
`payment_id`) is inserted in the same transaction as the crystal credit and
its ledger row, so either both commit or neither does. Concurrent deliveries
of one payment serialize on the user's wallet lock (taken first, the global
lock order) and on the unique index; the loser's INSERT fails with
IntegrityError and it answers with the stored first response instead.

Choices the contract leaves open:
- unknown `user_id` -> 404 `not_found` (nothing stored, so a corrected
  delivery can still be processed);
- the same `payment_id` with a different `user_id` or `crystals` -> 409
  `payment_conflict`, crediting nothing: silently replaying the first result
  would hide a provider bug or a tampered delivery. Other payload fields
  (timestamps, metadata) may differ between retries and are not compared.
"""
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from apps.core.errors import Conflict, NotFound
from apps.progression.services import ProgressEvent, UserProgressService

from .models import Donation

LEDGER_REF_PREFIX = "donation:"


class PaymentConflict(Conflict):
    code = "payment_conflict"
    default_detail = "This payment_id was already processed with a different user or amount."


class _AlreadyProcessed(Exception):
    """Raised inside the credit transaction to roll it back: another delivery won."""


@dataclass(frozen=True)
class DonationResult:
    body: dict
    replayed: bool


def _stored_result(*, payment_id: str, user_id: int, crystals: int) -> DonationResult | None:
    donation = Donation.objects.filter(payment_id=payment_id).first()
    if donation is None:
        return None
    first = donation.response_body
    if first.get("user_id") != user_id or first.get("crystals") != crystals:
        raise PaymentConflict()
    return DonationResult(body=first, replayed=True)


def donation_credit(*, payment_id: str, user_id: int, crystals: int, payload: dict | None = None) -> DonationResult:
    """Credit `crystals` to `user_id` once per `payment_id`; a repeat returns the first result.

    Preconditions (validated by the caller): a verified signature, `crystals` a
    positive integer, `payment_id` short enough for the ledger ref.
    """
    replay = _stored_result(payment_id=payment_id, user_id=user_id, crystals=crystals)
    if replay is not None:
        return replay  # the common retry: no lock taken
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("No user with this user_id.")

    try:
        with transaction.atomic():
            progress = UserProgressService(user)
            progress.lock()
            try:
                # A savepoint: a unique violation must not poison the outer transaction.
                with transaction.atomic():
                    donation = Donation.objects.create(
                        payment_id=payment_id, user=user, crystals=crystals, payload=payload or {}
                    )
            except IntegrityError:
                raise _AlreadyProcessed() from None
            progress.apply(ProgressEvent(reason="donation", ref=f"{LEDGER_REF_PREFIX}{payment_id}", crystals=crystals))
            body = {
                "payment_id": payment_id,
                "user_id": user.pk,
                "crystals": crystals,
                "credited": True,
                "crystals_balance": progress.wallet.crystals,
            }
            donation.response_body = body
            donation.save(update_fields=["response_body"])
            return DonationResult(body=body, replayed=False)
    except _AlreadyProcessed:
        replay = _stored_result(payment_id=payment_id, user_id=user_id, crystals=crystals)
        if replay is None:  # pragma: no cover - the winner committed before our INSERT failed
            raise
        return replay
