"""SQL for the full-text status index and the account and hashtag prefix searches.

Every status query returns full ``statuses`` rows (what ``render_statuses`` takes),
filtered in the database with ``visible_to``, best match first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal_column,
    not_,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.schema import accounts, blocks, follows, mutes
from roost.search.schema import TS_CONFIG, postgres_index, sqlite_index
from roost.statuses.schema import statuses, tags
from roost.statuses.visibility import visible_to

# --- the index -----------------------------------------------------------------------------


async def find_indexable(conn: AsyncConnection, status_id: int) -> RowMapping | None:
    """The status's searchable text, or None when it is gone or a reblog (not indexed)."""
    query = select(statuses.c.id, statuses.c.text, statuses.c.spoiler_text).where(
        statuses.c.id == status_id, statuses.c.reblog_of_id.is_(None)
    )
    return (await conn.execute(query)).mappings().first()


async def index_status(conn: AsyncConnection, *, status_id: int, body: str) -> None:
    """Write (or rewrite) one status's entry: running it twice leaves one entry."""
    if conn.dialect.name == "sqlite":
        await conn.execute(delete(sqlite_index).where(sqlite_index.c.rowid == status_id))
        await conn.execute(insert(sqlite_index).values(rowid=status_id, body=body))
        return
    document = func.to_tsvector(TS_CONFIG, body)
    statement = postgresql.insert(postgres_index).values(status_id=status_id, document=document)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[postgres_index.c.status_id],
            set_={"document": statement.excluded.document},
        )
    )


async def remove_status(conn: AsyncConnection, status_id: int) -> None:
    """Drop one status's entry (already gone on PostgreSQL, where it cascades)."""
    if conn.dialect.name == "sqlite":
        await conn.execute(delete(sqlite_index).where(sqlite_index.c.rowid == status_id))
    else:
        await conn.execute(delete(postgres_index).where(postgres_index.c.status_id == status_id))


async def remove_orphans(conn: AsyncConnection) -> None:
    """Drop entries whose status no longer exists (SQLite only: nothing cascades into FTS5)."""
    if conn.dialect.name == "sqlite":
        await conn.execute(
            text("DELETE FROM status_search WHERE rowid NOT IN (SELECT id FROM statuses)")
        )


async def reindex_all(conn: AsyncConnection) -> int:
    """Rebuild the whole index from ``statuses``; returns the number of entries."""
    if conn.dialect.name == "sqlite":
        await conn.execute(text("DELETE FROM status_search"))
        await conn.execute(
            text(
                "INSERT INTO status_search (rowid, body) SELECT id, spoiler_text || ' ' || text"
                " FROM statuses WHERE reblog_of_id IS NULL"
            )
        )
    else:
        await conn.execute(text("DELETE FROM status_search"))
        await conn.execute(
            text(
                "INSERT INTO status_search (status_id, document) SELECT id,"
                f" to_tsvector('{TS_CONFIG}', spoiler_text || ' ' || text)"
                " FROM statuses WHERE reblog_of_id IS NULL"
            )
        )
    count = await conn.execute(text("SELECT count(*) FROM status_search"))
    return int(count.scalar_one())


# --- searching -----------------------------------------------------------------------------


async def search_statuses(
    conn: AsyncConnection,
    *,
    viewer_id: int,
    words: Sequence[str],
    account_id: int | None,
    limit: int,
    offset: int,
) -> list[RowMapping]:
    """Statuses containing every word, that the viewer may see, best match first.

    Ranking: BM25 on SQLite (FTS5's ``bm25``), ``ts_rank`` on PostgreSQL; ties go to
    the newer status. Authors the viewer mutes are left out, as Mastodon's search does.
    """
    if not words:
        return []
    conditions: list[ColumnElement[bool]] = [
        statuses.c.reblog_of_id.is_(None),
        visible_to(viewer_id),
        not_(
            exists().where(
                mutes.c.account_id == viewer_id, mutes.c.target_account_id == statuses.c.account_id
            )
        ),
    ]
    if account_id is not None:
        conditions.append(statuses.c.account_id == account_id)
    if conn.dialect.name == "sqlite":
        fts: ColumnElement[Any] = literal_column("status_search")
        match = " ".join('"' + word.replace('"', '""') + '"' for word in words)
        query = (
            select(statuses)
            .join(sqlite_index, sqlite_index.c.rowid == statuses.c.id)
            .where(fts.op("MATCH")(match), *conditions)
            .order_by(func.bm25(fts).asc(), statuses.c.id.desc())
        )
    else:
        tsquery = func.plainto_tsquery(TS_CONFIG, " ".join(words))
        document = postgres_index.c.document
        query = (
            select(statuses)
            .join(postgres_index, postgres_index.c.status_id == statuses.c.id)
            .where(document.op("@@")(tsquery), *conditions)
            .order_by(func.ts_rank(document, tsquery).desc(), statuses.c.id.desc())
        )
    rows = await conn.execute(query.limit(limit).offset(offset))
    return list(rows.mappings().all())


def _like_prefix(prefix: str) -> str:
    """A LIKE pattern matching strings that start with ``prefix`` (escape character ``\\``)."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


async def search_accounts(
    conn: AsyncConnection,
    *,
    viewer_id: int | None,
    prefix: str,
    following: bool,
    limit: int,
    offset: int,
) -> list[int]:
    """Account ids whose username or display name (or a word of it) starts with ``prefix``.

    Order: the exact username, then accounts the viewer follows, then by followers.
    Accounts awaiting approval and accounts blocking or blocked by the viewer are left out.
    """
    key = prefix.lower()
    pattern = _like_prefix(key)
    display = func.lower(accounts.c.display_name)
    conditions: list[ColumnElement[bool]] = [
        accounts.c.approved.is_(True),
        or_(
            accounts.c.username_key.like(pattern, escape="\\"),
            display.like(pattern, escape="\\"),
            display.like("% " + pattern, escape="\\"),
        ),
    ]
    followed = exists().where(
        follows.c.account_id == viewer_id, follows.c.target_account_id == accounts.c.id
    )
    if viewer_id is not None:
        conditions.append(
            not_(
                exists().where(
                    or_(
                        and_(
                            blocks.c.account_id == viewer_id,
                            blocks.c.target_account_id == accounts.c.id,
                        ),
                        and_(
                            blocks.c.account_id == accounts.c.id,
                            blocks.c.target_account_id == viewer_id,
                        ),
                    )
                )
            )
        )
        if following:
            conditions.append(followed)
    order = [case((accounts.c.username_key == key, 0), else_=1)]
    if viewer_id is not None:
        order.append(case((followed, 0), else_=1))
    query = (
        select(accounts.c.id)
        .where(*conditions)
        .order_by(*order, accounts.c.followers_count.desc(), accounts.c.id)
        .limit(limit)
        .offset(offset)
    )
    return list((await conn.execute(query)).scalars().all())


async def search_tags(
    conn: AsyncConnection, *, prefix: str, limit: int, offset: int
) -> list[RowMapping]:
    """Hashtags whose name starts with ``prefix``: the exact name first, then shorter names."""
    key = prefix.lower()
    query = (
        select(tags)
        .where(tags.c.name_key.like(_like_prefix(key), escape="\\"))
        .order_by(
            case((tags.c.name_key == key, 0), else_=1),
            func.length(tags.c.name_key),
            tags.c.name_key,
        )
        .limit(limit)
        .offset(offset)
    )
    return list((await conn.execute(query)).mappings().all())
