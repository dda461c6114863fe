from decimal import Decimal

from django.utils import timezone

from .models import ActiveBoost

ONE = Decimal("1")


def active_boosts_for_user(*, user_id: int, now=None):
    """Boosts that apply at `now`: expiry is by time alone, no job needed."""
    now = now or timezone.now()
    return ActiveBoost.objects.filter(user_id=user_id, expires_at__gt=now, started_at__lte=now).order_by("expires_at")


def active_multipliers(*, user_id: int, now=None) -> dict[str, Decimal]:
    """{"xp": m, "coins": m}: 1 where no boost of that type is active."""
    from apps.core.fastsql import fetch_all

    now = now or timezone.now()
    multipliers = {"xp": ONE, "coins": ONE}
    # active_boosts_for_user's rows, without compiling the query (a hot path: every completion)
    for boost in fetch_all(ActiveBoost, user_id=user_id, expires_at__gt=now, started_at__lte=now):
        multipliers[boost.type] = max(multipliers.get(boost.type, ONE), boost.multiplier)
    return multipliers


def multiplier_reads(*, user_id: int, now) -> tuple[tuple[str, list], ...]:
    """Scalar subqueries (sql, params) giving the highest active xp and coins multipliers
    (NULL when none), for a caller that evaluates them inside a statement it runs anyway
    (the progress service's read-ahead, apps.core.fastsql.fetch_reads). `multipliers_from` reads them."""
    from apps.core.fastsql import db, sql_once

    sql = sql_once(
        "boost-multiplier",
        lambda q: (
            f"SELECT MAX({q('multiplier')}) FROM {q(ActiveBoost._meta.db_table)} "
            f"WHERE {q('user_id')} = %s AND {q('type')} = %s AND {q('expires_at')} > %s AND {q('started_at')} <= %s"
        ),
    )
    at = db().ops.adapt_datetimefield_value(now)
    return tuple((sql, [user_id, boost_type, at, at]) for boost_type in ("xp", "coins"))


def multipliers_from(values) -> dict[str, Decimal]:
    """`active_multipliers`' answer from the values of `multiplier_reads`."""
    field = ActiveBoost._meta.get_field("multiplier")
    out = {}
    for boost_type, value in zip(("xp", "coins"), values, strict=True):
        if value is None:
            out[boost_type] = ONE
            continue
        if not isinstance(value, Decimal):  # SQLite: a float, as the ORM's converter quantizes it
            value = field.context.create_decimal_from_float(float(value)).quantize(Decimal(1).scaleb(-field.decimal_places))
        out[boost_type] = max(ONE, value)
    return out
