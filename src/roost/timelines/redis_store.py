"""Home timelines in Redis: one STRING per account of 8-byte big-endian status ids.

Notes on design (figures in docs/architecture.md): a timeline is a STRING whose
first 8 bytes are the floor and whose tail is the packed ids in ascending order (the
newest at the end), 8 bytes per entry (about 9 at rest, about 16 once APPEND has grown
it: Redis doubles a string's allocation when it appends), against ~129 bytes in a
skiplist sorted set. Lua scripts (EVALSHA) write it so one call delivers one status to
a whole batch of followers. Every writer keeps the ascending order (deliveries insert
in place, rebuilds and backfills write sorted, removals keep it), so the usual delivery
(an id newer than the newest entry) checks only the last 8 bytes and appends; reblogs
also check the newest ``falloff`` entries; only an id at or below the newest entry (a
redelivery or a late status) reads the whole string. Trimming back to the cap happens
once it grows past cap+slack. Readers fetch the whole string (6.4 kB at 800 ids) in
one GET (``decode`` still sorts and deduplicates, so a string written by an older
version reads right; ``roost admin rebuild-timelines`` rewrites such strings in order).

Lua numbers are doubles, which cannot hold 64-bit ids: the scripts only compare ids
as two unsigned 32-bit halves (``struct.unpack('>I4I4')``) or as equal strings.

Keys are hash-tagged per account (``Keys.home``). On Redis Cluster one script call
may only touch one slot: the caller would group a batch's keys by slot and send one
call per slot in a pipeline (not needed on a single Redis, which is all Roost runs today).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from struct import pack, unpack_from
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import WatchError

from roost.cache.keys import Keys
from roost.timelines.store import (
    ID_BYTES,
    Delivery,
    Window,
    trim,
    trim_slack,
)

# KEYS: home timelines. ARGV: id, original id or '', cap, slack, falloff.
# Entries are kept in ascending order, so the usual delivery (an id newer than the
# newest entry) reads only the last 8 bytes and APPENDs; a reblog also reads the newest
# ``falloff`` entries; an id at or below the newest entry (a redelivery, or a status
# fanned out late) reads the whole string: present -> nothing, else inserted in place.
DELIVER = """
local id, orig = ARGV[1], ARGV[2]
local cap, slack, falloff = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local ih, il = struct.unpack('>I4I4', id)
local function below(e)  -- e < id
  local eh, el = struct.unpack('>I4I4', e)
  return eh < ih or (eh == ih and el < il)
end
local function holds(hay, needle)
  local start = 1
  while true do
    local i = string.find(hay, needle, start, true)
    if not i then return false end
    if (i - 1) % 8 == 0 then return true end
    start = i + 1
  end
end
-- An id not newer than the newest entry: absent and above the floor -> inserted in order.
local function insert(key)
  local whole = redis.call('GET', key)
  if not below(string.sub(whole, 1, 8)) then return nil end  -- at or below the floor
  local entries = string.sub(whole, 9)
  if holds(entries, id) then return nil end
  local m = #entries / 8
  local lo, hi = 1, m + 1  -- the first entry not below id (entry k: bytes 8k+1..8k+8)
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if below(string.sub(whole, mid * 8 + 1, mid * 8 + 8)) then lo = mid + 1 else hi = mid end
  end
  redis.call('SET', key, string.sub(whole, 1, lo * 8) .. id .. string.sub(whole, lo * 8 + 1),
    'KEEPTTL')
  return m + 1
end
-- Back to the newest cap entries; the floor rises to the largest one dropped.
local function trim(key, n)
  local whole = redis.call('GET', key)
  local drop = n - cap
  local floor = string.sub(whole, drop * 8 + 1, drop * 8 + 8)
  local fh, fl = struct.unpack('>I4I4', floor)
  local oh, ol = struct.unpack('>I4I4', whole)
  if oh > fh or (oh == fh and ol > fl) then floor = string.sub(whole, 1, 8) end
  redis.call('SET', key, floor .. string.sub(whole, drop * 8 + 9), 'KEEPTTL')
end
local reblog = orig ~= '' and falloff > 0
local span = falloff * 8 + 8
local delivered = 0
for _, key in ipairs(KEYS) do
  local tail
  if reblog then
    -- The newest falloff entries and 8 bytes more: the whole string (floor first) when
    -- it is shorter, else an older entry; either way the entries start at byte 9.
    tail = redis.call('GETRANGE', key, -span, -1)
  else
    tail = redis.call('GETRANGE', key, -8, -1)
  end
  if #tail >= 8 and not (reblog and holds(string.sub(tail, 9), orig)) then
    local n, last = nil, string.sub(tail, -8)
    if below(last) then
      n = (redis.call('APPEND', key, id) - 8) / 8
    elseif last ~= id then
      n = insert(key)
    end
    if n then
      delivered = delivered + 1
      if n > cap + slack then trim(key, n) end
    end
  end
