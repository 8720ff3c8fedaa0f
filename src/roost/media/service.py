"""Use cases for media: upload (inline or through the worker), show, describe, attach,
and remove the media of deleted statuses.

Notes on design: files are written to storage *before* the row that points at them is
committed, so a committed row never names a missing file; a failed transaction can
leave an unreferenced file behind (harmless, content-addressed, overwritten by the
same upload). Stored names are content hashes, so two identical uploads share one
file: deleting checks that no other attachment still points at it.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import Database
from roost.db.metadata import utcnow
from roost.errors import DomainError, NotFound, Validation
from roost.events.outbox import record_event
from roost.ids import new_id
from roost.media import queries
from roost.media.entities import render_media
from roost.media.processing import Processed, content_type_of_key, probe, process
from roost.media.storage import MediaStorage, valid_key
from roost.settings import Settings

MAX_DESCRIPTION = 1500
MAX_ATTACHMENTS = 4
UPLOADED = "media.uploaded"  # event: {media_id, account_id}; the media worker processes it
TOO_MANY = "Validation failed: Cannot attach more than 4 files"
NOT_READY = "Cannot attach files that have not finished processing. Try again in a moment!"
PROCESSING_FAILED = "Error processing thumbnail for uploaded media"


class TooLarge(DomainError):
    status_code = 413


@dataclass(frozen=True)
class MediaResult:
    media: dict[str, Any]
    state: str  # processing, ready or failed


@dataclass(frozen=True)
class Details:
    """Description and focal point as sent; None means "leave as it is"."""

    description: str | None = None
    focus: str | None = None


def too_large(settings: Settings) -> TooLarge:
    limit = settings.media_max_bytes // (1024 * 1024)
    return TooLarge(f"Validation failed: File file size must be less than {limit} MB")


def _details(details: Details) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if details.description is not None:
        if len(details.description) > MAX_DESCRIPTION:
            raise Validation(
                "Validation failed: Description is too long "
                f"(maximum is {MAX_DESCRIPTION} characters)"
            )
        values["description"] = details.description or None
    if details.focus is not None and details.focus.strip():
        values["focus_x"], values["focus_y"] = _focus(details.focus)
    return values


_NUMBER = r"\s*(-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*"
FOCUS = re.compile(_NUMBER + "," + _NUMBER)


def _focus(text: str) -> tuple[float, float]:
    """Mastodon's focal point ``"x,y"``, each in [-1, 1]."""
    # A pattern, not float(): float() also takes "inf", "1e3" and "1_0", which no client means.
    found = FOCUS.fullmatch(text)
    if found is None:
        raise Validation('Validation failed: Focus must be two numbers as "x,y"')
    x, y = float(found[1]), float(found[2])
    if not all(math.isfinite(v) and -1.0 <= v <= 1.0 for v in (x, y)):
        raise Validation("Validation failed: Focus values must be between -1 and 1")
    return x, y


# --- uploading -----------------------------------------------------------------------------


async def upload(
    *,
    db: Database,
    settings: Settings,
    storage: MediaStorage,
    account_id: int,
    data: bytes,
    details: Details,
    allow_async: bool,
) -> MediaResult:
    """Validate an image by its content and store it: processed at once when small (or
    when the v1 endpoint asks), otherwise queued for the media worker (202 flow)."""
    values = _details(details)
    if len(data) > settings.media_max_bytes:
        raise too_large(settings)
    if not data:
        raise Validation("Validation failed: File can't be blank")
    media_id = new_id()
    if allow_async and len(data) > settings.media_inline_max_bytes:
        await asyncio.to_thread(probe, data, max_pixels=settings.media_max_pixels)
        upload_key = f"incoming/{media_id}"
        await storage.put(upload_key, data)
        async with db.write() as conn:
            await queries.insert_media(
                conn,
                id=media_id,
                account_id=account_id,
                state=queries.PROCESSING,
                upload_key=upload_key,
                created_at=utcnow(),
                **values,
            )
            await record_event(
                conn, kind=UPLOADED, payload={"media_id": media_id, "account_id": account_id}
            )
            return await _result(conn, media_id, settings)
    processed = await _process(data, settings)
    await _store(storage, processed)
    async with db.write() as conn:
        await queries.insert_media(
            conn,
            id=media_id,
            account_id=account_id,
            created_at=utcnow(),
            **_processed_values(processed),
            **values,
        )
        return await _result(conn, media_id, settings)


async def _process(data: bytes, settings: Settings) -> Processed:
    return await asyncio.to_thread(
        process,
        data,
        max_pixels=settings.media_max_pixels,
        original_pixels=settings.media_original_pixels,
        small_pixels=settings.media_small_pixels,
    )


async def _store(storage: MediaStorage, processed: Processed) -> None:
    for variant in (processed.original, processed.small):
        if not await storage.exists(variant.key):
            await storage.put(variant.key, variant.data)


def _processed_values(processed: Processed) -> dict[str, Any]:
    return {
        "state": queries.READY,
        "content_type": processed.original.content_type,
        "file_key": processed.original.key,
        "small_key": processed.small.key,
        "file_size": len(processed.original.data),
        "meta": processed.meta(),
        "blurhash": processed.blurhash,
    }


