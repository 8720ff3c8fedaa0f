"""Use cases for tokens: authenticate a bearer token, issue and revoke tokens."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db import Database
from roost.errors import Forbidden
from roost.oauth import queries
from roost.oauth.scopes import format_scopes, parse_scopes
from roost.oauth.secrets import digest, new_secret

PENDING_APPROVAL = "Your login is currently pending approval"


@dataclass(frozen=True)
class Viewer:
    """Who is making a request: the token, its app, its user (None for app tokens), its scopes."""

    token_id: int
    application_id: int
    account_id: int | None
    scopes: frozenset[str]


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown to the client once, never stored
    token_id: int
    scopes: frozenset[str]
    created_at_epoch: int


async def authenticate(*, db: Database, token: str) -> Viewer | None:
    """The viewer a bearer token stands for, or None if it is unknown or revoked.

    A token of an account still waiting for approval raises Forbidden (403, Mastodon's
    "pending approval"), so no endpoint serves such an account before an admin lets it in.
    """
    async with db.read() as conn:
        row = await queries.find_active_token(conn, digest(token))
    if row is None:
        return None
    if row["account_id"] is not None and not row["account_approved"]:
        raise Forbidden(PENDING_APPROVAL)
    return Viewer(
        token_id=row["id"],
        application_id=row["application_id"],
        account_id=row["account_id"],
        scopes=parse_scopes(row["scopes"]),
    )


async def issue_token(
    conn: AsyncConnection,
    *,
    application_id: int,
    account_id: int | None,
    scopes: frozenset[str],
) -> IssuedToken:
    """Create an access token inside the caller's transaction."""
    token = new_secret()
    token_id = await queries.insert_token(
        conn,
        token_hash=digest(token),
        application_id=application_id,
        account_id=account_id,
        scopes=format_scopes(scopes),
    )
    return IssuedToken(
        token=token, token_id=token_id, scopes=scopes, created_at_epoch=int(time.time())
    )


async def application_scopes(conn: AsyncConnection, *, application_id: int) -> frozenset[str]:
    """The scopes an application registered for: the most any of its tokens may hold."""
    row = await queries.find_application(conn, application_id)
    return parse_scopes(row["scopes"]) if row is not None else frozenset()
