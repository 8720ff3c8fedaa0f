"""A scaled-out worker for one queue: a consumer in that queue's group on the events stream.

Delivery is at least once. An entry is acknowledged (XACK) only after every handler
of the queue succeeded. A failed entry stays pending; once it has been idle for
``claim_idle_ms`` any consumer of the group takes it over with XAUTOCLAIM (which also
rescues the entries of a consumer that died) and tries again. After
``max_deliveries`` failed deliveries the entry goes to the dead-letter stream with the
error, and is acknowledged.

A dependency outage is not a failed delivery: when a handler fails because the database
or Redis is down, the entry's delivery count is put back (XCLAIM ... RETRYCOUNT) and it
is retried about a second later, for as long as the outage lasts, never dead-lettered
for it. When Redis comes back empty (a restart without persistence) the group is gone
(NOGROUP): the consumer creates it again and carries on with what the relay re-publishes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import traceback
import uuid
from typing import Any

from redis.exceptions import ResponseError

from roost.events.outbox import Event
from roost.events.streams import ERROR_FIELD, EVENT_FIELD, ensure_group
from roost.observability.handling import handling
from roost.resilience.errors import DependencyUnavailable
from roost.resilience.transient import is_outage
from roost.workers.context import WorkerContext
from roost.workers.registry import Registry

log = logging.getLogger(__name__)

BLOCK_MS = 1000  # how long an idle XREADGROUP waits, so a stop request is seen within a second
BATCH = 100
OUTAGE_RETRY_MS = 1000  # an entry that met an outage is retried about this much later
OUTAGE_PAUSE_SECONDS = 1.0  # how long the loop rests when a dependency is down


def consumer_name(prefix: str = "") -> str:
    """Unique per process (and per call): host, pid and a random tail."""
    tail = uuid.uuid4().hex[:8]
    return f"{prefix}{socket.gethostname()}-{os.getpid()}-{tail}"


def describe_error(exc: BaseException) -> str:
    """The error text kept with a failed event: the exception and where it was raised."""
    lines = traceback.format_exception(exc)
    return "".join(lines)[-4000:]


class StreamConsumer:
    def __init__(
        self,
        ctx: WorkerContext,
        registry: Registry,
        queue: str,
        *,
        name: str | None = None,
        batch: int = BATCH,
    ) -> None:
        assert ctx.redis is not None, "stream consumers need Redis"
        self.ctx = ctx
        self.redis = ctx.redis
        self.registry = registry
        self.queue = queue
        self.name = name or consumer_name()
        self.batch = batch
        self.stream = ctx.keys.events_stream()
        # A blocked read must return before the client's socket timeout, or an idle queue
        # would look like a Redis outage.
        self.block_ms = max(10, min(BLOCK_MS, int(ctx.settings.redis_timeout_seconds * 500)))

    async def setup(self) -> None:
        await ensure_group(self.redis, self.ctx.keys, self.queue)

    async def read_new(self, *, block_ms: int | None = None) -> int:
        """Read and handle up to one batch of never-delivered entries; how many."""
        response = await self.redis.xreadgroup(
            self.queue, self.name, {self.stream: ">"}, count=self.batch, block=block_ms
        )
        entries = _entries(response)
        for entry_id, fields in entries:
            await self._handle(entry_id, fields, deliveries=1)
        return len(entries)

    async def reclaim(self, *, min_idle_ms: int) -> int:
        """Take over and handle entries pending longer than ``min_idle_ms``; how many."""
        start: Any = "0-0"
        handled = 0
        while True:
            response = await self.redis.xautoclaim(
                self.stream,
                self.queue,
                self.name,
                min_idle_time=min_idle_ms,
                start_id=start,
                count=self.batch,
            )
            next_start, entries = response[0], response[1] or []
            entries = [(entry_id, fields) for entry_id, fields in entries]
            deliveries = await self._delivery_counts([entry_id for entry_id, _ in entries])
            for entry_id, fields in entries:
                await self._handle(entry_id, fields, deliveries=deliveries.get(entry_id, 1))
            handled += len(entries)
            if next_start in (b"0-0", "0-0"):
                return handled
            start = next_start

    async def pending(self) -> int:
        """Entries delivered to this queue's group and not yet acknowledged."""
        summary = await self.redis.xpending(self.stream, self.queue)
        return int(summary["pending"])

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set; the batch in hand is finished first."""
        await self.setup()
        claim_every = min(max(self.ctx.settings.claim_idle_ms / 2000, 0.05), 5.0)
        last_claim = 0.0
        waiting = False  # in an outage (logged once)
        while not stop.is_set():
            try:
                if time.monotonic() - last_claim >= claim_every:
                    last_claim = time.monotonic()
                    await self.reclaim(min_idle_ms=self.ctx.settings.claim_idle_ms)
                await self.read_new(block_ms=self.block_ms)
                waiting = False
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    log.exception("consumer %s of queue %s failed; retrying", self.name, self.queue)
                    await asyncio.sleep(1)
                    continue
                # Redis restarted empty (or the stream was deleted): the group is gone.
                log.warning("queue %s: consumer group missing; creating it again", self.queue)
                await self._setup_quietly()
            except Exception as exc:
                if is_outage(exc):
                    # Once per outage: /health and the breaker metrics tell the rest.
                    (log.debug if waiting else log.warning)(
                        "queue %s: dependency unavailable (%s); waiting", self.queue, exc
                    )
                    waiting = True
                else:
                    log.exception("consumer %s of queue %s failed; retrying", self.name, self.queue)
                await asyncio.sleep(OUTAGE_PAUSE_SECONDS)
        await self.retire()

    async def _setup_quietly(self) -> None:
        try:
            await self.setup()
        except Exception as exc:
            log.warning("queue %s: could not create the consumer group: %s", self.queue, exc)
            await asyncio.sleep(OUTAGE_PAUSE_SECONDS)

    async def retire(self) -> None:
        """Leave the group on a clean stop, unless entries are still pending on this name."""
        try:
            mine = await self.redis.xpending_range(
                self.stream, self.queue, min="-", max="+", count=1, consumername=self.name
            )
            if not mine:
                await self.redis.xgroup_delconsumer(self.stream, self.queue, self.name)
        except Exception:
            log.warning("consumer %s could not leave group %s", self.name, self.queue)

    async def _delivery_counts(self, entry_ids: list[Any]) -> dict[Any, int]:
        if not entry_ids:
            return {}
        async with self.redis.pipeline(transaction=False) as pipe:
            for entry_id in entry_ids:
                pipe.xpending_range(self.stream, self.queue, min=entry_id, max=entry_id, count=1)
            results = await pipe.execute()
        counts: dict[Any, int] = {}
        for entry_id, rows in zip(entry_ids, results, strict=True):
            if rows:
                counts[entry_id] = int(rows[0]["times_delivered"])
        return counts

    async def _handle(
        self, entry_id: Any, fields: dict[bytes, bytes] | None, *, deliveries: int
    ) -> None:
        raw = (fields or {}).get(EVENT_FIELD)
        if raw is None:  # trimmed away, or not ours: nothing to do
            await self.redis.xack(self.stream, self.queue, entry_id)
            return
        try:
            event = Event.decode(raw)
        except Exception as exc:
            await self._dead_letter(entry_id, raw, describe_error(exc), deliveries)
            return
        handlers = self.registry.handlers(self.queue, event.kind)
        if not handlers:
            await self.redis.xack(self.stream, self.queue, entry_id)
            return
        if deliveries > self.ctx.settings.max_deliveries:
            error = f"delivered {deliveries - 1} times without an acknowledgement"
            await self._dead_letter(entry_id, raw, error, deliveries)
            return
        try:
            with handling(event, queue=self.queue):  # span continuing the event's trace
                for handler in handlers:
                    await handler(event, self.ctx)
        except Exception as exc:
            if is_outage(exc):
                await self._postpone(entry_id, deliveries, exc)
                return
            error = describe_error(exc)
            if deliveries >= self.ctx.settings.max_deliveries:
                await self._dead_letter(entry_id, raw, error, deliveries)
            else:
                log.warning(
                    "queue %s: %s %s failed (delivery %d), will retry: %s",
                    self.queue, event.kind, event.id, deliveries, exc,
                )  # fmt: skip
            return
        await self.redis.xack(self.stream, self.queue, entry_id)

    async def _postpone(self, entry_id: Any, deliveries: int, exc: Exception) -> None:
        """A dependency was down: undo this delivery's count and retry the entry soon."""
        log.warning(
            "queue %s: entry %s postponed, a dependency is unavailable: %s",
            self.queue, entry_id, exc,
        )  # fmt: skip
        try:
            await self.redis.xclaim(
                self.stream,
                self.queue,
                self.name,
                min_idle_time=0,
                message_ids=[entry_id],
                idle=max(0, self.ctx.settings.claim_idle_ms - OUTAGE_RETRY_MS),
                retrycount=max(0, deliveries - 1),
                justid=True,
            )
        except DependencyUnavailable:
            pass  # Redis is down too: the entry stays pending, reclaimed when it is back
        except Exception as error:
            if not is_outage(error):
                raise

    async def _dead_letter(self, entry_id: Any, raw: bytes, error: str, deliveries: int) -> None:
        log.error("queue %s: entry %s goes to dead letters: %s", self.queue, entry_id, error)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.xadd(
                self.ctx.keys.dead_letters_stream(),
                {
                    EVENT_FIELD: raw,
                    ERROR_FIELD: error.encode(),
                    b"queue": self.queue.encode(),
                    b"entry_id": entry_id
                    if isinstance(entry_id, bytes)
                    else str(entry_id).encode(),
                    b"deliveries": str(deliveries).encode(),
                },
                maxlen=self.ctx.settings.stream_maxlen,
                approximate=True,
            )
            pipe.xack(self.stream, self.queue, entry_id)
            await pipe.execute()


def _entries(response: Any) -> list[tuple[Any, dict[bytes, bytes] | None]]:
    """The entries of an XREADGROUP answer on one stream: ``[[stream, [(id, fields)...]]]``."""
    if not response:
        return []
    return list(response[0][1])
