"""multiplier_reads/multipliers_from (read inside the progress engine's activity upsert) == active_multipliers."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from apps.boosts.models import ActiveBoost
from apps.boosts.selectors import active_multipliers, multiplier_reads, multipliers_from

pytestmark = pytest.mark.django_db


def _read(user_id, now):
    reads = multiplier_reads(user_id=user_id, now=now)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"({sql})" for sql, _ in reads), [p for _, params in reads for p in params])
        return multipliers_from(cursor.fetchone())


def test_same_answer_as_active_multipliers(make_user):
    user, other = make_user(), make_user()
    now = timezone.now()
    hour = dt.timedelta(hours=1)
    assert _read(user.pk, now) == active_multipliers(user_id=user.pk, now=now) == {"xp": 1, "coins": 1}
    rows = [
        ("xp", "1.50", now - hour, now + hour),
        ("xp", "2.25", now - hour, now + hour),
        ("xp", "3.00", now - 2 * hour, now - hour),  # expired
        ("coins", "2.00", now + hour, now + 2 * hour),  # not started
        ("coins", "1.25", now - hour, now + dt.timedelta(seconds=1)),
    ]
    for boost_type, multiplier, started, expires in rows:
        ActiveBoost.objects.create(user=user, type=boost_type, multiplier=Decimal(multiplier), started_at=started, expires_at=expires)
    ActiveBoost.objects.create(user=other, type="coins", multiplier=Decimal("3.00"), started_at=now - hour, expires_at=now + hour)
    fast, orm = _read(user.pk, now), active_multipliers(user_id=user.pk, now=now)
    assert fast == orm == {"xp": Decimal("2.25"), "coins": Decimal("1.25")}
    assert {k: str(v) for k, v in fast.items()} == {k: str(v) for k, v in orm.items()}
    later = now + dt.timedelta(seconds=1)  # the coins boost expires exactly then
    assert _read(user.pk, later) == active_multipliers(user_id=user.pk, now=later) == {"xp": Decimal("2.25"), "coins": 1}
