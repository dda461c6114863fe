"""Cache invalidation only (no game effects): any Item change bumps the catalog version,
and the achievement catalog's (its reward items show item names).

The version is bumped at once (so the same transaction, and tests, see the
change) and again on commit: a reader that loaded the old rows between the
first bump and the commit cached them under a version that is then dropped.
"""
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.achievements.services import catalog_invalidate as achievements_catalog_invalidate

from .models import Item
from .selectors import catalog_bump


def _bump_both() -> None:
    catalog_bump()
    achievements_catalog_invalidate()


def catalog_changed() -> None:
    _bump_both()
    transaction.on_commit(_bump_both)


@receiver(post_save, sender=Item, dispatch_uid="shop_item_saved")
@receiver(post_delete, sender=Item, dispatch_uid="shop_item_deleted")
def _item_changed(sender, **kwargs):
    catalog_changed()
