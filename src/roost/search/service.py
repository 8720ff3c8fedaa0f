"""Search (``/api/v2/search``) and the upkeep of the full-text index.

Which parts of a query are searched follows Mastodon's ``SearchService``: statuses only
for a signed-in searcher and not for a lone ``#tag`` or ``@handle``; accounts unless the
query starts with ``#`` (or holds both ``@`` and a space); hashtags unless it holds ``@``.
``offset`` applies only when ``type`` names one kind, as in Mastodon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from roost.accounts.entities import render_account
from roost.accounts.queries import find_accounts
from roost.db import Database
from roost.search import queries
from roost.settings import Settings
from roost.statuses.entities import render_statuses
from roost.tags.entities import render_tags

KINDS = ("accounts", "statuses", "hashtags")
MAX_WORDS = 16
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class SearchQuery:
    """A parsed search request (``limit`` already clamped, ``offset`` non-negative)."""

    q: str
    kind: str | None
    limit: int
    offset: int
    following: bool = False
    account_id: int | None = None


def _account_term(q: str, settings: Settings) -> str | None:
    """The username/display-name prefix: ``@name`` and ``name@this-domain`` become ``name``;
    a handle on another domain matches no local account."""
    term = q.removeprefix("@")
    if "@" in term:
        term, _, domain = term.partition("@")
        if domain.lower() not in ("", settings.instance_domain.lower()):
            return None
    return term.strip() or None


async def search(
    *, db: Database, settings: Settings, viewer_account_id: int | None, query: SearchQuery
) -> dict[str, list[dict[str, Any]]]:
    """Accounts, statuses and hashtags matching ``query``, each only what the viewer may see."""
    results: dict[str, list[dict[str, Any]]] = {"accounts": [], "statuses": [], "hashtags": []}
    q = query.q.strip()
    if not q or query.limit == 0:
        return results
    offset = query.offset if query.kind is not None else 0

    def wanted(kind: str) -> bool:
        return query.kind is None or query.kind == kind

    lone_handle = (q.startswith("#") or "@" in q) and " " not in q
    async with db.read() as conn:
        if wanted("accounts") and not (q.startswith("#") or ("@" in q and " " in q)):
            term = _account_term(q, settings)
            if term is not None:
                ids = await queries.search_accounts(
                    conn,
                    viewer_id=viewer_account_id,
                    prefix=term,
                    following=query.following and viewer_account_id is not None,
                    limit=query.limit,
                    offset=offset,
                )
                rows = await find_accounts(conn, ids)
                results["accounts"] = [render_account(rows[i], settings) for i in ids if i in rows]
        if wanted("statuses") and viewer_account_id is not None and not lone_handle:
            words = _WORD.findall(q.lower())[:MAX_WORDS]
            rows_found = await queries.search_statuses(
                conn,
                viewer_id=viewer_account_id,
                words=words,
                account_id=query.account_id,
                limit=query.limit,
                offset=offset,
            )
            results["statuses"] = await render_statuses(
                conn, rows=rows_found, viewer_account_id=viewer_account_id, settings=settings
            )
        if wanted("hashtags") and "@" not in q:
            prefix = q.removeprefix("#").strip()
            if prefix:
                tag_rows = await queries.search_tags(
                    conn, prefix=prefix, limit=query.limit, offset=offset
                )
                results["hashtags"] = await render_tags(
                    conn, rows=tag_rows, viewer_account_id=viewer_account_id, settings=settings
                )
    return results


# --- the index (worker side) ---------------------------------------------------------------


async def index_status(*, db: Database, status_id: int) -> None:
    """Make the index hold the status's current text (content warning and text)."""
    async with db.write() as conn:
        row = await queries.find_indexable(conn, status_id)
        if row is None:
            return
        body = f"{row['spoiler_text']} {row['text']}"
        await queries.index_status(conn, status_id=status_id, body=body)


async def remove_status(*, db: Database, status_id: int) -> None:
    """A deleted status leaves the index."""
    async with db.write() as conn:
        await queries.remove_status(conn, status_id)


async def remove_orphans(*, db: Database) -> None:
    """After an account deletion: entries of statuses that no longer exist leave the index."""
    async with db.write() as conn:
        await queries.remove_orphans(conn)


async def reindex(*, db: Database) -> int:
    """Rebuild the whole index from the statuses table (``roost admin reindex-search``)."""
    async with db.write() as conn:
        return await queries.reindex_all(conn)
