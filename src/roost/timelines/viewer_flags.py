"""The viewer's favourited/reblogged flags for home pages, without a query per read.

Notes on design: a home page must say which of its statuses the viewer favourited
and reblogged. Asking the database costs a query (and most of a request's CPU) on
every read, so each account's flags are cached as one value: the ids of its newest
``FLAG_WINDOW`` favourited statuses and newest ``FLAG_WINDOW`` reblogged originals
(by status id, 8-byte little-endian, decoded with ``array``), plus a floor: the
value is complete for status ids above it (0 when everything fit). A page id at or
below the floor (an old status) is answered by the database, so the flags are
always exactly what ``render_statuses`` would say.

Scaled out the value lives in Redis (``prefix:home-flags:{id}``, the account's slot)
and is fetched in the same pipeline as the timeline; embedded, in this process.

Invalidation is exact, not TTL-bound: the favourite/unfavourite and reblog/unreblog
events overwrite the value with a *tombstone* (a random nonce) right after commit
(inline listener, redone by the worker). A reader that finds a tombstone or nothing
loads the flags from the database and stores them only if the key still holds what
it saw (compare-and-set in Lua): a write that commits while the reader queries
leaves a new tombstone, so a stale load is never stored.
"""

from __future__ import annotations

import os
import sys
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from struct import Struct
from typing import Any

from redis.asyncio import Redis

from roost.cache.keys import Keys
from roost.db import Database
from roost.events.inline import after_commit
from roost.events.outbox import Event
from roost.timelines import feed_queries
from roost.timelines.caches import LocalCache
from roost.workers.context import WorkerContext
from roost.workers.registry import handler

# Newest favourites and reblogs cached per account (8 bytes each).
FLAG_WINDOW = 1000

_VALID = b"V"
_HEADER = Struct("<QI")  # floor, number of favourited ids (the reblogged ids follow)
_SWAP = sys.byteorder != "little"

# KEYS: the flags key. ARGV: what the reader saw ('' for nothing), new value, ttl.
_STORE_IF_UNCHANGED = """
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
"""


@dataclass(frozen=True)
class Flags:
    """Favourited and reblogged status ids, complete for ids above ``floor``."""

    favourited: frozenset[int]
    reblogged: frozenset[int]
    floor: int = 0

    def encode(self) -> bytes:
        ids = array("Q", [*self.favourited, *self.reblogged])
        if _SWAP:
            ids.byteswap()
        return _VALID + _HEADER.pack(self.floor, len(self.favourited)) + ids.tobytes()

    @classmethod
    def decode(cls, raw: bytes | None) -> Flags | None:
        """The flags, or None for a tombstone or nothing."""
        if raw is None or raw[:1] != _VALID:
            return None
        floor, favourites = _HEADER.unpack_from(raw, 1)
        ids = array("Q", raw[1 + _HEADER.size :])
        if _SWAP:
            ids.byteswap()
        return cls(
            favourited=frozenset(ids[:favourites]),
            reblogged=frozenset(ids[favourites:]),
            floor=floor,
        )


async def load(db: Database, account_id: int) -> Flags:
    """The newest ``FLAG_WINDOW`` favourited and reblogged ids from the database (one query)."""
    async with db.read() as conn:
        favourited, reblogged = await feed_queries.recent_flags(
            conn, account_id, limit=FLAG_WINDOW + 1
        )
    floor = 0
    for ids in (favourited, reblogged):  # newest first; one more than kept tells it is cut
        if len(ids) > FLAG_WINDOW:
            floor = max(floor, ids[FLAG_WINDOW])
    return Flags(
        favourited=frozenset(favourited[:FLAG_WINDOW]),
        reblogged=frozenset(reblogged[:FLAG_WINDOW]),
        floor=floor,
    )


class _Tombstone:
    """An embedded invalidation: a reader stores its load only if this one is still there."""


class FlagsCache:
    """The flags of viewers: Redis when scaled out, else this process."""

    def __init__(
        self,
        *,
        db: Database,
        redis: Redis | None,
        keys: Keys,
        local: LocalCache[Any],
        ttl_seconds: int,
    ) -> None:
        self.db = db
        self.redis = redis
        self.keys = keys
        self.local = local
        self.ttl_seconds = ttl_seconds
        self._store = redis.register_script(_STORE_IF_UNCHANGED) if redis is not None else None

    def key(self, account_id: int) -> str:
        return self.keys.account(account_id, "home-flags")

    def queue_get(self, pipe: Any, account_id: int) -> None:
        """Queue the read on the read path's pipeline."""
        pipe.get(self.key(account_id))

    def seen_locally(self, account_id: int) -> Any:
        return self.local.get(account_id)

    def cached(self, seen: Any) -> Flags:
        """What the read fetched, or no flags at all (level 3: the database is down)."""
        if isinstance(seen, Flags):
            return seen
        found = Flags.decode(seen) if isinstance(seen, bytes) else None
        return found or Flags(favourited=frozenset(), reblogged=frozenset())

    async def resolve(self, account_id: int, seen: Any) -> Flags:
        """The flags from what the read fetched (``seen``), loaded and stored on a miss."""
        if isinstance(seen, Flags):
            return seen
        if self.redis is None:
            flags = await load(self.db, account_id)
            if self.local.get(account_id) is seen:  # nothing changed while loading
                self.local.put(account_id, flags)
            return flags
        cached = Flags.decode(seen)
        if cached is not None:
            return cached
        flags = await load(self.db, account_id)
        assert self._store is not None
        await self._store(
            keys=[self.key(account_id)], args=[seen or b"", flags.encode(), self.ttl_seconds]
        )
        return flags

    async def invalidate(self, account_ids: Iterable[int]) -> None:
        """The account's favourites or reblogs changed (called after commit)."""
        targets = list(account_ids)
        if self.redis is None:
            for account_id in targets:
                self.local.put(account_id, _Tombstone())
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for account_id in targets:
                pipe.set(self.key(account_id), b"T" + os.urandom(12), ex=self.ttl_seconds)
            await pipe.execute()


def _changed_account(event: Event) -> list[int]:
    """Whose flags an event changes: a favourite's owner, a reblog's author."""
    payload = event.payload
    if event.kind.startswith("status.") and payload.get("reblog_of_id") is None:
        return []
    return [int(payload["account_id"])]


FLAG_KINDS = ("favourite.created", "favourite.deleted", "status.created", "status.deleted")


@after_commit(*FLAG_KINDS)
async def invalidate_flags_at_once(event: Event, ctx: WorkerContext) -> None:
    from roost.timelines.engine import engine

    changed = _changed_account(event)
    if changed:
        await engine(
            settings=ctx.settings, db=ctx.db, redis=ctx.redis, keys=ctx.keys
        ).flags.invalidate(changed)


@handler("timelines", *FLAG_KINDS)
async def invalidate_flags(event: Event, ctx: WorkerContext) -> None:
    """Redone by the worker, in case the committing process failed to."""
    await invalidate_flags_at_once(event, ctx)
