"""SQL for accounts."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from roost.accounts.schema import accounts
from roost.db.metadata import utcnow
from roost.ids import new_id


async def find_account(conn: AsyncConnection, account_id: int) -> RowMapping | None:
    query = select(accounts).where(accounts.c.id == account_id)
    return (await conn.execute(query)).mappings().first()


async def find_accounts(conn: AsyncConnection, account_ids: Iterable[int]) -> dict[int, RowMapping]:
    ids = set(account_ids)
    if not ids:
        return {}
    rows = (await conn.execute(select(accounts).where(accounts.c.id.in_(ids)))).mappings().all()
    return {row["id"]: row for row in rows}


async def find_account_by_username(conn: AsyncConnection, username: str) -> RowMapping | None:
    query = select(accounts).where(accounts.c.username_key == username.lower())
    return (await conn.execute(query)).mappings().first()


async def find_accounts_by_usernames(
    conn: AsyncConnection, usernames: Iterable[str]
) -> dict[str, RowMapping]:
    """Accounts keyed by lower-cased username."""
    keys = {name.lower() for name in usernames}
    if not keys:
        return {}
    query = select(accounts).where(accounts.c.username_key.in_(keys))
    rows = (await conn.execute(query)).mappings().all()
    return {row["username_key"]: row for row in rows}


async def find_account_by_email(conn: AsyncConnection, email: str) -> RowMapping | None:
    query = select(accounts).where(accounts.c.email == email.lower())
    return (await conn.execute(query)).mappings().first()


async def insert_account(
    conn: AsyncConnection,
    *,
    username: str,
    email: str,
    password_hash: str,
    approved: bool,
    display_name: str = "",
) -> int:
    account_id = new_id()
    await conn.execute(
        insert(accounts).values(
            id=account_id,
            username=username,
            username_key=username.lower(),
            email=email.lower(),
            password_hash=password_hash,
            display_name=display_name,
            approved=approved,
            created_at=utcnow(),
        )
    )
    return account_id


async def update_account_profile(
    conn: AsyncConnection, account_id: int, values: dict[str, str | bool]
) -> None:
    """Set profile columns (display_name, note, locked, bot, discoverable) of one account."""
    await conn.execute(update(accounts).where(accounts.c.id == account_id).values(**values))
