"""``roost worker``: the workers and the relay as a process of their own."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from typing import Any

from roost.cache.keys import Keys
from roost.cache.redis_client import create_redis
from roost.db import Database
from roost.events.publisher import Publisher
from roost.settings import Settings
from roost.workers.bus import worker_context
from roost.workers.handlers import load_handlers
from roost.workers.runtime import UnknownQueue, WorkerRuntime


async def run_worker_process(
    settings: Settings,
    *,
    queues: list[str] | None,
    announce: Callable[[str], Any] = print,
) -> None:
    """Run until SIGTERM/SIGINT; then finish the batch in hand and leave cleanly."""
    db = Database(settings.sqlalchemy_url, pool_size=settings.db_pool_size)
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
        runtime.start()
        mode = "Redis Streams" if redis is not None else "the outbox (embedded)"
        announce(f"Roost worker: queues {', '.join(runtime.queues) or '(none)'} on {mode}")
        await stop.wait()
        announce("Roost worker: stopping after the batch in hand")
        await runtime.stop()
    finally:
        if redis is not None:
            await redis.aclose()
        await db.dispose()