end
return delivered
"""

# KEYS: home timelines. ARGV: packed ids to remove.
REMOVE = """
local gone = {}
for i = 1, #ARGV[1], 8 do gone[string.sub(ARGV[1], i, i + 7)] = true end
local removed = 0
for _, key in ipairs(KEYS) do
  local whole = redis.call('GET', key)
  if whole and #whole > 8 then
    local kept = {string.sub(whole, 1, 8)}
    local changed = false
    for i = 9, #whole, 8 do
      local e = string.sub(whole, i, i + 7)
      if gone[e] then changed = true removed = removed + 1 else kept[#kept + 1] = e end
    end
    if changed then redis.call('SET', key, table.concat(kept), 'KEEPTTL') end
  end
end
return removed
"""


def pack_ids(ids: Iterable[int]) -> bytes:
    return b"".join(pack(">Q", i) for i in ids)


def decode(raw: bytes) -> Window:
    """A stored string as a Window (ids deduplicated, newest first; those at or below
    the floor, late deliveries, are left out)."""
    floor = int.from_bytes(raw[:ID_BYTES], "big")
    count = (len(raw) - ID_BYTES) // ID_BYTES
    ids = set(unpack_from(f">{count}Q", raw, ID_BYTES))
    return Window(ids=sorted((i for i in ids if i > floor), reverse=True), floor=floor)


def encode(window: Window) -> bytes:
    """A Window as stored: floor, then ids oldest first (newest at the tail)."""
    return pack(">Q", window.floor) + pack_ids(sorted(window.ids))


class RedisTimelineStore:
    def __init__(
        self, redis: Redis, keys: Keys, *, cap: int, falloff: int, ttl_seconds: int
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.cap = cap
        self.falloff = falloff
        self.ttl_seconds = ttl_seconds
        self._deliver = redis.register_script(DELIVER)
        self._remove = redis.register_script(REMOVE)

    async def read(self, account_id: int) -> Window | None:
        raw = cast(bytes | None, await self.redis.get(self.keys.home(account_id)))
        return None if raw is None else decode(raw)

    def read_command(self, pipe: Any, account_id: int) -> None:
        """Queue the read on a pipeline (the read path batches it with other keys)."""
        pipe.get(self.keys.home(account_id))

    async def deliver(self, delivery: Delivery, account_ids: Sequence[int]) -> int:
        if not account_ids:
            return 0
        args: list[bytes | int] = [
            pack(">Q", delivery.status_id),
            pack(">Q", delivery.reblog_of_id) if delivery.reblog_of_id else b"",
            self.cap,
            trim_slack(self.cap),
            self.falloff,
        ]
        keys = [self.keys.home(account_id) for account_id in account_ids]
        return int(await self._deliver(keys=keys, args=args))

    async def remove(self, status_ids: Sequence[int], account_ids: Sequence[int]) -> None:
        if not status_ids or not account_ids:
            return
        keys = [self.keys.home(account_id) for account_id in account_ids]
        await self._remove(keys=keys, args=[pack_ids(status_ids)])

    async def replace(self, account_id: int, window: Window, *, keep_after: int) -> None:
        def change(current: Window | None) -> Window:
            ids = set(window.ids)
            if current is not None:
                ids.update(i for i in current.ids if i > keep_after and i > window.floor)
            kept, floor = trim(sorted(ids), window.floor, self.cap)
            return Window(ids=kept, floor=floor)

        await self._update(account_id, change, create=True)

    async def merge(self, account_id: int, status_ids: Iterable[int]) -> None:
        new = list(status_ids)

        def change(current: Window | None) -> Window:
            assert current is not None
            ids = set(current.ids)
            ids.update(i for i in new if i > current.floor)
            kept, floor = trim(sorted(ids), current.floor, self.cap)
            return Window(ids=kept, floor=floor)

        await self._update(account_id, change, create=False)

    async def drop(self, account_ids: Sequence[int]) -> None:
        if account_ids:
            await self.redis.delete(*(self.keys.home(account_id) for account_id in account_ids))

    async def _update(self, account_id: int, change: Any, *, create: bool) -> None:
        """Read-modify-write one timeline under WATCH (retried if a delivery lands)."""
        key = self.keys.home(account_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    raw = cast(bytes | None, await pipe.get(key))
                    if raw is None and not create:
                        await pipe.unwatch()
                        return
                    window = change(None if raw is None else decode(raw))
                    pipe.multi()
                    pipe.set(key, encode(window), ex=self.ttl_seconds)
                    await pipe.execute()
                    return
                except WatchError:
                    continue
