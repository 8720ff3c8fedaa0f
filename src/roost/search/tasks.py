"""Worker handlers of queue ``search``: keep the full-text index in step with statuses.

Idempotent: indexing rewrites the status's one entry from its current row (nothing when
the status is gone or is a reblog); removing a removed entry does nothing.
"""

from __future__ import annotations

from roost.events.outbox import Event
from roost.search import service
from roost.workers.context import WorkerContext
from roost.workers.registry import handler

QUEUE = "search"


@handler(QUEUE, "status.created", "status.updated")
async def index_status(event: Event, ctx: WorkerContext) -> None:
    await service.index_status(db=ctx.db, status_id=int(event.payload["status_id"]))


@handler(QUEUE, "status.deleted")
async def remove_status(event: Event, ctx: WorkerContext) -> None:
    await service.remove_status(db=ctx.db, status_id=int(event.payload["status_id"]))


@handler(QUEUE, "account.deleted")
async def remove_account_statuses(event: Event, ctx: WorkerContext) -> None:
    await service.remove_orphans(db=ctx.db)
