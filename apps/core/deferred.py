"""Work attached to an object for later: done by the first reader that needs it, or never.

The JWT authentication attaches the user's cached profile (wallet, streak, equipped
items, boosts; apps/profiles/cache.py) to `request.user` still encoded: most requests
(writes, lists served from the response cache) never read it, and decoding it costs
more than fetching it from the cache did. A reader of those relations calls
`load_deferred(user)` first; a reader that does not simply finds them not loaded and
queries, as for any other user object.
"""

_ATTRIBUTE = "_deferred_load"


def defer_load(obj, load) -> None:
    """Attach `load()` to `obj`, to run at the first `load_deferred(obj)` (replacing any pending one)."""
    obj.__dict__[_ATTRIBUTE] = load


def load_deferred(obj) -> None:
    """Run the load attached to `obj`, once; nothing if none is pending."""
    load = obj.__dict__.pop(_ATTRIBUTE, None)
    if load is not None:
        load()
