"""GET roulette/, POST roulette/spin/, GET roulette/history/."""
from datetime import UTC, datetime

import pytest
import time_machine

from apps.inventory.models import InventoryItem
from apps.progression.tests.factories import assert_balances_match_ledger, balances
from apps.roulette.models import RouletteSpin
from apps.tasks.tests.helpers import stat
from apps.wallet.models import LedgerEntry
from conftest import client_for

from .factories import SegmentFactory, boost_item, land_on

pytestmark = pytest.mark.django_db

STATE, SPIN, HISTORY = "/api/v1/roulette/", "/api/v1/roulette/spin/", "/api/v1/roulette/history/"


@pytest.fixture
def wheel(db):
    return {
        "coins": SegmentFactory(label="25 coins", kind="coins", amount=25, weight=5),
        "xp": SegmentFactory(label="40 XP", kind="xp", amount=40, weight=3),
        "crystals": SegmentFactory(label="2 crystals", kind="crystals", amount=2, weight=1),
        "item": SegmentFactory(label="XP Boost", kind="item", amount=1, item=boost_item(), weight=1),
        "inactive": SegmentFactory(label="Jackpot", kind="coins", amount=10_000, weight=100, is_active=False),
    }


def test_state_publishes_the_odds_of_the_active_segments(auth_client, wheel):
    with time_machine.travel(datetime(2026, 3, 10, 9, 30, tzinfo=UTC), tick=False):
        body = auth_client.get(STATE).json()

    assert body["available"] is True
    assert body["next_spin_at"] == "2026-03-11T00:00:00Z"
    odds = {s["label"]: s["probability"] for s in body["segments"]}
    assert odds == {"25 coins": 0.5, "40 XP": 0.3, "2 crystals": 0.1, "XP Boost": 0.1}
    item = next(s for s in body["segments"] if s["kind"] == "item")
    assert item["amount"] == 1 and item["item"]["name"] == "Test XP Boost" and item["item"]["type"] == "boost"
    assert item["item"]["image"].startswith("http://testserver/")
    assert next(s for s in body["segments"] if s["kind"] == "coins")["item"] is None


@pytest.mark.parametrize("kind", ["coins", "xp", "crystals"])
def test_a_spin_pays_its_currency_through_the_ledger(auth_client, user, wheel, monkeypatch, kind):
    land_on(monkeypatch, wheel[kind])

    r = auth_client.post(SPIN)

    assert r.status_code == 200, r.content
    body = r.json()
    assert set(body) == {"segment", "rewards", "next_spin_at"}
    assert body["segment"]["id"] == wheel[kind].pk and body["segment"]["probability"] == {"coins": 0.5, "xp": 0.3, "crystals": 0.1}[kind]
    assert body["rewards"][kind] == wheel[kind].amount
    assert balances(user.pk)[kind] == wheel[kind].amount
    assert LedgerEntry.objects.get(user=user, currency=kind).reason == "roulette_spin"
    assert stat(user, "roulette_spins") == 1
    assert_balances_match_ledger(user.pk)
    assert auth_client.get(STATE).json()["available"] is False


def test_an_item_prize_goes_into_the_inventory(auth_client, user, wheel, monkeypatch):
    land_on(monkeypatch, wheel["item"])

    body = auth_client.post(SPIN).json()

    assert body["rewards"]["items"] == [{"item_id": wheel["item"].item_id, "name": "Test XP Boost", "quantity": 1}]
    assert InventoryItem.objects.get(user=user, item=wheel["item"].item).quantity == 1
    inventory = auth_client.get("/api/v1/inventory/").json()["results"]
    assert [row["item"]["name"] for row in inventory] == ["Test XP Boost"]


def test_a_second_spin_the_same_day_is_409_and_pays_nothing(auth_client, user, wheel, monkeypatch):
    land_on(monkeypatch, wheel["coins"])
    assert auth_client.post(SPIN).status_code == 200
    paid = balances(user.pk)

    r = auth_client.post(SPIN)

    assert r.status_code == 409 and r.json()["code"] == "already_spun"
    assert balances(user.pk) == paid
    assert RouletteSpin.objects.filter(user=user).count() == 1
    assert stat(user, "roulette_spins") == 1


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_one_spin_per_local_day_in_a_far_zone_with_a_day_starting_at_four(make_user, wheel, monkeypatch, zone):
    # Kiritimati is UTC+14, Pago Pago UTC-11; the day starts at 04:00 local time.
    user = make_user("faraway", timezone=zone, day_start_hour=4)
    land_on(monkeypatch, wheel["coins"])
    offset = 14 if zone == "Pacific/Kiritimati" else -11
    # 03:30 local on 11 March is still 10 March's local day.
    local_0330 = datetime(2026, 3, 11, 3, 30, tzinfo=UTC).timestamp() - offset * 3600

    with time_machine.travel(local_0330, tick=False):
        first = client_for(user).post(SPIN)
        assert first.status_code == 200, first.content
        # The next local day starts at 04:00 local on 11 March.
        start = datetime.fromtimestamp(datetime(2026, 3, 11, 4, tzinfo=UTC).timestamp() - offset * 3600, UTC)
        assert first.json()["next_spin_at"] == start.isoformat().replace("+00:00", "Z")
    with time_machine.travel(local_0330 + 29 * 60 - 1, tick=False):  # 03:59:59 local: still the same day
        client = client_for(user)  # tokens are minted on the frozen clock
        assert client.post(SPIN).json()["code"] == "already_spun"
        assert client.get(STATE).json()["available"] is False
    with time_machine.travel(local_0330 + 30 * 60, tick=False):  # 04:00 local: a new day
        client = client_for(user)
        assert client.get(STATE).json()["available"] is True
        assert client.post(SPIN).status_code == 200

    assert list(RouletteSpin.objects.filter(user=user).order_by("id").values_list("local_date", flat=True)) == [
        datetime(2026, 3, 10).date(),
        datetime(2026, 3, 11).date(),
    ]
    assert balances(user.pk)["coins"] == 50
    assert_balances_match_ledger(user.pk)


