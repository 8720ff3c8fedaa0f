"""Fixed-window request counters: in Redis (shared by every process) or in this process.

Notes on design: each counter's key names its window (``...:<window number>:...``),
so a hit is a plain increment and a key only needs to expire when its window is over.

- ``RedisCounter`` runs one small Lua script on the app's own Redis client instead of
  the ``limits`` library's Redis storage: that storage builds its own client, so it
  would bypass the app's client (its timeouts and circuit breaker) and cannot take an
  existing one; it adds ``LIMITS:`` keys outside our prefix; and its fixed window
  starts at the first hit and needs a second round trip (TTL) for the reset time. The
  script increments every counter of one request in one round trip, atomically, and
  sets each new counter's expiry. A request's keys share one hash tag (the account
  id or the address), so the script stays legal on Redis Cluster.
- ``MemoryCounter`` is a dict instead of ``limits``' ``MemoryStorage``, which
  schedules a scan of every key on each hit and holds a lock per key; with the window
  in the key, a dict swept once a minute is all an in-process fixed window needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.commands.core import AsyncScript

SWEEP_SECONDS = 60.0

# KEYS: the request's counters (one slot); ARGV[i]: seconds until KEYS[i]'s window ends.
INCREMENT_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then
    redis.call('EXPIRE', key, ARGV[i])
  end
  counts[i] = count
end
return counts
"""


@dataclass(frozen=True)
class Hit:
    key: str
    ends_at: float  # epoch seconds: the end of the counter's window


class MemoryCounter:
    """Counters of this process only (embedded Roost, or while Redis is unavailable)."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[float, int]] = {}
        self._next_sweep = 0.0

    def __len__(self) -> int:
        return len(self._counts)

    def hit(self, hits: Sequence[Hit], now: float) -> list[int]:
        """Count one request on each counter; the new counts, in order."""
        if now >= self._next_sweep:
            self._sweep(now)
        counts = []
        for item in hits:
            ends_at, count = self._counts.get(item.key, (item.ends_at, 0))
            if ends_at <= now:  # a window left over from before a clock jump
                ends_at, count = item.ends_at, 0
            self._counts[item.key] = (ends_at, count + 1)
            counts.append(count + 1)
        return counts

    def _sweep(self, now: float) -> None:
        self._counts = {key: value for key, value in self._counts.items() if value[0] > now}
        self._next_sweep = now + SWEEP_SECONDS


class RedisCounter:
    """Counters shared by every process through Redis (raises whatever Redis raises)."""

    def __init__(self) -> None:
        self._client: Redis | None = None
        self._script: AsyncScript | None = None

    def _script_for(self, redis: Redis) -> AsyncScript:
        # The app's client lives as long as the app; register the script once for it.
        if self._client is not redis or self._script is None:
            self._script = redis.register_script(INCREMENT_SCRIPT)
            self._client = redis
        return self._script

    async def hit(self, redis: Redis, hits: Sequence[Hit], now: float) -> list[int]:
        """Count one request on each counter (all in one hash slot); the new counts."""
        ttls = [max(1, int(item.ends_at - now) + 1) for item in hits]
        counts = await self._script_for(redis)(keys=[item.key for item in hits], args=ttls)
        return [int(count) for count in counts]
