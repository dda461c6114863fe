"""Friend requests, friendships and blocks through their services."""
import pytest

from apps.achievements.models import UserAchievement
from apps.core.errors import NotFound
from apps.notifications.models import Notification
from apps.progression.tests.factories import assert_balances_match_ledger, balances

from ..exceptions import AlreadyFriends, BlockSelf, FriendRequestToSelf, RequestNotPending, RequestPending, UserBlocked
from ..models import Block, FriendRequest, Friendship
from ..selectors import are_friends, blocked_between, friend_ids, hidden_user_ids
from ..services import (
    friend_remove,
    friend_request_accept,
    friend_request_cancel,
    friend_request_create,
    friend_request_decline,
    user_block,
    user_unblock,
)
from ..signals import user_blocked
from .factories import befriend, friend_achievements, friends_stat, kinds

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(make_user):
    return make_user("ann"), make_user("ben")


def test_a_request_is_pending_and_tells_its_recipient_after_commit(pair, django_capture_on_commit_callbacks):
    ann, ben = pair
    with django_capture_on_commit_callbacks(execute=True):
        request, _ = friend_request_create(user=ann, username="BEN")
        assert not Notification.objects.exists()  # nothing before the commit
    assert (request.from_user_id, request.to_user_id, request.status) == (ann.pk, ben.pk, "pending")
    note = Notification.objects.get(user=ben)
    assert note.kind == "friend_request"
    assert note.payload == {"request_id": request.pk, "from_user": {"id": ann.pk, "username": "ann"}}
    assert not are_friends(ann.pk, ben.pk)


def test_accepting_makes_both_friends_counts_both_and_tells_the_sender(pair, django_capture_on_commit_callbacks):
    ann, ben = pair
    request, _ = friend_request_create(user=ann, user_id=ben.pk)
    with django_capture_on_commit_callbacks(execute=True):
        accepted, _ = friend_request_accept(user=ben, request_id=request.pk)
    assert accepted.status == "accepted" and accepted.responded_at is not None
    assert are_friends(ann.pk, ben.pk) and are_friends(ben.pk, ann.pk)
    assert Friendship.objects.count() == 2
    assert friends_stat(ann) == friends_stat(ben) == 1
    note = Notification.objects.get(user=ann)
    assert (note.kind, note.payload) == ("friend_accepted", {"user": {"id": ben.pk, "username": "ben"}})


def test_the_first_friend_unlocks_the_friend_achievement_for_both_with_its_reward(pair, django_capture_on_commit_callbacks):
    ann, ben = pair
    friend_achievements()
    with django_capture_on_commit_callbacks(execute=True):
        befriend(ann, ben)
    for user in (ann, ben):
        assert list(UserAchievement.objects.filter(user=user).values_list("achievement__code", flat=True)) == ["first-friend"]
        assert balances(user.pk) == {"xp": 20, "coins": 10, "crystals": 0}
        assert_balances_match_ledger(user.pk)
    unlocked = Notification.objects.get(user=ben, kind="achievement_unlocked")
    assert unlocked.payload == {"code": "first-friend", "title": "Better Together"}
    assert kinds(ann) == ["achievement_unlocked", "friend_accepted"]


def test_ten_friends_unlock_the_second_achievement(make_user):
    hub = make_user("hub")
    friend_achievements()
    for n in range(10):
        befriend(make_user(f"f{n}"), hub)
        assert UserAchievement.objects.filter(user=hub, achievement__code="friends-10").exists() == (n == 9)
    assert friends_stat(hub) == 10


def test_requests_crossing_become_one_friendship_with_both_accepted(pair, django_capture_on_commit_callbacks):
    ann, ben = pair
    first, _ = friend_request_create(user=ann, user_id=ben.pk)
    with django_capture_on_commit_callbacks(execute=True):
        second, _ = friend_request_create(user=ben, user_id=ann.pk)
    first.refresh_from_db()
    assert first.status == second.status == "accepted"
    assert are_friends(ann.pk, ben.pk) and Friendship.objects.count() == 2
    assert friends_stat(ann) == friends_stat(ben) == 1
    assert kinds(ann) == ["friend_accepted"]  # ann's request was the one answered
    assert not FriendRequest.objects.filter(status="pending").exists()


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        ("self", FriendRequestToSelf),
        ("friends", AlreadyFriends),
        ("twice", RequestPending),
        ("i_blocked", UserBlocked),
        ("they_blocked", UserBlocked),
    ],
)
def test_refused_requests_change_nothing(pair, setup, error):
    ann, ben = pair
    target = ann if setup == "self" else ben
    if setup == "friends":
        befriend(ann, ben)
    elif setup == "twice":
        friend_request_create(user=ann, user_id=ben.pk)
    elif setup == "i_blocked":
        user_block(user=ann, user_id=ben.pk)
    elif setup == "they_blocked":
        user_block(user=ben, user_id=ann.pk)
    before = (FriendRequest.objects.count(), Friendship.objects.count(), friends_stat(ann), friends_stat(ben))
    with pytest.raises(error):
        friend_request_create(user=ann, user_id=target.pk)
    assert (FriendRequest.objects.count(), Friendship.objects.count(), friends_stat(ann), friends_stat(ben)) == before


def test_a_request_to_an_unknown_or_inactive_player_is_404(pair):
    ann, ben = pair
    ben.is_active = False
    ben.save(update_fields=["is_active"])
    for target in ({"user_id": ben.pk}, {"user_id": 10**12}, {"username": "nobody"}):
        with pytest.raises(NotFound):
            friend_request_create(user=ann, **target)


