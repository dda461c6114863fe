"""Trade input validation and response shapes (responses are built by selectors.trade_public)."""
from rest_framework import serializers

from apps.core.fields import StrictCharField, StrictIntegerField
from apps.inventory.models import ItemType
from apps.progression.serializers import RewardSummarySerializer

from .exceptions import CrystalsNotTradable
from .models import Trade

MAX_LINES = 20  # per side
MAX_COINS = 10**9
MAX_QUANTITY = 1000
MAX_ID = 2**63 - 1  # a 64-bit primary key: larger is no id (SQLite cannot even compare it)


def _refuse_crystals(data) -> None:
    # Crystals never trade (a game rule): said with its own code rather than ignored.
    if isinstance(data, dict) and "crystals" in data:
        raise CrystalsNotTradable()


class TradeLineInputSerializer(serializers.Serializer):
    inventory_id = StrictIntegerField(min_value=1, max_value=MAX_ID, help_text="An inventory row (`inventory/` id) of the giver's.")
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)


class TradeSideInputSerializer(serializers.Serializer):
    coins = StrictIntegerField(min_value=0, max_value=MAX_COINS, default=0)
    items = TradeLineInputSerializer(many=True, default=list, max_length=MAX_LINES)

    def to_internal_value(self, data):
        _refuse_crystals(data)
        return super().to_internal_value(data)


class TradeCreateInputSerializer(serializers.Serializer):
    recipient_id = StrictIntegerField(min_value=1, max_value=MAX_ID, help_text="A friend's user id.")
    offered = TradeSideInputSerializer(help_text="What you give: held in escrow at once. Crystals never trade.")
    requested = TradeSideInputSerializer(help_text="What you ask of the recipient.")
    message = StrictCharField(max_length=500, allow_blank=True, default="")

    def to_internal_value(self, data):
        _refuse_crystals(data)
        return super().to_internal_value(data)


class TradeListQuerySerializer(serializers.Serializer):
    role = serializers.ChoiceField(
        choices=["sent", "received"], required=False, allow_blank=True, help_text="sent: I made it; received: made to me."
    )
    status = serializers.ChoiceField(choices=Trade.Status.choices, required=False, allow_blank=True)


class TradeUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class TradeItemSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=ItemType.choices)
    image = serializers.URLField(help_text="Absolute URL; the type's default image when the item has none.")


class TradeLineSerializer(serializers.Serializer):
    inventory_id = serializers.IntegerField(help_text="The giver's inventory row.")
    item = TradeItemSummarySerializer()
    quantity = serializers.IntegerField()


class TradeSideSerializer(serializers.Serializer):
    coins = serializers.IntegerField()
    items = TradeLineSerializer(many=True)


class TradeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    requester = TradeUserSerializer()
    recipient = TradeUserSerializer()
    status = serializers.ChoiceField(choices=Trade.Status.choices)
    offered = TradeSideSerializer()
    requested = TradeSideSerializer()
    message = serializers.CharField(allow_blank=True, help_text="Empty when none was written.")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(help_text="A pending trade expires then; its escrow goes back.")
    resolved_at = serializers.DateTimeField(allow_null=True)


class TradeAcceptedSerializer(TradeSerializer):
    rewards = RewardSummarySerializer(
        help_text="What accepting granted you: the requester's coins net of yours (`coins`), and any achievement "
        "reached (`trades_completed`). Items received are in `offered`."
    )
