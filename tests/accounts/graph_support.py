"""Helpers for the social-graph tests: counters checked against the rows, account flags."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select, update

from roost.accounts.schema import accounts, follows
from roost.db import Database
from tests.conftest import Actor


async def counters(client: httpx.AsyncClient, actor: Actor) -> tuple[int, int]:
    """(followers_count, following_count) as the public Account entity shows them."""
    response = await client.get(f"/api/v1/accounts/{actor.id}")
    assert response.status_code == 200, response.text
    body = response.json()
    return body["followers_count"], body["following_count"]


async def assert_counters_match_rows(db: Database) -> None:
    """Every account's follower and following counters equal the follows rows that exist."""
    followers = (
        select(func.count())
        .select_from(follows)
        .where(follows.c.target_account_id == accounts.c.id)
        .scalar_subquery()
    )
    following = (
        select(func.count())
        .select_from(follows)
        .where(follows.c.account_id == accounts.c.id)
        .scalar_subquery()
    )
    query = select(
        accounts.c.username,
        accounts.c.followers_count,
        followers,
        accounts.c.following_count,
        following,
    )
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
    wrong = [tuple(row) for row in rows if row[1] != row[2] or row[3] != row[4]]
    assert not wrong, f"(username, followers, real, following, real) out of step: {wrong}"


async def set_account(db: Database, actor: Actor, **values: Any) -> None:
    """Change account columns directly (locked, approved) for set-up."""
    async with db.write() as conn:
        await conn.execute(update(accounts).where(accounts.c.id == int(actor.id)).values(**values))


def link_urls(response: httpx.Response) -> dict[str, str]:
    """The ``Link`` header as {rel: url}."""
    header = response.headers.get("link", "")
    found: dict[str, str] = {}
    for part in header.split(","):
        if not part.strip():
            continue
        url, _, rel = part.partition(";")
        found[rel.strip().removeprefix('rel="').removesuffix('"')] = url.strip().strip("<>")
    return found


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]
