"""A handler module for the worker-process test (loaded through ROOST_WORKER_MODULES).

It counts, in Redis under the instance's prefix, how often each status was handled
and by which process.
"""

from __future__ import annotations

import os

from roost.events.outbox import Event
from roost.workers.context import WorkerContext
from roost.workers.registry import handler


@handler("probe", "status.created")
async def count_status(event: Event, ctx: WorkerContext) -> None:
    assert ctx.redis is not None
    status_id = event.payload["status_id"]
    await ctx.redis.hincrby(ctx.keys.global_key("probe:handled"), str(status_id), 1)
    await ctx.redis.hset(ctx.keys.global_key("probe:pid"), str(status_id), os.getpid())
