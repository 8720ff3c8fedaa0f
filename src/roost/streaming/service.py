"""Who receives a live event, and publishing it: the use cases behind the streaming worker.

Notes on design: an event's audience is a set of channels (``messages``): the author's
and followers' ``user`` streams, mentioned accounts' for private and direct statuses,
``public``/``public:local`` and the status's hashtags for public statuses that are not
reblogs nor replies to others (Mastodon's rules). Followers are paged by
``follows.id`` as fan-out does; each page is narrowed to the channels someone listens
to (``hub.active``) before anything is rendered, and the status is rendered once
(viewer-independent, the timeline engine's cache) only if some channel remains.
Blocks and mutes are checked by the API process at delivery time (``session``).
"""

from __future__ import annotations

import orjson

from roost.statuses import queries as status_queries
from roost.streaming.hub import Outgoing, StreamHub
from roost.streaming.messages import hashtag_channel, notification_channel, user_channel
from roost.timelines import feed_queries
from roost.timelines.engine import Engine

FOLLOWER_PAGE = 1000


async def _active_follower_channels(engine: Engine, hub: StreamHub, author_id: int) -> list[str]:
    found: list[str] = []
    after = 0
    while True:
        async with engine.db.read() as conn:
            page = await feed_queries.all_followers_batch(
                conn, account_id=author_id, after_follow_id=after, limit=FOLLOWER_PAGE
            )
        if not page:
            return found
        found.extend(await hub.active(user_channel(follower) for _, follower in page))
        after = page[-1][0]


async def publish_status(
    *, engine: Engine, hub: StreamHub, status_id: int, event: str = "update"
) -> int:
    """Publish a status (``update`` or ``status.update``) to its audience; the count of channels."""
    async with engine.db.read() as conn:
        row = await status_queries.find_status(conn, status_id)
        if row is None:
            return 0  # deleted meanwhile
        mentioned = await feed_queries.mentioned_ids(conn, status_id)
        tags = (await status_queries.tag_names(conn, [status_id])).get(status_id, [])
        original = (
            await status_queries.find_status(conn, row["reblog_of_id"])
            if row["reblog_of_id"] is not None
            else None
        )
    author = int(row["account_id"])
    visibility = row["visibility"]
    candidates = [user_channel(author)]
    if visibility in ("private", "direct") and row["reblog_of_id"] is None:
        candidates.extend(user_channel(i) for i in mentioned)
    reply_to_other = row["in_reply_to_account_id"] not in (None, author)
    if visibility == "public" and row["reblog_of_id"] is None and not reply_to_other:
        candidates.extend(["public", "public:local", *(hashtag_channel(t) for t in tags)])
    channels = await hub.active(dict.fromkeys(candidates))
    if visibility != "direct":
        channels.update(await _active_follower_channels(engine, hub, author))
    if not channels:
        return 0  # nobody listens: nothing is rendered
    if event == "status.update":
        await engine.forget_statuses([status_id])
    rendered = (await engine.hydrate_raw([status_id])).get(status_id)
    if rendered is None:
        return 0
    accounts = tuple(
        dict.fromkeys(
            [author, *mentioned, *([int(original["account_id"])] if original is not None else [])]
        )
    )
    payload = rendered.decode()
    await hub.publish([Outgoing(channel, event, payload, accounts) for channel in sorted(channels)])
    return len(channels)


async def publish_deletion(
    *, engine: Engine, hub: StreamHub, status_id: int, author_id: int
) -> int:
    """Publish ``delete`` (payload: the id) to the author's, followers' and public streams.

    The row is gone, so mentioned accounts of a deleted private status are not reached;
    only the id travels, so a wider audience leaks nothing.
    """
    channels = await hub.active([user_channel(author_id), "public", "public:local"])
    channels.update(await _active_follower_channels(engine, hub, author_id))
    if channels:
        await hub.publish(
            [Outgoing(channel, "delete", str(status_id)) for channel in sorted(channels)]
        )
    return len(channels)


async def publish_notification(
    *, engine: Engine, hub: StreamHub, notification_id: int, account_id: int
) -> int:
    """Publish a ``notification`` event to the recipient's user and notification streams."""
    channels = await hub.active([user_channel(account_id), notification_channel(account_id)])
    if not channels:
        return 0
    from roost.notifications import queries as notification_queries
    from roost.notifications.entities import render_notifications

    async with engine.db.read() as conn:
        row = await notification_queries.find_notification(
            conn, account_id=account_id, notification_id=notification_id
        )
        if row is None:
            return 0  # dismissed or undone meanwhile
        rendered = await render_notifications(
            conn, rows=[row], viewer_account_id=account_id, settings=engine.settings
        )
    if not rendered:
        return 0
    payload = orjson.dumps(rendered[0]).decode()
    await hub.publish(
        [
            Outgoing(channel, "notification", payload, (int(row["from_account_id"]),))
            for channel in sorted(channels)
        ]
    )
    return len(channels)
