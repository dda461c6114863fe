"""Leaderboards: the XP each player earned in a period, ranked, from the daily rows.

The `DailyActivity` rows (one per player and local day, written by the reward path)
are the source of truth. A board covers a range of calendar dates: an ISO week
(Monday..Sunday), a calendar month, or all dates. Each player's rows are dated by
that player's own local calendar, so a board is the same for everyone who asks for
it (docs/decisions.md, "Leaderboards").

Order: more XP first; on equal XP, whoever reached that total first (the latest
`xp_changed_at` among the player's rows of the period: when the total last
changed); then the lower user id. Only players with a positive total are ranked.

Two ways to answer, with the same order:
- SQL (`board_page_sql`): one aggregate over the period's rows. Always used without
  Redis, for small boards (a player and their friends) and while a Redis board is
  being built.
- Redis, per period, when the cache is Redis: a sorted set (score = the total XP,
  member = the tie-break) and a hash (user id -> current member) that says the board
  was built. The reward path marks the player on the boards a changed day counts in
  (`board_touch`: one Redis round trip after commit, no query); the next read of a
  board writes its marked players' totals from the rows first (`_settle`: one
  aggregate query for all of them), so a read sees every committed change and the
  writes pay nothing for boards nobody reads. Built from the rows by `board_rebuild`
  (the `leaderboard_rebuild` command, or lazily when a read finds the board missing,
  e.g. after a flush).

Members encode the tie-break so that Redis' own order of equal scores (members in
reverse byte order for ZREVRANGE) is ours: `<TICK_MAX - reached µs>:<ID_MAX - id>`,
fixed width. Scores are exact integers (doubles hold integers up to 2**53).
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone

from apps.core.on_commit import queued_on_commit

from .models import DailyActivity

logger = logging.getLogger("dreamtrack.boards")

WEEK, MONTH, ALL = "week", "month", "all"
PERIODS = (WEEK, MONTH, ALL)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TICK_MAX = 10**17 - 1  # microseconds since 1970: 16 digits until the year 2286
_ID_MAX = 10**12 - 1
# A transaction may write its day row before a rebuild's snapshot and commit after it;
# its on-commit write may then find no board yet. The rebuild re-reads the players whose
# rows changed this long before its snapshot (transactions are far shorter).
CATCH_UP = timedelta(seconds=60)
REBUILD_LOCK_SECONDS = 600
# Boards of past weeks and months are never asked for again: they expire.
KEEP_AFTER_END = timedelta(days=3)


# -- periods ----------------------------------------------------------------------
@dataclass(frozen=True)
class Board:
    """One board: a period of calendar dates (`first`..`last`, None for all dates)."""

    period: str
    first: date | None
    last: date | None

    @property
    def key(self) -> str:
        if self.period == WEEK:
            year, week, _ = self.first.isocalendar()
            return f"lb:w:{year}-W{week:02d}"
        if self.period == MONTH:
            return f"lb:m:{self.first:%Y-%m}"
        return "lb:a"

    @property
    def index_key(self) -> str:
        return f"{self.key}:i"

    @property
    def marks_key(self) -> str:
        """A hash: user id -> how many commits changed the player's total since it was last written."""
        return f"{self.key}:d"

    @property
    def ttl(self) -> int:
        """Seconds the Redis keys of the board live on (0: for ever): until a few days
        after its last date, at least an hour (a board of a past period built on demand)."""
        if self.last is None:
            return 0
        end = datetime.combine(self.last + timedelta(days=1), datetime.min.time(), tzinfo=UTC) + KEEP_AFTER_END
        return max(int((end - timezone.now()).total_seconds()), 3600)

    def date_filter(self) -> Q:
        return Q() if self.first is None else Q(date__gte=self.first, date__lte=self.last)


def board_for(period: str, day: date) -> Board:
    """The board of `period` that contains the calendar date `day`."""
    if period == WEEK:
        monday = day - timedelta(days=day.weekday())
        return Board(WEEK, monday, monday + timedelta(days=6))
    if period == MONTH:
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return Board(MONTH, first, following - timedelta(days=1))
    if period == ALL:
        return Board(ALL, None, None)
    raise ValueError(f"unknown period: {period}")


def boards_containing(days) -> list[Board]:
    """Every board a row of one of these dates counts in (all-time once)."""
    boards = {board_for(period, day) for day in days for period in (WEEK, MONTH)}
    return [*sorted(boards, key=lambda b: b.key), Board(ALL, None, None)]


