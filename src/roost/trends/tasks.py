"""Worker handlers of queue ``trends``: count hashtag uses and engagement once each.

Idempotent: every count claims a row with a natural key first (the tag and status of a
use, the account, status and kind of an engagement), so a redelivered event changes
nothing.
"""

from __future__ import annotations

from roost.events.outbox import Event
from roost.trends import service
from roost.workers.context import WorkerContext
from roost.workers.registry import handler

QUEUE = "trends"


@handler(QUEUE, "status.created")
async def count_status(event: Event, ctx: WorkerContext) -> None:
    await service.count_status_created(db=ctx.db, status_id=int(event.payload["status_id"]))


@handler(QUEUE, "favourite.created")
async def count_favourite(event: Event, ctx: WorkerContext) -> None:
    await service.count_favourite(
        db=ctx.db,
        status_id=int(event.payload["status_id"]),
        account_id=int(event.payload["account_id"]),
        at=event.created_at,
    )
