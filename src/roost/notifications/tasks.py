"""Worker handlers (queue ``notifications``): events become notifications.

Each handler applies one rule of ``creation`` (its own transaction) and, after the
commit, announces every notification created or removed with a follow-up
``notification.created`` / ``notification.deleted`` job {notification_id, account_id}
(the streaming service consumes them). Redelivered events change nothing and so
announce nothing.
"""

from __future__ import annotations

from typing import Any

from roost.events.outbox import Event
from roost.notifications import creation
from roost.notifications.creation import Changes
from roost.workers.context import WorkerContext
from roost.workers.registry import handler

QUEUE = "notifications"
CREATED = "notification.created"
DELETED = "notification.deleted"


def _int(value: Any) -> int | None:
    return int(value) if value is not None else None


async def announce(ctx: WorkerContext, changes: Changes) -> None:
    """Publish the follow-up jobs of what a rule changed (after its commit)."""
    for kind, pairs in ((DELETED, changes.deleted), (CREATED, changes.created)):
        for notification_id, account_id in pairs:
            await ctx.bus.publish(
                kind, {"notification_id": notification_id, "account_id": account_id}
            )


def _pair(event: Event) -> tuple[int, int]:
    return int(event.payload["account_id"]), int(event.payload["target_account_id"])


@handler(QUEUE, "follow.created")
async def notify_follow(event: Event, ctx: WorkerContext) -> None:
    follower, followed = _pair(event)
    await announce(
        ctx, await creation.on_follow_created(db=ctx.db, follower_id=follower, followed_id=followed)
    )


@handler(QUEUE, "follow_request.created")
async def notify_follow_request(event: Event, ctx: WorkerContext) -> None:
    requester, target = _pair(event)
    await announce(
        ctx,
        await creation.on_follow_request_created(
            db=ctx.db, requester_id=requester, target_id=target
        ),
    )


@handler(QUEUE, "follow.deleted")
async def retract_follow(event: Event, ctx: WorkerContext) -> None:
    follower, followed = _pair(event)
    await announce(
        ctx, await creation.on_follow_deleted(db=ctx.db, follower_id=follower, followed_id=followed)
    )


@handler(QUEUE, "favourite.created")
async def notify_favourite(event: Event, ctx: WorkerContext) -> None:
    await announce(
        ctx,
        await creation.on_favourite_created(
            db=ctx.db,
            account_id=int(event.payload["account_id"]),
            status_id=int(event.payload["status_id"]),
        ),
    )


@handler(QUEUE, "favourite.deleted")
async def retract_favourite(event: Event, ctx: WorkerContext) -> None:
    await announce(
        ctx,
        await creation.on_favourite_deleted(
            db=ctx.db,
            account_id=int(event.payload["account_id"]),
            status_id=int(event.payload["status_id"]),
        ),
    )


@handler(QUEUE, "status.created")
async def notify_status(event: Event, ctx: WorkerContext) -> None:
    await announce(
        ctx, await creation.on_status_created(db=ctx.db, status_id=int(event.payload["status_id"]))
    )


@handler(QUEUE, "status.deleted")
async def retract_status(event: Event, ctx: WorkerContext) -> None:
    await announce(
        ctx,
        await creation.on_status_deleted(
            db=ctx.db,
            status_id=int(event.payload["status_id"]),
            account_id=int(event.payload["account_id"]),
            reblog_of_id=_int(event.payload.get("reblog_of_id")),
        ),
    )
