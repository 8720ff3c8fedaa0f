"""SQL for applications and tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.schema import accounts
from roost.db.metadata import utcnow
from roost.ids import new_id
from roost.oauth.schema import access_tokens, applications, authorization_codes


async def find_active_token(conn: AsyncConnection, token_hash: str) -> RowMapping | None:
    """The live token with ``account_approved`` (None for app tokens) from its account."""
    query = (
        select(
            access_tokens,
            accounts.c.approved.label("account_approved"),
            accounts.c.last_active_at.label("account_last_active_at"),
        )
        .select_from(access_tokens.outerjoin(accounts, accounts.c.id == access_tokens.c.account_id))
        .where(access_tokens.c.token_hash == token_hash, access_tokens.c.revoked_at.is_(None))
    )
    return (await conn.execute(query)).mappings().first()


async def find_token(conn: AsyncConnection, token_hash: str) -> RowMapping | None:
    """A token by digest, revoked or not."""
    query = select(access_tokens).where(access_tokens.c.token_hash == token_hash)
    return (await conn.execute(query)).mappings().first()


async def find_token_by_id(conn: AsyncConnection, token_id: int) -> RowMapping | None:
    query = select(access_tokens).where(access_tokens.c.id == token_id)
    return (await conn.execute(query)).mappings().first()


async def insert_token(
    conn: AsyncConnection,
    *,
    token_hash: str,
    application_id: int,
    account_id: int | None,
    scopes: str,
) -> int:
    token_id = new_id()
    await conn.execute(
        insert(access_tokens).values(
            id=token_id,
            token_hash=token_hash,
            application_id=application_id,
            account_id=account_id,
            scopes=scopes,
            created_at=utcnow(),
        )
    )
    return token_id


async def revoke_token(conn: AsyncConnection, token_hash: str) -> None:
    await conn.execute(
        update(access_tokens)
        .where(access_tokens.c.token_hash == token_hash, access_tokens.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def find_application(conn: AsyncConnection, application_id: int) -> RowMapping | None:
    query = select(applications).where(applications.c.id == application_id)
    return (await conn.execute(query)).mappings().first()


async def find_application_by_client_id(conn: AsyncConnection, client_id: str) -> RowMapping | None:
    query = select(applications).where(applications.c.client_id == client_id)
    return (await conn.execute(query)).mappings().first()


async def insert_application(
    conn: AsyncConnection,
    *,
    name: str,
    website: str | None,
    redirect_uris: str,
    scopes: str,
    client_id: str,
    client_secret_hash: str,
) -> int:
    application_id = new_id()
    await conn.execute(
        insert(applications).values(
            id=application_id,
            name=name,
            website=website,
            redirect_uris=redirect_uris,
            scopes=scopes,
            client_id=client_id,
            client_secret_hash=client_secret_hash,
            created_at=utcnow(),
        )
    )
    return application_id


async def insert_authorization_code(
    conn: AsyncConnection,
    *,
    code_hash: str,
    application_id: int,
    account_id: int,
    redirect_uri: str,
    scopes: str,
    expires_at: datetime,
) -> None:
    await conn.execute(
        insert(authorization_codes).values(
            code_hash=code_hash,
            application_id=application_id,
            account_id=account_id,
            redirect_uri=redirect_uri,
            scopes=scopes,
            expires_at=expires_at,
        )
    )


async def find_authorization_code(conn: AsyncConnection, code_hash: str) -> RowMapping | None:
    query = select(authorization_codes).where(authorization_codes.c.code_hash == code_hash)
    return (await conn.execute(query)).mappings().first()


async def use_authorization_code(conn: AsyncConnection, code_hash: str) -> bool:
    """Mark a code used; False if it already was (a concurrent exchange won)."""
    result = await conn.execute(
        update(authorization_codes)
        .where(
            authorization_codes.c.code_hash == code_hash,
            authorization_codes.c.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    return result.rowcount == 1


async def revoke_token_by_id(conn: AsyncConnection, token_id: int) -> None:
    await conn.execute(
        update(access_tokens)
        .where(access_tokens.c.id == token_id, access_tokens.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
