"""SQL for applications and tokens."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.db.metadata import utcnow
from roost.ids import new_id
from roost.oauth.schema import access_tokens, applications


async def find_active_token(conn: AsyncConnection, token_hash: str) -> RowMapping | None:
    query = select(access_tokens).where(
        access_tokens.c.token_hash == token_hash, access_tokens.c.revoked_at.is_(None)
    )
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
