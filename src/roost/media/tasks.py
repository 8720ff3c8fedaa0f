"""Worker handlers of the ``media`` queue: process large uploads, remove the media of
deleted statuses and accounts. Each reloads what it needs and is safe to run twice."""

from __future__ import annotations

from roost.events.outbox import Event
from roost.media import service
from roost.media.storage import storage_for
from roost.workers.context import WorkerContext
from roost.workers.registry import handler

QUEUE = "media"


@handler(QUEUE, service.UPLOADED)
async def process_upload(event: Event, ctx: WorkerContext) -> None:
    await service.process_upload(
        db=ctx.db,
        settings=ctx.settings,
        storage=storage_for(ctx.settings),
        media_id=int(event.payload["media_id"]),
    )


@handler(QUEUE, "status.deleted")
async def remove_status_media(event: Event, ctx: WorkerContext) -> None:
    if event.payload.get("reblog_of_id") is not None:
        return  # a reblog carries no media of its own
    await service.remove_media(
        db=ctx.db, storage=storage_for(ctx.settings), status_id=int(event.payload["status_id"])
    )


@handler(QUEUE, "account.deleted")
async def remove_account_media(event: Event, ctx: WorkerContext) -> None:
    await service.remove_media(
        db=ctx.db, storage=storage_for(ctx.settings), account_id=int(event.payload["account_id"])
    )
