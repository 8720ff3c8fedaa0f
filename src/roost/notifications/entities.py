"""The Mastodon Notification and Marker entities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.entities import render_account
from roost.accounts.graph_queries import blocked_among
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
    for the types that carry one, as in Mastodon.

    A notification whose status the recipient may no longer see (its author blocked them,
    they stopped following the author of a private one) is left out, as that status is
    everywhere else: a notification must not be a way around ``visible_to``."""
    if not rows:
        return []
    actors = await find_accounts(conn, {row["from_account_id"] for row in rows})
    # A block either way hides the other account from now on (Roost answers 404 for a
    # blocker's profile; Mastodon deletes the blocker's notifications from the blocked).
    blocked = await blocked_among(conn, viewer_account_id, actors)
    found = await status_queries.find_visible_statuses(
        conn,
        [row["status_id"] for row in rows if row["status_id"] is not None],
        viewer_account_id,
    )
    ordered = list(found.values())
    rendered = await render_statuses(
        conn, rows=ordered, viewer_account_id=viewer_account_id, settings=settings
    )
    by_id = {row["id"]: entity for row, entity in zip(ordered, rendered, strict=True)}
    result: list[dict[str, Any]] = []
    for row in rows:
        actor = actors.get(row["from_account_id"])
        if actor is None or actor["id"] in blocked:
            continue  # the actor's account is being deleted, or a block stands between them
        entity: dict[str, Any] = {
            "id": str(row["id"]),
            "type": row["type"],
            "created_at": mastodon_time(row["created_at"]),
            "account": render_account(actor, settings),
        }
        if row["status_id"] is not None:
            status = by_id.get(row["status_id"])
            if status is None:
                continue  # the status went, or the recipient may no longer see it
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
