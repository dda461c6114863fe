from django.apps import AppConfig


class TradesConfig(AppConfig):
    name = "apps.trades"
    label = "trades"

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import pre_delete

        from apps.friends.signals import user_blocked

        from .services import trades_cancel_on_block, trades_cancel_on_user_delete

        # A block ends the friendship: the pending trades between the two are
        # cancelled in the block's transaction, their escrow returned.
        user_blocked.connect(trades_cancel_on_block, dispatch_uid="trades_cancel_on_block")
        # `DELETE me/` cancels them through account.py first; this catches every other
        # deletion of a user (the admin, a shell), which would otherwise cascade the
        # trades away with the other party's escrow still held.
        pre_delete.connect(trades_cancel_on_user_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="trades_user_delete")
