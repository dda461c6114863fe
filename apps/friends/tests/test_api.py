"""`friends/`, `friends/requests/`, `friends/blocks/` and `users/` as a client sees them."""
import pytest

from apps.friends.models import Friendship
from apps.stats.models import StatCounter
from conftest import client_for, exported

from .factories import befriend, friend_achievements, friends_stat

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/friends/requests/"
PROFILE_FIELDS = {"id", "username", "display_name", "level", "avatar", "icon", "background", "streak_current"}


def error(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code, response.json()


@pytest.fixture
def ann(make_user):
    return make_user("ann")


@pytest.fixture
def ben(make_user):
    return make_user("ben")


def test_a_friendship_from_request_to_list_to_unfriend(ann, ben):
    a, b = client_for(ann), client_for(ben)
    r = a.post(REQUESTS, {"username": "Ben"}, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "pending" and body["responded_at"] is None
    assert body["from_user"]["id"] == ann.pk and set(body["to_user"]) == PROFILE_FIELDS

    incoming = b.get(REQUESTS).json()
    assert [x["id"] for x in incoming["results"]] == [body["id"]] and incoming["count"] == 1
    assert a.get(REQUESTS + "?direction=outgoing").json()["count"] == 1
    assert a.get(REQUESTS + "?direction=incoming").json()["count"] == 0

    r = b.post(f"{REQUESTS}{body['id']}/accept/")
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    friends = a.get("/api/v1/friends/").json()
    assert friends["count"] == 1
    assert friends["results"][0]["user"]["username"] == "ben" and set(friends["results"][0]["user"]) == PROFILE_FIELDS
    assert "since" in friends["results"][0]
    assert b.get("/api/v1/stats/").json()["friends"] == 1
    assert b.get(REQUESTS).json()["count"] == 0

    assert a.delete(f"/api/v1/friends/{ben.pk}/").status_code == 204
    assert b.get("/api/v1/friends/").json()["count"] == 0
    assert b.get("/api/v1/stats/").json()["friends"] == 0
    error(a.delete(f"/api/v1/friends/{ben.pk}/"), 404, "not_found")


def test_every_refusal_of_a_request_has_its_code(ann, ben, make_user):
    a = client_for(ann)
    error(a.post(REQUESTS, {"user_id": ann.pk}, format="json"), 400, "cannot_befriend_self")
    error(a.post(REQUESTS, {"user_id": 10**12}, format="json"), 404, "not_found")
    error(a.post(REQUESTS, {"username": "ghost"}, format="json"), 404, "not_found")
    assert a.post(REQUESTS, {"user_id": ben.pk}, format="json").status_code == 201
    error(a.post(REQUESTS, {"user_id": ben.pk}, format="json"), 409, "request_pending")
    cat = make_user("cat")
    befriend(ann, cat)
    error(a.post(REQUESTS, {"username": "cat"}, format="json"), 409, "already_friends")
    dan = make_user("dan")
    assert client_for(dan).post(f"/api/v1/users/{ann.pk}/block/").status_code == 204
    error(a.post(REQUESTS, {"user_id": dan.pk}, format="json"), 409, "blocked")
    error(client_for(dan).post(REQUESTS, {"user_id": ann.pk}, format="json"), 409, "blocked")


@pytest.mark.parametrize(
    "body",
    [{}, {"username": "ben", "user_id": 2}, {"user_id": "2"}, {"user_id": 0}, {"username": 5}, {"user_id": True}, {"username": ""}],
)
def test_a_request_body_must_name_one_player_with_the_right_type(ann, ben, body):
    error(client_for(ann).post(REQUESTS, body, format="json"), 400, "validation_error")


def test_crossing_requests_answer_201_accepted_and_make_friends(ann, ben):
    assert client_for(ann).post(REQUESTS, {"user_id": ben.pk}, format="json").status_code == 201
    r = client_for(ben).post(REQUESTS, {"user_id": ann.pk}, format="json")
    assert r.status_code == 201 and r.json()["status"] == "accepted"
    assert client_for(ann).get("/api/v1/friends/").json()["count"] == 1


def test_becoming_friends_answers_what_it_granted_the_caller(ann, ben, make_user):
    # Contract: every response that grants rewards carries `rewards`.
    friend_achievements()  # first-friend: 20 XP 10 coins
    rid = client_for(ann).post(REQUESTS, {"user_id": ben.pk}, format="json").json()["id"]
    accepted = client_for(ben).post(f"{REQUESTS}{rid}/accept/").json()
    assert (accepted["rewards"]["xp"], accepted["rewards"]["coins"]) == (20, 10)
    assert [a["code"] for a in accepted["rewards"]["achievements"]] == ["first-friend"]

    cat = make_user("cat")
    pending = client_for(cat).post(REQUESTS, {"user_id": ann.pk}, format="json").json()
    crossing = client_for(ann).post(REQUESTS, {"user_id": cat.pk}, format="json").json()
    assert pending["status"] == "pending" and "rewards" not in pending
    assert crossing["status"] == "accepted" and crossing["rewards"]["xp"] == 0  # ann's first friend was ben
    assert crossing["rewards"]["achievements"] == []


def test_answers_by_the_wrong_player_are_404_and_repeats_409(ann, ben, make_user):
    cat = make_user("cat")
    rid = client_for(ann).post(REQUESTS, {"user_id": ben.pk}, format="json").json()["id"]
    for client, verb in ((client_for(ann), "accept"), (client_for(ann), "decline"), (client_for(ben), "cancel"),
                         (client_for(cat), "accept"), (client_for(cat), "cancel")):
        error(client.post(f"{REQUESTS}{rid}/{verb}/"), 404, "not_found")
    assert client_for(ben).post(f"{REQUESTS}{rid}/decline/").json()["status"] == "declined"
    error(client_for(ben).post(f"{REQUESTS}{rid}/accept/"), 409, "request_not_pending")
    error(client_for(ann).post(f"{REQUESTS}{rid}/cancel/"), 409, "request_not_pending")
    error(client_for(ben).post(f"{REQUESTS}{10**12}/accept/"), 404, "not_found")


def test_cancel_by_the_sender(ann, ben):
    rid = client_for(ann).post(REQUESTS, {"user_id": ben.pk}, format="json").json()["id"]
    r = client_for(ann).post(f"{REQUESTS}{rid}/cancel/")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert client_for(ben).get(REQUESTS).json()["count"] == 0


def test_a_retried_accept_with_its_idempotency_key_replays_the_first_answer(ann, ben):
    rid = client_for(ann).post(REQUESTS, {"user_id": ben.pk}, format="json").json()["id"]
    b = client_for(ben)
    first = b.post(f"{REQUESTS}{rid}/accept/", HTTP_IDEMPOTENCY_KEY="k1")
    again = b.post(f"{REQUESTS}{rid}/accept/", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert friends_stat(ben) == 1


def test_direction_must_be_incoming_or_outgoing(ann):
    error(client_for(ann).get(REQUESTS + "?direction=sideways"), 400, "validation_error")


def test_blocking_hides_both_from_search_and_profiles_until_unblocked(ann, ben, make_user):
    make_user("bea")
    befriend(ann, ben)
    a, b = client_for(ann), client_for(ben)
    assert a.post(f"/api/v1/users/{ben.pk}/block/").status_code == 204
    assert a.post(f"/api/v1/users/{ben.pk}/block/").status_code == 204  # again: fine
    assert [u["username"] for u in a.get("/api/v1/users/?search=b").json()["results"]] == ["bea"]
    assert [u["username"] for u in b.get("/api/v1/users/?search=a").json()["results"]] == []
    error(a.get(f"/api/v1/users/{ben.pk}/"), 404, "not_found")
    error(b.get(f"/api/v1/users/{ann.pk}/"), 404, "not_found")
    assert a.get("/api/v1/friends/").json()["count"] == 0 and b.get("/api/v1/stats/").json()["friends"] == 0
    blocks = a.get("/api/v1/friends/blocks/").json()
    assert [x["user"]["id"] for x in blocks["results"]] == [ben.pk] and "blocked_at" in blocks["results"][0]
    assert b.get("/api/v1/friends/blocks/").json()["count"] == 0

    assert a.delete(f"/api/v1/users/{ben.pk}/block/").status_code == 204
    assert a.delete(f"/api/v1/users/{ben.pk}/block/").status_code == 204
    assert a.get(f"/api/v1/users/{ben.pk}/").status_code == 200
    assert b.get(f"/api/v1/users/{ann.pk}/").status_code == 200


def test_block_errors(ann):
    a = client_for(ann)
    error(a.post(f"/api/v1/users/{ann.pk}/block/"), 400, "cannot_block_self")
    error(a.post(f"/api/v1/users/{10**12}/block/"), 404, "not_found")
    error(a.delete(f"/api/v1/users/{10**12}/block/"), 404, "not_found")
    error(a.post("/api/v1/users/99999999999999999999999999/block/"), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [("delete", "/api/v1/friends/{}/"), ("post", REQUESTS + "{}/accept/"), ("post", REQUESTS + "{}/decline/"),
     ("post", REQUESTS + "{}/cancel/"), ("post", "/api/v1/users/{}/block/"), ("delete", "/api/v1/users/{}/block/"),
     ("get", "/api/v1/users/{}/")],
)
def test_ids_past_any_row_are_404(ann, method, path):
    error(getattr(client_for(ann), method)(path.format("57734497129530167431531605481912430525")), 404, "not_found")


def test_search_is_a_case_insensitive_prefix_and_includes_yourself(ann, make_user):
    for name in ("Anna", "anders", "bob", "xann"):
        make_user(name)
    names = [u["username"] for u in client_for(ann).get("/api/v1/users/?search=AN").json()["results"]]
    assert sorted(names, key=str.lower) == ["anders", "ann", "Anna"]  # not xann, not bob
    # LIKE wildcards in the prefix are plain characters.
    assert client_for(ann).get("/api/v1/users/?search=a%25").json()["count"] == 0
    assert client_for(ann).get("/api/v1/users/?search=_").json()["count"] == 0


def test_list_query_counts_stay_flat(ann, make_user, django_assert_max_num_queries):
    def grow(n):
        for _ in range(n):
            other = make_user()
            befriend(ann, other)
            client_for(make_user()).post(REQUESTS, {"user_id": ann.pk}, format="json")

    a = client_for(ann)
    for size in (1, 8):
        grow(size)
        for path in ("/api/v1/friends/", REQUESTS, REQUESTS + "?direction=outgoing", "/api/v1/users/?search=pl",
                     "/api/v1/friends/blocks/"):
            with django_assert_max_num_queries(6):
                assert a.get(path).status_code == 200


def test_deleting_an_account_counts_down_its_friends(ann, ben, make_user):
    cat = make_user("cat")
    befriend(ann, ben)
    befriend(cat, ann)
    befriend(ben, cat)
    r = client_for(ann).delete("/api/v1/me/", {"password": "s3cret-Passw0rd!"}, format="json")
    assert r.status_code == 204
    assert friends_stat(ben) == friends_stat(cat) == 1
    assert list(Friendship.objects.values_list("user__username", flat=True).order_by("user__username")) == ["ben", "cat"]
    assert not StatCounter.objects.filter(user_id=ann.pk).exists()


def test_export_has_friends_requests_and_blocks(ann, ben, make_user):
    cat, dan = make_user("cat"), make_user("dan")
    befriend(ann, ben)
    client_for(ann).post(REQUESTS, {"user_id": cat.pk}, format="json")
    client_for(ann).post(f"/api/v1/users/{dan.pk}/block/")
    part = exported(ann)["friends"]
    assert [f["friend_id"] for f in part["friends"]] == [ben.pk]
    assert [(r["to_user_id"], r["status"]) for r in part["requests_sent"]] == [(ben.pk, "accepted"), (cat.pk, "pending")]
    assert part["requests_received"] == []
    assert [b["blocked_id"] for b in part["blocked"]] == [dan.pk]


@pytest.mark.parametrize("path", ["/api/v1/friends/", REQUESTS, "/api/v1/friends/blocks/", "/api/v1/users/"])
def test_the_social_lists_need_a_token(api_client, path):
    assert api_client.get(path).status_code == 401
