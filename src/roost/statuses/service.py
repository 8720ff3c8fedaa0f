"""Use cases for statuses: post, read, delete, thread context, favourites and reblogs.

Every write is one transaction and safe to retry: rows are claimed with unique
constraints (``insert_ignore`` … ``RETURNING``) and counters move only when a row
was really inserted or deleted. Counters follow Mastodon's rules: a direct status
counts towards nobody's ``statuses_count``, and only public and unlisted replies
count towards their parent's ``replies_count``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.entities import render_account
from roost.accounts.queries import find_account, find_accounts_by_usernames
from roost.db import Database
from roost.db.metadata import utcnow
from roost.db.paging import Page
from roost.errors import Forbidden, NotFound, Validation
from roost.events.outbox import record_event
from roost.ids import new_id
from roost.media.service import attach_media, parse_media_ids
from roost.settings import Settings
from roost.statuses import queries
from roost.statuses.entities import render_statuses
from roost.statuses.text import countable_length, format_status, mention_candidates

VISIBILITIES = ("public", "unlisted", "private", "direct")
REBLOG_VISIBILITIES = ("public", "unlisted", "private")
DISTRIBUTABLE = ("public", "unlisted")
REPLY_TARGET_MISSING = "The status you are trying to reply to does not appear to exist."
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})?$")


@dataclass(frozen=True)
class NewStatus:
    """What the client sent to ``POST /api/v1/statuses``, already parsed."""

    text: str
    visibility: str | None = None
    sensitive: bool = False
    spoiler_text: str = ""
    language: str | None = None
    in_reply_to_id: int | None = None
    media_ids: tuple[str, ...] = ()
    idempotency_key: str | None = None


@dataclass(frozen=True)
class PostResult:
    status: dict[str, Any]
    created: bool  # False when an Idempotency-Key retry returned the stored status


@dataclass(frozen=True)
class Listed:
    """A page of rendered items and their pagination cursors, newest first."""

    items: list[dict[str, Any]]
    cursors: list[int]


# --- posting -------------------------------------------------------------------------------


async def post_status(
    *,
    db: Database,
    settings: Settings,
    author_id: int,
    application_id: int | None,
    new: NewStatus,
) -> PostResult:
    """Create a status with its mentions, tags and counters; a repeated Idempotency-Key
    returns the status the key first made."""
    visibility = _validate(new, settings)
    media_ids = parse_media_ids(new.media_ids)
    async with db.write() as conn:
        status_id = new_id()
        if new.idempotency_key:
            stored = await queries.claim_idempotency_key(
                conn,
                db.dialect,
                account_id=author_id,
                key=new.idempotency_key,
                status_id=status_id,
            )
            if stored != status_id:
                return PostResult(
                    status=await _render_one(conn, stored, author_id, settings), created=False
                )
        parent = await _reply_target(conn, new.in_reply_to_id, author_id)
        candidates = mention_candidates(new.text, instance_domain=settings.instance_domain)
        local = await find_accounts_by_usernames(conn, candidates)
        formatted = format_status(
            new.text,
            base_url=settings.base_url,
            instance_domain=settings.instance_domain,
            local_usernames={key: row["username"] for key, row in local.items()},
        )
        now = utcnow()
        await queries.insert_status(
            conn,
            id=status_id,
            account_id=author_id,
            text=new.text,
            content=formatted.html,
            spoiler_text=new.spoiler_text,
            visibility=visibility,
            sensitive=new.sensitive or bool(new.spoiler_text),
            language=_language(new.language),
            in_reply_to_id=parent["id"] if parent is not None else None,
            in_reply_to_account_id=parent["account_id"] if parent is not None else None,
            application_id=application_id,
            created_at=now,
        )
        await attach_media(conn, status_id=status_id, account_id=author_id, media_ids=media_ids)
        await queries.insert_mentions(conn, status_id, [local[n]["id"] for n in formatted.mentions])
        await queries.link_tags(conn, db.dialect, status_id, formatted.tags)
        if visibility != "direct":
            await queries.add_to_statuses_count(conn, [author_id], 1, last_status_at=now)
        if parent is not None and visibility in DISTRIBUTABLE:
            await queries.add_to_status_counter(conn, parent["id"], "replies_count", 1)
        await record_event(
            conn,
            kind="status.created",
            payload={
                "status_id": status_id,
                "account_id": author_id,
                "reblog_of_id": None,
                "in_reply_to_id": parent["id"] if parent is not None else None,
                "in_reply_to_account_id": parent["account_id"] if parent is not None else None,
                "visibility": visibility,
            },
        )
        rendered = await _render_one(conn, status_id, author_id, settings)
    return PostResult(status=rendered, created=True)


def _validate(new: NewStatus, settings: Settings) -> str:
    visibility = new.visibility or "public"
    if visibility not in VISIBILITIES:
        raise Validation("Validation failed: Visibility is not included in the list")
    if not new.text.strip() and not new.media_ids:  # a status may be media alone
        raise Validation("Validation failed: Text can't be blank")
    if countable_length(new.text) + len(new.spoiler_text) > settings.max_status_chars:
        raise Validation(
            f"Validation failed: Text character limit of {settings.max_status_chars} exceeded"
        )
    return visibility


def _language(value: str | None) -> str | None:
    if value and _LANGUAGE.match(value):
        return value.lower() if "-" not in value else value
    return None


async def _reply_target(
    conn: AsyncConnection, in_reply_to_id: int | None, viewer_id: int
) -> RowMapping | None:
    """The status replied to (the original, when a reblog is replied to), if visible."""
    if in_reply_to_id is None:
        return None
    target = await queries.find_visible_status(conn, in_reply_to_id, viewer_id)
    if target is not None and target["reblog_of_id"] is not None:
        target = await queries.find_visible_status(conn, target["reblog_of_id"], viewer_id)
    if target is None:
        raise Validation(REPLY_TARGET_MISSING)
    return target


# --- reading -------------------------------------------------------------------------------


async def get_status(
    *, db: Database, settings: Settings, status_id: int, viewer_id: int | None
) -> dict[str, Any]:
    """One status, if the viewer may see it (404 otherwise, revealing nothing)."""
    async with db.read() as conn:
        row = await _visible_or_404(conn, status_id, viewer_id)
        return await _render_row(conn, row, viewer_id, settings)


async def get_context(
    *, db: Database, settings: Settings, status_id: int, viewer_id: int | None
) -> dict[str, list[dict[str, Any]]]:
    """The thread around a status: visible ancestors oldest first, descendants in order."""
    async with db.read() as conn:
        row = await _visible_or_404(conn, status_id, viewer_id)
        above = await queries.ancestors(conn, row, viewer_id)
        below = await queries.descendants(conn, row, viewer_id)
        rendered = await render_statuses(
            conn, rows=[*above, *below], viewer_account_id=viewer_id, settings=settings
        )
    return {"ancestors": rendered[: len(above)], "descendants": rendered[len(above) :]}


async def account_statuses(
    *,
    db: Database,
    settings: Settings,
    account_id: int,
    viewer_id: int | None,
    page: Page,
    exclude_replies: bool = False,
    exclude_reblogs: bool = False,
    only_media: bool = False,
    pinned: bool = False,
    tagged: str | None = None,
) -> Listed:
    """A profile's statuses as the viewer may see them; 404 if the account blocks the viewer."""
    async with db.read() as conn:
        account = await find_account(conn, account_id)
        if account is None or await _blocks(conn, account_id, viewer_id):
            raise NotFound()
        if pinned:  # no pins exist yet
            return Listed(items=[], cursors=[])
        rows = await queries.account_statuses(
            conn,
            account_id=account_id,
            viewer_account_id=viewer_id,
            page=page,
            exclude_replies=exclude_replies,
            exclude_reblogs=exclude_reblogs,
            tagged=tagged,
            only_media=only_media,
        )
        items = await render_statuses(
            conn, rows=rows, viewer_account_id=viewer_id, settings=settings
        )
    return Listed(items=items, cursors=[row["id"] for row in rows])


