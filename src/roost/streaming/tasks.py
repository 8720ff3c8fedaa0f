"""Worker handlers (queue ``streaming``): committed changes become live stream events."""

from __future__ import annotations

from roost.events.outbox import Event
from roost.streaming import service
from roost.streaming.hub import StreamHub
from roost.streaming.hubs import publishing_hub
from roost.timelines.engine import Engine, engine
from roost.workers.context import WorkerContext
from roost.workers.registry import handler

QUEUE = "streaming"


def _parts(ctx: WorkerContext) -> tuple[Engine, StreamHub | None]:
    hub = publishing_hub(settings=ctx.settings, redis=ctx.redis, keys=ctx.keys)
    return engine(settings=ctx.settings, db=ctx.db, redis=ctx.redis, keys=ctx.keys), hub


@handler(QUEUE, "status.created")
async def stream_new_status(event: Event, ctx: WorkerContext) -> None:
    timeline, hub = _parts(ctx)
    if hub is not None:
        await service.publish_status(
            engine=timeline, hub=hub, status_id=int(event.payload["status_id"])
        )


@handler(QUEUE, "status.updated")
async def stream_updated_status(event: Event, ctx: WorkerContext) -> None:
    timeline, hub = _parts(ctx)
    if hub is not None:
        await service.publish_status(
            engine=timeline,
            hub=hub,
            status_id=int(event.payload["status_id"]),
            event="status.update",
        )


@handler(QUEUE, "status.deleted")
async def stream_deletion(event: Event, ctx: WorkerContext) -> None:
    timeline, hub = _parts(ctx)
    if hub is not None:
        await service.publish_deletion(
            engine=timeline,
            hub=hub,
            status_id=int(event.payload["status_id"]),
            author_id=int(event.payload["account_id"]),
        )


@handler(QUEUE, "notification.created")
async def stream_notification(event: Event, ctx: WorkerContext) -> None:
    timeline, hub = _parts(ctx)
    if hub is not None:
        await service.publish_notification(
            engine=timeline,
            hub=hub,
            notification_id=int(event.payload["notification_id"]),
            account_id=int(event.payload["account_id"]),
        )
