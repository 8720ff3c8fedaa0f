"""The Mastodon Notification and Marker entities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.entities import render_account
from roost.accounts.queries import find_accounts
from roost.settings import Settings
from roost.statuses import queries as status_queries
from roost.statuses.entities import render_statuses
from roost.timefmt import mastodon_time


async def render_notifications(
    conn: AsyncConnection,
    *,
    rows: Sequence[RowMapping],
    viewer_account_id: int,
    settings: Settings,
) -> list[dict[str, Any]]:
    """Render ``notifications`` rows in the order given, with a fixed number of queries
    (the actors, the statuses, then the statuses' own batch). ``status`` is present only
    for the types that carry one, as in Mastodon."""
    if not rows:
        return []
    actors = await find_accounts(conn, {row["from_account_id"] for row in rows})
    found = await status_queries.find_statuses(
        conn, [row["status_id"] for row in rows if row["status_id"] is not None]
    )
    ordered = list(found.values())
    rendered = await render_statuses(
        conn, rows=ordered, viewer_account_id=viewer_account_id, settings=settings
    )
    by_id = {row["id"]: entity for row, entity in zip(ordered, rendered, strict=True)}
    result: list[dict[str, Any]] = []
    for row in rows:
        actor = actors.get(row["from_account_id"])
        if actor is None:
            continue  # the actor's account is being deleted
        entity: dict[str, Any] = {
            "id": str(row["id"]),
            "type": row["type"],
            "created_at": mastodon_time(row["created_at"]),
            "account": render_account(actor, settings),
        }
        if row["status_id"] is not None:
            status = by_id.get(row["status_id"])
            if status is None:
                continue  # the status went after the page was read
            entity["status"] = status
        result.append(entity)
    return result


def render_markers(rows: dict[str, RowMapping]) -> dict[str, Any]:
    """``{timeline: {last_read_id, version, updated_at}}``."""
    return {
        timeline: {
            "last_read_id": str(row["last_read_id"]),
            "version": row["version"],
            "updated_at": mastodon_time(row["updated_at"]),
        }
        for timeline, row in sorted(rows.items())
    }
