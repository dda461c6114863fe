"""apps/core/deferred.py: an attached load runs at the first reader's call, once."""
from apps.core.deferred import defer_load, load_deferred


class Thing:
    pass


def test_the_load_runs_once_and_only_when_asked():
    thing, runs = Thing(), []
    defer_load(thing, lambda: runs.append("loaded"))
    assert runs == []
    load_deferred(thing)
    load_deferred(thing)
    assert runs == ["loaded"]


def test_without_a_pending_load_nothing_happens_and_a_new_one_replaces_the_old():
    thing, runs = Thing(), []
    load_deferred(thing)  # nothing attached
    defer_load(thing, lambda: runs.append("first"))
    defer_load(thing, lambda: runs.append("second"))
    load_deferred(thing)
    assert runs == ["second"]
