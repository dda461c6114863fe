"""Cache plumbing, not a game effect: any change to the achievement catalog
(admin, seed, shell) drops the cached catalog, so a signal is the right hook."""
from django.db import transaction

from .services import catalog_invalidate


def catalog_changed(sender, **kwargs) -> None:
    # Now (this transaction sees its own change) and again after commit, so no
    # other process can cache the old rows under the new version meanwhile.
    catalog_invalidate()
    transaction.on_commit(catalog_invalidate)
