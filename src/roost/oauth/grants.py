"""Use cases behind POST /oauth/token and /oauth/revoke: the three grant types and revocation.

Every failure is an ``OAuthError`` with Doorkeeper's code and description. Sign-in
failures say the same thing whether the account is unknown or the password wrong,
and cost the same (``check_credentials`` hashes against a dummy when needed).
"""

from __future__ import annotations

from redis.asyncio import Redis
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.service import check_credentials
from roost.cache.keys import Keys
from roost.db import Database
from roost.db.metadata import utcnow
from roost.oauth import queries, revocations, token_cache
from roost.oauth.applications import authenticate_client
from roost.oauth.errors import OAuthError
from roost.oauth.scopes import grants, parse_scopes, unknown_scopes
from roost.oauth.secrets import digest
from roost.oauth.service import PENDING_APPROVAL, IssuedToken, issue_token


def resolve_scopes(requested: str | None, *, allowed: frozenset[str]) -> frozenset[str]:
    """The scopes asked for (default ``read``); the app must have registered each of them.

    A sub-scope counts as registered when the app holds its parent (``read`` covers
    ``read:accounts``): asking for less than was registered is always fine.
    """
    scopes = parse_scopes(requested)
    if unknown_scopes(scopes) or not all(grants(allowed, scope) for scope in scopes):
        raise OAuthError("invalid_scope")
    return scopes


async def _client(
    conn: AsyncConnection, *, client_id: str | None, client_secret: str | None
) -> RowMapping:
    application = await authenticate_client(conn, client_id=client_id, client_secret=client_secret)
    if application is None:
        raise OAuthError("invalid_client")
    return application


async def exchange_code(
    *,
    db: Database,
    client_id: str | None,
    client_secret: str | None,
    code: str,
    redirect_uri: str | None,
) -> IssuedToken:
    """Trade a single-use authorization code for a token (grant_type=authorization_code)."""
    async with db.write() as conn:
        application = await _client(conn, client_id=client_id, client_secret=client_secret)
        code_hash = digest(code)
        row = await queries.find_authorization_code(conn, code_hash)
        if (
            row is None
            or row["application_id"] != application["id"]
            or row["redirect_uri"] != redirect_uri
            or row["used_at"] is not None
            or row["expires_at"] <= utcnow()
            or not await queries.use_authorization_code(conn, code_hash)
        ):
            raise OAuthError("invalid_grant")
        return await issue_token(
            conn,
            application_id=application["id"],
            account_id=row["account_id"],
            scopes=parse_scopes(row["scopes"]),
        )


async def password_grant(
    *,
    db: Database,
    client_id: str | None,
    client_secret: str | None,
    username: str,
    password: str,
    scope: str | None,
) -> IssuedToken:
    """Sign in with email (or username) and password (grant_type=password)."""
    # Notes on design: the password hash is checked in a read transaction, so the
    # deliberately slow argon2 never holds SQLite's single write lock.
    async with db.read() as conn:
        application = await _client(conn, client_id=client_id, client_secret=client_secret)
        scopes = resolve_scopes(scope, allowed=parse_scopes(application["scopes"]))
        account = await check_credentials(conn, login=username, password=password)
    if account is None:
        raise OAuthError("invalid_grant")
    if not account["approved"]:
        raise OAuthError("invalid_grant", PENDING_APPROVAL)
    async with db.write() as conn:
        return await issue_token(
            conn, application_id=application["id"], account_id=account["id"], scopes=scopes
        )


async def client_credentials_grant(
    *, db: Database, client_id: str | None, client_secret: str | None, scope: str | None
) -> IssuedToken:
    """A token acting for the app and no user (grant_type=client_credentials)."""
    async with db.write() as conn:
        application = await _client(conn, client_id=client_id, client_secret=client_secret)
        scopes = resolve_scopes(scope, allowed=parse_scopes(application["scopes"]))
        return await issue_token(
            conn, application_id=application["id"], account_id=None, scopes=scopes
        )


async def revoke(
    *,
    db: Database,
    redis: Redis | None,
    keys: Keys,
    client_id: str | None,
    client_secret: str | None,
    token: str | None,
) -> None:
    """Revoke a token for the app it was issued to (RFC 7009: unknown tokens are fine)."""
    if not token:
        return
    async with db.write() as conn:
        row = await queries.find_token(conn, digest(token))
        if row is None:
            return
        application = await authenticate_client(
            conn, client_id=client_id, client_secret=client_secret
        )
        if application is None or application["id"] != row["application_id"]:
            raise OAuthError("unauthorized_client")
        await queries.revoke_token_by_id(conn, row["id"])
    token_cache.forget(db, token)  # this process stops trusting it at once
    await revocations.announce(redis, keys, digests=[digest(token)])  # and the others
