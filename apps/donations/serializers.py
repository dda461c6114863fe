from django.conf import settings
from django.core.validators import RegexValidator
from rest_framework import serializers

from apps.core.fields import StrictCharField, StrictIntegerField

from .services import LEDGER_REF_PREFIX

# The ledger's `ref` holds "donation:<payment_id>" in 100 characters.
PAYMENT_ID_MAX_LENGTH = 100 - len(LEDGER_REF_PREFIX)
DEFAULT_MAX_CRYSTALS = 100_000
BIGINT_MAX = 2**63 - 1


def max_crystals() -> int:
    return getattr(settings, "DREAMTRACK_DONATION_MAX_CRYSTALS", DEFAULT_MAX_CRYSTALS)


class DonationWebhookInputSerializer(serializers.Serializer):
    payment_id = StrictCharField(
        max_length=PAYMENT_ID_MAX_LENGTH,
        trim_whitespace=False,
        validators=[RegexValidator(r"^[\x21-\x7e]+\Z", "Visible ASCII characters only, no spaces.")],
        help_text=f"The provider's payment id (1-{PAYMENT_ID_MAX_LENGTH} visible ASCII characters); "
        "the idempotency key of the webhook.",
    )
    # JSON integers only (apps/core/fields.py): money is not guessed at.
    user_id = StrictIntegerField(min_value=1, max_value=BIGINT_MAX)
    crystals = StrictIntegerField(min_value=1, help_text="A positive JSON integer, at most the configured maximum.")

    def validate_crystals(self, value):
        limit = max_crystals()
        if value > limit:
            raise serializers.ValidationError(f"Ensure this value is less than or equal to {limit}.")
        return value


class DonationWebhookResultSerializer(serializers.Serializer):
    payment_id = serializers.CharField()
    user_id = serializers.IntegerField()
    crystals = serializers.IntegerField()
    credited = serializers.BooleanField(help_text="Always true: the payment is credited (now or by its first delivery).")
    crystals_balance = serializers.IntegerField(help_text="The user's crystals right after this payment was credited.")
