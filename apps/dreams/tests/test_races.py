"""Concurrency on PostgreSQL (SQLite ignores row locks, so these prove nothing there)."""
import pytest

from apps.core.testing import is_postgres, run_concurrently
from apps.progression.tests.factories import assert_balances_match_ledger, balances
from apps.tasks.tests.helpers import stat
from conftest import client_for

from .factories import DreamFactory, add_steps

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL row locks"),
]


def test_concurrent_completions_of_one_dream_pay_once(make_user):
    user = make_user("dreamer")
    dream = DreamFactory(user=user)
    add_steps(dream, 3, completed=3)

    def call():
        return client_for(user).post(f"/api/v1/dreams/{dream.pk}/complete/")

    results = run_concurrently(*[call for _ in range(10)])

    statuses = sorted(getattr(r, "status_code", repr(r)) for r in results)
    assert statuses == [200] + [409] * 9, statuses
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"already_completed"}
    assert balances(user.pk) == {"xp": 200, "coins": 120, "crystals": 0}
    assert stat(user, "dreams_completed") == 1
    assert_balances_match_ledger(user.pk)


def test_a_step_reopened_while_the_dream_completes_never_leaves_a_paid_dream_with_an_open_step(make_user):
    # Both lock the wallet first: either the reopen comes first (the completion is refused)
    # or the completion does (paid with every step done, then the step reopens).
    user = make_user("racer")
    dream = DreamFactory(user=user)
    client = client_for(user)
    step = client.post(f"/api/v1/dreams/{dream.pk}/steps/", {"title": "s"}, format="json").json()["id"]
    assert client.post(f"/api/v1/tasks/{step}/complete/").status_code == 200

    complete_r, reopen_r = run_concurrently(
        lambda: client_for(user).post(f"/api/v1/dreams/{dream.pk}/complete/"),
        lambda: client_for(user).post(f"/api/v1/tasks/{step}/reopen/"),
    )

    assert reopen_r.status_code == 200
    assert complete_r.status_code in (200, 409)
    if complete_r.status_code == 409:
        assert complete_r.json()["code"] == "steps_incomplete"
        assert stat(user, "dreams_completed") == 0
    assert_balances_match_ledger(user.pk)