async def process_upload(
    *, db: Database, settings: Settings, storage: MediaStorage, media_id: int
) -> None:
    """Worker: process a queued upload once; quiet if it is gone or already done."""
    async with db.read() as conn:
        row = await queries.find_media(conn, media_id)
    if row is None or row["state"] != queries.PROCESSING or not row["upload_key"]:
        return
    data = await storage.get(row["upload_key"])
    values: dict[str, Any]
    try:
        if data is None:
            raise Validation(PROCESSING_FAILED)
        processed = await _process(data, settings)
    except Validation:
        values = {"state": queries.FAILED, "upload_key": None}
    else:
        await _store(storage, processed)
        values = {**_processed_values(processed), "upload_key": None}
    async with db.write() as conn:
        await queries.finish_processing(conn, media_id=media_id, values=values)
    await storage.delete(row["upload_key"])


# --- reading and describing ----------------------------------------------------------------


async def get_media(
    *, db: Database, settings: Settings, media_id: int, account_id: int
) -> MediaResult:
    """The uploader's own unattached attachment (404 for anyone else, or once attached)."""
    async with db.read() as conn:
        return await _own_unattached(conn, media_id, account_id, settings)


async def update_media(
    *, db: Database, settings: Settings, media_id: int, account_id: int, details: Details
) -> MediaResult:
    """Set the description and focal point of the uploader's own unattached attachment."""
    values = _details(details)
    async with db.write() as conn:
        if values and not await queries.update_unattached(
            conn, media_id=media_id, account_id=account_id, values=values
        ):
            raise NotFound()
        return await _own_unattached(conn, media_id, account_id, settings)


async def _own_unattached(
    conn: AsyncConnection, media_id: int, account_id: int, settings: Settings
) -> MediaResult:
    row = await queries.find_media(conn, media_id)
    if row is None or row["account_id"] != account_id or row["status_id"] is not None:
        raise NotFound()
    return MediaResult(media=render_media(row, settings), state=row["state"])


async def _result(conn: AsyncConnection, media_id: int, settings: Settings) -> MediaResult:
    row = await queries.find_media(conn, media_id)
    if row is None:  # pragma: no cover - inserted in this very transaction
        raise NotFound()
    return MediaResult(media=render_media(row, settings), state=row["state"])


# --- attaching (inside the status's transaction) -------------------------------------------


def parse_media_ids(media_ids: Sequence[str]) -> list[int]:
    """Distinct ids in the order given; more than four, or a non-id, is a 422."""
    distinct = list(dict.fromkeys(media_ids))
    if len(distinct) > MAX_ATTACHMENTS:
        raise Validation(TOO_MANY)
    bad = [value for value in distinct if not (value.isascii() and value.isdigit())]
    if bad or any(int(value) >= 2**63 for value in distinct):
        raise _not_found(distinct)
    return [int(value) for value in distinct]


async def attach_media(
    conn: AsyncConnection, *, status_id: int, account_id: int, media_ids: Sequence[int]
) -> None:
    """Attach the author's own ready, unattached media to a new status, in the caller's
    transaction: unknown, someone else's or already attached ids are a 422."""
    if not media_ids:
        return
    found = await queries.uploader_media(conn, account_id=account_id, media_ids=media_ids)
    missing = [i for i in media_ids if i not in found or found[i]["status_id"] is not None]
    if missing or any(found[i]["state"] == queries.FAILED for i in media_ids):
        raise _not_found([str(i) for i in missing or media_ids])
    if any(found[i]["state"] != queries.READY for i in media_ids):
        raise Validation(NOT_READY)
    attached = await queries.attach(
        conn, status_id=status_id, account_id=account_id, media_ids=media_ids
    )
    if attached != len(media_ids):  # another status took one meanwhile
        raise _not_found([str(i) for i in media_ids])


def _not_found(ids: Sequence[str]) -> Validation:
    return Validation(f"Validation failed: Media attachments with IDs {', '.join(ids)} not found")


# --- removing ------------------------------------------------------------------------------


async def remove_media(
    *,
    db: Database,
    storage: MediaStorage,
    status_id: int | None = None,
    account_id: int | None = None,
) -> int:
    """Worker: delete the attachments of a deleted status (or of a deleted account) and
    every file no other attachment shares; safe to run twice. Returns rows removed."""
    async with db.write() as conn:
        rows = await queries.delete_media(conn, status_id=status_id, account_id=account_id)
        keys = [
            key
            for row in rows
            for key in (row["file_key"], row["small_key"], row["upload_key"])
            if key
        ]
        shared = await queries.keys_in_use(conn, keys)
        # Inside the transaction: if the commit fails, the retry finds the rows again.
        for key in sorted(set(keys) - shared):
            await storage.delete(key)
    return len(rows)


# --- serving -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredFile:
    data: bytes
    content_type: str
    etag: str  # strong: the content hash the name carries


async def stored_file(*, storage: MediaStorage, key: str) -> StoredFile:
    """A processed file by its content-addressed key (uploads in progress are not served)."""
    digest = key.rsplit("/", 1)[-1].split(".", 1)[0]
    if not key.startswith(("files/", "small/")) or not valid_key(key) or len(digest) != 64:
        raise NotFound()
    data = await storage.get(key)
    if data is None:
        raise NotFound()
    return StoredFile(data=data, content_type=content_type_of_key(key), etag=f'"{digest}"')
