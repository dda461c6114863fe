"""Concurrency on PostgreSQL (SQLite ignores row locks, so these prove nothing there)."""
import pytest

from apps.core.testing import is_postgres, run_concurrently
from apps.progression.tests.factories import assert_balances_match_ledger, balances
from apps.roulette.models import RouletteSpin
from apps.tasks.tests.helpers import stat
from conftest import client_for

from .factories import SegmentFactory, boost_item

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL row locks"),
]

SPIN = "/api/v1/roulette/spin/"


@pytest.fixture
def wheel(db):
    SegmentFactory(label="coins", kind="coins", amount=30, weight=1)
    SegmentFactory(label="xp", kind="xp", amount=30, weight=1)
    SegmentFactory(label="crystals", kind="crystals", amount=3, weight=1)
    SegmentFactory(label="boost", kind="item", amount=1, item=boost_item(), weight=1)


def test_twenty_concurrent_spins_by_one_user_pay_once(make_user, wheel):
    user = make_user("racer")

    def spin():
        return client_for(user).post(SPIN)  # one client per thread

    results = run_concurrently(*[spin for _ in range(20)])

    statuses = sorted(getattr(r, "status_code", repr(r)) for r in results)
    assert statuses == [200] + [409] * 19, statuses
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"already_spun"}
    assert RouletteSpin.objects.filter(user=user).count() == 1
    assert stat(user, "roulette_spins") == 1
    won = next(r.json()["rewards"] for r in results if r.status_code == 200)
    have = balances(user.pk)
    assert (have["xp"], have["coins"], have["crystals"]) == (won["xp"], won["coins"], won["crystals"])
    assert_balances_match_ledger(user.pk)


def test_concurrent_spins_with_one_idempotency_key_pay_once(make_user, wheel):
    user = make_user("retrier")

    def spin():
        return client_for(user).post(SPIN, HTTP_IDEMPOTENCY_KEY="same-spin")

    results = run_concurrently(*[spin for _ in range(10)])

    statuses = [getattr(r, "status_code", repr(r)) for r in results]
    assert set(statuses) <= {200, 409}, statuses
    assert {r.json()["code"] for r in results if r.status_code == 409} <= {"request_in_progress"}
    assert len({r.content for r in results if r.status_code == 200}) == 1  # replays answer the first body
    assert RouletteSpin.objects.filter(user=user).count() == 1
    assert_balances_match_ledger(user.pk)


def test_many_users_spinning_at_once_each_get_their_one_spin(make_user, wheel):
    users = [make_user(f"crowd{n}") for n in range(12)]

    results = run_concurrently(*[(lambda u=u: client_for(u).post(SPIN)) for u in users])

    assert [getattr(r, "status_code", repr(r)) for r in results] == [200] * 12
    assert RouletteSpin.objects.count() == 12
    for u in users:
        assert_balances_match_ledger(u.pk)
