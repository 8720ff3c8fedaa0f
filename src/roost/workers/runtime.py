"""Start and stop the background side of a process (relay and workers), or drain it in tests."""

from __future__ import annotations

import asyncio
import logging
import uuid

from roost.cache.redis_client import GuardedRedis
from roost.events.relay import relay_once, run_relay
from roost.resilience.degradation import DATABASE, REDIS
from roost.resilience.probe import Check, DependencyProbe
from roost.workers.consumer import StreamConsumer
from roost.workers.context import WorkerContext
from roost.workers.embedded import OutboxDrainer
from roost.workers.handlers import load_handlers
from roost.workers.registry import Registry

log = logging.getLogger(__name__)

STOP_TIMEOUT_SECONDS = 30.0


class UnknownQueue(ValueError):
    pass


class WorkerRuntime:
    """The relay and the workers of one process, as asyncio tasks.

    Scaled out: one stream consumer per selected queue, plus the relay. Embedded: one
    outbox drainer running every queue (``queues`` must then be all of them).
    """

    def __init__(
        self,
        ctx: WorkerContext,
        *,
        wake: asyncio.Event,
        registry: Registry | None = None,
        queues: list[str] | None = None,
        workers: bool = True,
        relay: bool = True,
    ) -> None:
        self.ctx = ctx
        self.wake = wake
        self.registry = registry or load_handlers(ctx.settings)
        self.queues = select_queues(self.registry, queues)
        self.workers = workers
        self.relay = relay
        self.stop_event = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        # Every process probes its open breakers, so a dependency that is back closes
        # them without waiting for traffic.
        self.tasks.append(asyncio.create_task(self.probe().run(self.stop_event)))
        if self.relay and self.ctx.redis is not None:
            self.tasks.append(asyncio.create_task(run_relay(self.ctx, self.stop_event)))
        if not self.workers:
            return
        if self.ctx.redis is None:
            drainer = OutboxDrainer(self.ctx, self.registry, self.wake, queues=self.queues)
            self.tasks.append(asyncio.create_task(drainer.run(self.stop_event)))
            return
        for queue in self.queues:
            consumer = StreamConsumer(self.ctx, self.registry, queue)
            self.tasks.append(asyncio.create_task(consumer.run(self.stop_event)))

    def probe(self) -> DependencyProbe:
        checks: dict[str, Check] = {DATABASE: self.ctx.db.ping}
        if isinstance(self.ctx.redis, GuardedRedis):
            checks[REDIS] = self.ctx.redis.ping_unguarded
        return DependencyProbe(self.ctx.dependencies, checks)

    async def stop(self) -> None:
        """Ask every task to finish its batch and wait for it (cancel after a timeout)."""
        self.stop_event.set()
        self.wake.set()
        if not self.tasks:
            return
        _, late = await asyncio.wait(self.tasks, timeout=STOP_TIMEOUT_SECONDS)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        for task in self.tasks:
            if not task.cancelled() and task.exception() is not None:
                log.error("worker task ended with %r", task.exception())
        self.tasks.clear()


def select_queues(registry: Registry, wanted: list[str] | None) -> list[str]:
    known = registry.queues()
    if not wanted:
        return known
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise UnknownQueue(f"unknown queue(s): {', '.join(unknown)} (known: {', '.join(known)})")
    return list(dict.fromkeys(wanted))


async def drain(ctx: WorkerContext, *, registry: Registry | None = None) -> int:
    """Run every queue in-process until nothing is left; how many deliveries were made.

    For tests: deterministic, no timers. Scaled out it relays the whole outbox, reads
    every group to the end and re-claims pending entries at once (so a failing entry
    is retried until it reaches the dead letters); embedded it drains the outbox,
    ignoring backoff, until it is empty.
    """
    registry = registry or load_handlers(ctx.settings)
    total = 0
    if ctx.redis is None:
        drainer = OutboxDrainer(ctx, registry, asyncio.Event())
        while taken := await drainer.drain_once(ignore_backoff=True):
            total += taken
        return total
    name = f"drain-{uuid.uuid4().hex[:8]}"
    consumers = [StreamConsumer(ctx, registry, queue, name=name) for queue in registry.queues()]
    for consumer in consumers:
        await consumer.setup()
    while True:
        handled = await relay_once(ctx, min_age_seconds=0)
        for consumer in consumers:
            while read := await consumer.read_new():
                handled += read
            handled += await consumer.reclaim(min_idle_ms=0)
        total += handled
        if not handled:
            return total
