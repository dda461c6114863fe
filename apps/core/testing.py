"""Test helpers shared by every app (imported by tests only)."""
import threading

from django.db import connection, connections


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def run_concurrently(*calls, timeout: float = 30.0) -> list:
    """Run each callable in its own thread, released together by a barrier.

    Returns each call's result or the exception it raised, in order. Every
    thread closes its own database connection.
    """
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def runner(index, call):
        try:
            barrier.wait(timeout=timeout)
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results
