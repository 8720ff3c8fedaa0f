"""The Mastodon Tag entity, with its seven days of history, for a list of tags at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db.metadata import utcnow
from roost.settings import Settings
from roost.tags import queries

HISTORY_DAYS = 7
SECONDS_PER_DAY = 86_400


def epoch_day(moment: datetime) -> int:
    """Days since the Unix epoch (UTC) of ``moment``."""
    return int(moment.timestamp()) // SECONDS_PER_DAY


async def render_tags(
    conn: AsyncConnection,
    *,
    rows: Sequence[Mapping[Any, Any]],
    viewer_account_id: int | None,
    settings: Settings,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Tag entities in the order given: ``name``, ``url``, ``history`` (today first, seven
    days of ``{day, uses, accounts}`` as strings) and, for a signed-in viewer, ``following``.
    Two queries whatever the number of tags."""
    if not rows:
        return []
    today = epoch_day(now or utcnow())
    ids = [row["id"] for row in rows]
    counts = await queries.daily_counts(conn, ids, today - HISTORY_DAYS + 1)
    followed = (
        await queries.followed_tag_ids(conn, viewer_account_id, ids)
        if viewer_account_id is not None
        else set()
    )
    rendered = []
    for row in rows:
        history = []
        for day in range(today, today - HISTORY_DAYS, -1):
            uses, accounts = counts.get((row["id"], day), (0, 0))
            history.append(
                {"day": str(day * SECONDS_PER_DAY), "uses": str(uses), "accounts": str(accounts)}
            )
        entity: dict[str, Any] = {
            "id": str(row["id"]),
            "name": row["name"],
            "url": f"{settings.base_url}/tags/{quote(row['name'])}",
            "history": history,
        }
        if viewer_account_id is not None:
            entity["following"] = row["id"] in followed
        rendered.append(entity)
    return rendered
