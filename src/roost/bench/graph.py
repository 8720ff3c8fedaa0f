"""A synthetic social network and its history, generated in memory, deterministic per seed.

Notes on design: the shape follows what measurements of real networks report
(Twitter, Mastodon instances): follower counts and posting rates are heavy-tailed.

- Popularity: account ``i`` (by index, ``user00000`` first) has weight
  ``1 / (i + 1) ** popularity_exponent``. Each account follows ``k`` others, ``k`` drawn
  from a log-normal distribution; a share ``preferential`` of the ``k`` targets is drawn by
  popularity (preferential attachment), the rest uniformly. The result: a handful of
  accounts followed by most of the network, a long tail followed by a few.
- Posting: each account's activity weight is log-normal (sigma 1.2): a few prolific
  posters, many who post a little; inactive accounts post a tenth as much and stopped
  when they went idle.
- History is generated in time order, so a reply or reblog always points at an earlier
  status of an account the author follows, and a favourite comes after its status.
- Ids are minted from each row's own ``created_at`` (``roost.ids.id_at`` plus a per
  millisecond sequence), so ids sort by time exactly as the server's would.

Counters (followers, following, statuses, replies, reblogs, favourites) are computed by
the same rules as the services (``statuses.service``): reblogs count towards
``statuses_count``; only public and unlisted replies count towards ``replies_count``.
"""

from __future__ import annotations

import itertools
import math
import random
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from roost.ids import id_at

DAY_MS = 86_400_000
HOUR_MS = 3_600_000

WORDS = [
    "morning",
    "coffee",
    "garden",
    "train",
    "city",
    "rain",
    "sunny",
    "weekend",
    "project",
    "code",
    "release",
    "bug",
    "fix",
    "music",
    "album",
    "concert",
    "book",
    "chapter",
    "reading",
    "film",
    "cinema",
    "walk",
    "river",
    "bridge",
    "mountain",
    "photo",
    "camera",
    "bread",
    "recipe",
    "dinner",
    "friends",
    "family",
    "cat",
    "dog",
    "bird",
    "spring",
    "autumn",
    "winter",
    "summer",
    "idea",
    "thought",
    "question",
    "answer",
    "meeting",
    "remote",
    "office",
    "server",
    "database",
    "cache",
    "timeline",
    "network",
    "people",
    "community",
    "open",
    "source",
    "python",
    "rust",
    "postgres",
    "redis",
    "linux",
]
TAG_NAMES = (
    "photography", "python", "caturday", "music", "books", "introduction", "opensource",
    "linux", "gardening", "coffee", "science", "art", "foss", "rust", "postgres",
    "travel", "food", "birds", "cycling", "climate", "history", "movies", "games",
    "fediverse", "writing", "dogs", "running", "astronomy", "design", "maps",
)  # fmt: skip


@dataclass(frozen=True)
class Shape:
    """The knobs of the generator (defaults give a Mastodon-like instance)."""

    users: int
    seed: int = 42
    days: int = 14  # statuses, favourites and activity spread over this many past days
    statuses_per_user_avg: float = 20.0
    following_median: float = 25.0  # log-normal median of accounts followed
    following_sigma: float = 1.0
    following_max: int = 2000
    popularity_exponent: float = 0.8
    preferential: float = 0.7  # share of follows drawn by popularity, the rest uniform
    favourites_per_user_avg: float = 15.0
    reply_share: float = 0.18
    reblog_share: float = 0.12
    inactive_share: float = 0.15  # accounts not seen for more than a week
    tagged_share: float = 0.15


@dataclass
class Account:
    index: int
    id: int
    username: str
    created_ms: int
    last_active_ms: int | None
    active: bool
    followers_count: int = 0
    following_count: int = 0
    statuses_count: int = 0
    last_status_ms: int | None = None


@dataclass
class Status:
    id: int
    account: int  # account index
    created_ms: int
    visibility: str
    text: str = ""
    in_reply_to: int | None = None  # status index
    reblog_of: int | None = None  # status index
    mention: int | None = None  # account index mentioned (replies)
    tags: tuple[str, ...] = ()
    replies_count: int = 0
    reblogs_count: int = 0
    favourites_count: int = 0


@dataclass
class Network:
    shape: Shape
    now_ms: int
    accounts: list[Account]
    follows: list[tuple[int, int, int, int]]  # (id, follower index, followed index, ms)
    statuses: list[Status]
    favourites: list[tuple[int, int, int, int]]  # (id, account index, status index, ms)
    following: list[list[int]] = field(default_factory=list)


