"""`notifications/`, `notifications/read/`, the dashboard's unread count, the reward path's
notifications and the pruning job."""
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.achievements.models import Achievement
from apps.notifications.jobs import run_daily
from apps.notifications.models import Notification
from apps.notifications.services import notify, notify_many
from apps.progression.tests.factories import complete_task
from apps.shop.tests.factories import fund
from conftest import client_for

pytestmark = pytest.mark.django_db

FEED = "/api/v1/notifications/"
READ = "/api/v1/notifications/read/"


def make(user, n, kind="friend_request"):
    return Notification.objects.bulk_create([Notification(user=user, kind=kind, payload={"n": i}) for i in range(n)])


def test_the_feed_is_mine_newest_first_with_the_contract_fields(make_user):
    ann, ben = make_user("ann"), make_user("ben")
    make(ann, 3)
    make(ben, 2)
    body = client_for(ann).get(FEED).json()
    assert set(body) == {"next", "previous", "results"}
    assert [n["payload"]["n"] for n in body["results"]] == [2, 1, 0]
    assert set(body["results"][0]) == {"id", "kind", "payload", "created_at", "read_at"}


def test_the_cursor_walks_the_whole_feed_once(make_user):
    ann = make_user("ann")
    make(ann, 25)
    client = client_for(ann)
    page = client.get(FEED + "?page_size=10").json()
    seen = [n["id"] for n in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [n["id"] for n in page["results"]]
    assert len(seen) == len(set(seen)) == 25


def test_unread_filter_and_marking_by_ids_only_touches_mine(make_user):
    ann, ben = make_user("ann"), make_user("ben")
    mine = make(ann, 3)
    theirs = make(ben, 1)
    client = client_for(ann)
    r = client.post(READ, {"ids": [mine[0].pk, theirs[0].pk, 10**12]}, format="json")
    assert r.status_code == 204
    unread = client.get(FEED + "?unread=true").json()["results"]
    assert sorted(n["id"] for n in unread) == sorted([mine[1].pk, mine[2].pk])
    read = client.get(FEED + "?unread=false").json()["results"]
    assert [n["id"] for n in read] == [mine[0].pk] and read[0]["read_at"]
    assert Notification.objects.get(pk=theirs[0].pk).read_at is None


def test_marking_all_read(make_user):
    ann, ben = make_user("ann"), make_user("ben")
    make(ann, 3)
    make(ben, 1)
    assert client_for(ann).post(READ, {"all": True}, format="json").status_code == 204
    assert client_for(ann).get(FEED + "?unread=true").json()["results"] == []
    assert Notification.objects.filter(user=ben, read_at__isnull=True).count() == 1


@pytest.mark.parametrize("body", [{}, {"all": False}, {"all": "true"}, {"ids": "1"}, {"ids": [1.5]}, {"ids": ["1"]}, {"ids": [0]}])
def test_a_read_body_must_say_what(make_user, body):
    r = client_for(make_user("ann")).post(READ, body, format="json")
    assert r.status_code == 400 and r.json()["code"] == "validation_error", r.content


def test_a_bad_unread_value_or_cursor_is_400(make_user):
    client = client_for(make_user("ann"))
    assert client.get(FEED + "?unread=maybe").status_code == 400
    assert client.get(FEED + "?cursor=garbage").status_code == 400


def test_the_feed_query_count_stays_flat(make_user, django_assert_max_num_queries):
    ann = make_user("ann")
    client = client_for(ann)
    for n in (1, 50):
        make(ann, n)
        with django_assert_max_num_queries(2):
            assert client.get(FEED).status_code == 200
        with django_assert_max_num_queries(2):
            assert client.get(FEED + "?unread=true").status_code == 200


def test_the_dashboard_counts_unread_and_a_new_notification_replaces_its_cached_copy(make_user, django_capture_on_commit_callbacks):
    ann = make_user("ann")
    client = client_for(ann)
    assert client.get("/api/v1/dashboard/").json()["unread_notifications"] == 0  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        notify_many([(ann.pk, "friend_request", {}), (ann.pk, "level_up", {"level": 2})])
    assert client.get("/api/v1/dashboard/").json()["unread_notifications"] == 2
    assert client.post(READ, {"all": True}, format="json").status_code == 204
    assert client.get("/api/v1/dashboard/").json()["unread_notifications"] == 0


def test_notify_writes_nothing_when_the_change_rolls_back(make_user, django_capture_on_commit_callbacks):
    from django.db import transaction

    ann = make_user("ann")
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify(user_id=ann.pk, kind="friend_request", payload={})
                raise RuntimeError
        except RuntimeError:
            pass
    assert not Notification.objects.exists()


def test_a_transactions_notifications_are_inserted_together_in_the_order_they_were_queued(
    make_user, django_capture_on_commit_callbacks
):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    ann, ben = make_user("ann"), make_user("ben")
    with django_capture_on_commit_callbacks() as hooks, transaction.atomic():
        notify(user_id=ann.pk, kind="friend_request", payload={"n": 1})
        notify_many([(ben.pk, "level_up", {"n": 2}), (ann.pk, "level_up", {"n": 3})])
        notify(user_id=ben.pk, kind="friend_accepted", payload={"n": 4})
    assert len(hooks) == 1
    with CaptureQueriesContext(connection) as queries:
        hooks[0]()
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    rows = Notification.objects.order_by("id").values_list("user_id", "kind", "payload")
    assert list(rows) == [
        (ann.pk, "friend_request", {"n": 1}),
        (ben.pk, "level_up", {"n": 2}),
        (ann.pk, "level_up", {"n": 3}),
        (ben.pk, "friend_accepted", {"n": 4}),
    ]


def test_a_rolled_back_savepoint_drops_only_the_notifications_queued_under_it(make_user, django_capture_on_commit_callbacks):
    from django.db import transaction

    ann = make_user("ann")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify(user_id=ann.pk, kind="friend_request", payload={"n": 1})
        try:
            with transaction.atomic():
                notify(user_id=ann.pk, kind="friend_request", payload={"n": 2})
                raise RuntimeError
        except RuntimeError:
            pass
        with transaction.atomic():
            notify(user_id=ann.pk, kind="friend_request", payload={"n": 3})  # released: kept
        try:
            with transaction.atomic():
                notify(user_id=ann.pk, kind="friend_request", payload={"n": 4})
                with transaction.atomic():
                    notify(user_id=ann.pk, kind="friend_request", payload={"n": 5})  # released into 4's
                raise RuntimeError
        except RuntimeError:
            pass
        notify(user_id=ann.pk, kind="friend_request", payload={"n": 6})
    assert [p["n"] for p in Notification.objects.order_by("id").values_list("payload", flat=True)] == [1, 3, 6]


def test_the_reward_path_tells_of_achievements_first_levels_and_milestones(make_user, django_capture_on_commit_callbacks, settings):
    import time_machine

    ann = make_user("ann")
    Achievement.objects.create(code="first-task", title="First Step", trigger="tasks_completed", threshold=1)
    start = timezone.now().replace(hour=12)
    with django_capture_on_commit_callbacks(execute=True):
        for day in range(3):
            with time_machine.travel(start + timedelta(days=day), tick=False):
                complete_task(ann, xp=40, ref=f"task:{day}")
    rows = list(Notification.objects.filter(user=ann).order_by("created_at", "id").values_list("kind", "payload"))
    assert ("achievement_unlocked", {"code": "first-task", "title": "First Step"}) in rows
    assert ("streak_milestone", {"days": 3}) in rows
    assert ("level_up", {"level": 2}) in rows
    assert [k for k, _ in rows].count("achievement_unlocked") == 1


def test_a_level_regained_after_a_reversal_is_not_announced_again(make_user, django_capture_on_commit_callbacks):
    from apps.progression.services import progress_grant

    ann = make_user("ann")
    with django_capture_on_commit_callbacks(execute=True):
        fund(ann, xp=100)
        progress_grant(user=ann, xp=-10, reason="test")
        progress_grant(user=ann, xp=10, reason="test")
    assert list(Notification.objects.filter(user=ann).values_list("kind", "payload")) == [("level_up", {"level": 2})]


def test_the_daily_job_prunes_old_read_notifications_only(make_user, settings):
    settings.DREAMTRACK_NOTIFICATION_RETENTION_DAYS = 30
    ann = make_user("ann")
    now = timezone.now()
    old_read, recent_read, old_unread = make(ann, 3)
    Notification.objects.filter(pk=old_read.pk).update(read_at=now - timedelta(days=31))
    Notification.objects.filter(pk=recent_read.pk).update(read_at=now - timedelta(days=29))
    Notification.objects.filter(pk=old_unread.pk).update(created_at=now - timedelta(days=90))
    assert run_daily(now=now) == "1 read notifications pruned"
    assert set(Notification.objects.values_list("pk", flat=True)) == {recent_read.pk, old_unread.pk}


def test_export_lists_my_notifications(make_user):
    from conftest import exported

    ann = make_user("ann")
    make(ann, 2)
    assert [n["payload"] for n in exported(ann)["notifications"]] == [{"n": 0}, {"n": 1}]


def test_the_feed_needs_a_token(api_client):
    assert api_client.get(FEED).status_code == 401
    assert api_client.post(READ, {"all": True}, format="json").status_code == 401


def test_a_cached_feed_shows_new_read_and_pruned_notifications_at_once(make_user, django_capture_on_commit_callbacks):
    ann = make_user("ann")
    client = client_for(ann)
    assert client.get(FEED).json()["results"] == []  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        notify(user_id=ann.pk, kind="friend_request", payload={})
    (shown,) = client.get(FEED).json()["results"]
    assert shown["read_at"] is None
    assert client.post(READ, {"all": True}, format="json").status_code == 204
    (shown,) = client.get(FEED).json()["results"]
    assert shown["read_at"] is not None
    run_daily(now=timezone.now() + timedelta(days=365))
    assert client.get(FEED).json()["results"] == []
