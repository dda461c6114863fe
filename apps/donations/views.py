"""The payment provider's webhook: signed, idempotent by `payment_id`, no JWT."""
import hashlib
import hmac

from django.conf import settings
from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import BadRequest, DomainError, NotFound, ServiceUnavailable
from apps.core.idempotency import REPLAYED_HEADER
from apps.core.parsers import loads_json, read_body
from apps.core.schema import REPLAYED_HEADERS, error_responses
from apps.core.throttling import AnonBurstThrottle

from .serializers import DonationWebhookInputSerializer, DonationWebhookResultSerializer
from .services import PaymentConflict, donation_credit

SIGNATURE_PREFIX = "sha256="


class InvalidSignature(DomainError):
    status_code = 401
    code = "invalid_signature"
    default_detail = "Missing or invalid X-Signature."


def verify_signature(*, body: bytes, header: str | None, secret: str) -> None:
    """`header` must be `sha256=<hex HMAC-SHA256 of body>`; compared in constant time."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        raise InvalidSignature()
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    given = header[len(SIGNATURE_PREFIX) :].strip().lower()
    if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
        raise InvalidSignature()


SIGNATURE_HEADER = openapi.Parameter(
    "X-Signature",
    openapi.IN_HEADER,
    type=openapi.TYPE_STRING,
    required=True,
    description="`sha256=<hex HMAC-SHA256 of the raw request body with DONATION_WEBHOOK_SECRET>`.",
)


class DonationWebhookView(APIView):
    """Credit crystals for a payment. Called by the payment provider, not by players."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonBurstThrottle]

    @swagger_auto_schema(
        operation_summary="Donation webhook (payment provider)",
        operation_description=(
            "Signed with `X-Signature`. Credits `crystals` to `user_id` once per `payment_id`: a repeat "
            "answers 200 with the first result (header `Idempotent-Replayed: true`) and credits nothing; "
            "the same `payment_id` with another user or amount is 409 `payment_conflict`. "
            "Unknown user: 404. Secret not configured: 503."
        ),
        request_body=DonationWebhookInputSerializer,
        manual_parameters=[SIGNATURE_HEADER],
        responses={
            200: openapi.Response("Credited, or replayed", DonationWebhookResultSerializer, headers=REPLAYED_HEADERS),
            **error_responses(BadRequest, InvalidSignature, NotFound, PaymentConflict, ServiceUnavailable),
        },
        security=[],
    )
    def post(self, request):
        # The signature covers the exact bytes sent: read them before anything
        # parses the stream, and parse those same bytes (whatever the
        # Content-Type) so what is credited is what was signed.
        raw = read_body(request)
        secret = settings.DONATION_WEBHOOK_SECRET
        if not secret:
            raise ServiceUnavailable("Donations are not configured.")
        verify_signature(body=raw, header=request.headers.get("X-Signature"), secret=secret)
        payload = loads_json(raw)
        if not isinstance(payload, dict):
            raise BadRequest("The body must be a JSON object.")
        data = DonationWebhookInputSerializer(data=payload)
        data.is_valid(raise_exception=True)
        result = donation_credit(**data.validated_data, payload=payload)
        response = Response(result.body, status=200)
        if result.replayed:
            response[REPLAYED_HEADER] = "true"
        return response