class Minter:
    """Ids for given milliseconds: ``id_at(ms)`` plus a sequence, unique, deterministic."""

    def __init__(self) -> None:
        self._next: dict[int, int] = defaultdict(int)

    def __call__(self, ms: int) -> int:
        sequence = self._next[ms]
        self._next[ms] = sequence + 1
        return id_at(ms) + sequence


def to_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def generate(shape: Shape, *, now_ms: int) -> Network:
    """Build the whole network in memory (about 10 s for 10,000 users)."""
    rng = random.Random(shape.seed)
    mint = Minter()
    accounts = _accounts(shape, rng, mint, now_ms)
    following = _follow_lists(shape, rng)
    follows = _follow_rows(accounts, following, rng, mint, now_ms - shape.days * DAY_MS)
    statuses = _statuses(shape, rng, mint, accounts, following, now_ms)
    favourites = _favourites(shape, rng, mint, accounts, following, statuses, now_ms)
    _touch_activity(accounts, statuses, favourites)
    return Network(shape, now_ms, accounts, follows, statuses, favourites, following)


def _touch_activity(
    accounts: list[Account],
    statuses: list[Status],
    favourites: list[tuple[int, int, int, int]],
) -> None:
    """Posting and favouriting are activity: ``last_active_at`` is never older than them."""
    moments = [(status.account, status.created_ms) for status in statuses]
    moments.extend((account, ms) for _, account, _, ms in favourites)
    for index, ms in moments:
        account = accounts[index]
        if account.active and (account.last_active_ms or 0) < ms:
            account.last_active_ms = ms


def _accounts(shape: Shape, rng: random.Random, mint: Minter, now_ms: int) -> list[Account]:
    window_start = now_ms - shape.days * DAY_MS
    result = []
    for index in range(shape.users):
        created = window_start - rng.randint(2 * DAY_MS, 400 * DAY_MS)
        active = index < 3 or rng.random() >= shape.inactive_share  # the top few stay active
        if active:
            last_active: int | None = now_ms - rng.randint(60_000, 6 * DAY_MS)
        elif rng.random() < 0.5:
            last_active = now_ms - rng.randint(8 * DAY_MS, 90 * DAY_MS)
            last_active = max(last_active, created + HOUR_MS)
        else:
            last_active = None  # never seen since the column existed
        result.append(
            Account(
                index=index,
                id=mint(created),
                username=f"user{index:05d}",
                created_ms=created,
                last_active_ms=last_active,
                active=active,
            )
        )
    return result


def _follow_lists(shape: Shape, rng: random.Random) -> list[list[int]]:
    """Whom each account follows: popularity-weighted plus uniform draws, no repeats."""
    n = shape.users
    if n < 2:
        return [[] for _ in range(n)]
    cumulative = list(
        itertools.accumulate(1.0 / (i + 1) ** shape.popularity_exponent for i in range(n))
    )
    total = cumulative[-1]
    mu = math.log(shape.following_median)
    following: list[list[int]] = []
    for index in range(n):
        wanted = round(rng.lognormvariate(mu, shape.following_sigma))
        wanted = max(1, min(wanted, shape.following_max, n - 1))
        chosen: set[int] = set()
        attempts = 0
        while len(chosen) < wanted and attempts < 8 * wanted + 16:
            attempts += 1
            if rng.random() < shape.preferential:
                target = bisect_left(cumulative, rng.random() * total)
                target = min(target, n - 1)
            else:
                target = rng.randrange(n)
            if target != index:
                chosen.add(target)
        following.append(sorted(chosen))
    return following


def _follow_rows(
    accounts: list[Account],
    following: list[list[int]],
    rng: random.Random,
    mint: Minter,
    before_ms: int,
) -> list[tuple[int, int, int, int]]:
    rows = []
    for follower, targets in enumerate(following):
        a = accounts[follower]
        for target in targets:
            b = accounts[target]
            start = max(a.created_ms, b.created_ms)
            end = min(before_ms, a.last_active_ms or a.created_ms + HOUR_MS)
            ms = rng.randint(start, end) if end > start else start
            rows.append((ms, follower, target))
            a.following_count += 1
            b.followers_count += 1
    rows.sort()
    return [(mint(ms), follower, target, ms) for ms, follower, target in rows]


