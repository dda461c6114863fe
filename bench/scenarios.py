"""What `make bench` measures: one Scenario per endpoint.

To add an endpoint, append a Scenario to SCENARIOS. Strings in `path`,
`headers` and `body` may use placeholders filled per bench user:

    {username} {password} {user_id} {access}   always available
    {anything}                                 returned by the scenario's setup()

A value that is exactly one placeholder ("{task_id}") keeps the type setup()
returned (an int stays an int in the JSON body).

`setup(user)` runs inside Django (bench/setup_data.py), once per bench user the
scenario uses, before the server starts. It must be idempotent (get_or_create):
the bench database is kept between runs. Import Django code inside the function,
because bench/run.py imports this module without Django.

`per_user=True` sends one request per bench user in rotation (different tokens,
different rows); otherwise every request is the first user's.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

BENCH_PASSWORD = "bench-password-123"
BENCH_USERS = [f"bench{i}" for i in range(1, 9)]


@dataclass(frozen=True)
class Scenario:
    name: str  # for --only
    method: str
    path: str
    auth: bool = False  # adds "Authorization: Bearer {access}"
    headers: dict = field(default_factory=dict)
    body: Any = None  # dict/list is sent as JSON, str as is
    per_user: bool = False
    setup: Callable[[Any], dict] | None = None
    # A Lua file in bench/ that replaces bench/rotate.lua (it gets the same
    # `requests` table); for scenarios that must react to responses.
    lua: str | None = None
    # Each request uses up what it targets (setup returns {"each": [...]}, one
    # element per request): warm-up and measured run get disjoint requests.
    consumable: bool = False

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


JSON = {"Content-Type": "application/json"}

SCENARIOS = [
    # The baseline every other figure is divided by: no database, no cache,
    # no authentication, just the WSGI stack. Always runs first.
    Scenario(name="healthz", method="GET", path="/healthz"),
    # JWT authentication + the profile read path.
    Scenario(name="me", method="GET", path="/api/v1/me/", auth=True, per_user=True),
    # Login: dominated by the password hasher (Argon2), on purpose.
    Scenario(
        name="token",
        method="POST",
        path="/api/v1/auth/token/",
        headers=JSON,
        body={"username": "{username}", "password": "{password}"},
    ),
]

BASELINE = "healthz"


# --- setups (run inside Django by bench/setup_data.py; idempotent) -------------

def _open_tasks(user, supply: int = 1000) -> dict:
    """A supply of open tasks to complete: one request each."""
    from apps.tasks.models import DIFFICULTY_RANK, Task

    ids = list(
        Task.objects.filter(user=user, status="open", title__startswith="bench-complete")
        .order_by("id").values_list("id", flat=True)[:supply]
    )
    if len(ids) < supply:
        Task.objects.bulk_create(
            Task(user=user, title=f"bench-complete {i}", difficulty="medium", difficulty_rank=DIFFICULTY_RANK["medium"])
            for i in range(supply - len(ids))
        )
        ids = list(
            Task.objects.filter(user=user, status="open", title__startswith="bench-complete")
            .order_by("id").values_list("id", flat=True)[:supply]
        )
    return {"each": [{"task_id": task_id} for task_id in ids]}


def _user_with_1000_tasks(user) -> dict:
    """A dedicated user with exactly 1,000 tasks (the bench users' own tasks grow run by run)."""
    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt.tokens import RefreshToken

    from apps.tasks.models import DIFFICULTY_RANK, Task

    lister, _ = get_user_model().objects.get_or_create(username="benchlist", defaults={"email": "benchlist@bench.invalid"})
    have = Task.objects.filter(user=lister).count()
    levels = list(DIFFICULTY_RANK)
    Task.objects.bulk_create(
        Task(user=lister, title=f"list task {i}", description="bench", difficulty=levels[i % 4],
             difficulty_rank=i % 4)
        for i in range(have, 1000)
    )
    return {"access": str(RefreshToken.for_user(lister).access_token)}


def _catalog_of_1000(user) -> dict:
    from apps.shop.models import Item

    have = Item.objects.filter(name__startswith="Bench avatar").count()
    Item.objects.bulk_create(
        Item(name=f"Bench avatar {i}", type="avatar", rarity=["common", "rare", "epic", "legendary"][i % 4],
             price_coins=10 + i)
        for i in range(have, 1000)
    )
    return {}


def _rich_buyer(user) -> dict:
    """Plenty of coins, and the id of a stackable coin-priced item (the seed's boost)."""
    from apps.progression.services import progress_grant
    from apps.shop.models import Item
    from apps.wallet.models import Wallet

    if not Wallet.objects.filter(user=user, coins__gte=10**8).exists():
        progress_grant(user=user, coins=10**9, reason="bench")
    item = Item.objects.filter(type="boost", price_coins__isnull=False, is_active=True, min_level__lte=1).order_by("id").first()
    return {"item_id": item.pk}


def _some_inventory(user) -> dict:
    from apps.inventory.models import InventoryItem
    from apps.inventory.services import inventory_grant
    from apps.shop.models import Item

    if not InventoryItem.objects.filter(user=user).exists():
        for item in Item.objects.filter(is_active=True, type__in=["avatar", "icon", "background", "boost"])[:8]:
            inventory_grant(user_id=user.pk, item_id=item.pk, quantity=1, reason="bench")
    return {}


SCENARIOS += [
    # The core loop: each request completes a distinct open task (several users).
    Scenario(name="complete", method="POST", path="/api/v1/tasks/{task_id}/complete/", auth=True,
             per_user=True, setup=_open_tasks, consumable=True),
    Scenario(name="tasks", method="GET", path="/api/v1/tasks/", auth=True, setup=_user_with_1000_tasks),
    Scenario(name="dashboard", method="GET", path="/api/v1/dashboard/", auth=True, per_user=True),
    Scenario(name="achievements", method="GET", path="/api/v1/achievements/", auth=True, per_user=True),
    # Economy.
    Scenario(name="shop", method="GET", path="/api/v1/shop/items/?type=avatar&search=bench", auth=True,
             per_user=True, setup=_catalog_of_1000),
    Scenario(name="inventory", method="GET", path="/api/v1/inventory/", auth=True, per_user=True,
             setup=_some_inventory),
    Scenario(name="purchase", method="POST", path="/api/v1/shop/items/{item_id}/purchase/", auth=True,
             per_user=True, headers=JSON, body={"currency": "coins", "quantity": 1}, setup=_rich_buyer),
]


# --- roulette, dreams, AI (issue 18) ---------------------------------------------

SPINNERS_PER_BENCH_USER = 1000


def _fresh_spinners(user) -> dict:
    """Players who have not spun today (UTC, their local day), with access tokens: one spin
    each, so every measured request pays a prize. Each bench user gets its own range of
    spinners (`benchspin<n>-<i>`); those who spun today are skipped and new ones are made."""
    import datetime

    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt.tokens import AccessToken

    from apps.roulette.models import RouletteSpin
    from apps.streaks.models import Streak
    from apps.wallet.models import Wallet

    User = get_user_model()
    prefix = f"benchspin{user.username.removeprefix('bench')}-"
    today = datetime.datetime.now(datetime.UTC).date()
    spun = RouletteSpin.objects.filter(local_date=today, user__username__startswith=prefix).values("user_id")
    fresh = list(User.objects.filter(username__startswith=prefix).exclude(pk__in=spun).order_by("id")[:SPINNERS_PER_BENCH_USER])
    missing = SPINNERS_PER_BENCH_USER - len(fresh)
    if missing > 0:
        first = User.objects.filter(username__startswith=prefix).count()
        new = User.objects.bulk_create(
            # An unusable password: no hashing, and these players never log in.
            User(username=f"{prefix}{first + i}", email=f"{prefix}{first + i}@bench.invalid", password="!")
            for i in range(missing)
        )
        Wallet.objects.bulk_create(Wallet(user=u) for u in new)
        Streak.objects.bulk_create(Streak(user=u) for u in new)
        fresh += new
    return {"each": [{"access": str(AccessToken.for_user(u))} for u in fresh]}


def _dreamer_with_20_dreams(user) -> dict:
    """A dedicated user with 20 dreams of 20 steps each, half of the steps completed."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import AccessToken

    from apps.dreams.models import Dream
    from apps.tasks.models import DIFFICULTY_RANK, Task

    dreamer, _ = get_user_model().objects.get_or_create(username="benchdreams", defaults={"email": "benchdreams@bench.invalid"})
    for n in range(Dream.objects.filter(user=dreamer).count(), 20):
        dream = Dream.objects.create(user=dreamer, title=f"bench dream {n}", description="bench")
        Task.objects.bulk_create(
            Task(user=dreamer, dream=dream, title=f"step {i}", difficulty="easy", difficulty_rank=DIFFICULTY_RANK["easy"],
                 status="completed" if i % 2 else "open", completed_at=timezone.now() if i % 2 else None)
            for i in range(20)
        )
    return {"access": str(AccessToken.for_user(dreamer))}


def _a_dream(user) -> dict:
    from apps.dreams.models import Dream

    dream, _ = Dream.objects.get_or_create(user=user, title="bench dream for the AI")
    return {"dream_id": dream.pk}


SCENARIOS += [
    # Target: its ratio >= 0.9 x complete's in the same run. One spin per player and local
    # day, so each request is a different player's first spin of the day.
    Scenario(name="spin", method="POST", path="/api/v1/roulette/spin/", auth=True, per_user=True,
             setup=_fresh_spinners, consumable=True),
    # Target: ratio >= 0.40 (20 dreams of 20 steps, progress counted in the page's query).
    Scenario(name="dreams", method="GET", path="/api/v1/dreams/", auth=True, setup=_dreamer_with_20_dreams),
    # Target: ratio >= 0.20 for the 202: the request creates and queues the job; no worker runs
    # during the bench (bench/run.py sets a dummy OPENROUTER_API_KEY and an unreachable base URL).
    Scenario(name="generate_steps", method="POST", path="/api/v1/dreams/{dream_id}/generate-steps/", auth=True,
             per_user=True, headers=JSON, body={"count": 5, "notes": "bench"}, setup=_a_dream),
]


# --- habits ------------------------------------------------------------------------

def _habits_to_check_in(user, supply: int = 1000) -> dict:
    """A supply of build habits (target 1) not checked in on the user's local today: one check-in each."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.core.localday import local_date
    from apps.habits.models import Habit

    today = local_date(user)

    def open_ids():
        return list(
            Habit.objects.filter(user=user, kind="build", archived=False, title__startswith="bench-check-in")
            .exclude(check_ins__date=today)
            .order_by("id").values_list("id", flat=True)[:supply]
        )

    ids = open_ids()
    if len(ids) < supply:
        now = timezone.now()
        Habit.objects.bulk_create(
            Habit(user=user, title=f"bench-check-in {i}", kind="build", difficulty="medium", start_date=today,
                  settled_through=today - timedelta(days=1), created_at=now)
            for i in range(supply - len(ids))
        )
        ids = open_ids()
    return {"each": [{"habit_id": habit_id} for habit_id in ids]}


def _user_with_50_habits(user) -> dict:
    """A dedicated user with 50 habits (40 to build on four kinds of schedule, 10 to quit), each
    with a year of history ending yesterday; the quit days settled. Created once."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import RefreshToken

    from apps.core.localday import local_date
    from apps.habits.models import Habit, HabitCheckIn, QuitLog
    from apps.habits.settlement import next_settle_at

    lister, _ = get_user_model().objects.get_or_create(username="benchhabits", defaults={"email": "benchhabits@bench.invalid"})
    if not Habit.objects.filter(user=lister).exists():
        now = timezone.now()
        today = local_date(lister, now)
        start = today - timedelta(days=365)
        schedules = [
            {"schedule_type": "daily"},
            {"schedule_type": "weekdays", "schedule_days": [0, 1, 2, 3, 4]},
            {"schedule_type": "times_per_week", "schedule_times": 3},
            {"schedule_type": "every_n_days", "schedule_every": 2},
        ]
        habits = Habit.objects.bulk_create(
            [Habit(user=lister, title=f"bench habit {i}", kind="build", start_date=start, settled_through=start,
                   created_at=now, total_check_ins=300, **schedules[i % 4]) for i in range(40)]
            + [Habit(user=lister, title=f"bench quit {i}", kind="quit", start_date=start, baseline_per_day=10,
                     cost_per_unit="0.50", settled_through=today - timedelta(days=1),
                     next_settle_at=next_settle_at(lister, today - timedelta(days=1)), created_at=now) for i in range(10)]
        )
        days = [start + timedelta(days=n) for n in range(365)]
        for habit in habits:
            if habit.kind == "build":
                HabitCheckIn.objects.bulk_create(
                    HabitCheckIn(habit=habit, date=day, seq=1, made_on=day, reward_xp=10, reward_coins=3, created_at=now)
                    for n, day in enumerate(days) if n % 6
                )
            else:
                QuitLog.objects.bulk_create(
                    QuitLog(habit=habit, date=day, occurred_at=now - timedelta(days=365 - n), count=n % 4, created_at=now)
                    for n, day in enumerate(days)
                )
    return {"access": str(RefreshToken.for_user(lister).access_token)}


def _user_with_50_habits_uncached(user) -> dict:
    """The same user; every request asks a URL of its own (`_` is a cache-buster the list ignores),
    so each one misses the response cache and builds the list with its metrics."""
    return {**_user_with_50_habits(user), "each": [{"n": n} for n in range(20000)]}


SCENARIOS += [
    # Judged against `complete` in the same run: each request checks in a distinct habit.
    Scenario(name="habit_check_in", method="POST", path="/api/v1/habits/{habit_id}/check-in/", auth=True,
             per_user=True, setup=_habits_to_check_in, consumable=True),
    # 50 habits with a year of history, metrics included: served from the response cache...
    Scenario(name="habits", method="GET", path="/api/v1/habits/?page_size=50", auth=True, setup=_user_with_50_habits),
    # ...and built every time (reported next to it).
    Scenario(name="habits_uncached", method="GET", path="/api/v1/habits/?page_size=50&_={n}", auth=True,
             setup=_user_with_50_habits_uncached, consumable=True),
]


# --- leaderboards (issue 17) -----------------------------------------------------------

LEADERBOARD_PLAYERS = 100_000


def _leaderboard_of_100k(user) -> dict:
    """100,000 players (`benchlb-<i>`, created once) with XP on this UTC week's board, this
    bench user among them far down; the Redis boards rebuilt from the rows (as the
    `leaderboard_rebuild` command would), so the measured run reads a built board."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from apps.stats.boards import board_for, board_rebuild, board_touch, redis_client
    from apps.stats.models import DailyActivity

    User = get_user_model()
    today = datetime.datetime.now(datetime.UTC).date()
    week = board_for("week", today)
    have = User.objects.filter(username__startswith="benchlb-").count()
    User.objects.bulk_create(
        (User(username=f"benchlb-{i}", email=f"benchlb-{i}@bench.invalid", password="!")
         for i in range(have, LEADERBOARD_PLAYERS)),
        batch_size=5000,
    )
    # Without fresh statistics the planner takes the users table for tiny and checks each
    # new row's foreign key by a sequential scan: minutes for 100,000 rows.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {User._meta.db_table}")
    rows = DailyActivity.objects.filter(date=today, user__username__startswith="benchlb-")
    stale = rows.count() < LEADERBOARD_PLAYERS
    if stale:
        now = timezone.now()
        ids = User.objects.filter(username__startswith="benchlb-").values_list("id", flat=True)
        DailyActivity.objects.bulk_create(
            (DailyActivity(user_id=uid, date=today, xp_earned=10 + uid % 5000,
                           xp_changed_at=now - datetime.timedelta(seconds=uid % 3600)) for uid in ids.iterator()),
            batch_size=5000, ignore_conflicts=True,
        )
    DailyActivity.objects.get_or_create(user=user, date=today, defaults={"xp_earned": 1000, "xp_changed_at": timezone.now()})
    client = redis_client()
    if client is not None and (stale or not client.exists(week.index_key)):
        board_rebuild(week, client=client)  # once: the rows went in behind the reward path's back
    elif client is not None:
        board_touch(user_id=user.pk, days=[today])  # no transaction: marked now, settled by the warm-up
    return {}


SCENARIOS += [
    # Target: ratio >= 0.35 with 100,000 players on the board, the caller's rank exact.
    Scenario(name="leaderboard", method="GET", path="/api/v1/leaderboard/?scope=global&period=week", auth=True,
             per_user=True, setup=_leaderboard_of_100k),
]


# --- trades (issue 17) ------------------------------------------------------------

TRADES_PER_BENCH_USER = 2000


def _trade_items() -> tuple:
    """Two stackable items that only trades move (inactive: not in the shop)."""
    from decimal import Decimal

    from apps.shop.models import Item

    def item(name):
        found, _ = Item.objects.get_or_create(
            name=name,
            defaults={"type": "boost", "boost_type": "xp", "multiplier": Decimal("1.5"), "duration_minutes": 30,
                      "is_active": False},
        )
        return found

    return item("Bench trade boost A"), item("Bench trade boost B")


def _pending_trades_to_accept(user) -> dict:
    """Pending trades to the bench user from a friend of its own (`benchtrader<n>`), each with
    items and coins both ways: the friend offers 1 A and 5 coins for 1 B and 2 coins. Topped up
    in bulk with their escrow booked as trade_create books it (coins out of the wallet through
    the ledger, items locked), so accepting one is the real swap."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from apps.friends.models import Friendship
    from apps.inventory.models import InventoryItem
    from apps.inventory.services import inventory_grant
    from apps.progression.services import ProgressEvent, UserProgressService, progress_grant
    from apps.streaks.models import Streak
    from apps.trades.models import Trade, TradeItem
    from apps.wallet.models import Wallet

    User = get_user_model()
    name = f"benchtrader{user.username.removeprefix('bench')}"
    trader = User.objects.filter(username=name).first()
    if trader is None:
        trader = User.objects.create(username=name, email=f"{name}@bench.invalid", password="!")
        Wallet.objects.get_or_create(user=trader)
        Streak.objects.get_or_create(user=trader)
    for a, b in ((trader, user), (user, trader)):
        Friendship.objects.get_or_create(user=a, friend=b)
    now = timezone.now()
    pending = Trade.objects.filter(requester=trader, recipient=user, status="pending", expires_at__gt=now + timedelta(hours=1))
    needed = TRADES_PER_BENCH_USER - pending.count()
    if needed > 0:
        offered_item, requested_item = _trade_items()
        progress_grant(user=trader, coins=5 * needed, reason="bench")
        progress_grant(user=user, coins=2 * needed, reason="bench")
        with transaction.atomic():
            give = inventory_grant(user_id=trader.pk, item_id=offered_item.pk, quantity=needed, reason="bench")
            take = inventory_grant(user_id=user.pk, item_id=requested_item.pk, quantity=needed, reason="bench")
            InventoryItem.objects.filter(pk=give.pk).update(locked_quantity=F("locked_quantity") + needed)
            UserProgressService(trader).apply(
                ProgressEvent(reason="trade_escrow", ref="bench", coins=-5 * needed, transfer=True)
            )
            trades = Trade.objects.bulk_create(
                Trade(requester=trader, recipient=user, offered_coins=5, requested_coins=2, escrow_coins=5,
                      created_at=now, expires_at=now + timedelta(hours=72))
                for _ in range(needed)
            )
            TradeItem.objects.bulk_create(
                line
                for trade in trades
                for line in (
                    TradeItem(trade=trade, side="offered", inventory_item=give, item=offered_item, quantity=1),
                    TradeItem(trade=trade, side="requested", inventory_item=take, item=requested_item, quantity=1),
                )
            )
    ids = list(pending.order_by("id").values_list("id", flat=True)[:TRADES_PER_BENCH_USER])
    return {"each": [{"trade_id": trade_id} for trade_id in ids]}


SCENARIOS += [
    # Judged against `complete` in the same run (target: its ratio >= 0.6 x complete's): each
    # request accepts a distinct pending trade, two wallets and items both ways.
    Scenario(name="trade_accept", method="POST", path="/api/v1/trades/{trade_id}/accept/", auth=True,
             per_user=True, setup=_pending_trades_to_accept, consumable=True),
]


# --- notifications (issue 17) -----------------------------------------------------------


def _notifications_of_each_user(user) -> dict:
    """500 notifications per bench user (a month of activity), a third of them read."""
    from django.utils import timezone

    from apps.notifications.models import Notification

    have = Notification.objects.filter(user=user).count()
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(user=user, kind="achievement_unlocked", payload={"code": f"bench-{n}", "title": "Bench"},
                     read_at=now if n % 3 == 0 else None)
        for n in range(have, 500)
    )
    return {}


SCENARIOS += [
    # Target: ratio >= 0.40 (the first cursor page of 500 notifications).
    Scenario(name="notifications", method="GET", path="/api/v1/notifications/", auth=True, per_user=True,
             setup=_notifications_of_each_user),
]