def test_a_spin_replays_with_the_same_idempotency_key(auth_client, user, wheel, monkeypatch):
    land_on(monkeypatch, wheel["xp"])

    first = auth_client.post(SPIN, HTTP_IDEMPOTENCY_KEY="spin-today")
    again = auth_client.post(SPIN, HTTP_IDEMPOTENCY_KEY="spin-today")

    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert balances(user.pk)["xp"] == 40
    # Another key that day is a real second spin: refused.
    assert auth_client.post(SPIN, HTTP_IDEMPOTENCY_KEY="spin-again").json()["code"] == "already_spun"


def test_changing_the_odds_never_changes_a_past_spin(auth_client, user, wheel, monkeypatch):
    land_on(monkeypatch, wheel["coins"])
    assert auth_client.post(SPIN).status_code == 200
    before = auth_client.get(HISTORY).json()["results"]

    segment = wheel["coins"]
    segment.label, segment.amount, segment.weight = "1 coin", 1, 90
    segment.save()
    wheel["xp"].delete()

    after = auth_client.get(HISTORY).json()["results"]
    assert after == before
    assert (after[0]["label"], after[0]["amount"], after[0]["probability"]) == ("25 coins", 25, 0.5)


def test_history_is_a_cursor_feed_of_my_spins_newest_first(make_user, wheel, monkeypatch):
    user, other = make_user("spinner"), make_user("someone")
    land_on(monkeypatch, wheel["item"])
    for day in range(1, 24):
        with time_machine.travel(datetime(2026, 4, day, 12, tzinfo=UTC), tick=False):
            assert client_for(user).post(SPIN).status_code == 200
    with time_machine.travel(datetime(2026, 4, 1, 12, tzinfo=UTC), tick=False):
        assert client_for(other).post(SPIN).status_code == 200
    client = client_for(user)

    page = client.get(HISTORY).json()
    assert set(page) == {"next", "previous", "results"} and len(page["results"]) == 20
    assert page["results"][0]["date"] == "2026-04-23"
    assert page["results"][0]["item"] == {"id": wheel["item"].item_id, "name": "Test XP Boost"}
    rest = client.get(page["next"]).json()["results"]
    assert [r["date"] for r in rest] == ["2026-04-03", "2026-04-02", "2026-04-01"]


def test_without_active_segments_the_spin_is_503_and_writes_nothing(auth_client, user, wheel):
    for segment in wheel.values():
        segment.is_active = False
        segment.save()

    state = auth_client.get(STATE).json()
    assert (state["available"], state["segments"]) == (False, [])
    r = auth_client.post(SPIN)
    assert r.status_code == 503 and r.json()["code"] == "roulette_unavailable"
    assert RouletteSpin.objects.count() == 0


def test_state_and_spin_need_authentication(api_client, wheel):
    assert api_client.get(STATE).status_code == 401
    assert api_client.post(SPIN).status_code == 401


@pytest.mark.parametrize("segments, past_days", [(3, 2), (60, 300)])
def test_state_and_spin_query_counts_stay_flat(make_user, segments, past_days, django_assert_max_num_queries):
    import datetime as dt

    from apps.roulette.models import RouletteSpin

    for n in range(segments):
        SegmentFactory(label=f"s{n}", kind=("coins", "xp", "crystals")[n % 3], amount=1 + n % 5, weight=1 + n % 7)
    user = make_user("counter")
    RouletteSpin.objects.bulk_create(
        RouletteSpin(user=user, local_date=dt.date(2020, 1, 1) + dt.timedelta(days=d), label="old", kind="coins",
                     amount=1, weight=1, total_weight=2, created_at=datetime(2020, 1, 1, tzinfo=UTC))
        for d in range(past_days)
    )
    client = client_for(user)
    client.get("/api/v1/me/")  # the auth snapshot cached, as after a client's first request
    with django_assert_max_num_queries(2):  # the segments, today's spin
        assert len(client.get(STATE).json()["segments"]) == segments
    with django_assert_max_num_queries(12):
        assert client.post(SPIN).status_code == 200
    with django_assert_max_num_queries(1):
        assert len(client.get(HISTORY).json()["results"]) == min(20, past_days + 1)
