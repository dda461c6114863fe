from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ProfilesConfig(AppConfig):
    name = "apps.profiles"
    label = "profiles"

    def ready(self):
        # Cache plumbing, not game effects: any write to what the per-user
        # snapshot holds makes it stale once the transaction commits. The hot
        # writes that send no signals (fastsql send_signals=False: the progress
        # service, the inventory grant) call user_version_bump themselves.
        from django.contrib.auth import get_user_model

        from apps.boosts.models import ActiveBoost
        from apps.inventory.models import InventoryItem
        from apps.progression.models import Wallet
        from apps.streaks.models import Streak
        from apps.tasks.models import Task

        from .cache import user_snapshot_invalidate

        def on_user(sender, instance, **kwargs):
            user_snapshot_invalidate(instance.pk, user_row=True)

        def on_owned(sender, instance, **kwargs):
            user_snapshot_invalidate(instance.user_id)

        post_save.connect(on_user, sender=get_user_model(), dispatch_uid="profiles-snapshot-user-save", weak=False)
        post_delete.connect(on_user, sender=get_user_model(), dispatch_uid="profiles-snapshot-user-delete", weak=False)
        for model in (Wallet, Streak, InventoryItem, ActiveBoost, Task):
            post_save.connect(on_owned, sender=model, dispatch_uid=f"profiles-snapshot-{model.__name__}-save", weak=False)
            post_delete.connect(on_owned, sender=model, dispatch_uid=f"profiles-snapshot-{model.__name__}-delete", weak=False)
