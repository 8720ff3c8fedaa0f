"""Hashtag use cases: show a tag, follow and unfollow it, list the tags one follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from roost.db import Database
from roost.db.paging import Page
from roost.errors import NotFound
from roost.events.outbox import record_event
from roost.settings import Settings
from roost.statuses.text import is_valid_tag
from roost.tags import queries
from roost.tags.entities import render_tags


@dataclass(frozen=True)
class TagPage:
    """Rendered tags and the follow ids that page them (newest first)."""

    tags: list[dict[str, Any]] = field(default_factory=list)
    cursors: list[int] = field(default_factory=list)


def _valid_name(name: str) -> str:
    """The name without a leading ``#``; 404 for a name no hashtag can have (as Mastodon)."""
    cleaned = name.strip().removeprefix("#")
    if not cleaned or not all(char.isalnum() or char == "_" for char in cleaned):
        raise NotFound("Record not found")
    if not is_valid_tag(cleaned):
        raise NotFound("Record not found")
    return cleaned


async def show_tag(
    *, db: Database, settings: Settings, viewer_account_id: int | None, name: str
) -> dict[str, Any]:
    """A tag's entity; a valid name nobody used yet still answers, with empty history."""
    cleaned = _valid_name(name)
    async with db.read() as conn:
        row = await queries.find_tag(conn, cleaned.lower())
        if row is None:
            entity: dict[str, Any] = (
                await render_tags(
                    conn,
                    rows=[{"id": 0, "name": cleaned}],
                    viewer_account_id=viewer_account_id,
                    settings=settings,
                )
            )[0]
            entity.pop("id")
            return entity
        return (
            await render_tags(
                conn, rows=[row], viewer_account_id=viewer_account_id, settings=settings
            )
        )[0]


async def follow_tag(
    *, db: Database, settings: Settings, account_id: int, name: str
) -> dict[str, Any]:
    """Follow a hashtag (created if new); following twice changes nothing. Emits
    ``tag_follow.created`` (the home timeline starts showing the tag's public statuses)."""
    cleaned = _valid_name(name)
    async with db.write() as conn:
        row = await queries.find_or_create_tag(conn, db.dialect, cleaned)
        if await queries.follow_tag(conn, db.dialect, account_id=account_id, tag_id=row["id"]):
            await record_event(
                conn,
                kind="tag_follow.created",
                payload={"account_id": account_id, "tag_id": row["id"]},
            )
        return (
            await render_tags(conn, rows=[row], viewer_account_id=account_id, settings=settings)
        )[0]


async def unfollow_tag(
    *, db: Database, settings: Settings, account_id: int, name: str
) -> dict[str, Any]:
    """Stop following a hashtag; unfollowing one not followed changes nothing. Emits
    ``tag_follow.deleted`` (the tag's statuses leave the home timeline)."""
    cleaned = _valid_name(name)
    async with db.write() as conn:
        row = await queries.find_tag(conn, cleaned.lower())
        if row is None:
            raise NotFound("Record not found")
        if await queries.unfollow_tag(conn, account_id=account_id, tag_id=row["id"]):
            await record_event(
                conn,
                kind="tag_follow.deleted",
                payload={"account_id": account_id, "tag_id": row["id"]},
            )
        return (
            await render_tags(conn, rows=[row], viewer_account_id=account_id, settings=settings)
        )[0]


async def followed_tags(
    *, db: Database, settings: Settings, account_id: int, page: Page
) -> TagPage:
    """One page of the hashtags the account follows, most recently followed first."""
    async with db.read() as conn:
        rows = await queries.followed_tags_page(conn, account_id=account_id, page=page)
        rendered = await render_tags(
            conn, rows=rows, viewer_account_id=account_id, settings=settings
        )
    return TagPage(rendered, [row["follow_id"] for row in rows])
