"""Use cases of read markers (``/api/v1/markers``): where a user stopped reading the
home timeline and the notifications, shared between their clients."""

from __future__ import annotations

from typing import Any

from roost.db import Database
from roost.db.metadata import utcnow
from roost.notifications import queries
from roost.notifications.entities import render_markers

TIMELINES = ("home", "notifications")


async def get_markers(*, db: Database, account_id: int, timelines: list[str]) -> dict[str, Any]:
    """The viewer's markers of the timelines asked for (unknown or unset ones are left out)."""
    async with db.read() as conn:
        rows = await queries.find_markers(
            conn, account_id, [t for t in timelines if t in TIMELINES]
        )
    return render_markers(rows)


async def save_markers(
    *, db: Database, account_id: int, positions: dict[str, int]
) -> dict[str, Any]:
    """Create or move the given markers in one transaction; a move bumps the version,
    saving the same position again changes nothing. Returns the markers saved."""
    now = utcnow()
    async with db.write() as conn:
        for timeline, last_read_id in sorted(positions.items()):
            created = await queries.insert_marker(
                conn,
                db.dialect,
                account_id=account_id,
                timeline=timeline,
                last_read_id=last_read_id,
                now=now,
            )
            if not created:
                await queries.move_marker(
                    conn,
                    account_id=account_id,
                    timeline=timeline,
                    last_read_id=last_read_id,
                    now=now,
                )
        rows = await queries.find_markers(conn, account_id, positions)
    return render_markers(rows)
