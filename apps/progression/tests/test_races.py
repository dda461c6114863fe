"""Real row locks: these run on PostgreSQL only (SQLite ignores select_for_update)."""
import pytest

from apps.achievements.models import Achievement, UserAchievement
from apps.core.errors import InsufficientFunds
from apps.core.testing import is_postgres, run_concurrently
from apps.progression.services import progress_grant
from apps.wallet.models import LedgerEntry

from .factories import assert_balances_match_ledger, balances, complete_task

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL row locks"),
]


def test_concurrent_debits_never_overdraw(make_user):
    user = make_user()
    progress_grant(user=user, coins=100, reason="gift")

    results = run_concurrently(*[lambda: progress_grant(user=user, coins=-10, reason="spend")] * 20)

    failures = [r for r in results if isinstance(r, BaseException)]
    assert len(results) - len(failures) == 10
    assert len(failures) == 10 and all(isinstance(f, InsufficientFunds) for f in failures), failures
    assert balances(user.pk)["coins"] == 0
    assert LedgerEntry.objects.filter(user=user, amount=-10).count() == 10
    assert_balances_match_ledger(user.pk)


def test_concurrent_events_unlock_an_achievement_and_pay_it_once(make_user):
    user = make_user()
    Achievement.objects.create(code="race-5", title="Five", trigger="tasks_completed", threshold=5, reward_coins=500)
    for _ in range(3):
        complete_task(user)

    results = run_concurrently(*[lambda: complete_task(user)] * 6)

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(len(r.achievements) for r in results) == 1
    assert UserAchievement.objects.filter(user=user, achievement__code="race-5").count() == 1
    assert LedgerEntry.objects.filter(user=user, reason="achievement").count() == 1
    assert_balances_match_ledger(user.pk)


def test_concurrent_level_ups_pay_each_level_once(make_user):
    user = make_user()
    results = run_concurrently(*[lambda: progress_grant(user=user, xp=100, reason="gift")] * 8)
    assert not [r for r in results if isinstance(r, BaseException)], results
    # 800 XP = level 5: levels 2..5 paid once each, whatever the interleaving.
    assert sorted(LedgerEntry.objects.filter(user=user, reason="level_up").values_list("ref", flat=True)) == [
        "level:2", "level:3", "level:4", "level:5"
    ]
    assert_balances_match_ledger(user.pk)
