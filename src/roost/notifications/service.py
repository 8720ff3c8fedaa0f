"""Use cases behind the notification endpoints: list, show, dismiss, clear, count unread.

Every read and write is scoped to the viewer's own notifications: someone else's id is
a 404, exactly like an unknown one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from roost.db import Database
from roost.db.paging import Page
from roost.errors import NotFound
from roost.events.outbox import record_event
from roost.notifications import queries
from roost.notifications.creation import TYPES
from roost.notifications.entities import render_notifications
from roost.notifications.queries import Filter
from roost.settings import Settings

NOTIFICATIONS_TIMELINE = "notifications"
DELETED = "notification.deleted"


@dataclass(frozen=True)
class NotificationPage:
    notifications: list[dict[str, Any]]
    cursors: list[int]  # notification ids, newest first (for the Link header)


def build_filter(
    *, types: list[str], exclude_types: list[str], from_account_id: int | None
) -> Filter:
    """Mastodon keeps the known types of ``types[]`` (none known: nothing matches)."""
    return Filter(
        types=frozenset(t for t in types if t in TYPES) if types else None,
        exclude_types=frozenset(exclude_types),
        from_account_id=from_account_id,
    )


async def list_notifications(
    *, db: Database, settings: Settings, account_id: int, chosen: Filter, page: Page
) -> NotificationPage:
    """The viewer's notifications, newest first, filtered and paged by id."""
    async with db.read() as conn:
        rows = await queries.notifications_page(conn, account_id, chosen, page)
        rendered = await render_notifications(
            conn, rows=rows, viewer_account_id=account_id, settings=settings
        )
    return NotificationPage(notifications=rendered, cursors=[row["id"] for row in rows])


async def get_notification(
    *, db: Database, settings: Settings, account_id: int, notification_id: int
) -> dict[str, Any]:
    """One of the viewer's notifications; 404 for anyone else's."""
    async with db.read() as conn:
        row = await queries.find_notification(
            conn, account_id=account_id, notification_id=notification_id
        )
        rendered = (
            await render_notifications(
                conn, rows=[row], viewer_account_id=account_id, settings=settings
            )
            if row is not None
            else []
        )
    if not rendered:
        raise NotFound()
    return rendered[0]


async def dismiss(*, db: Database, account_id: int, notification_id: int) -> None:
    """Remove one of the viewer's notifications (404 when it is not theirs or gone)."""
    async with db.write() as conn:
        if not await queries.delete_one(
            conn, account_id=account_id, notification_id=notification_id
        ):
            raise NotFound()
        await record_event(
            conn,
            kind=DELETED,
            payload={"notification_id": notification_id, "account_id": account_id},
        )


async def clear(*, db: Database, account_id: int) -> None:
    """Remove every notification of the viewer (a retry finds nothing more to do)."""
    async with db.write() as conn:
        for notification_id in await queries.delete_all(conn, account_id):
            await record_event(
                conn,
                kind=DELETED,
                payload={"notification_id": notification_id, "account_id": account_id},
            )


async def unread_count(*, db: Database, account_id: int, chosen: Filter, cap: int) -> int:
    """Notifications newer than the viewer's notifications marker, counted up to ``cap``."""
    async with db.read() as conn:
        found = await queries.find_markers(conn, account_id, [NOTIFICATIONS_TIMELINE])
        marker = found.get(NOTIFICATIONS_TIMELINE)
        above = marker["last_read_id"] if marker is not None else 0
        return await queries.count_above(conn, account_id, chosen, above_id=above, cap=cap)
