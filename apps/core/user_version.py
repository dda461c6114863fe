"""A per-user version token in the shared cache: what was cached for a user
(the auth/profile snapshot, per-user GET responses) counts only while the
token it was built under is current.

Any code that changes what those caches show calls `user_version_bump`; for the
models the profile shows, signals in apps/profiles/apps.py do it. It replaces
the token at once (the writer's own next read must not see the old copy) and
again once the transaction commits (a copy rebuilt meanwhile from the state
before the commit must not outlive it).
"""
import uuid

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "uv:{}"


def _replace(user_id: int) -> None:
    cache.set(VERSION_KEY.format(user_id), uuid.uuid4().hex, None)


def user_version_bump(user_id: int | None) -> None:
    if user_id is None:
        return
    _replace(user_id)
    transaction.on_commit(lambda: _replace(user_id))
