"""Concurrency on PostgreSQL and Redis (the ticket's one use is Redis's GETDEL there)."""
import pytest

from apps.core.testing import is_postgres, run_concurrently
from apps.events.services import ticket_create, ticket_redeem

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL (and REDIS_URL, as CI sets both)"),
]


def test_one_ticket_redeemed_ten_times_at_once_gives_its_user_once(user):
    ticket = ticket_create(user_id=user.pk)

    results = run_concurrently(*[lambda: ticket_redeem(ticket=ticket) for _ in range(10)])

    assert sorted(results, key=lambda r: r is None) == [user.pk] + [None] * 9