def test_only_the_recipient_answers_and_only_the_sender_cancels(make_user):
    ann, ben, cat = make_user("ann"), make_user("ben"), make_user("cat")
    request, _ = friend_request_create(user=ann, user_id=ben.pk)
    for user, service in ((ann, friend_request_accept), (cat, friend_request_accept), (ann, friend_request_decline),
                          (ben, friend_request_cancel), (cat, friend_request_cancel)):
        with pytest.raises(NotFound):
            service(user=user, request_id=request.pk)
    assert FriendRequest.objects.get(pk=request.pk).status == "pending"


@pytest.mark.parametrize("first", ["accept", "decline", "cancel"])
def test_an_answered_request_cannot_be_answered_again(pair, first):
    ann, ben = pair
    request, _ = friend_request_create(user=ann, user_id=ben.pk)
    {"accept": friend_request_accept, "decline": friend_request_decline, "cancel": friend_request_cancel}[first](
        user=ann if first == "cancel" else ben, request_id=request.pk
    )
    for user, service in ((ben, friend_request_accept), (ben, friend_request_decline), (ann, friend_request_cancel)):
        with pytest.raises(RequestNotPending):
            service(user=user, request_id=request.pk)
    assert friends_stat(ben) == (1 if first == "accept" else 0)


def test_after_a_decline_the_sender_may_ask_again(pair):
    ann, ben = pair
    friend_request_decline(user=ben, request_id=friend_request_create(user=ann, user_id=ben.pk)[0].pk)
    again, _ = friend_request_create(user=ann, user_id=ben.pk)
    assert again.status == "pending"


def test_unfriending_removes_both_rows_and_counts_down_both(pair):
    ann, ben = pair
    befriend(ann, ben)
    friend_remove(user=ben, friend_id=ann.pk)
    assert not Friendship.objects.exists()
    assert friends_stat(ann) == friends_stat(ben) == 0
    with pytest.raises(NotFound):
        friend_remove(user=ben, friend_id=ann.pk)


def test_unfriending_a_stranger_or_yourself_is_404(pair):
    ann, ben = pair
    for friend_id in (ben.pk, ann.pk, 10**12):
        with pytest.raises(NotFound):
            friend_remove(user=ann, friend_id=friend_id)


def test_a_block_ends_the_friendship_and_every_pending_request_and_sends_the_signal(make_user):
    ann, ben, cat = make_user("ann"), make_user("ben"), make_user("cat")
    befriend(ann, ben)
    befriend(ann, cat)
    mine, _ = friend_request_create(user=cat, user_id=ben.pk)
    sent = []

    def receiver(sender, **kwargs):
        from django.db import connection

        sent.append((kwargs["blocker_id"], kwargs["blocked_id"], connection.in_atomic_block))

    user_blocked.connect(receiver, dispatch_uid="test-receiver")
    try:
        assert user_block(user=ben, user_id=ann.pk) is True
        assert user_block(user=cat, user_id=ben.pk) is True
    finally:
        user_blocked.disconnect(dispatch_uid="test-receiver")
    assert sent == [(ben.pk, ann.pk, True), (cat.pk, ben.pk, True)]
    assert friend_ids(ann.pk) == [cat.pk]
    assert (friends_stat(ann), friends_stat(ben), friends_stat(cat)) == (1, 0, 1)
    mine.refresh_from_db()
    assert mine.status == "cancelled"
    assert blocked_between(ann.pk, ben.pk) and blocked_between(ben.pk, ann.pk)
    assert hidden_user_ids(ben.pk) == {ann.pk, cat.pk}


def test_a_block_cancels_pending_requests_in_both_directions(pair):
    ann, ben = pair
    request, _ = friend_request_create(user=ann, user_id=ben.pk)
    user_block(user=ann, user_id=ben.pk)
    request.refresh_from_db()
    assert request.status == "cancelled"
    with pytest.raises(RequestNotPending):
        friend_request_accept(user=ben, request_id=request.pk)


def test_blocking_twice_is_one_block_and_unblocking_lifts_only_mine(pair):
    ann, ben = pair
    assert user_block(user=ann, user_id=ben.pk) is True
    assert user_block(user=ann, user_id=ben.pk) is False
    user_block(user=ben, user_id=ann.pk)  # allowed although ann blocked ben
    assert Block.objects.count() == 2
    user_unblock(user=ann, user_id=ben.pk)
    user_unblock(user=ann, user_id=ben.pk)  # nothing left to lift: fine
    assert list(Block.objects.values_list("blocker_id", "blocked_id")) == [(ben.pk, ann.pk)]
    assert blocked_between(ann.pk, ben.pk)
    user_unblock(user=ben, user_id=ann.pk)
    friend_request_create(user=ann, user_id=ben.pk)  # strangers again


def test_blocking_yourself_is_400_and_an_unknown_player_404(pair):
    ann, _ = pair
    with pytest.raises(BlockSelf):
        user_block(user=ann, user_id=ann.pk)
    with pytest.raises(NotFound):
        user_block(user=ann, user_id=10**12)
    with pytest.raises(NotFound):
        user_unblock(user=ann, user_id=10**12)


def test_a_receiver_error_rolls_the_block_back(pair):
    ann, ben = pair
    befriend(ann, ben)

    def refuse(sender, **kwargs):
        raise RuntimeError("trades could not cancel")

    user_blocked.connect(refuse, dispatch_uid="test-refuse")
    try:
        with pytest.raises(RuntimeError):
            user_block(user=ann, user_id=ben.pk)
    finally:
        user_blocked.disconnect(dispatch_uid="test-refuse")
    assert not Block.objects.exists() and are_friends(ann.pk, ben.pk) and friends_stat(ann) == 1
