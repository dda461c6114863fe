"""Per-user version tokens in the shared cache: what was cached for a user counts
only while the token it was built under is current.

Two tokens per user:
- `uv:<id>`, replaced after any change to what the user's pages show (the user
  row, wallet, streak, inventory, boosts, tasks...): the profile snapshot and
  per-user GET responses are built under it;
- `uva:<id>`, replaced only when the user row itself changes (or is deleted):
  the user authentication loads is cached under it, so a request right after
  the user's own completion or purchase still authenticates without a query.

Any code that changes what those caches show calls `user_version_bump`
(`user_row=True` for the user row); for the models the profile shows, signals
in apps/profiles/apps.py do it, except on the hot writes that send none (the
progress service's wallet and task writes, the inventory grant's upsert), which
call it themselves.

When tokens are replaced:
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

Tokens are random, never counters: a token lost with a flushed or restarted Redis is
created again as a new value, never one that something was cached under before. A
replacement Redis does not take (unreachable) is owed by this process and written before
its next cache read (`tokens_store`, apps/core/cache_pipeline.py).
"""
import uuid

from django.db import transaction

from .cache_pipeline import tokens_store
from .on_commit import queued_on_commit

VERSION_KEY = "uv:{}"
AUTH_VERSION_KEY = "uva:{}"


def _replace(user_id: int, *, user_row: bool = False) -> None:
    tokens = {VERSION_KEY.format(user_id): uuid.uuid4().hex}
    if user_row:
        tokens[AUTH_VERSION_KEY.format(user_id)] = uuid.uuid4().hex
    tokens_store(tokens, None)


class _Flush:
    """The token replacement the current transaction owes one user (an on-commit hook)."""

    __slots__ = ("user_id", "dirty", "user_row", "user_row_dirty")

    def __init__(self, user_id: int):
        self.user_id = user_id
        self.dirty = False  # changed since the tokens were last replaced
        self.user_row = False  # the user row changed in this transaction
        self.user_row_dirty = False  # ... since the tokens were last replaced

    def __call__(self) -> None:
        _replace(self.user_id, user_row=self.user_row)


def _pending(user_id: int) -> _Flush | None:
    return next((hook for _, hook in queued_on_commit(_Flush) if hook.user_id == user_id), None)


def user_version_bump(user_id: int | None, *, user_row: bool = False) -> None:
    """The user's cached data is outdated by a change made now (see the module docstring);
    `user_row`: the change is to the user row itself."""
    if user_id is None:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _replace(user_id, user_row=user_row)
        return
    hook = _pending(user_id)
    if hook is None:
        hook = _Flush(user_id)
        transaction.on_commit(hook)
    hook.dirty = True
    if user_row:
        hook.user_row = hook.user_row_dirty = True


def user_version_settle(user_id: int) -> None:
    """Call before reading the user's tokens: if the current transaction changed the
    user since the tokens were last replaced, replace them now."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return
    hook = _pending(user_id)
    if hook is not None and hook.dirty:
        _replace(user_id, user_row=hook.user_row_dirty)
        hook.dirty = hook.user_row_dirty = False


def user_versions_bump(user_ids) -> None:
    """`user_version_bump` for several users; outside a transaction, one cache round trip."""
    user_ids = sorted(set(user_ids))
    if transaction.get_connection().in_atomic_block:
        for user_id in user_ids:
            user_version_bump(user_id)
    elif user_ids:
        tokens_store({VERSION_KEY.format(user_id): uuid.uuid4().hex for user_id in user_ids}, None)