# -- SQL ----------------------------------------------------------------------------
def board_totals(board: Board, *, user_ids=None):
    """{user_id, xp, reached} per player with rows in the board's period (any total)."""
    rows = DailyActivity.objects.filter(board.date_filter())
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    return rows.order_by().values("user_id").annotate(xp=Sum("xp_earned"), reached=Max("xp_changed_at"))


def _ranked(board: Board, user_ids):
    return board_totals(board, user_ids=user_ids).filter(xp__gt=0)


@dataclass
class BoardPage:
    """A page of a board: `entries` [(rank, user_id, xp)], the board's size, the asker's place."""

    count: int
    entries: list[tuple[int, int, int]] = field(default_factory=list)
    me_rank: int | None = None
    me_xp: int = 0


def board_page_sql(board: Board, *, user_id: int, offset: int, limit: int, user_ids=None) -> BoardPage:
    """A page of the board from the rows (among `user_ids` only, when given), and the
    place of `user_id`: four aggregate queries whatever the number of players."""
    ranked = _ranked(board, user_ids)
    count = ranked.count()
    rows = ranked.order_by("-xp", "reached", "user_id")[offset : offset + limit] if offset < count else []
    entries = [(offset + i + 1, row["user_id"], row["xp"]) for i, row in enumerate(rows)]
    page = BoardPage(count=count, entries=entries)
    page.me_rank, page.me_xp = board_place_sql(board, user_id=user_id, user_ids=user_ids)
    return page


def board_place_sql(board: Board, *, user_id: int, user_ids=None) -> tuple[int | None, int]:
    """The place (None without a positive total) and total of `user_id` on the board
    (among `user_ids` only, when given): two aggregate queries, one when unranked."""
    mine = next(iter(board_totals(board, user_ids=[user_id])), None)
    if mine is None:
        return None, 0
    if mine["xp"] <= 0:
        return None, mine["xp"]
    ahead = _ranked(board, user_ids).filter(
        Q(xp__gt=mine["xp"])
        | Q(xp=mine["xp"], reached__lt=mine["reached"])
        | Q(xp=mine["xp"], reached=mine["reached"], user_id__lt=user_id)
    )
    return ahead.count() + 1, mine["xp"]


# -- Redis: encoding and scripts ---------------------------------------------------
def _member(user_id: int, reached: datetime) -> str:
    tick = (reached - _EPOCH) // timedelta(microseconds=1)
    return f"{_TICK_MAX - tick:017d}:{_ID_MAX - user_id:012d}"


def _member_user_id(member: bytes | str) -> int:
    if isinstance(member, bytes):
        member = member.decode()
    return _ID_MAX - int(member[18:])


# KEYS: the sorted set, the index hash. ARGV: seconds to live (0: for ever), then (user id, xp,
# member) triples. Writes a player only when the member's time is not older than the
# one stored: an on-commit write that arrives late never replaces a newer total.
_WRITE = """
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
local n = 0
for i = 2, #ARGV, 3 do
  local old = redis.call('HGET', KEYS[2], ARGV[i])
  if not old or ARGV[i + 2] <= old then
    if old then redis.call('ZREM', KEYS[1], old) end
    redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i + 2])
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2])
    n = n + 1
  end
end
if tonumber(ARGV[1]) > 0 and n > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  redis.call('EXPIRE', KEYS[2], ARGV[1])
end
return n
"""

# KEYS: the sorted set, the index hash. ARGV: user ids to take off the board.
_REMOVE = """
for i = 1, #ARGV do
  local old = redis.call('HGET', KEYS[2], ARGV[i])
  if old then
    redis.call('ZREM', KEYS[1], old)
    redis.call('HDEL', KEYS[2], ARGV[i])
  end
end
return 1
"""

# KEYS: the sorted set, the index hash, the marks hash. ARGV: first and last index of the
# page, the asker's id, "1" to look at the marks first. nil when the board is not built;
# {-1, the marks (user id, count, ...)} when players are marked; else {players with a
# positive total, the page (member, score, ...), the asker's 0-based rank or nil, their
# score or nil}.
_READ = """
if redis.call('EXISTS', KEYS[2]) == 0 then return nil end
if ARGV[4] == '1' and redis.call('EXISTS', KEYS[3]) == 1 then
  return {-1, redis.call('HGETALL', KEYS[3])}
end
local count = redis.call('ZCOUNT', KEYS[1], '(0', '+inf')
local page = {}
if tonumber(ARGV[2]) >= tonumber(ARGV[1]) then
  page = redis.call('ZREVRANGE', KEYS[1], ARGV[1], ARGV[2], 'WITHSCORES')
end
local mine = redis.call('HGET', KEYS[2], ARGV[3])
local rank, score = false, false
if mine then
  rank = redis.call('ZREVRANK', KEYS[1], mine)
  score = redis.call('ZSCORE', KEYS[1], mine)
end
return {count, page, rank, score}
"""

