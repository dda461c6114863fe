"""Concurrency on PostgreSQL (SQLite ignores row locks, so these prove nothing there)."""
import pytest

from apps.core.testing import is_postgres, run_concurrently
from apps.friends.models import FriendRequest, Friendship
from apps.progression.tests.factories import assert_balances_match_ledger
from conftest import client_for

from .factories import friend_achievements, friends_stat

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL row locks"),
]

REQUESTS = "/api/v1/friends/requests/"


def test_requests_crossing_at_once_make_exactly_one_friendship(make_user):
    ann, ben = make_user("ann"), make_user("ben")
    friend_achievements()

    results = run_concurrently(
        lambda: client_for(ann).post(REQUESTS, {"user_id": ben.pk}, format="json"),
        lambda: client_for(ben).post(REQUESTS, {"user_id": ann.pk}, format="json"),
    )

    assert [getattr(r, "status_code", repr(r)) for r in results] == [201, 201]
    assert sorted(r.json()["status"] for r in results) == ["accepted", "pending"]
    assert Friendship.objects.count() == 2
    assert friends_stat(ann) == friends_stat(ben) == 1
    assert not FriendRequest.objects.filter(status="pending").exists()
    for user in (ann, ben):
        assert user.achievements.count() == 1
        assert_balances_match_ledger(user.pk)


def test_one_request_accepted_many_times_at_once_befriends_once(make_user):
    ann, ben = make_user("ann"), make_user("ben")
    rid = client_for(ann).post(REQUESTS, {"user_id": ben.pk}, format="json").json()["id"]

    results = run_concurrently(*[lambda: client_for(ben).post(f"{REQUESTS}{rid}/accept/") for _ in range(6)])

    statuses = sorted(getattr(r, "status_code", repr(r)) for r in results)
    assert statuses == [200] + [409] * 5, statuses
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"request_not_pending"}
    assert Friendship.objects.count() == 2
    assert friends_stat(ann) == friends_stat(ben) == 1


def test_an_accept_racing_a_block_has_one_outcome(make_user):
    ann, ben = make_user("ann"), make_user("ben")
    rid = client_for(ann).post(REQUESTS, {"user_id": ben.pk}, format="json").json()["id"]

    accept, block = run_concurrently(
        lambda: client_for(ben).post(f"{REQUESTS}{rid}/accept/"),
        lambda: client_for(ann).post(f"/api/v1/users/{ben.pk}/block/"),
    )

    assert block.status_code == 204
    assert accept.status_code in (200, 409)
    # Whichever came first, the block ends with no friendship and nobody counting one.
    assert Friendship.objects.count() == 0
    assert friends_stat(ann) == friends_stat(ben) == 0


def test_an_accept_racing_the_senders_account_deletion_counts_right_and_never_500s(make_user):
    outcomes = set()
    for n in range(12):
        ann, ben = make_user(f"leaver{n}"), make_user(f"stayer{n}")
        rid = client_for(ann).post(REQUESTS, {"user_id": ben.pk}, format="json").json()["id"]

        deleted, accepted = run_concurrently(
            lambda ann=ann: client_for(ann).delete("/api/v1/me/", {"password": "s3cret-Passw0rd!"}, format="json"),
            lambda ben=ben, rid=rid: client_for(ben).post(f"{REQUESTS}{rid}/accept/"),
        )

        assert getattr(deleted, "status_code", repr(deleted)) == 204
        assert getattr(accepted, "status_code", repr(accepted)) in (200, 404), accepted
        outcomes.add(accepted.status_code)
        # Whichever came first, ben is left with no friend, and his statistic says so.
        assert not Friendship.objects.filter(user=ben).exists()
        assert friends_stat(ben) == 0, n
    assert outcomes  # each round ended in one of the two orders
