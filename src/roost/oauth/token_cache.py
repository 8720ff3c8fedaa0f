"""Access tokens checked without a database round trip per request.

Notes on design: the hot read paths (home timeline) must not pay a query per request
to resolve a bearer token. Each app (one per process) keeps the tokens it has seen in
a bounded in-memory map keyed by the token's digest (never the token itself) with the
viewer, whether the account still awaits approval, and its ``last_active_at``. The
map belongs to the app's ``Database``, so two apps in one process (tests) do not
share it, exactly as two server processes would not.

- Revocation in this process (``POST /oauth/revoke``, account deletion) forgets the
  entry at once. Scaled out, the digests (or account ids) are also published on a
  Redis channel after the commit (``oauth.revocations``), and every API process
  forgets them within milliseconds; a subscriber that lost its connection clears its
  whole cache when it is back, since it may have missed messages.
- So an entry is trusted for ``token_cache_seconds`` (default 300 s), long enough that
  a busy server almost never reloads a token. The expiry only bounds how long another
  process misses a revocation whose message could not be published (Redis down then).
- Tokens of accounts awaiting approval and unknown tokens are not cached (an approval
  shows at once; a wrong token costs a query, as before).
- While the database is down (level 3) an expired entry is still trusted: the process
  serves read-only from Redis then, and the revocation channel keeps working.
- ``last_active_at`` rides along so the activity mark (``timelines.activity``) needs
  no query either: only when the cached value is more than an hour old.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from weakref import WeakKeyDictionary

from roost.db import Database
from roost.errors import Forbidden
from roost.oauth import queries
from roost.oauth.scopes import parse_scopes
from roost.oauth.secrets import digest
from roost.oauth.service import PENDING_APPROVAL, Viewer
from roost.resilience.errors import DependencyUnavailable

MAX_ENTRIES = 100_000


@dataclass
class CachedToken:
    viewer: Viewer
    pending: bool
    last_active_at: datetime | None
    expires: float


_caches: WeakKeyDictionary[Database, OrderedDict[str, CachedToken]] = WeakKeyDictionary()


def _entries(db: Database) -> OrderedDict[str, CachedToken]:
    entries = _caches.get(db)
    if entries is None:
        entries = _caches[db] = OrderedDict()
    return entries


async def authenticate(*, db: Database, token: str, ttl: float) -> CachedToken | None:
    """The cached entry for a bearer token (loaded on a miss), or None if it is not valid.

    Raises Forbidden for an account still awaiting approval, as ``service.authenticate``.
    """
    entries = _entries(db)
    key = digest(token)
    entry = entries.get(key)
    if entry is None or entry.expires < time.monotonic():
        stale = entry
        try:
            entry = await _load(db, key, ttl)
        except DependencyUnavailable:
            if stale is None:
                raise
            return stale  # level 3: the database is down, keep the last known answer
        if entry is None:
            entries.pop(key, None)
            return None
        if entry.pending:  # not cached: an approval must show at once
            raise Forbidden(PENDING_APPROVAL)
        entries[key] = entry
        entries.move_to_end(key)
        while len(entries) > MAX_ENTRIES:
            entries.popitem(last=False)
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
    """Drop a token from this app's cache (it was revoked here)."""
    forget_digests(db, [digest(token)])


def forget_digests(db: Database, digests: Iterable[str]) -> None:
    """Drop tokens by digest (revoked here or, as a published message says, elsewhere)."""
    entries = _entries(db)
    for token_hash in digests:
        entries.pop(token_hash, None)


def forget_accounts(db: Database, account_ids: Iterable[int]) -> None:
    """Drop every cached token of these accounts (deleted here or elsewhere)."""
    wanted = set(account_ids)
    entries = _entries(db)
    for key in [k for k, e in entries.items() if e.viewer.account_id in wanted]:
        entries.pop(key, None)


def clear(db: Database) -> None:
    """Forget every cached token of this app (revocation messages may have been missed)."""
    _entries(db).clear()
