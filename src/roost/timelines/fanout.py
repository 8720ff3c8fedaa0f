"""Fan-out on write: who gets a status in their home, in batches.

Notes on design: the author's home and, for private and direct statuses, the
mentioned accounts' homes get it first (direct statuses go nowhere else). Authors
with more than ``fanout_threshold`` followers stop there: their followers pull them at
read time. Otherwise followers are paged by ``follows.id`` (a keyset over the
``follows (target_account_id, id)`` index), only those active within
``active_days`` (never-active accounts included among the skipped; their home is
rebuilt when they come back), and reblogs skip follows with ``show_reblogs`` off.
The first page of ``fanout_batch_size`` followers is delivered by this handler (one
script call, while the next page is read); each later page is one ``fanout.batch``
job (one script call delivers it), so a large audience spreads over the workers.
Public statuses (not reblogs) carrying hashtags also go to the homes of the active
accounts following those hashtags (Mastodon's ``deliver_to_hashtag_followers``), paged
by ``tag_follows.id`` and batched the same way, whatever the author's follower count.
Mutes, blocks and reply rules are left to the read-time filter (``filters``): they
may change after delivery anyway.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from roost.db.metadata import utcnow
from roost.timelines import feed_queries
from roost.timelines.engine import Engine
from roost.timelines.filters import LIMITED
from roost.timelines.store import Delivery

FANOUT_BATCH = "fanout.batch"
REMOVE_BATCH = "timeline.remove.batch"


async def deliver_to_author_and_mentions(engine: Engine, payload: dict[str, Any]) -> None:
    """The author's own home (no reblog fall-off: one always sees one's own reblog) and,
    for private and direct statuses, the homes of the accounts it mentions."""
    status_id = int(payload["status_id"])
    author = int(payload["account_id"])
    reblog_of_id = payload.get("reblog_of_id")
    await engine.store.deliver(Delivery(status_id), [author])
    if payload.get("visibility") in LIMITED and reblog_of_id is None:
        async with engine.db.read() as conn:
            mentioned = await feed_queries.mentioned_ids(conn, status_id)
        await engine.store.deliver(Delivery(status_id), [i for i in mentioned if i != author])


async def fan_out(engine: Engine, bus: Any, payload: dict[str, Any]) -> None:
    """Deliver a new status to its author, mentioned accounts and active followers."""
    status_id = int(payload["status_id"])
    async with engine.db.read() as conn:
        status = await feed_queries.status_for_fanout(conn, status_id)
    if status is None:
        return  # deleted meanwhile
    await deliver_to_author_and_mentions(engine, payload)
    if status["visibility"] == "direct":
        return
    if status["visibility"] == "public" and status["reblog_of_id"] is None:
        await _fan_out_to_tag_followers(engine, bus, status)
    if status["followers_count"] > engine.settings.fanout_threshold:
        engine.forget_pull([status["account_id"]])
        return
    delivery = Delivery(status_id, status["reblog_of_id"])
    settings = engine.settings
    active_since = utcnow() - timedelta(days=settings.active_days)

    async def page_after(cursor: int) -> list[tuple[int, int]]:
        async with engine.db.read() as conn:
            return await feed_queries.followers_batch(
                conn,
                account_id=status["account_id"],
                after_follow_id=cursor,
                limit=settings.fanout_batch_size,
                active_since=active_since,
                reblog=status["reblog_of_id"] is not None,
            )

    page = await page_after(0)
    if not page:
        return
    first = [account_id for _, account_id in page]
    if len(page) < settings.fanout_batch_size:
        await engine.store.deliver(delivery, first)
        return
    # The first page is delivered here (no hop through the stream) while the next page
    # is read; the later pages go out as jobs, which any worker may take.
    _, page = await asyncio.gather(engine.store.deliver(delivery, first), page_after(page[-1][0]))
    while page:
        await bus.publish(
            FANOUT_BATCH,
            {"status_id": status_id, "reblog_of_id": status["reblog_of_id"],
             "account_ids": [account_id for _, account_id in page]},
        )  # fmt: skip
        if len(page) < settings.fanout_batch_size:
            return
        page = await page_after(page[-1][0])


async def _fan_out_to_tag_followers(engine: Engine, bus: Any, status: Any) -> None:
    """Deliver a public status to the active followers of its hashtags, in batches."""
    settings = engine.settings
    active_since = utcnow() - timedelta(days=settings.active_days)

    async def page_after(cursor: int) -> list[tuple[int, int]]:
        async with engine.db.read() as conn:
            return await feed_queries.tag_followers_batch(
                conn,
                status_id=status["id"],
                author_id=status["account_id"],
                after_follow_id=cursor,
                limit=settings.fanout_batch_size,
                active_since=active_since,
            )

    delivery = Delivery(status["id"])
    page = await page_after(0)
    first = True
    while page:
        account_ids = [account_id for _, account_id in page]
        if first:
            await engine.store.deliver(delivery, account_ids)
            first = False
        else:
            await bus.publish(
                FANOUT_BATCH,
                {"status_id": status["id"], "reblog_of_id": None, "account_ids": account_ids},
            )
        if len(page) < settings.fanout_batch_size:
            return
        page = await page_after(page[-1][0])


async def deliver_batch(engine: Engine, payload: dict[str, Any]) -> None:
    """One ``fanout.batch`` job: one script call (one round trip) for the whole batch."""
    status_id = int(payload["status_id"])
    async with engine.db.read() as conn:
        if await feed_queries.status_for_fanout(conn, status_id) is None:
            return
    reblog_of_id = payload.get("reblog_of_id")
    await engine.store.deliver(
        Delivery(status_id, int(reblog_of_id) if reblog_of_id else None),
        [int(i) for i in payload["account_ids"]],
    )


async def remove_everywhere(engine: Engine, bus: Any, payload: dict[str, Any]) -> None:
    """A deleted status leaves its author's home and every follower's (in batches);
    mentioned accounts' homes drop it at read time (its mentions are gone with it)."""
    status_id = int(payload["status_id"])
    author = int(payload["account_id"])
    await engine.store.remove([status_id], [author])
    cursor = 0
    first = True
    size = engine.settings.fanout_batch_size
    while True:
        async with engine.db.read() as conn:
            page = await feed_queries.all_followers_batch(
                conn, account_id=author, after_follow_id=cursor, limit=size
            )
        if not page:
            return
        account_ids = [account_id for _, account_id in page]
        if first and len(page) < size:
            await engine.store.remove([status_id], account_ids)
            return
        first = False
        await bus.publish(REMOVE_BATCH, {"status_ids": [status_id], "account_ids": account_ids})
        if len(page) < size:
            return
        cursor = page[-1][0]


async def remove_batch(engine: Engine, payload: dict[str, Any]) -> None:
    await engine.store.remove(
        [int(i) for i in payload["status_ids"]], [int(i) for i in payload["account_ids"]]
    )