def _statuses(
    shape: Shape,
    rng: random.Random,
    mint: Minter,
    accounts: list[Account],
    following: list[list[int]],
    now_ms: int,
) -> list[Status]:
    window_start = now_ms - shape.days * DAY_MS
    weights = [
        rng.lognormvariate(0.0, 1.2) * (1.0 if account.active else 0.1) for account in accounts
    ]
    total = round(shape.users * shape.statuses_per_user_avg)
    authors = rng.choices(range(shape.users), weights=weights, k=total) if total else []
    planned = []
    for author in authors:
        account = accounts[author]
        end = now_ms - 1000 if account.active else (account.last_active_ms or window_start)
        start = max(account.created_ms, min(window_start, end - DAY_MS))
        planned.append((rng.randint(start, max(start, end)), author))
    planned.sort()

    statuses: list[Status] = []
    recent: dict[int, list[int]] = defaultdict(list)  # account -> its shareable status indexes
    reblogged: set[tuple[int, int]] = set()
    for ms, author in planned:
        roll = rng.random()
        status = Status(id=mint(ms), account=author, created_ms=ms, visibility="public")
        target = _pick_recent(rng, following[author], recent)
        if roll < shape.reblog_share and target is not None:
            original = statuses[target]
            if original.account != author and (author, target) not in reblogged:
                reblogged.add((author, target))
                status.reblog_of = target
                original.reblogs_count += 1
        elif roll < shape.reblog_share + shape.reply_share and target is not None:
            parent = statuses[target]
            status.in_reply_to = target
            status.mention = parent.account if parent.account != author else None
            status.visibility = parent.visibility if parent.visibility == "unlisted" else "public"
            parent.replies_count += 1  # public and unlisted replies only: no others are made
        if status.reblog_of is None:
            if status.in_reply_to is None:
                status.visibility = _visibility(rng)
            status.text, status.tags = _text(rng, shape, mention=status.mention, accounts=accounts)
        account = accounts[author]
        account.statuses_count += 1
        account.last_status_ms = ms
        index = len(statuses)
        statuses.append(status)
        if status.reblog_of is None and status.visibility in ("public", "unlisted"):
            shareable = recent[author]
            shareable.append(index)
            if len(shareable) > 20:
                del shareable[0]
    return statuses


def _pick_recent(
    rng: random.Random, followed: list[int], recent: dict[int, list[int]]
) -> int | None:
    """A recent shareable status of a random followed account, if one of three tries finds any."""
    if not followed:
        return None
    for _ in range(3):
        candidates = recent.get(followed[rng.randrange(len(followed))])
        if candidates:
            return candidates[rng.randrange(len(candidates))]
    return None


def _visibility(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.85:
        return "public"
    return "unlisted" if roll < 0.95 else "private"


def _text(
    rng: random.Random, shape: Shape, *, mention: int | None, accounts: list[Account]
) -> tuple[str, tuple[str, ...]]:
    words = rng.choices(WORDS, k=rng.randint(6, 30))
    words[0] = words[0].capitalize()
    tags: tuple[str, ...] = ()
    if rng.random() < shape.tagged_share:
        tags = tuple(sorted(set(rng.choices(TAG_NAMES, k=rng.randint(1, 2)))))
        words.extend(f"#{tag}" for tag in tags)
    if rng.random() < 0.05:
        words.append(f"https://example.org/{rng.choice(WORDS)}/{rng.randrange(10_000)}")
    text = " ".join(words) + rng.choice((".", "!", "?", ""))
    if mention is not None:
        text = f"@{accounts[mention].username} {text}"
    return text, tags


def _favourites(
    shape: Shape,
    rng: random.Random,
    mint: Minter,
    accounts: list[Account],
    following: list[list[int]],
    statuses: list[Status],
    now_ms: int,
) -> list[tuple[int, int, int, int]]:
    by_author: dict[int, list[int]] = defaultdict(list)
    for index, status in enumerate(statuses):
        if status.reblog_of is None:
            by_author[status.account].append(index)
    active = [account.index for account in accounts if account.active and following[account.index]]
    total = round(shape.users * shape.favourites_per_user_avg)
    weights = [rng.lognormvariate(0.0, 1.0) for _ in active]
    seen: set[tuple[int, int]] = set()
    rows = []
    for account in rng.choices(active, weights=weights, k=total) if active else []:
        followed = following[account]
        own = by_author.get(followed[rng.randrange(len(followed))])
        if not own:
            continue
        target = own[-1 - min(int(rng.expovariate(0.15)), len(own) - 1)]  # recent ones mostly
        if (account, target) in seen:
            continue
        seen.add((account, target))
        status = statuses[target]
        ms = min(now_ms - 1, status.created_ms + 1 + int(rng.expovariate(1 / (2 * HOUR_MS))))
        rows.append((ms, account, target))
        status.favourites_count += 1
    rows.sort()
    return [(mint(ms), account, target, ms) for ms, account, target in rows]
