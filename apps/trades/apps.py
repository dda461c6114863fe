from django.apps import AppConfig


class TradesConfig(AppConfig):
    name = "apps.trades"
    label = "trades"

    def ready(self):
        from apps.friends.signals import user_blocked

        from .services import trades_cancel_on_block

        # A block ends the friendship: the pending trades between the two are
        # cancelled in the block's transaction, their escrow returned.
        user_blocked.connect(trades_cancel_on_block, dispatch_uid="trades_cancel_on_block")
