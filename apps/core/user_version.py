"""A per-user version token in the shared cache: what was cached for a user
(the auth/profile snapshot, per-user GET responses) counts only while the
token it was built under is current.

Any code that changes what those caches show calls `user_version_bump`; for the
models the profile shows, signals in apps/profiles/apps.py do it.

When the token is replaced:
- Outside a transaction, at once.
- Inside one, once when it commits, however many rows of that user it changed
  (one `_Flush` per user in the transaction's on-commit hooks): a copy rebuilt
  meanwhile by another request, from the state before the commit, was built
  under the old token and is never served after it. A rolled-back transaction
  owes nothing: its hooks are dropped with it.
- And before a read of that user's cached data inside the transaction that
  changed it (`user_version_settle`, called by the readers), so the writer's
  own next read never sees the old copy. Requests read before they write, so
  in production this happens only where one transaction writes and then reads
  (tests run whole scenarios in one transaction).
"""
import uuid

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "uv:{}"


def _replace(user_id: int) -> None:
    cache.set(VERSION_KEY.format(user_id), uuid.uuid4().hex, None)


class _Flush:
    """The token replacement the current transaction owes one user (an on-commit hook)."""

    __slots__ = ("user_id", "dirty")

    def __init__(self, user_id: int):
        self.user_id = user_id
        self.dirty = True  # changed since the token was last replaced

    def __call__(self) -> None:
        _replace(self.user_id)


def _pending(connection, user_id: int) -> _Flush | None:
    for entry in connection.run_on_commit:
        hook = entry[1]
        if type(hook) is _Flush and hook.user_id == user_id:
            return hook
    return None


def user_version_bump(user_id: int | None) -> None:
    """The user's cached data is outdated by a change made now (see the module docstring)."""
    if user_id is None:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _replace(user_id)
        return
    hook = _pending(connection, user_id)
    if hook is None:
        transaction.on_commit(_Flush(user_id))
    else:
        hook.dirty = True


def user_version_settle(user_id: int) -> None:
    """Call before reading the user's token: if the current transaction changed the
    user since the token was last replaced, replace it now."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return
    hook = _pending(connection, user_id)
    if hook is not None and hook.dirty:
        _replace(user_id)
        hook.dirty = False