async def favourites(*, db: Database, settings: Settings, account_id: int, page: Page) -> Listed:
    """The statuses an account favourited (and can still see), newest favourite first."""
    async with db.read() as conn:
        pairs = await queries.favourited_statuses(conn, account_id=account_id, page=page)
        items = await render_statuses(
            conn, rows=[row for _, row in pairs], viewer_account_id=account_id, settings=settings
        )
    return Listed(items=items, cursors=[cursor for cursor, _ in pairs])


async def favourited_by(
    *, db: Database, settings: Settings, status_id: int, viewer_id: int | None, page: Page
) -> Listed:
    """Accounts that favourited a visible status, newest favourite first."""
    async with db.read() as conn:
        row = await _visible_or_404(conn, status_id, viewer_id)
        pairs = await queries.favouriting_accounts(
            conn, status_id=row["id"], page=page, viewer_id=viewer_id
        )
    return _accounts_listed(pairs, settings)


async def reblogged_by(
    *, db: Database, settings: Settings, status_id: int, viewer_id: int | None, page: Page
) -> Listed:
    """Accounts that reblogged a visible status, newest reblog first."""
    async with db.read() as conn:
        row = await _visible_or_404(conn, status_id, viewer_id)
        pairs = await queries.reblogging_accounts(
            conn, status_id=row["id"], page=page, viewer_id=viewer_id
        )
    return _accounts_listed(pairs, settings)


