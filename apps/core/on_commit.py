"""The on-commit hooks a transaction has queued, for code that adds to its own pending hook
instead of queuing one per call (cache tokens, leaderboard marks, notifications)."""
from django.db import transaction


def queued_on_commit(kind: type) -> list[tuple[set, object]]:
    """The current transaction's `transaction.on_commit` hooks of type `kind`, newest first,
    each with the savepoints it was queued under (Django drops a hook when one of them
    rolls back). Empty outside a transaction."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return []
    return [(set(ids), hook) for ids, hook, _robust in reversed(connection.run_on_commit) if type(hook) is kind]
