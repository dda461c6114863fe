"""Admin: habits are editable in their own words only; check-ins, logs and settled days are read-only."""
from datetime import date

import pytest
from django.contrib.auth import get_user_model

from apps.habits import jobs
from apps.habits.models import Habit, HabitCheckIn, QuitDaySettlement, QuitLog

from .factories import at, check_in, log, make_habit

pytestmark = pytest.mark.django_db

D0 = date(2024, 6, 3)


@pytest.fixture
def boss_client(client, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    walk = make_habit(alice, title="Morning walk", now=at(D0, 8))
    check_in(alice, walk, now=at(D0, 9))
    smoke = make_habit(bob, kind="quit", title="No smoking", baseline_per_day=10, now=at(D0, 8))
    log(bob, smoke, 0, now=at(D0, 9))
    jobs.run_daily(now=at(date(2024, 6, 4), 1))
    boss = get_user_model().objects.create_superuser("boss", "boss@example.com", "b0ss-Passw0rd!")
    client.force_login(boss)
    return client


def test_changelists_search_and_filter(boss_client):
    for url, query, present, absent in [
        ("/admin/habits/habit/", "?q=walk", "Morning walk", "No smoking"),
        ("/admin/habits/habit/", "?kind__exact=quit", "No smoking", "Morning walk"),
        ("/admin/habits/habit/", "?q=bob", "No smoking", "Morning walk"),
        ("/admin/habits/habitcheckin/", "?q=alice", "Morning walk", "No smoking"),
        ("/admin/habits/quitlog/", "?q=bob", "No smoking", "Morning walk"),
        ("/admin/habits/quitdaysettlement/", "?clean__exact=1", "No smoking", "Morning walk"),
    ]:
        response = boss_client.get(url + query)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert present in html and absent not in html, (url, query)


@pytest.mark.parametrize(("model", "path"), [
    (HabitCheckIn, "habitcheckin"), (QuitLog, "quitlog"), (QuitDaySettlement, "quitdaysettlement"),
])
def test_records_that_carry_value_are_read_only(boss_client, model, path):
    row = model.objects.first()
    assert boss_client.get(f"/admin/habits/{path}/add/").status_code == 403
    page = boss_client.get(f"/admin/habits/{path}/{row.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert boss_client.post(f"/admin/habits/{path}/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


def test_an_admin_may_rename_or_archive_a_habit_but_not_touch_its_record(boss_client):
    habit = Habit.objects.get(title="Morning walk")
    assert boss_client.get("/admin/habits/habit/add/").status_code == 403
    response = boss_client.post(
        f"/admin/habits/habit/{habit.pk}/change/",
        {"title": "Evening walk", "description": "", "difficulty": "easy", "unit": "", "archived": "on",
         "total_check_ins": 99, "streak_longest": 99},
    )
    assert response.status_code == 302, response.content[:2000]
    habit.refresh_from_db()
    assert (habit.title, habit.archived, habit.total_check_ins, habit.streak_longest) == ("Evening walk", True, 1, 1)