def _accounts_listed(pairs: list[tuple[int, RowMapping]], settings: Settings) -> Listed:
    return Listed(
        items=[render_account(row, settings) for _, row in pairs],
        cursors=[cursor for cursor, _ in pairs],
    )


# --- deleting ------------------------------------------------------------------------------


async def delete_status(
    *, db: Database, settings: Settings, status_id: int, account_id: int
) -> dict[str, Any]:
    """Delete the author's own status with its reblogs, favourites, mentions and tag links;
    returns it as it was, with its source ``text``."""
    async with db.write() as conn:
        row = await queries.find_status(conn, status_id)
        if row is None or row["account_id"] != account_id:
            raise NotFound()
        rendered = await _render_row(conn, row, account_id, settings)
        rendered["text"] = row["text"]
        await _remove_status(conn, row)
    return rendered


async def _remove_status(conn: AsyncConnection, row: RowMapping) -> None:
    """Delete a status row and undo every counter it contributed to (once)."""
    reblogs = await queries.delete_reblogs_of(conn, row["id"])
    await queries.add_to_statuses_count(conn, [account for _, account in reblogs], -1)
    if not await queries.delete_status_row(conn, row["id"]):
        raise NotFound()  # a concurrent request deleted it first; this one changes nothing
    for reblog_id, reblogger_id in reblogs:
        await _status_deleted(conn, reblog_id, reblogger_id, row["id"])
    await _status_deleted(conn, row["id"], row["account_id"], row["reblog_of_id"])
    if row["visibility"] != "direct":
        await queries.add_to_statuses_count(conn, [row["account_id"]], -1)
    if row["in_reply_to_id"] is not None and row["visibility"] in DISTRIBUTABLE:
        await queries.add_to_status_counter(conn, row["in_reply_to_id"], "replies_count", -1)
    if row["reblog_of_id"] is not None:
        await queries.add_to_status_counter(conn, row["reblog_of_id"], "reblogs_count", -1)


async def remove_status(conn: AsyncConnection, row: RowMapping) -> None:
    """Delete a status inside the caller's transaction as ``delete_status`` does (account
    deletion removes an account's statuses one by one so every counter stays right)."""
    await _remove_status(conn, row)


async def _status_deleted(
    conn: AsyncConnection, status_id: int, account_id: int, reblog_of_id: int | None
) -> None:
    await record_event(
        conn,
        kind="status.deleted",
        payload={"status_id": status_id, "account_id": account_id, "reblog_of_id": reblog_of_id},
    )


# --- favourites and reblogs ----------------------------------------------------------------


async def favourite(
    *, db: Database, settings: Settings, status_id: int, account_id: int
) -> dict[str, Any]:
    """Favourite a visible status (once, however often asked)."""
    async with db.write() as conn:
        target = await _original(conn, await _visible_or_404(conn, status_id, account_id))
        if await queries.insert_favourite(
            conn, db.dialect, account_id=account_id, status_id=target["id"]
        ):
            await queries.add_to_status_counter(conn, target["id"], "favourites_count", 1)
            await record_event(
                conn,
                kind="favourite.created",
                payload={"account_id": account_id, "status_id": target["id"]},
            )
        return await _render_one(conn, target["id"], account_id, settings)