# KEYS: the marks hash. ARGV: (user id, count) pairs as read before their totals were
# written. A mark that went up meanwhile (a later commit) stays for the next read.
_UNMARK = """
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then redis.call('HDEL', KEYS[1], ARGV[i]) end
end
return 1
"""

_scripts: dict = {}


def redis_client():
    """The cache's Redis connection, or None when the cache is not Redis (no REDIS_URL)."""
    if "django_redis" not in settings.CACHES["default"]["BACKEND"]:
        return None
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _script(client, name: str, source: str):
    """The script, registered once per process (callable on any client or pipeline)."""
    if name not in _scripts:
        _scripts[name] = client.register_script(source)
    return _scripts[name]


def _write(client, board: Board, rows, *, pipe=None) -> None:
    """Write the players' totals ({user_id, xp, reached}) onto a built board."""
    args = [board.ttl]
    for row in rows:
        args += [row["user_id"], row["xp"], _member(row["user_id"], row["reached"])]
    if len(args) > 1:
        _script(client, "write", _WRITE)(keys=[board.key, board.index_key], args=args, client=pipe or client)


def board_page_redis(board: Board, *, user_id: int, offset: int, limit: int) -> BoardPage | None:
    """A page of the board from Redis; None when there is no Redis board to read (not
    built and being built elsewhere, or Redis unreachable): the caller asks SQL."""
    client = redis_client()
    if client is None:
        return None
    read = _script(client, "read", _READ)
    keys = [board.key, board.index_key, board.marks_key]
    try:
        reply = read(keys=keys, args=[offset, offset + limit - 1, user_id, 1])
        if reply is None:
            if not board_rebuild(board, client=client):
                return None
            reply = read(keys=keys, args=[offset, offset + limit - 1, user_id, 1])
            if reply is None:
                return None
        if reply[0] == -1:
            _settle(client, board, reply[1])
            # Marks made since are the next read's: this one has seen its own commits.
            reply = read(keys=keys, args=[offset, offset + limit - 1, user_id, 0])
            if reply is None:
                return None
    except Exception:  # noqa: BLE001 - Redis down: the rows still answer
        logger.warning("leaderboard: Redis unreachable, answering from SQL", exc_info=True)
        return None
    count, flat, rank, score = reply
    page = BoardPage(count=int(count))
    for i in range(0, len(flat), 2):
        xp = int(float(flat[i + 1]))
        if xp > 0:
            page.entries.append((offset + i // 2 + 1, _member_user_id(flat[i]), xp))
    if score is not None:
        page.me_xp = int(float(score))
        if page.me_xp > 0:
            page.me_rank = int(rank) + 1
    return page


def board_place_redis(board: Board, *, user_id: int) -> tuple[int | None, int] | None:
    """The place and total of `user_id` on the board from Redis (an empty page's read);
    None when there is no Redis board to read: the caller asks SQL."""
    page = board_page_redis(board, user_id=user_id, offset=0, limit=0)
    return None if page is None else (page.me_rank, page.me_xp)


# -- Redis: marks after commit, settled by reads; rebuilds ------------------------------
class _Mark:
    """The marks one transaction owes one player (an on-commit hook): on every board one
    of `days` counts in, their total changed."""

    __slots__ = ("user_id", "days")

    def __init__(self, user_id: int):
        self.user_id = user_id
        self.days: set[date] = set()

    def __call__(self) -> None:
        client = redis_client()
        if client is None:
            return
        try:
            pipe = client.pipeline(transaction=False)
            for board in boards_containing(self.days):
                pipe.hincrby(board.marks_key, self.user_id, 1)
                if board.ttl:
                    pipe.expire(board.marks_key, board.ttl)
            pipe.execute()
        except Exception:  # noqa: BLE001 - the commit stands; `leaderboard_rebuild` repairs
            logger.warning("leaderboard: could not mark user %s", self.user_id, exc_info=True)


def board_touch(*, user_id: int, days) -> None:
    """The player's XP on these local dates changed: once the transaction commits, mark
    them on the boards those dates count in, for the next read to write (`_settle`).
    Nothing without Redis."""
    if redis_client() is None:
        return
    hook = next((hook for _, hook in queued_on_commit(_Mark) if hook.user_id == user_id), None)
    if hook is None:
        hook = _Mark(user_id)
        hook.days.update(days)
        transaction.on_commit(hook)
    else:
        hook.days.update(days)


def _settle(client, board: Board, marks: list, *, chunk: int = 1000) -> None:
    """Write the marked players' totals on the board from the committed rows (one
    aggregate query per `chunk` players), then clear the marks no commit has raised since.
    A write older than the one on the board is ignored (`_WRITE`), so readers settling
    at once cannot put back a stale total."""
    pairs = list(zip(marks[::2], marks[1::2], strict=True))
    for start in range(0, len(pairs), chunk):
        counts = dict(pairs[start : start + chunk])
        user_ids = [int(user_id) for user_id in counts]
        rows = list(board_totals(board, user_ids=user_ids))
        pipe = client.pipeline(transaction=False)
        _write(client, board, rows, pipe=pipe)
        gone = set(user_ids) - {row["user_id"] for row in rows}
        if gone:  # no rows left in the period: the account was deleted
            _script(client, "remove", _REMOVE)(keys=[board.key, board.index_key], args=sorted(gone), client=pipe)
        _script(client, "unmark", _UNMARK)(
            keys=[board.marks_key], args=[v for pair in counts.items() for v in pair], client=pipe
        )
        pipe.execute()


def board_rebuild(board: Board, *, client=None, chunk: int = 1000) -> bool:
    """Build the board from the rows, replacing what Redis holds of it. False when another
    process is building it (or there is no Redis). Set-based: one aggregate query read in
    chunks, pipelined writes into fresh keys renamed into place, then the players whose
    rows changed meanwhile written again."""
    client = client or redis_client()
    if client is None:
        return False
    lock_key, token = f"{board.key}:lock", uuid.uuid4().hex
    if not client.set(lock_key, token, nx=True, ex=REBUILD_LOCK_SECONDS):
        return False
    try:
        # Every mark made so far is of a commit the snapshot below sees.
        client.delete(board.marks_key)
        started = timezone.now()
        tmp = f"{board.key}:build:{token}"
        tmp_index = f"{tmp}:i"
        # The index exists, even for an empty board: "built". The build's keys expire
        # with the lock should the build die half-way.
        client.pipeline(transaction=False).hset(tmp_index, "_", "1").expire(tmp_index, REBUILD_LOCK_SECONDS).execute()
        written = 0
        pipe = client.pipeline(transaction=False)
        batch_z, batch_i = {}, {}
        for row in board_totals(board).iterator(chunk_size=chunk):
            member = _member(row["user_id"], row["reached"])
            batch_z[member] = row["xp"]
            batch_i[row["user_id"]] = member
            if len(batch_z) >= chunk:
                pipe.zadd(tmp, batch_z)
                pipe.expire(tmp, REBUILD_LOCK_SECONDS)
                pipe.hset(tmp_index, mapping=batch_i)
                written += len(batch_z)
                batch_z, batch_i = {}, {}
                pipe.execute()
        if batch_z:
            pipe.zadd(tmp, batch_z)
            pipe.expire(tmp, REBUILD_LOCK_SECONDS)
            pipe.hset(tmp_index, mapping=batch_i)
            written += len(batch_z)
        swap = client.pipeline(transaction=True)
        if written:
            swap.rename(tmp, board.key)
        else:
            swap.delete(board.key)
        swap.rename(tmp_index, board.index_key)
        for key in (board.key, board.index_key):  # RENAME kept the build's expiry
            if board.ttl:
                swap.expire(key, board.ttl)
            else:
                swap.persist(key)
        pipe.execute()
        swap.execute()
        changed = DailyActivity.objects.filter(board.date_filter(), xp_changed_at__gte=started - CATCH_UP)
        late = list(board_totals(board, user_ids=changed.values("user_id")))
        for start in range(0, len(late), chunk):
            _write(client, board, late[start : start + chunk])
        return True
    finally:
        if client.get(lock_key) == token.encode():
            client.delete(lock_key)


def board_forget(*, user_id: int, days) -> None:
    """Take the player off the boards their rows of `days` count in, once the transaction
    commits (at once outside one): an account being deleted. Nothing without Redis."""
    days = list(days)

    def forget() -> None:
        client = redis_client()
        if client is None:
            return
        try:
            pipe = client.pipeline(transaction=False)
            for board in boards_containing(days):
                _script(client, "remove", _REMOVE)(keys=[board.key, board.index_key], args=[user_id], client=pipe)
                pipe.hdel(board.marks_key, user_id)
            pipe.execute()
        except Exception:  # noqa: BLE001 - the deletion stands; a read's settle or a rebuild repairs
            logger.warning("leaderboard: could not take user %s off the boards", user_id, exc_info=True)

    transaction.on_commit(forget)
