"""apps/habits/sql.py: one UPDATE writes each habit's own settled state and nothing else."""
from datetime import date
from decimal import Decimal

import pytest

from apps.habits.models import Habit
from apps.habits.sql import habits_settled_update

from .factories import at, make_habit

pytestmark = pytest.mark.django_db


def test_each_habit_gets_its_own_values_and_the_others_stay(make_user):
    user = make_user("sql")
    first, second, untouched = (make_habit(user, kind="quit", now=at(date(2024, 6, 3))) for _ in range(3))
    first.settled_through, first.clean_streak, first.longest_clean_streak = date(2024, 6, 9), 3, 5
    first.money_saved, first.updated_at = Decimal("12.50"), at(date(2024, 6, 10), 1)
    second.settled_through, second.clean_streak, second.longest_clean_streak = date(2024, 6, 8), 0, 2
    second.money_saved, second.updated_at = Decimal("0.45"), at(date(2024, 6, 10), 2)
    first.title = "not written"

    assert habits_settled_update([first, second]) == 2

    rows = {h.pk: h for h in Habit.objects.all()}
    assert (rows[first.pk].settled_through, rows[first.pk].clean_streak, rows[first.pk].longest_clean_streak) == (
        date(2024, 6, 9), 3, 5,
    )
    assert (rows[first.pk].money_saved, rows[first.pk].updated_at) == (Decimal("12.50"), at(date(2024, 6, 10), 1))
    assert rows[first.pk].title == "A quit habit"
    assert (rows[second.pk].settled_through, rows[second.pk].money_saved) == (date(2024, 6, 8), Decimal("0.45"))
    assert (rows[untouched.pk].settled_through, rows[untouched.pk].clean_streak) == (date(2024, 6, 2), 0)
    assert habits_settled_update([]) == 0
