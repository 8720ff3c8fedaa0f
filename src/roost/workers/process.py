"""``roost worker``: the workers and the relay as a process of their own.

Stopping (SIGTERM or SIGINT): every consumer finishes the batch in hand (each entry
handled and acknowledged, a failed one left pending for a retry), then leaves its group;
nothing new is read. A batch still running after ``shutdown_timeout_seconds``, or when
a second signal arrives, is cancelled: its entries stay pending under this consumer's
name and another worker takes them over with XAUTOCLAIM once they have been idle
``claim_idle_ms`` (embedded: the leased outbox rows come back when the lease runs out).
Handlers are idempotent, so an entry cut off half-way and handled again changes nothing
twice. Either way nothing is lost and nothing stays pending for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from typing import Any

from roost.cache.keys import Keys
from roost.cache.redis_client import create_redis
from roost.db import Database
from roost.events.publisher import Publisher
from roost.observability.install import worker_observability
from roost.settings import Settings
from roost.workers.bus import worker_context
from roost.workers.handlers import load_handlers
from roost.workers.runtime import UnknownQueue, WorkerRuntime


async def run_worker_process(
    settings: Settings,
    *,
    queues: list[str] | None,
    announce: Callable[[str], Any] = print,
    metrics_port: int | None = None,
    metrics_host: str = "127.0.0.1",
) -> None:
    """Run until SIGTERM/SIGINT; then finish the batch in hand and leave cleanly.

    With ``metrics_port`` the process serves Prometheus metrics there (observability)."""
    observed = contextlib.AsyncExitStack()
    db = Database.from_settings(settings)  # timeouts, retries, the database breaker
    redis = create_redis(settings)
    try:
        registry = load_handlers(settings)
        if redis is None and queues and set(queues) != set(registry.queues()):
            raise UnknownQueue(
                "embedded workers (no ROOST_REDIS_URL) drain the outbox for every queue; "
                "--queues needs Redis"
            )
        ctx = worker_context(
            settings=settings, db=db, redis=redis, keys=Keys(settings.redis_prefix)
        )
        publisher = Publisher(ctx)  # follow-up jobs written here wake this process's drainer
        db.after_commit = publisher.after_commit
        runtime = WorkerRuntime(ctx, wake=publisher.wake, registry=registry, queues=queues)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await observed.enter_async_context(
            worker_observability(ctx, metrics_port=metrics_port, metrics_host=metrics_host)
        )
        runtime.start()
        mode = "Redis Streams" if redis is not None else "the outbox (embedded)"
        announce(f"Roost worker: queues {', '.join(runtime.queues) or '(none)'} on {mode}")
        await stop.wait()
        announce("Roost worker: stopping after the batch in hand (a second signal cuts it off)")
        force = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, force.set)
        await finish_batches(runtime, grace_seconds=settings.shutdown_timeout_seconds, force=force)
        announce("Roost worker: stopped")
    finally:
        await observed.aclose()
        if redis is not None:
            await redis.aclose()
        await db.dispose()


async def finish_batches(
    runtime: WorkerRuntime, *, grace_seconds: float, force: asyncio.Event
) -> None:
    """Let every task finish its batch, for at most ``grace_seconds`` or until ``force``;
    then cancel what is left (its entries stay claimable) and let the runtime clean up."""
    runtime.stop_event.set()
    runtime.wake.set()
    running = {task for task in runtime.tasks if not task.done()}
    forced = asyncio.ensure_future(force.wait())
    deadline = asyncio.get_running_loop().time() + grace_seconds
    try:
        while running and not forced.done():
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            await asyncio.wait(
                {*running, forced}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
            )
            running = {task for task in running if not task.done()}
    finally:
        forced.cancel()
    for task in running:
        task.cancel()
    await runtime.stop()
