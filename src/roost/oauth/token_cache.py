"""Access tokens checked without a database round trip per request.

Notes on design: the hot read paths (home timeline) must not pay a query per request
to resolve a bearer token. Each process keeps the tokens it has seen in a bounded
in-memory map keyed by the token's digest (never the token itself) with the
viewer, whether the account still awaits approval, and its ``last_active_at``.

- Revocation in this process (``POST /oauth/revoke``) forgets the entry at once.
- Another process (a second API server) trusts its entry for at most
  ``token_cache_seconds`` (default 30 s): a token revoked elsewhere, or an account
  approved, suspended or deleted elsewhere, takes up to that long to be noticed there.
- Unknown tokens are not cached (a wrong token costs a query, as before).
- ``last_active_at`` rides along so the activity mark (``timelines.activity``) needs
  no query either: only when the cached value is more than an hour old.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from roost.db import Database
from roost.errors import Forbidden
from roost.oauth import queries
from roost.oauth.scopes import parse_scopes
from roost.oauth.secrets import digest
from roost.oauth.service import PENDING_APPROVAL, Viewer

MAX_ENTRIES = 100_000


@dataclass
class CachedToken:
    viewer: Viewer
    pending: bool
    last_active_at: datetime | None
    expires: float


_entries: OrderedDict[tuple[str, str], CachedToken] = OrderedDict()


async def authenticate(*, db: Database, token: str, ttl: float) -> CachedToken | None:
    """The cached entry for a bearer token (loaded on a miss), or None if it is not valid.

    Raises Forbidden for an account still awaiting approval, as ``service.authenticate``.
    """
    key = (db.url, digest(token))
    entry = _entries.get(key)
    if entry is None or entry.expires < time.monotonic():
        entry = await _load(db, key[1], ttl)
        if entry is None:
            _entries.pop(key, None)
            return None
        if entry.pending:  # not cached: an approval must show at once
            raise Forbidden(PENDING_APPROVAL)
        _entries[key] = entry
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    if entry.pending:
        raise Forbidden(PENDING_APPROVAL)
    return entry


async def _load(db: Database, token_hash: str, ttl: float) -> CachedToken | None:
    async with db.read() as conn:
        row = await queries.find_active_token(conn, token_hash)
    if row is None:
        return None
    viewer = Viewer(
        token_id=row["id"],
        application_id=row["application_id"],
        account_id=row["account_id"],
        scopes=parse_scopes(row["scopes"]),
    )
    return CachedToken(
        viewer=viewer,
        pending=row["account_id"] is not None and not row["account_approved"],
        last_active_at=row["account_last_active_at"],
        expires=time.monotonic() + ttl,
    )


def forget(db: Database, token: str) -> None:
    """Drop a token from this process's cache (it was revoked here)."""
    _entries.pop((db.url, digest(token)), None)


def forget_account(account_id: int) -> None:
    """Drop every cached token of an account (it was deleted or suspended here)."""
    for key in [k for k, e in _entries.items() if e.viewer.account_id == account_id]:
        _entries.pop(key, None)
