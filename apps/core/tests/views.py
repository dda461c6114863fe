"""Tiny views that exist only for the core tests (mounted by apps/core/tests/urls.py).

They exercise the platform plumbing (idempotency, errors, throttles) the way a
feature app uses it, with `StatCounter` rows as the observable effect.
"""
import threading
from datetime import UTC, datetime

from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import Conflict
from apps.core.idempotency import idempotent
from apps.stats.models import StatCounter
from apps.stats.sql import counters_add as stats_increment

COUNTER_KEY = "test_idempotent_counter"
# A fixed instant with microseconds: a replay must render it exactly as the first response did.
STAMP = datetime(2026, 3, 8, 6, 59, 59, 123456, tzinfo=UTC)


class Switches:
    """Test-controlled behaviour of CounterView (reset by the tests that use it)."""

    fail_with = None  # None | "response" | "exception"
    calls = 0
    entered = threading.Event()  # set when a request is inside the view
    release = None  # a threading.Event the view waits for, when set

    @classmethod
    def reset(cls):
        cls.fail_with = None
        cls.calls = 0
        cls.entered = threading.Event()
        cls.release = None


class CounterInputSerializer(serializers.Serializer):
    amount = serializers.IntegerField(min_value=1, max_value=100)
    note = serializers.CharField(required=False, allow_blank=True, max_length=100)


class CounterView(APIView):
    """POST {amount}: adds `amount` to the caller's test counter, 201 {id, value, at}."""

    @idempotent
    def post(self, request):
        data = CounterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        Switches.calls += 1
        Switches.entered.set()
        if Switches.release is not None:
            Switches.release.wait(timeout=10)
        value = stats_increment(user_id=request.user.pk, deltas={COUNTER_KEY: data.validated_data["amount"]})[COUNTER_KEY]
        if Switches.fail_with == "response":
            return Response({"code": "conflict", "detail": "Refused after the effect."}, status=status.HTTP_409_CONFLICT)
        if Switches.fail_with == "exception":
            raise Conflict("Refused after the effect.")
        row = StatCounter.objects.get(user=request.user, key=COUNTER_KEY)
        return Response({"id": row.pk, "value": value, "at": STAMP}, status=status.HTTP_201_CREATED)


class EchoView(APIView):
    """POST any JSON: echoed back. Uses the size-limited JSON parser."""

    from apps.core.parsers import JSONParser

    parser_classes = [JSONParser]

    def post(self, request):
        return Response({"echo": request.data})


class AdminOnlyView(APIView):
    permission_classes = [IsAdminUser]

    def get(self, request):
        return Response({"ok": True})


class SpendView(APIView):
    throttle_scope = "spend"

    def post(self, request):
        return Response({"ok": True})


class BoomView(APIView):
    def get(self, request):
        raise RuntimeError("a bug")


def _raise(kind):
    from django.core.exceptions import PermissionDenied
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.http import Http404

    from apps.core import errors

    raising = {
        "django-validation": lambda: DjangoValidationError({"title": ["Too long."], "deadline": ["Bad date."]}),
        "django-validation-plain": lambda: DjangoValidationError("Something is off."),
        "http404": lambda: Http404("No such thing"),
        "django-permission": lambda: PermissionDenied(),
        "insufficient-funds": lambda: errors.InsufficientFunds(),
        "domain-with-errors": lambda: errors.BadRequest(errors={"currency": ["Not accepted."]}),
        "service-unavailable": lambda: errors.ServiceUnavailable(),
        "drf-nested-validation": lambda: serializers.ValidationError(
            {"offered": {"items": [{"quantity": ["Must be positive."]}, {}]}, "message": "Too long."}
        ),
    }
    raise raising[kind]()


class RaiseView(APIView):
    """GET raise/<kind>/: raises that exception, as a service would."""

    def get(self, request, kind):
        _raise(kind)


class TestCounterSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatCounter
        fields = ["id", "key", "value"]


class MyCounterViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Someone else's row must be a 404, like every per-user resource."""

    serializer_class = TestCounterSerializer

    def get_queryset(self):
        return StatCounter.objects.filter(user=self.request.user)
