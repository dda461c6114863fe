"""The on-commit hooks a transaction has queued, for code that adds to its own pending hook
instead of queuing one per call (cache tokens, leaderboard marks, notifications)."""
from collections.abc import Iterator

from django.db import transaction


def queued_on_commit(kind: type) -> Iterator[tuple[set, object]]:
    """The current transaction's `transaction.on_commit` hooks of type `kind`, newest first,
    each with the savepoints it was queued under (Django drops a hook when one of them
    rolls back). Nothing outside a transaction. Lazy: callers stop at the hook they want."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return
    for savepoints, hook, _robust in reversed(connection.run_on_commit):
        if type(hook) is kind:
            yield savepoints, hook
