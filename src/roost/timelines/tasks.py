"""Worker handlers (queue ``timelines``) and inline after-commit listeners of the
timeline engine. Every handler is idempotent and quiet when its rows are gone.

Inline listeners run in the process that committed, before any worker: the author
sees their own status at once, and the caches this process holds (relationships,
statuses, pull authors) forget what changed so the next read is right even before
the worker has run. The worker handlers redo the same invalidations (other
processes read the Redis caches, which the first of them to run clears).
"""

from __future__ import annotations

from typing import Any

from roost.events.inline import after_commit
from roost.events.outbox import Event
from roost.oauth import revocations, token_cache
from roost.observability.metrics import observe_fanout_lag
from roost.timelines import feed_queries
from roost.timelines.engine import Engine, engine
from roost.timelines.fanout import (
    FANOUT_BATCH,
    REMOVE_BATCH,
    deliver_batch,
    deliver_to_author_and_mentions,
    fan_out,
    remove_batch,
    remove_everywhere,
)
from roost.workers.context import WorkerContext
from roost.workers.registry import handler

QUEUE = "timelines"
RELATIONSHIP_KINDS = (
    "follow.created",
    "follow.deleted",
    "block.created",
    "block.deleted",
    "mute.created",
    "mute.deleted",
)


def _engine(ctx: WorkerContext) -> Engine:
    return engine(settings=ctx.settings, db=ctx.db, redis=ctx.redis, keys=ctx.keys)


def _int(value: Any) -> int | None:
    return int(value) if value is not None else None


async def _forget_changed_statuses(timeline: Engine, payload: dict[str, Any]) -> None:
    """Counters changed: the replied-to status, the reblogged one, the status itself."""
    await timeline.forget_statuses(
        i
        for i in (
            _int(payload.get("status_id")),
            _int(payload.get("reblog_of_id")),
            _int(payload.get("in_reply_to_id")),
        )
        if i is not None
    )


# --- inline (the committing process) -------------------------------------------------------


@after_commit("status.created")
async def show_own_status_at_once(event: Event, ctx: WorkerContext) -> None:
    timeline = _engine(ctx)
    await deliver_to_author_and_mentions(timeline, event.payload)
    await _forget_changed_statuses(timeline, {**event.payload, "status_id": None})
    timeline.forget_pull([int(event.payload["account_id"])])


@after_commit("status.deleted")
async def forget_deleted_status(event: Event, ctx: WorkerContext) -> None:
    timeline = _engine(ctx)
    await _forget_changed_statuses(timeline, event.payload)
    timeline.forget_pull([int(event.payload["account_id"])])
    await timeline.store.remove(
        [int(event.payload["status_id"])], [int(event.payload["account_id"])]
    )


@after_commit("favourite.created", "favourite.deleted")
async def forget_favourited_status(event: Event, ctx: WorkerContext) -> None:
    await _engine(ctx).forget_statuses([int(event.payload["status_id"])])


@after_commit(*RELATIONSHIP_KINDS)
async def forget_relationships(event: Event, ctx: WorkerContext) -> None:
    timeline = _engine(ctx)
    await timeline.forget_contexts(_pair(event))
    timeline.forget_pull(authors_set=True)


@after_commit("tag_follow.created", "tag_follow.deleted")
async def forget_followed_tags(event: Event, ctx: WorkerContext) -> None:
    await _engine(ctx).forget_contexts([int(event.payload["account_id"])])


def _pair(event: Event) -> list[int]:
    return [int(event.payload["account_id"]), int(event.payload["target_account_id"])]


# --- workers ------------------------------------------------------------------------------


@handler(QUEUE, "status.created")
async def fan_out_status(event: Event, ctx: WorkerContext) -> None:
    timeline = _engine(ctx)
    await _forget_changed_statuses(timeline, {**event.payload, "status_id": None})
    await fan_out(timeline, ctx.bus, event.payload)
    observe_fanout_lag(event.kind, int(event.payload["status_id"]))


@handler(QUEUE, FANOUT_BATCH)
async def fan_out_batch(event: Event, ctx: WorkerContext) -> None:
    await deliver_batch(_engine(ctx), event.payload)
    observe_fanout_lag(event.kind, int(event.payload["status_id"]))


@handler(QUEUE, "status.deleted")
async def remove_deleted_status(event: Event, ctx: WorkerContext) -> None:
    timeline = _engine(ctx)
    await _forget_changed_statuses(timeline, event.payload)
    await remove_everywhere(timeline, ctx.bus, event.payload)


@handler(QUEUE, REMOVE_BATCH)
async def remove_from_batch(event: Event, ctx: WorkerContext) -> None:
    await remove_batch(_engine(ctx), event.payload)


@handler(QUEUE, "favourite.created", "favourite.deleted")
async def forget_favourite_counts(event: Event, ctx: WorkerContext) -> None:
    await _engine(ctx).forget_statuses([int(event.payload["status_id"])])


@handler(QUEUE, "follow.created")
async def backfill_followed(event: Event, ctx: WorkerContext) -> None:
    """The followed account's recent statuses join the follower's home (a merge)."""
    timeline = _engine(ctx)
    follower, followed = _pair(event)
    await timeline.forget_contexts([follower, followed])
    async with ctx.db.read() as conn:
        recent = await feed_queries.recent_status_ids(
            conn, [followed], limit=ctx.settings.timeline_cap
        )
    await timeline.store.merge(follower, recent[followed])


@handler(QUEUE, "follow.deleted", "block.created", "block.deleted", "mute.created", "mute.deleted")
async def rebuild_after_relationship_change(event: Event, ctx: WorkerContext) -> None:
    """Unfollow, block and mute remove statuses; unblock and unmute bring some back:
    rebuild the affected homes from the database (those that exist; a missing one is
    rebuilt when read). A block touches both homes; the others the actor's only."""
    timeline = _engine(ctx)
    actor, target = _pair(event)
    await timeline.forget_contexts([actor, target])
    affected = [actor, target] if event.kind.startswith("block.") else [actor]
    for account_id in affected:
        if await timeline.store.read(account_id) is not None:
            await timeline.rebuild(account_id)


@handler(QUEUE, "tag_follow.created", "tag_follow.deleted")
async def rebuild_after_tag_follow_change(event: Event, ctx: WorkerContext) -> None:
    """A followed hashtag brings its public statuses into the home, an unfollowed one
    takes them out: rebuild the home if it exists (as the reference query sees it)."""
    timeline = _engine(ctx)
    account_id = int(event.payload["account_id"])
    await timeline.forget_contexts([account_id])
    if await timeline.store.read(account_id) is not None:
        await timeline.rebuild(account_id)


@after_commit("account.deleted")
async def forget_deleted_account_tokens(event: Event, ctx: WorkerContext) -> None:
    account_id = int(event.payload["account_id"])
    token_cache.forget_accounts(ctx.db, [account_id])
    await revocations.announce(ctx.redis, ctx.keys, account_ids=[account_id])


@handler(QUEUE, "account.deleted")
async def drop_deleted_account(event: Event, ctx: WorkerContext) -> None:
    timeline = _engine(ctx)
    account_id = int(event.payload["account_id"])
    await timeline.store.drop([account_id])
    await timeline.forget_contexts([account_id])