async def unfavourite(
    *, db: Database, settings: Settings, status_id: int, account_id: int
) -> dict[str, Any]:
    """Take a favourite back (a no-op if there was none)."""
    async with db.write() as conn:
        target = await _original(conn, await _visible_or_404(conn, status_id, account_id))
        if await queries.delete_favourite(conn, account_id=account_id, status_id=target["id"]):
            await queries.add_to_status_counter(conn, target["id"], "favourites_count", -1)
            await record_event(
                conn,
                kind="favourite.deleted",
                payload={"account_id": account_id, "status_id": target["id"]},
            )
        return await _render_one(conn, target["id"], account_id, settings)


async def reblog(
    *,
    db: Database,
    settings: Settings,
    status_id: int,
    account_id: int,
    application_id: int | None,
    visibility: str | None,
) -> dict[str, Any]:
    """Reblog a visible status (once); private ones only by their author, direct never."""
    wanted = visibility or "public"
    if wanted not in REBLOG_VISIBILITIES:
        raise Validation("Validation failed: Visibility is not included in the list")
    async with db.write() as conn:
        target = await _original(conn, await _visible_or_404(conn, status_id, account_id))
        if target["visibility"] == "direct" or (
            target["visibility"] == "private" and target["account_id"] != account_id
        ):
            raise Forbidden("This action is not allowed")
        if target["visibility"] == "private":
            wanted = "private"
        reblog_id = await queries.insert_reblog(
            conn,
            db.dialect,
            account_id=account_id,
            status_id=target["id"],
            visibility=wanted,
            application_id=application_id,
        )
        if reblog_id is not None:
            await queries.add_to_status_counter(conn, target["id"], "reblogs_count", 1)
            await queries.add_to_statuses_count(conn, [account_id], 1, last_status_at=utcnow())
            await record_event(
                conn,
                kind="status.created",
                payload={
                    "status_id": reblog_id,
                    "account_id": account_id,
                    "reblog_of_id": target["id"],
                    "in_reply_to_id": None,
                    "in_reply_to_account_id": None,
                    "visibility": wanted,
                },
            )
        existing = await queries.find_reblog(conn, account_id, target["id"])
        if existing is None:  # pragma: no cover - the row was inserted or already there
            raise NotFound()
        return await _render_row(conn, existing, account_id, settings)


async def unreblog(
    *, db: Database, settings: Settings, status_id: int, account_id: int
) -> dict[str, Any]:
    """Undo the account's reblog of a status; returns the original."""
    async with db.write() as conn:
        target = await _original(conn, await _visible_or_404(conn, status_id, account_id))
        existing = await queries.find_reblog(conn, account_id, target["id"])
        if existing is not None and await queries.delete_status_row(conn, existing["id"]):
            await queries.add_to_status_counter(conn, target["id"], "reblogs_count", -1)
            await queries.add_to_statuses_count(conn, [account_id], -1)
            await _status_deleted(conn, existing["id"], account_id, target["id"])
        return await _render_one(conn, target["id"], account_id, settings)


# --- helpers -------------------------------------------------------------------------------


async def _visible_or_404(
    conn: AsyncConnection, status_id: int, viewer_id: int | None
) -> RowMapping:
    row = await queries.find_visible_status(conn, status_id, viewer_id)
    if row is None:
        raise NotFound()
    return row


async def _original(conn: AsyncConnection, row: RowMapping) -> RowMapping:
    """A reblog stands for the status it shares: actions apply to that one."""
    if row["reblog_of_id"] is None:
        return row
    original = await queries.find_status(conn, row["reblog_of_id"])
    if original is None:
        raise NotFound()
    return original


async def _blocks(conn: AsyncConnection, account_id: int, viewer_id: int | None) -> bool:
    if viewer_id is None:
        return False
    return await queries.is_blocking(conn, account_id=account_id, target_account_id=viewer_id)


async def _render_one(
    conn: AsyncConnection, status_id: int, viewer_id: int | None, settings: Settings
) -> dict[str, Any]:
    row = await queries.find_status(conn, status_id)
    if row is None:
        raise NotFound()
    return await _render_row(conn, row, viewer_id, settings)


async def _render_row(
    conn: AsyncConnection, row: RowMapping, viewer_id: int | None, settings: Settings
) -> dict[str, Any]:
    rendered = await render_statuses(
        conn, rows=[row], viewer_account_id=viewer_id, settings=settings
    )
    return rendered[0]
